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
use std::collections::BTreeMap;
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

/// What this run does with one review of the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Build it and write it.
    Write,
    /// The file is already there with exactly these bytes (an interrupted earlier run wrote
    /// it): nothing to write, nothing that could hold answers is touched; it is listed.
    Unchanged,
    /// The file exists and is left as it is (`skip_existing`); not listed by this run.
    Skipped,
}

/// Everything ready to write: the roster and one byte a review. File names and provenance are
/// derived again where they are needed, so a long run's memory stays flat.
#[derive(Debug)]
pub struct Plan {
    reviews: Reviews,
    /// One per review, in roster order (the manifest's order).
    status: Box<[Status]>,
    /// Entries of an earlier manifest in the same folder that this run does not replace, as
    /// they were listed; the manifest lists them first.
    pub kept: Vec<ManifestEntry>,
}

impl Plan {
    /// Workbooks in the plan (written, or found complete from an earlier run).
    pub fn len(&self) -> usize {
        self.status.len() - self.skipped()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Workbooks found complete from an earlier run (nothing to write).
    pub fn unchanged(&self) -> usize {
        self.count(Status::Unchanged)
    }

    /// Workbooks that exist and are left alone (`skip_existing`).
    pub fn skipped(&self) -> usize {
        self.count(Status::Skipped)
    }

    fn count(&self, status: Status) -> usize {
        self.status.iter().filter(|&&s| s == status).count()
    }

    /// The reviews whose workbooks this run writes, in roster order (after a successful
    /// [`write`], the workbooks it wrote).
    pub fn to_write(&self) -> impl Iterator<Item = Review<'_>> {
        self.reviews
            .iter()
            .zip(&self.status)
            .filter(|(_, s)| **s == Status::Write)
            .map(|(r, _)| r)
    }
}

/// The manifest's name of a review's workbook: its path in the output folder, `/`-separated.
fn file_name(review: Review<'_>, opts: &Options) -> Result<String, String> {
    let form_id = form_id(&opts.cycle, review.employee_id, review.reviewer);
    let vars = NameVars {
        cycle: &opts.cycle,
        reviewer: review.reviewer,
        employee_id: review.employee_id,
        name: review.name,
        level: review.current_level,
        role: review.role.as_str(),
        team: review.team.unwrap_or(""),
        form_id: &form_id,
    };
    opts.pattern.render(&vars).map(|p| manifest_file(&p))
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

/// Works out every workbook's file name and instruction text, and checks that nothing would
/// be lost: no two reviews share a file, no workbook exists (unless `force`; with
/// `skip_existing` existing ones are left out of the plan), the manifest beside them can be
/// read. Nothing is written here. The plan keeps one byte a review beyond the roster; the
/// collision check's table (16 bytes a review) is dropped before it returns.
pub fn plan(ladder: &Ladder, reviews: Reviews, opts: &Options) -> Result<Plan, Error> {
    let mut diags = Vec::new();
    let manifest_path = opts.out_dir.join(contract::MANIFEST_FILE);
    let (earlier, manifest_problem) = read_manifest(&manifest_path);
    // An earlier entry is replaced when this run sends the same review, or writes its file
    // (with --force, a pattern without the cycle or form id can name another cycle's
    // workbook): one entry per file, describing the file as it is. Found by binary search in
    // these two lists, which grow with the earlier manifest, not with this roster.
    let mut replaced = vec![false; earlier.len()];
    let index = |key: fn(&ManifestEntry) -> &str| {
        let mut v: Vec<(&str, usize)> = earlier.iter().map(key).zip(0..).collect();
        v.sort_unstable();
        v
    };
    let by_form = index(|e| &e.provenance.form_id);
    let by_file = index(|e| &e.file);
    let mut replace = |list: &[(&str, usize)], key: &str| {
        let from = list.partition_point(|(k, _)| *k < key);
        for (_, i) in list[from..].iter().take_while(|(k, _)| *k == key) {
            replaced[*i] = true;
        }
    };
    let created = created_date(opts)?;
    // (hash of the case-folded file name, review index): macOS and Windows ignore case. The
    // earlier name is rendered again to compare, which a full 64-bit hash match alone asks
    // for, so no name is kept.
    let hasher = RandomState::new();
    let mut taken: HashTable<(u64, u32)> = HashTable::with_capacity(reviews.len());
    let mut status = Vec::with_capacity(reviews.len());
    let mut existing = Vec::new();
    for (index, review) in reviews.iter().enumerate() {
        // Every review gets a status, so that indices agree; with a problem none is used.
        status.push(Status::Write);
        let file = match file_name(review, opts) {
            Ok(f) => f,
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
        let mut first = None;
        taken.find(hash, |&(h, j)| {
            h == hash
                && reviews.get(j as usize).is_some_and(|r| {
                    let f = file_name(r, opts).unwrap_or_default();
                    let same = f.to_lowercase() == key;
                    if same {
                        first = Some((r.row, f));
                    }
                    same
                })
        });
        if let Some((row, first_file)) = first {
            diags.push(
                Diagnostic::error(
                    "name-collision",
                    format!(
                        "this review and the one in roster row {row} would both be written to `{}`",
                        first_file.split('/').collect::<PathBuf>().display()
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
        let prov = provenance(ladder, review, opts);
        if let Err(d) = render_instructions(ladder, review, &prov, opts) {
            diags.push(*d);
            break;
        }
        let Ok(index) = u32::try_from(index) else {
            diags.push(
                Diagnostic::error(
                    "roster-too-large",
                    "the roster has more reviews than rungs can hold",
                    Location::File {
                        file: opts.roster_name.clone(),
                    },
                )
                .with_hint("split the roster into several files and run rungs sheets on each"),
            );
            break;
        };
        taken.insert_unique(hash, (hash, index), |&(h, _)| h);
        // A workbook identical to the one this run would write holds no answers: it is what
        // an interrupted earlier run left, so re-running the same command completes the
        // batch, and the manifest lists it.
        let path = path_of(opts, &file);
        if !opts.force && std::fs::symlink_metadata(&path).is_ok() {
            let same = std::fs::read(&path).ok().is_some_and(|old| {
                build(ladder, review, opts, &created).is_ok_and(|b| b.bytes == old)
            });
            if same {
                status[index as usize] = Status::Unchanged;
            } else if opts.skip_existing {
                status[index as usize] = Status::Skipped;
                // Left as it is: its earlier entry stays.
                continue;
            } else {
                existing.push(path);
            }
        }
        replace(&by_form, &prov.form_id);
        replace(&by_file, &file);
    }
    drop(taken);
    drop((by_form, by_file));
    diags.extend(manifest_problem);
    if !diags.is_empty() {
        return Err(Error::Input(diags));
    }
    if !existing.is_empty() {
        return Err(Error::Exists(existing));
    }
    let kept = earlier
        .into_iter()
        .zip(replaced)
        .filter_map(|(e, replaced)| (!replaced).then_some(e))
        .collect();
    Ok(Plan {
        reviews,
        status: status.into_boxed_slice(),
        kept,
    })
}

/// The entries of the manifest of earlier runs in the output folder (none if there is
/// none), or the problem that keeps it from being read.
fn read_manifest(path: &std::path::Path) -> (Vec<ManifestEntry>, Option<Diagnostic>) {
    let problem = match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) if m.format == contract::MANIFEST_FORMAT => return (m.reviews, None),
            _ => Diagnostic::error(
                "manifest-unreadable",
                "the manifest of earlier runs in this folder cannot be read",
                Location::File {
                    file: path.display().to_string(),
                },
            )
            .with_hint("move it away (it lists the reviews sent before) or choose another output folder with -o"),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), None),
        Err(e) => Diagnostic::error(
            "manifest-unreadable",
            format!("cannot read the manifest: {e}"),
            Location::File {
                file: path.display().to_string(),
            },
        ),
    };
    (Vec::new(), Some(problem))
}

/// What a worker reports on one review.
type Outcome = (usize, Result<Done, (PathBuf, String)>);

/// Builds and writes every planned workbook on `threads` threads (the calling one among
/// them), and the manifest as they finish: the entries kept from earlier runs, then this
/// run's in roster order. Workers take reviews in that order, so an entry waits only for the
/// few workbooks still being built before it, and no more than those few are held. `done` is
/// called after each workbook, from the thread that wrote it (for a progress bar). After
/// success the workbooks written are [`Plan::to_write`].
pub fn write(
    ladder: &Ladder,
    plan: &Plan,
    opts: &Options,
    threads: usize,
    done: &(dyn Fn() + Sync),
) -> Result<(), Error> {
    let created = created_date(opts)?;
    let mode = if opts.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    let status = &plan.status;
    let next = AtomicUsize::new(0);
    // Takes the next review to write, builds and writes its workbook; `None` when all are
    // taken. Work is taken one review at a time, and no thread holds more than one workbook.
    let work = || -> Option<Outcome> {
        let (i, review) = loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if *status.get(i)? != Status::Skipped {
                break (i, plan.reviews.get(i)?);
            }
        };
        let unchanged = status[i] == Status::Unchanged;
        let outcome = file_name(review, opts)
            .map_err(|e| (PathBuf::new(), e))
            .and_then(|file| {
                let path = path_of(opts, &file);
                write_one(ladder, review, unchanged, opts, &created, &path, mode)
                    .map(|d| Done { file, ..d })
                    .map_err(|e| (path, e))
            });
        done();
        Some((i, outcome))
    };
    let mut failed = Vec::new();
    let manifest_path = opts.out_dir.join(contract::MANIFEST_FILE);
    let (tx, rx) = std::sync::mpsc::channel::<Outcome>();
    let saved = std::thread::scope(|s| {
        let work = &work;
        for _ in 1..threads.clamp(1, plan.len().max(1)) {
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
        // Results that came back before one ahead of them in roster order (`None`: failed).
        let mut early: BTreeMap<usize, Option<Done>> = BTreeMap::new();
        let mut expected = 0;
        let lost = std::cell::Cell::new(false);
        let mut record = |(i, outcome): Outcome, early: &mut BTreeMap<usize, Option<Done>>| {
            early.insert(i, outcome.map_err(|f| failed.push(f)).ok());
        };
        // This run's manifest entries in roster order, each built when its workbook is done.
        // While the next one is not, this thread writes workbooks too (one more worker, and
        // the memory it freed after reading the roster goes to workbooks, not idle).
        let mut entries = std::iter::from_fn(|| {
            loop {
                while status.get(expected) == Some(&Status::Skipped) {
                    expected += 1;
                }
                let review = plan.reviews.get(expected)?;
                if let Some(d) = early.remove(&expected) {
                    expected += 1;
                    match d {
                        Some(d) => return Some(manifest_entry(ladder, review, opts, d)),
                        None => continue,
                    }
                }
                // All taken and the senders gone without it: a worker died (its panic is
                // raised when the scope ends); the manifest must not end here.
                let Some(r) = work().or_else(|| rx.recv().ok()) else {
                    lost.set(true);
                    return None;
                };
                record(r, &mut early);
                for r in rx.try_iter() {
                    record(r, &mut early);
                }
            }
        });
        let saved = atomic::write_with(&manifest_path, Overwrite::Replace, |f| {
            let mut w = BufWriter::new(f);
            let kept = plan.kept.iter().map(Cow::Borrowed);
            contract::write_manifest(&mut w, kept.chain(entries.by_ref().map(Cow::Owned)))?;
            if lost.get() {
                return Err(std::io::Error::other("a workbook was lost"));
            }
            w.write_all(b"\n")?;
            w.flush()
        });
        // Should the manifest fail, the workbooks are written all the same (as they were
        // when it was written last).
        entries.for_each(drop);
        saved
    });
    if let Err(e) = saved {
        failed.push((manifest_path, e.to_string()));
    }
    if failed.is_empty() {
        Ok(())
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
fn manifest_entry(ladder: &Ladder, review: Review<'_>, opts: &Options, d: Done) -> ManifestEntry {
    ManifestEntry {
        provenance: provenance(ladder, review, opts),
        file: d.file,
        locked_text_sha256: hex(&d.locked),
        file_sha256: hex(&d.sha256),
        competencies: d.competencies as usize,
    }
}

/// What a worker reports for a workbook it wrote: its manifest name and digests.
struct Done {
    file: String,
    locked: [u8; 32],
    sha256: [u8; 32],
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
        file: String::new(),
        locked: built.locked_digest,
        sha256: Sha256::digest(&built.bytes).into(),
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
