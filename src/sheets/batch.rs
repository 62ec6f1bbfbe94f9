//! Builds and writes the planned workbooks on all cores, and the manifest as they finish: the
//! entries kept from earlier runs, then this run's in roster order.

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::ExcelDateTime;
use sha2::{Digest, Sha256};

use super::instructions;
use super::plan::{Plan, Status, created_date, file_name, path_of};
use super::roster::Review;
use super::{Options, provenance};
use crate::diag::{Diagnostic, Error, Location};
use crate::model::Ladder;
use crate::util::atomic::{self, Overwrite};
use crate::util::parallel::{self, Load};
use crate::util::text::{count, hex};
use crate::workbook::{self as wb, ManifestEntry, Provenance, write};

/// The instruction text of one review.
pub(super) fn render_instructions(
    ladder: &Ladder,
    review: Review<'_>,
    prov: &Provenance,
    opts: &Options,
) -> Result<String, Diagnostic> {
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

/// The workbook of one review, in memory.
pub(super) fn build(
    ladder: &Ladder,
    review: Review<'_>,
    opts: &Options,
    created: &ExcelDateTime,
) -> Result<write::Built, Diagnostic> {
    let prov = provenance(ladder, review, opts);
    let text = render_instructions(ladder, review, &prov, opts)?;
    write::build(&write::SheetInput {
        ladder,
        prov: &prov,
        instructions: &text,
        created,
    })
    .map_err(|e| Diagnostic::failure("xlsx", format!("cannot build the workbook: {e}")))
}

/// What a worker reports for a workbook it wrote (or found complete): its manifest name and
/// digests.
struct Done {
    file: String,
    locked: [u8; 32],
    sha256: [u8; 32],
    competencies: u32,
}

/// A workbook that could not be written (the file), and why (the message).
type Failed = (PathBuf, String);

/// Why a workbook could not be written.
fn failed_at(path: PathBuf, d: &Diagnostic) -> Failed {
    (path, d.message.clone())
}

/// Builds and writes every planned workbook on the pool for disk-bound work, and the manifest
/// as they finish: the entries kept from earlier runs, then this run's in roster order.
/// Workbooks are taken in roster order, so memory holds a few small results, never the
/// workbooks. `done` is called after each workbook, from the thread that
/// wrote it (for a progress bar). After success the workbooks written are
/// [`Plan::to_write`].
pub fn write(
    ladder: &Ladder,
    plan: &Plan,
    opts: &Options,
    done: &(dyn Fn() + Sync),
) -> Result<(), Error> {
    let created = created_date(opts)?;
    let mode = if opts.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    let work = |i: usize| -> Option<Result<(usize, Done), Failed>> {
        let status = plan.status[i];
        if status == Status::Skipped {
            return None;
        }
        let review = plan.reviews.get(i)?;
        let outcome = file_name(review, opts)
            .map_err(|e| failed_at(PathBuf::new(), &e))
            .and_then(|file| {
                let path = path_of(opts, &file);
                let unchanged = status == Status::Unchanged;
                write_one(ladder, review, unchanged, opts, &created, &path, mode)
                    .map(|d| (i, Done { file, ..d }))
                    .map_err(|e| failed_at(path, &e))
            });
        done();
        Some(outcome)
    };
    let mut failed: Vec<Failed> = Vec::new();
    let manifest_path = opts.out_dir.join(wb::MANIFEST_FILE);
    let saved = parallel::ordered(Load::Disk, plan.status.len(), work, |outcomes| {
        let mut entries = outcomes.flatten().filter_map(|outcome| match outcome {
            Ok((i, d)) => Some(manifest_entry(ladder, plan.reviews.get(i)?, opts, d)),
            Err(f) => {
                failed.push(f);
                None
            }
        });
        let saved = atomic::write_with(&manifest_path, Overwrite::Replace, |f| {
            let mut w = BufWriter::new(f);
            let kept = plan.kept.iter().map(Cow::Borrowed);
            wb::write_manifest(&mut w, kept.chain(entries.by_ref().map(Cow::Owned)))?;
            w.write_all(b"\n")?;
            w.flush()
        });
        // Should the manifest fail, the workbooks are written all the same (as they were when
        // it was written last).
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
        Err(not_written(&failed, opts))
    }
}

/// Files that could not be written; the others were, and are in the manifest.
fn not_written(failed: &[Failed], opts: &Options) -> Error {
    Error::failed(vec![
        Diagnostic::failure(
            "write-failed",
            format!(
                "{} could not be written (the others were, and are listed in the manifest)",
                count(failed.len(), "file", "files")
            ),
        )
        .with_details(failed.iter().map(|(p, e)| format!("{}: {e}", p.display())))
        .with_hint(format!(
            "check free space and permissions of the output folder, then run again (add {} only if no workbook holds answers yet)",
            opts.flags.force
        )),
    ])
}

/// The manifest entry of a workbook written (or found complete).
fn manifest_entry(ladder: &Ladder, review: Review<'_>, opts: &Options, d: Done) -> ManifestEntry {
    ManifestEntry {
        provenance: provenance(ladder, review, opts),
        file: d.file,
        locked_text_sha256: hex(&d.locked),
        file_sha256: hex(&d.sha256),
        competencies: d.competencies as usize,
        team: review
            .team
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    }
}

fn write_one(
    ladder: &Ladder,
    review: Review<'_>,
    unchanged: bool,
    opts: &Options,
    created: &ExcelDateTime,
    path: &Path,
    mode: Overwrite,
) -> Result<Done, Diagnostic> {
    let built = build(ladder, review, opts, created)?;
    if !unchanged {
        atomic::write(path, &built.bytes, mode).map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "it appeared while rungs was running; it was left as it is".to_owned()
            } else {
                e.to_string()
            };
            Diagnostic::error(
                "write-failed",
                why,
                Location::File {
                    file: path.display().to_string(),
                },
            )
        })?;
    }
    Ok(Done {
        file: String::new(),
        locked: built.locked_digest,
        sha256: Sha256::digest(&built.bytes).into(),
        competencies: crate::util::to_u32(built.competencies),
    })
}
