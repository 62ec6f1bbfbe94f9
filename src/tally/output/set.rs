//! `tally.xlsx`, `tally.csv` and `tally.json` as one set: the run digest each of them carries
//! in its own metadata, and reading a folder's set back to tell whether its files belong
//! together (a run cut short while replacing them leaves some new and some old).
//!
//! The digest is 16 hex digits of SHA-256 over everything the three files are made from: the
//! rungs version, the creation date, the ladder (its fingerprint, id, title, version and area
//! titles), the reviews the manifest expects, and every review and problem the import found
//! (file paths, provenance, answers, a digest of each evidence text). The options act through
//! those. Two runs that would write the same bytes
//! have the same digest; two that would not, different ones.

use std::path::Path;

use super::{OUTPUT_FILES, json::JSON_FORMAT, problems};
use crate::diag::Flags;
use crate::model::Ladder;
use crate::tally::Import;
use crate::tally::history::Previous;
use crate::util::set::{self, Carried, RunDigest, Set, Wording};
use crate::workbook::Manifest;
use crate::workbook::read::Rating;

pub use crate::util::set::DIGEST_FIELD;

/// Where `tally.xlsx` keeps the digest: a custom document property. `tally.json` keeps it in
/// a top-level field and `tally.csv` in a column, on every row ([`DIGEST_FIELD`]).
pub const DIGEST_PROPERTY: &str = "rungs_run_digest";

/// The digest of one tally run (see the module's comment). Each review goes into the hash as
/// one record, so its cost is a few hundred bytes of hashing per review.
pub fn run_digest(
    ladder: &Ladder,
    manifest: Option<&Manifest>,
    import: &Import,
    epoch: i64,
    flags: &Flags,
    previous: Option<&Previous>,
) -> String {
    let mut d = RunDigest::new("rungs tally run 1");
    let meta = &ladder.meta;
    for text in [
        env!("CARGO_PKG_VERSION"),
        &epoch.to_string(),
        // The fingerprint covers the levels, the scale and the competencies; the rest of what
        // the outputs show of the ladder comes after it.
        &meta.fingerprint,
        &meta.id,
        &meta.title,
        &meta.version,
    ]
    .into_iter()
    .chain(ladder.areas.iter().map(|a| a.title.as_str()))
    {
        d.field(text.as_bytes());
    }
    // Last cycle (`--previous`), by its name (the outputs show it) and its bytes' digest; a run
    // without one hashes as before.
    if let Some(p) = previous {
        for text in ["previous", &p.file, &p.sha256] {
            d.field(text.as_bytes());
        }
    }
    // The manifest counts through the reviews it expects per person and cycle (the reviews not
    // returned are among the problems).
    let mut expected: Vec<(&str, &str)> = manifest
        .map(|manifest| {
            manifest
                .reviews
                .iter()
                .map(|e| {
                    (
                        e.provenance.employee_id.as_str(),
                        e.provenance.cycle.as_str(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    expected.sort_unstable();
    d.count(expected.len());
    for (employee, cycle) in expected {
        d.field(employee.as_bytes()).field(cycle.as_bytes());
    }
    for kept in &import.reviews {
        let (r, prov) = (&kept.returned, &kept.returned.prov);
        for text in [
            r.file.as_str(),
            &prov.form_id,
            &prov.employee_id,
            &prov.person_name,
            &prov.current_level,
            &prov.reviewer,
            prov.reviewer_role.as_str(),
            &prov.cycle,
            prov.due_date.as_deref().unwrap_or("\0"),
        ] {
            d.field(text.as_bytes());
        }
        d.count(r.answers.len());
        for a in &r.answers {
            let rating = match a.rating {
                Rating::Blank => u32::MAX,
                Rating::NotObserved => u32::MAX - 1,
                Rating::Option(i) => i,
            };
            d.raw(&a.competency.to_le_bytes())
                .raw(&rating.to_le_bytes())
                .raw(&a.evidence_digest);
        }
    }
    for problem in problems(import, flags) {
        d.field(&serde_json::to_vec(&problem).unwrap_or_default());
    }
    d.finish()
}

/// The words of the tally's messages.
pub const WORDING: Wording = Wording {
    mixed_code: "tally-mixed",
    incomplete_code: "tally-incomplete",
    none_code: "no-tally",
    unchecked_code: "tally-unchecked",
    noun: "tally",
    plural: false,
    unit: ("file", "files"),
    what: "a rungs tally",
    hint: "a run was cut short while replacing them: a complete `rungs tally` run writes all three anew",
    again: "run the tally again to write a set that can be checked",
};

/// Reads the digest each file of the tally in `dir` carries, in [`OUTPUT_FILES`] order. Reads
/// little: the `.xlsx`'s document properties, the `.csv`'s header and first row, the `.json`'s
/// first fields.
pub fn read(dir: &Path) -> Set {
    Set::named(dir, &OUTPUT_FILES, |path, name| {
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("xlsx") => from_xlsx(path),
            Some("csv") => set::from_csv(path),
            _ => set::from_json(path, JSON_FORMAT),
        }
    })
}

fn from_xlsx(path: &Path) -> Carried {
    let mut xlsx: calamine::Xlsx<_> = match calamine::open_workbook(path) {
        Ok(x) => x,
        Err(e) => return Carried::Unreadable(e.to_string()),
    };
    match xlsx.workbook_properties() {
        Ok(p) => p
            .custom_properties
            .get(DIGEST_PROPERTY)
            .map_or(Carried::NoDigest, |d| Carried::Digest(d.clone())),
        Err(e) => Carried::Unreadable(e.to_string()),
    }
}
