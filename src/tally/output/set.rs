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

use std::fs::File;
use std::io::{BufReader, ErrorKind};
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use sha2::{Digest, Sha256};

use super::{OUTPUT_FILES, json::JSON_FORMAT, problems};
use crate::diag::{Diagnostic, Flags, Location};
use crate::model::Ladder;
use crate::tally::Import;
use crate::tally::history::Previous;
use crate::util::text::hex;
use crate::workbook::Manifest;
use crate::workbook::read::Rating;

/// Where `tally.xlsx` keeps the digest: a custom document property.
pub const DIGEST_PROPERTY: &str = "rungs_run_digest";
/// Where `tally.json` keeps it (a top-level field) and `tally.csv` (a column, on every row).
pub const DIGEST_FIELD: &str = "run_digest";

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
    let mut hasher = Sha256::new();
    let mut record = Vec::with_capacity(1024);
    // Every field is length-prefixed, so no two sequences of fields hash alike.
    let field = |record: &mut Vec<u8>, bytes: &[u8]| {
        record.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        record.extend_from_slice(bytes);
    };
    let meta = &ladder.meta;
    for text in [
        "rungs tally run 1",
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
        field(&mut record, text.as_bytes());
    }
    // Last cycle (`--previous`), by its name (the outputs show it) and its bytes' digest; a run
    // without one hashes as before.
    if let Some(p) = previous {
        for text in ["previous", &p.file, &p.sha256] {
            field(&mut record, text.as_bytes());
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
    field(&mut record, &(expected.len() as u64).to_le_bytes());
    for (employee, cycle) in expected {
        field(&mut record, employee.as_bytes());
        field(&mut record, cycle.as_bytes());
    }
    hasher.update(&record);
    for kept in &import.reviews {
        record.clear();
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
            field(&mut record, text.as_bytes());
        }
        field(&mut record, &(r.answers.len() as u64).to_le_bytes());
        for a in &r.answers {
            let rating = match a.rating {
                Rating::Blank => u32::MAX,
                Rating::NotObserved => u32::MAX - 1,
                Rating::Option(i) => i,
            };
            record.extend_from_slice(&a.competency.to_le_bytes());
            record.extend_from_slice(&rating.to_le_bytes());
            record.extend_from_slice(&a.evidence_digest);
        }
        hasher.update(&record);
    }
    for problem in problems(import, flags) {
        record.clear();
        field(
            &mut record,
            &serde_json::to_vec(&problem).unwrap_or_default(),
        );
        hasher.update(&record);
    }
    hex(&hasher.finalize()[..8])
}

/// What one file of the set says about its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    /// The file is not there.
    Missing,
    /// It carries this digest.
    Digest(String),
    /// It is a tally file without a digest (an older rungs wrote it, or it was re-saved).
    NoDigest,
    /// It cannot be read as that file of a tally: why.
    Unreadable(String),
}

/// The set in a folder: what each file carries, in [`OUTPUT_FILES`] order.
#[derive(Debug)]
pub struct Set {
    pub files: Vec<(&'static str, Carried)>,
}

impl Set {
    /// Reads the digest each file of the set in `dir` carries. Reads little: the `.xlsx`'s
    /// document properties, the `.csv`'s header and first row, the `.json`'s first fields.
    pub fn read(dir: &Path) -> Self {
        let files = OUTPUT_FILES
            .iter()
            .map(|&name| {
                let path = dir.join(name);
                let carried = match std::fs::metadata(&path) {
                    Err(e) if e.kind() == ErrorKind::NotFound => Carried::Missing,
                    Err(e) => Carried::Unreadable(e.to_string()),
                    Ok(_) => match name.rsplit_once('.').map(|(_, ext)| ext) {
                        Some("xlsx") => from_xlsx(&path),
                        Some("csv") => from_csv(&path),
                        _ => from_json(&path),
                    },
                };
                (name, carried)
            })
            .collect();
        Self { files }
    }

    /// The digest all three files carry, when they form one whole set.
    pub fn whole(&self) -> Option<&str> {
        let mut digests = self.files.iter().map(|(_, c)| match c {
            Carried::Digest(d) => Some(d.as_str()),
            _ => None,
        });
        let first = digests.next()??;
        digests.all(|d| d == Some(first)).then_some(first)
    }

    /// Whether no file of the set is there.
    pub fn is_empty(&self) -> bool {
        self.files.iter().all(|(_, c)| *c == Carried::Missing)
    }

    /// What is wrong with the set in `dir`, as a warning; `None` when it is whole, absent, or
    /// written by a rungs without digests (nothing to compare).
    pub fn problem(&self, dir: &Path) -> Option<Diagnostic> {
        if self.whole().is_some() || self.is_empty() {
            return None;
        }
        let with = |f: fn(&Carried) -> bool| -> Vec<&str> {
            self.files
                .iter()
                .filter(|(_, c)| f(c))
                .map(|(n, _)| *n)
                .collect()
        };
        let at = Location::File {
            file: dir.display().to_string(),
        };
        let unreadable: Vec<String> = self
            .files
            .iter()
            .filter_map(|(n, c)| match c {
                Carried::Unreadable(why) => Some(format!("{n}: {why}")),
                _ => None,
            })
            .collect();
        let digests = with(|c| matches!(c, Carried::Digest(_)));
        if digests.is_empty() && unreadable.is_empty() {
            // Only files an older rungs wrote (or re-saved ones): nothing tells their runs.
            return None;
        }
        let (code, message) = if unreadable.is_empty() && self.distinct() <= 1 {
            let missing = with(|c| *c == Carried::Missing);
            (
                "tally-incomplete",
                format!(
                    "the tally is incomplete: {} {} missing",
                    list(&missing),
                    if missing.len() == 1 { "is" } else { "are" }
                ),
            )
        } else {
            (
                "tally-mixed",
                format!(
                    "the tally's files come from different runs: {}",
                    self.runs()
                ),
            )
        };
        Some(
            Diagnostic::warning(code, message, at)
                .with_details(unreadable)
                .with_hint("a run was cut short while replacing them: a complete `rungs tally` run writes all three anew"),
        )
    }

    /// How many different things the present files carry (a digest each, or none).
    fn distinct(&self) -> usize {
        let mut seen: Vec<&Carried> = Vec::new();
        for (_, c) in &self.files {
            if *c != Carried::Missing && !seen.contains(&c) {
                seen.push(c);
            }
        }
        seen.len()
    }

    /// The present files grouped by run: `tally.xlsx is from run A; tally.csv and tally.json
    /// are from run B`.
    fn runs(&self) -> String {
        let mut groups: Vec<(&Carried, Vec<&str>)> = Vec::new();
        for (name, c) in &self.files {
            if matches!(c, Carried::Missing | Carried::Unreadable(_)) {
                continue;
            }
            match groups.iter_mut().find(|(g, _)| *g == c) {
                Some((_, names)) => names.push(name),
                None => groups.push((c, vec![name])),
            }
        }
        let mut parts: Vec<String> = groups
            .iter()
            .map(|(c, names)| {
                let (is, has) = if names.len() == 1 {
                    ("is", "has")
                } else {
                    ("are", "have")
                };
                match c {
                    Carried::Digest(d) => format!("{} {is} from run {d}", list(names)),
                    _ => format!(
                        "{} {has} no run digest (an older rungs or another application wrote it)",
                        list(names)
                    ),
                }
            })
            .collect();
        let unreadable: Vec<&str> = self
            .files
            .iter()
            .filter(|(_, c)| matches!(c, Carried::Unreadable(_)))
            .map(|(n, _)| *n)
            .collect();
        if !unreadable.is_empty() {
            parts.push(format!(
                "{} cannot be read as a rungs tally",
                list(&unreadable)
            ));
        }
        let missing: Vec<&str> = self
            .files
            .iter()
            .filter(|(_, c)| *c == Carried::Missing)
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            let is = if missing.len() == 1 { "is" } else { "are" };
            parts.push(format!("{} {is} missing", list(&missing)));
        }
        parts.join("; ")
    }
}

/// `a`, `a and b`, `a, b and c`.
fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
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

fn from_csv(path: &Path) -> Carried {
    let mut r = match csv::Reader::from_path(path) {
        Ok(r) => r,
        Err(e) => return Carried::Unreadable(e.to_string()),
    };
    let column = match r.headers() {
        Ok(h) => h.iter().position(|c| c == DIGEST_FIELD),
        Err(e) => return Carried::Unreadable(e.to_string()),
    };
    let Some(column) = column else {
        return Carried::NoDigest;
    };
    match r.records().next() {
        Some(Ok(row)) => row
            .get(column)
            .map_or(Carried::NoDigest, |d| Carried::Digest(d.to_owned())),
        Some(Err(e)) => Carried::Unreadable(e.to_string()),
        None => Carried::NoDigest,
    }
}

/// `tally.json`'s `format` and digest, read from its first fields only: the visitor stops at
/// the digest, so a large tally is not parsed whole (`serde_json` then reports the unread rest,
/// which is expected and ignored).
fn from_json(path: &Path) -> Carried {
    #[derive(Default)]
    struct Head {
        format: Option<String>,
        digest: Option<String>,
    }
    struct Seed<'a>(&'a mut Head);
    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "format" => self.0.format = Some(map.next_value()?),
                    DIGEST_FIELD => {
                        self.0.digest = Some(map.next_value()?);
                        return Ok(());
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return Carried::Unreadable(e.to_string()),
    };
    let mut head = Head::default();
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let parsed: Result<(), serde_json::Error> = Seed(&mut head).deserialize(&mut de);
    let no_format = || "it has no `format` field".to_owned();
    match (head.format.as_deref(), head.digest) {
        (Some(JSON_FORMAT), Some(d)) => Carried::Digest(d),
        (Some(JSON_FORMAT), None) => parsed.map_or_else(
            |e| Carried::Unreadable(e.to_string()),
            |()| Carried::NoDigest,
        ),
        (Some(other), _) => {
            Carried::Unreadable(format!("its format is '{other}', not '{JSON_FORMAT}'"))
        }
        (None, Some(_)) => Carried::Unreadable(no_format()),
        (None, None) => Carried::Unreadable(parsed.err().map_or_else(no_format, |e| e.to_string())),
    }
}
