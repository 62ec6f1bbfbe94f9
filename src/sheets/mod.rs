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
pub mod writer;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rust_xlsxwriter::ExcelDateTime;
use sha2::{Digest, Sha256};

use crate::atomic::{self, Overwrite};
use crate::diag::{Diagnostic, Location};
use crate::model::Ladder;
use contract::{Manifest, ManifestEntry, Provenance, SCHEMA_VERSION, form_id, hex};
use instructions::Instructions;
use names::{NamePattern, NameVars};
use roster::Review;

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

/// One workbook to write. Its provenance is derived again where it is needed ([`provenance`]):
/// kept for every review, it would be most of a long run's memory.
#[derive(Debug)]
pub struct Planned {
    pub review: Review,
    /// Relative to the output folder.
    pub rel: PathBuf,
    /// The file is already there with exactly these bytes (an interrupted earlier run wrote
    /// it): nothing to write, nothing that could hold answers is touched.
    pub unchanged: bool,
}

/// Everything ready to write.
#[derive(Debug)]
pub struct Plan {
    /// Sorted by manifest file name, the manifest's order.
    pub items: Vec<Planned>,
    /// Entries of an earlier manifest in the same folder that this run does not replace,
    /// sorted by file name (stable: as they were listed).
    pub kept: Vec<ManifestEntry>,
    /// Workbooks that exist and were left alone (`skip_existing`).
    pub skipped: Vec<PathBuf>,
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
pub fn plan(ladder: &Ladder, reviews: Vec<Review>, opts: &Options) -> Result<Plan, Error> {
    let mut diags = Vec::new();
    let mut items: Vec<Planned> = Vec::with_capacity(reviews.len());
    // Case-folded path → index in `items`: macOS and Windows ignore case.
    let mut taken: HashMap<String, usize> = HashMap::new();
    for review in reviews {
        let prov = provenance(ladder, &review, opts);
        let vars = NameVars {
            cycle: &opts.cycle,
            reviewer: &review.reviewer,
            employee_id: &review.employee_id,
            name: &review.name,
            level: &review.current_level,
            role: review.role.as_str(),
            team: review.team.as_deref().unwrap_or(""),
            form_id: &prov.form_id,
        };
        let rel = match opts.pattern.render(&vars) {
            Ok(p) => p,
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
        let key = rel.to_string_lossy().to_lowercase();
        if let Some(first) = taken.get(&key).map(|&i| &items[i]) {
            diags.push(
                Diagnostic::error(
                    "name-collision",
                    format!(
                        "this review and the one in roster row {} would both be written to `{}`",
                        first.review.row,
                        first.rel.display()
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
        taken.insert(key, items.len());
        // Rendered here only to report template errors before anything is written; workers
        // render again so no thread holds every text at once.
        if let Err(d) = render_instructions(ladder, &review, &prov, opts) {
            diags.push(*d);
            break;
        }
        items.push(Planned {
            review,
            rel,
            unchanged: false,
        });
    }
    // A workbook identical to the one this run would write holds no answers: it is what an
    // interrupted earlier run left, so re-running the same command completes the batch, and
    // the manifest lists it.
    if !opts.force {
        let created = created_date(opts)?;
        for item in &mut items {
            let path = opts.out_dir.join(&item.rel);
            if std::fs::symlink_metadata(&path).is_ok() {
                item.unchanged = std::fs::read(&path).ok().is_some_and(|old| {
                    build(ladder, item, opts, &created).is_ok_and(|b| b.bytes == old)
                });
            }
        }
    }
    drop(taken);
    let mut skipped = Vec::new();
    if opts.skip_existing && !opts.force {
        items.retain(|i| {
            let path = opts.out_dir.join(&i.rel);
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
                    .map(|i| form_id(&opts.cycle, &i.review.employee_id, &i.review.reviewer))
                    .collect();
                kept = m
                    .reviews
                    .into_iter()
                    .filter(|e| !ours.contains(e.provenance.form_id.as_str()))
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
            .map(|i| opts.out_dir.join(&i.rel))
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .collect();
        if !existing.is_empty() {
            return Err(Error::Exists(existing));
        }
    }
    // In manifest order now, so that `write` can stream the manifest without sorting entries
    // (file names are unique: collisions were refused above).
    items.sort_by_cached_key(|i| manifest_file(&i.rel));
    kept.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(Plan {
        items,
        kept,
        skipped,
    })
}

/// Builds and writes every planned workbook on `threads` threads, then the manifest.
/// `done` is called after each workbook (for a progress bar). Returns the indices in
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
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Done, String>)>();
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            let tx = tx.clone();
            let (next, created) = (&next, &created);
            s.spawn(move || {
                // Work is taken one item at a time, and no thread holds more than one workbook.
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let path = opts.out_dir.join(&item.rel);
                    let outcome = write_one(ladder, item, opts, created, &path, mode);
                    if tx.send((i, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (i, outcome) in rx {
            match outcome {
                Ok(d) => results[i] = Some(d),
                Err(e) => failed.push((opts.out_dir.join(&items[i].rel), e)),
            }
            done();
        }
    });
    // The manifest lists the entries kept from earlier runs and the new ones, merged by file
    // (both are sorted; a kept entry comes first on a tie), each built just before it is
    // written and dropped after.
    let mut new = items
        .iter()
        .zip(&results)
        .filter_map(|(item, r)| r.as_ref().map(|d| manifest_entry(ladder, item, opts, d)))
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
fn manifest_file(rel: &Path) -> String {
    rel.iter()
        .map(|c| c.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The manifest entry of a workbook written (or found complete).
fn manifest_entry(ladder: &Ladder, item: &Planned, opts: &Options, d: &Done) -> ManifestEntry {
    ManifestEntry {
        provenance: provenance(ladder, &item.review, opts),
        file: manifest_file(&item.rel),
        locked_text_sha256: hex(&d.locked),
        file_sha256: hex(&d.file),
        competencies: d.competencies,
    }
}

/// What a worker reports for a workbook it wrote: digests only, no heap.
struct Done {
    locked: [u8; 32],
    file: [u8; 32],
    competencies: usize,
}

/// The provenance recorded in a review's workbook and manifest entry.
pub fn provenance(ladder: &Ladder, review: &Review, opts: &Options) -> Provenance {
    Provenance {
        form_id: form_id(&opts.cycle, &review.employee_id, &review.reviewer),
        schema_version: SCHEMA_VERSION,
        ladder_id: ladder.meta.id.clone(),
        ladder_fingerprint: ladder.meta.fingerprint.clone(),
        ladder_version: ladder.meta.version.clone(),
        employee_id: review.employee_id.clone(),
        person_name: review.name.clone(),
        current_level: review.current_level.clone(),
        reviewer: review.reviewer.clone(),
        reviewer_role: review.role,
        cycle: opts.cycle.clone(),
        due_date: opts.due.clone(),
    }
}

/// The instruction text of one review.
fn render_instructions(
    ladder: &Ladder,
    review: &Review,
    prov: &Provenance,
    opts: &Options,
) -> Result<String, Box<Diagnostic>> {
    let level_title = ladder
        .level(&review.current_level)
        .map_or("", |l| l.title.as_str());
    let ctx = instructions::Context {
        ladder: instructions::LadderCtx {
            title: &ladder.meta.title,
            version: &ladder.meta.version,
            levels: &ladder.levels,
        },
        rating: &ladder.rating,
        person: instructions::PersonCtx {
            name: &review.name,
            employee_id: &review.employee_id,
            current_level: &review.current_level,
            current_level_title: level_title,
            email: review.email.as_deref(),
            team: review.team.as_deref(),
        },
        reviewer: instructions::ReviewerCtx {
            name: &review.reviewer,
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
    item: &Planned,
    opts: &Options,
    created: &ExcelDateTime,
) -> Result<writer::Built, String> {
    let prov = provenance(ladder, &item.review, opts);
    let text =
        render_instructions(ladder, &item.review, &prov, opts).map_err(|d| d.message.clone())?;
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
    item: &Planned,
    opts: &Options,
    created: &ExcelDateTime,
    path: &Path,
    mode: Overwrite,
) -> Result<Done, String> {
    let built = build(ladder, item, opts, created)?;
    if !item.unchanged {
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
        competencies: built.competencies,
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
