//! Review workbooks: the sheet contract shared with the importer, the roster reader, and the
//! XLSX writer behind `rungs sheets`.
//!
//! [`plan`] checks everything that can be checked before writing (file names, collisions,
//! existing workbooks, the instruction template, the manifest), then [`write`] builds and writes
//! the workbooks on all cores, one at a time per thread, so memory stays flat in roster size.

pub mod contract;
pub mod instructions;
pub mod names;
pub mod roster;
mod strings;
pub mod writer;

use std::borrow::Cow;
use std::hash::{BuildHasher, RandomState};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use hashbrown::HashTable;
use rust_xlsxwriter::ExcelDateTime;
use sha2::{Digest, Sha256};

use crate::atomic::{self, Overwrite};
use crate::diag::{Diagnostic, Location};
use crate::model::Ladder;
use contract::{Manifest, ManifestEntry, Provenance, SCHEMA_VERSION, form_id, hex};
use instructions::Instructions;
use names::{NamePattern, NameVars};
use roster::{Review, Reviews};

/// Creation date used when `SOURCE_DATE_EPOCH` is not set: fixed, so reruns give the same bytes.
pub const DEFAULT_EPOCH: i64 = 315_532_800; // 1980-01-01T00:00:00Z, the zip format's epoch

/// Settings of one `rungs sheets` run.
#[derive(Debug)]
pub struct Options {
    /// The roster's name as shown in messages.
    pub roster_name: String,
    pub out_dir: PathBuf,
    pub cycle: String,
    pub due: Option<String>,
    pub pattern: NamePattern,
    pub instructions: Instructions,
    /// Replace existing workbooks (`--force`).
    pub force: bool,
    /// Leave existing workbooks as they are and write only the missing ones (`--skip-existing`).
    pub skip_existing: bool,
    /// Seconds since 1970 recorded as the creation date.
    pub epoch: i64,
}

/// One workbook to write: numbers only. Its provenance is derived again where it is needed
/// ([`provenance`]) and its file name is kept in [`Plan::files`]: a long run's memory stays
/// a few dozen bytes a review.
#[derive(Debug)]
struct Planned {
    /// Index in [`Plan::reviews`].
    review: usize,
    /// The manifest's name of the file (its path in the output folder, `/`-separated): a
    /// range of [`Plan::files`].
    start: usize,
    end: usize,
    /// The file is already there with exactly these bytes (an interrupted earlier run wrote
    /// it): nothing to write, nothing that could hold answers is touched.
    unchanged: bool,
}

/// Everything ready to write.
#[derive(Debug)]
pub struct Plan {
    reviews: Reviews,
    /// Sorted by manifest file name, the manifest's order.
    items: Vec<Planned>,
    /// The file names of all items, one after the other.
    files: Box<str>,
    /// Entries of an earlier manifest in the same folder that this run does not replace,
    /// sorted by file name (stable: as they were listed).
    pub kept: Vec<ManifestEntry>,
    /// Workbooks that exist and were left alone (`skip_existing`).
    pub skipped: Vec<PathBuf>,
}

impl Plan {
    /// Workbooks in the plan (written, or found complete from an earlier run).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Workbooks found complete from an earlier run (nothing to write).
    pub fn unchanged(&self) -> usize {
        self.items.iter().filter(|i| i.unchanged).count()
    }

    /// The review of the `i`-th workbook (in manifest order).
    pub fn review(&self, i: usize) -> Option<Review<'_>> {
        self.items
            .get(i)
            .and_then(|item| self.reviews.get(item.review))
    }

    fn item_review(&self, item: &Planned) -> Review<'_> {
        review_of(&self.reviews, item)
    }

    fn file(&self, item: &Planned) -> &str {
        file_of(&self.files, item)
    }

    /// The workbook's path in the output folder.
    fn path(&self, opts: &Options, item: &Planned) -> PathBuf {
        path_of(opts, self.file(item))
    }
}

fn review_of<'a>(reviews: &'a Reviews, item: &Planned) -> Review<'a> {
    // Items are made from the reviews they index.
    reviews.get(item.review).unwrap_or(EMPTY_REVIEW)
}

const EMPTY_REVIEW: Review<'static> = Review {
    row: 0,
    employee_id: "",
    name: "",
    current_level: "",
    reviewer: "",
    role: contract::ReviewerRole::Manager,
    email: None,
    team: None,
};

fn file_of<'a>(files: &'a str, item: &Planned) -> &'a str {
    files.get(item.start..item.end).unwrap_or_default()
}

/// A workbook's path in the output folder from its manifest name (components never hold `/`).
fn path_of(opts: &Options, file: &str) -> PathBuf {
    let mut path = opts.out_dir.clone();
    path.extend(file.split('/'));
    path
}

/// Why the run stopped before or while writing.
#[derive(Debug)]
pub enum Error {
    /// Problems with the input; nothing was written.
    Input(Vec<Diagnostic>),
    /// Workbooks exist and `--force` was not given; nothing was written.
    Exists(Vec<PathBuf>),
    /// Some files could not be written (the others were, and are in the manifest).
    Write(Vec<(PathBuf, String)>),
}

/// The `SOURCE_DATE_EPOCH` value, or [`DEFAULT_EPOCH`].
pub fn epoch_from_env() -> Result<i64, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|t| ExcelDateTime::from_timestamp(*t).is_ok())
            .ok_or_else(|| {
                format!("SOURCE_DATE_EPOCH is `{v}`, not a number of seconds since 1970")
            }),
        Err(_) => Ok(DEFAULT_EPOCH),
    }
}

/// Checks a `--due` date: `YYYY-MM-DD`.
pub fn check_date(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && match (
            parts[0].parse::<u16>(),
            parts[1].parse::<u8>(),
            parts[2].parse::<u8>(),
        ) {
            (Ok(y), Ok(m), Ok(d)) => ExcelDateTime::from_ymd(y, m, d).is_ok() && y >= 1900,
            _ => false,
        };
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not a date like 2026-12-01"))
    }
}

/// Works out every workbook's provenance, file name and instruction text, and checks that
/// nothing would be lost: no two reviews share a file, no workbook exists (unless `force`;
/// with `skip_existing` existing ones are left out of the plan), the manifest beside them can
/// be read. Nothing is written here.
pub fn plan(ladder: &Ladder, reviews: Reviews, opts: &Options) -> Result<Plan, Error> {
    let mut diags = Vec::new();
    let mut items: Vec<Planned> = Vec::with_capacity(reviews.len());
    let mut files = String::new();
    // Items by the hash of their case-folded file name (macOS and Windows ignore case),
    // compared folded: no second copy of every name.
    let hasher = RandomState::new();
    let folded = |files: &str, item: &Planned| file_of(files, item).to_lowercase();
    let mut taken: HashTable<usize> = HashTable::new();
    for (index, review) in reviews.iter().enumerate() {
        let prov = provenance(ladder, review, opts);
        let vars = NameVars {
            cycle: &opts.cycle,
            reviewer: review.reviewer,
            employee_id: review.employee_id,
            name: review.name,
            level: review.current_level,
            role: review.role.as_str(),
            team: review.team.unwrap_or(""),
            form_id: &prov.form_id,
        };
        let file = match opts.pattern.render(&vars) {
            Ok(p) => manifest_file(&p),
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        "name-pattern",
                        format!("the file-name pattern failed: {e}"),
                        Location::File {
                            file: "--name-pattern".into(),
                        },
                    )
                    .with_hint(format!("a pattern may use: {}", names::PATTERN_VARS)),
                );
                break;
            }
        };
        let key = file.to_lowercase();
        let hash = hasher.hash_one(key.as_str());
        if let Some(first) = taken
            .find(hash, |&i| folded(&files, &items[i]) == key)
            .map(|&i| &items[i])
        {
            diags.push(
                Diagnostic::error(
                    "name-collision",
                    format!(
                        "this review and the one in roster row {} would both be written to `{}`",
                        review_of(&reviews, first).row,
                        file_of(&files, first)
                            .split('/')
                            .collect::<PathBuf>()
                            .display()
                    ),
                    Location::Cell {
                        file: opts.roster_name.clone(),
                        sheet: None,
                        cell: format!("row {}", review.row),
                    },
                )
                .with_hint(
                    "put `{{ form_id }}` in --name-pattern so every review gets its own file",
                ),
            );
            continue;
        }
        // Rendered here only to report template errors before anything is written; workers
        // render again so no thread holds every text at once.
        if let Err(d) = render_instructions(ladder, review, &prov, opts) {
            diags.push(*d);
            break;
        }
        let start = files.len();
        files.push_str(&file);
        items.push(Planned {
            review: index,
            start,
            end: files.len(),
            unchanged: false,
        });
        taken.insert_unique(hash, items.len() - 1, |&i| {
            hasher.hash_one(folded(&files, &items[i]).as_str())
        });
    }
    drop(taken);
    // A workbook identical to the one this run would write holds no answers: it is what an
    // interrupted earlier run left, so re-running the same command completes the batch, and
    // the manifest lists it.
    if !opts.force {
        let created = created_date(opts)?;
        for item in &mut items {
            let path = path_of(opts, file_of(&files, item));
            if std::fs::symlink_metadata(&path).is_ok() {
                let review = review_of(&reviews, item);
                item.unchanged = std::fs::read(&path).ok().is_some_and(|old| {
                    build(ladder, review, opts, &created).is_ok_and(|b| b.bytes == old)
                });
            }
        }
    }
    let mut skipped = Vec::new();
    if opts.skip_existing && !opts.force {
        items.retain(|i| {
            let path = path_of(opts, file_of(&files, i));
            let exists = !i.unchanged && std::fs::symlink_metadata(&path).is_ok();
            if exists {
                skipped.push(path);
            }
            !exists
        });
    }
    let manifest_path = opts.out_dir.join(contract::MANIFEST_FILE);
    let mut kept = Vec::new();
    match std::fs::read(&manifest_path) {
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) if m.format == contract::MANIFEST_FORMAT => {
                let ours: std::collections::HashSet<String> = items
                    .iter()
                    .map(|i| {
                        let r = review_of(&reviews, i);
                        form_id(&opts.cycle, r.employee_id, r.reviewer)
                    })
                    .collect();
                // An earlier entry is replaced when this run sends the same review, or writes
                // its file (with --force, a pattern without the cycle or form id can name
                // another cycle's workbook): one entry per file, describing the file as it is.
                let our_files: std::collections::HashSet<&str> =
                    items.iter().map(|i| file_of(&files, i)).collect();
                kept = m
                    .reviews
                    .into_iter()
                    .filter(|e| {
                        !ours.contains(e.provenance.form_id.as_str())
                            && !our_files.contains(e.file.as_str())
                    })
                    .collect();
            }
            _ => diags.push(
                Diagnostic::error(
                    "manifest-unreadable",
                    "the manifest of earlier runs in this folder cannot be read",
                    Location::File {
                        file: manifest_path.display().to_string(),
                    },
                )
                .with_hint("move it away (it lists the reviews sent before) or choose another output folder with -o"),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => diags.push(Diagnostic::error(
            "manifest-unreadable",
            format!("cannot read the manifest: {e}"),
            Location::File {
                file: manifest_path.display().to_string(),
            },
        )),
    }
    if !diags.is_empty() {
        return Err(Error::Input(diags));
    }
    if !opts.force {
        let existing: Vec<PathBuf> = items
            .iter()
            .filter(|i| !i.unchanged)
            .map(|i| path_of(opts, file_of(&files, i)))
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .collect();
        if !existing.is_empty() {
            return Err(Error::Exists(existing));
        }
    }
    // In manifest order now, so that `write` can stream the manifest without sorting entries
    // (file names are unique: collisions were refused above).
    items.sort_unstable_by(|a, b| file_of(&files, a).cmp(file_of(&files, b)));
    items.shrink_to_fit();
    kept.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(Plan {
        reviews,
        items,
        files: files.into_boxed_str(),
        kept,
        skipped,
    })
}

/// Builds and writes every planned workbook on `threads` threads (the calling one among
/// them), then the manifest. `done` is called after each workbook, from the thread that
/// wrote it (for a progress bar). Returns the indices in
/// `plan.items` of the workbooks this run wrote (not those found complete from an earlier
/// run), in manifest order.
pub fn write(
    ladder: &Ladder,
    plan: &Plan,
    opts: &Options,
    threads: usize,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<usize>, Error> {
    let created = created_date(opts)?;
    let mode = if opts.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    let next = AtomicUsize::new(0);
    let items = &plan.items;
    // Per workbook only its digests are kept (no heap): the manifest entries are built from
    // the plan one at a time while the manifest is written, so memory stays flat however long
    // the roster.
    let mut results: Vec<Option<Done>> = Vec::new();
    results.resize_with(items.len(), || None);
    let mut failed = Vec::new();
    // Takes the next workbook, builds and writes it; `None` when all are taken. Work is taken
    // one item at a time, and no thread holds more than one workbook.
    let work = || -> Option<(usize, Result<Done, String>)> {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let item = items.get(i)?;
        let path = plan.path(opts, item);
        let review = plan.item_review(item);
        let outcome = write_one(ladder, review, item.unchanged, opts, &created, &path, mode);
        done();
        Some((i, outcome))
    };
    let mut record = |(i, outcome): (usize, Result<Done, String>)| match outcome {
        Ok(d) => results[i] = Some(d),
        Err(e) => failed.push((plan.path(opts, &items[i]), e)),
    };
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Done, String>)>();
    std::thread::scope(|s| {
        let work = &work;
        for _ in 1..threads.clamp(1, items.len().max(1)) {
            let tx = tx.clone();
            s.spawn(move || {
                while let Some(r) = work() {
                    if tx.send(r).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // This thread writes workbooks too: the memory it freed after reading the roster is
        // reused for them (with jemalloc, freed pages stay with the thread's arena, and an idle
        // arena keeps them resident).
        while let Some(r) = work() {
            record(r);
            rx.try_iter().for_each(&mut record);
        }
        rx.iter().for_each(&mut record);
    });
    // The manifest lists the entries kept from earlier runs and the new ones, merged by file
    // (both are sorted; a kept entry comes first on a tie), each built just before it is
    // written and dropped after.
    let mut new = items
        .iter()
        .zip(&results)
        .filter_map(|(item, r)| {
            r.as_ref()
                .map(|d| manifest_entry(ladder, plan, item, opts, d))
        })
        .peekable();
    let mut kept = plan.kept.iter().peekable();
    let merged = std::iter::from_fn(|| match (kept.peek(), new.peek()) {
        (Some(k), Some(n)) if k.file <= n.file => kept.next().map(Cow::Borrowed),
        (_, Some(_)) => new.next().map(Cow::Owned),
        (_, None) => kept.next().map(Cow::Borrowed),
    });
    let manifest_path = opts.out_dir.join(contract::MANIFEST_FILE);
    let saved = atomic::write_with(&manifest_path, Overwrite::Replace, |f| {
        let mut w = BufWriter::new(f);
        contract::write_manifest(&mut w, merged)?;
        w.write_all(b"\n")?;
        w.flush()
    });
    if let Err(e) = saved {
        failed.push((manifest_path, e.to_string()));
    }
    if failed.is_empty() {
        // Workbooks found complete from an earlier run are in the manifest, not in "written".
        Ok(results
            .iter()
            .enumerate()
            .filter(|&(i, r)| r.is_some() && !items[i].unchanged)
            .map(|(i, _)| i)
            .collect())
    } else {
        failed.sort();
        Err(Error::Write(failed))
    }
}

/// The manifest's name of a workbook: its path in the output folder, `/`-separated.
fn manifest_file(rel: &std::path::Path) -> String {
    rel.iter()
        .map(|c| c.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The manifest entry of a workbook written (or found complete).
fn manifest_entry(
    ladder: &Ladder,
    plan: &Plan,
    item: &Planned,
    opts: &Options,
    d: &Done,
) -> ManifestEntry {
    ManifestEntry {
        provenance: provenance(ladder, plan.item_review(item), opts),
        file: plan.file(item).to_owned(),
        locked_text_sha256: hex(&d.locked),
        file_sha256: hex(&d.file),
        competencies: d.competencies as usize,
    }
}

/// What a worker reports for a workbook it wrote: digests only, no heap.
struct Done {
    locked: [u8; 32],
    file: [u8; 32],
    competencies: u32,
}

/// The provenance recorded in a review's workbook and manifest entry.
pub fn provenance(ladder: &Ladder, review: Review<'_>, opts: &Options) -> Provenance {
    Provenance {
        form_id: form_id(&opts.cycle, review.employee_id, review.reviewer),
        schema_version: SCHEMA_VERSION,
        ladder_id: ladder.meta.id.clone(),
        ladder_fingerprint: ladder.meta.fingerprint.clone(),
        ladder_version: ladder.meta.version.clone(),
        employee_id: review.employee_id.to_owned(),
        person_name: review.name.to_owned(),
        current_level: review.current_level.to_owned(),
        reviewer: review.reviewer.to_owned(),
        reviewer_role: review.role,
        cycle: opts.cycle.clone(),
        due_date: opts.due.clone(),
    }
}

/// The instruction text of one review.
fn render_instructions(
    ladder: &Ladder,
    review: Review<'_>,
    prov: &Provenance,
    opts: &Options,
) -> Result<String, Box<Diagnostic>> {
    let level_title = ladder
        .level(review.current_level)
        .map_or("", |l| l.title.as_str());
    let ctx = instructions::Context {
        ladder: instructions::LadderCtx {
            title: &ladder.meta.title,
            version: &ladder.meta.version,
            levels: &ladder.levels,
        },
        rating: &ladder.rating,
        person: instructions::PersonCtx {
            name: review.name,
            employee_id: review.employee_id,
            current_level: review.current_level,
            current_level_title: level_title,
            email: review.email,
            team: review.team,
        },
        reviewer: instructions::ReviewerCtx {
            name: review.reviewer,
            role: review.role.as_str(),
        },
        cycle: &opts.cycle,
        due_date: opts.due.as_deref(),
        form_id: &prov.form_id,
        competencies: ladder.competencies().count(),
    };
    opts.instructions.render(&ctx)
}

/// The creation date recorded in every workbook (`SOURCE_DATE_EPOCH` or the default).
fn created_date(opts: &Options) -> Result<ExcelDateTime, Error> {
    ExcelDateTime::from_timestamp(opts.epoch)
        .or_else(|_| ExcelDateTime::from_timestamp(DEFAULT_EPOCH))
        .map_err(|e| Error::Write(vec![(PathBuf::new(), e.to_string())]))
}

/// The workbook of one review, in memory.
fn build(
    ladder: &Ladder,
    review: Review<'_>,
    opts: &Options,
    created: &ExcelDateTime,
) -> Result<writer::Built, String> {
    let prov = provenance(ladder, review, opts);
    let text = render_instructions(ladder, review, &prov, opts).map_err(|d| d.message.clone())?;
    writer::build(&writer::SheetInput {
        ladder,
        prov: &prov,
        instructions: &text,
        created,
    })
    .map_err(|e| format!("cannot build the workbook: {e}"))
}

fn write_one(
    ladder: &Ladder,
    review: Review<'_>,
    unchanged: bool,
    opts: &Options,
    created: &ExcelDateTime,
    path: &std::path::Path,
    mode: Overwrite,
) -> Result<Done, String> {
    let built = build(ladder, review, opts, created)?;
    if !unchanged {
        atomic::write(path, &built.bytes, mode).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                "it appeared while rungs was running; it was left as it is".to_owned()
            } else {
                e.to_string()
            }
        })?;
    }
    Ok(Done {
        locked: built.locked_digest,
        file: Sha256::digest(&built.bytes).into(),
        competencies: u32::try_from(built.competencies).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::check_date;

    #[test]
    fn due_dates_are_iso_calendar_dates() {
        assert!(check_date("2026-12-01").is_ok());
        assert!(check_date("2028-02-29").is_ok());
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "1 Dec",
            "2026-1-01",
            "",
            "2026-12-01T00",
        ] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
    }
}
