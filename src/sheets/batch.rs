//! Builds and writes the planned workbooks on all cores, and the manifest as they finish: the
//! entries kept from earlier runs, then this run's in roster order.

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::ExcelDateTime;
use sha2::{Digest, Sha256};

use super::plan::{Plan, Status, created_date, path_of, unit_file};
use super::roster::Review;
use super::{Options, bundles, instructions, provenance};
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
    let person = person_ctx(ladder, review);
    let ctx = instructions::Context {
        ladder: ladder_ctx(ladder),
        rating: &ladder.rating,
        person: Some(person),
        reviewer: instructions::ReviewerCtx {
            name: review.reviewer,
            role: Some(review.role.as_str()),
        },
        cycle: &opts.cycle,
        due_date: opts.due.as_deref(),
        form_id: Some(&prov.form_id),
        competencies: ladder.competencies().count(),
        bundle: false,
        reviews: vec![instructions::ReviewCtx {
            person,
            role: review.role.as_str(),
            form_id: &prov.form_id,
            sheet: crate::workbook::REVIEW_SHEET,
        }],
    };
    opts.instructions.render(&ctx)
}

/// The ladder as the instruction template sees it.
pub(super) fn ladder_ctx(ladder: &Ladder) -> instructions::LadderCtx<'_> {
    instructions::LadderCtx {
        title: &ladder.meta.title,
        version: &ladder.meta.version,
        levels: &ladder.levels,
    }
}

/// The person reviewed, as the instruction template sees them.
pub(super) fn person_ctx<'a>(
    ladder: &'a Ladder,
    review: Review<'a>,
) -> instructions::PersonCtx<'a> {
    instructions::PersonCtx {
        name: review.name,
        employee_id: review.employee_id,
        current_level: review.current_level,
        current_level_title: ladder
            .level(review.current_level)
            .map_or("", |l| l.title.as_str()),
        email: review.email,
        team: review.team,
    }
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
    .map_err(|e| cannot_build(&e))
}

/// A workbook the writer could not build.
pub(super) fn cannot_build(e: &rust_xlsxwriter::XlsxError) -> Diagnostic {
    Diagnostic::failure("xlsx", format!("cannot build the workbook: {e}"))
}

/// A workbook of one review or a bundle, in memory: its bytes, and per review (in order) its
/// sheet (for a bundle), locked-text digest and number of competencies.
pub(super) struct BuiltUnit {
    pub(super) bytes: Vec<u8>,
    sheets: Vec<(Option<String>, [u8; 32], usize)>,
}

/// The workbook holding `members`: one review's, or with `--bundle` a reviewer's.
pub(super) fn build_unit(
    ladder: &Ladder,
    members: &[Review<'_>],
    opts: &Options,
    created: &ExcelDateTime,
) -> Result<BuiltUnit, Diagnostic> {
    if opts.bundle.is_some() {
        let b = bundles::build(ladder, members, opts, created)?;
        let sheets = b
            .sheets
            .into_iter()
            .map(|s| (Some(s.name), s.locked_digest, s.competencies))
            .collect();
        return Ok(BuiltUnit {
            bytes: b.bytes,
            sheets,
        });
    }
    let review = members
        .first()
        .ok_or_else(|| Diagnostic::failure("plan", "a workbook without reviews"))?;
    let b = build(ladder, *review, opts, created)?;
    Ok(BuiltUnit {
        bytes: b.bytes,
        sheets: vec![(None, b.locked_digest, b.competencies)],
    })
}

/// What a worker reports for a review whose workbook it wrote (or found complete): the
/// workbook's manifest name and digest, and the review's sheet and locked-text digest.
struct Done {
    file: String,
    sheet: Option<String>,
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

/// The reviews a worker finished, by index in the roster, or the workbook that failed.
type Outcome = Result<Vec<(usize, Done)>, Failed>;

/// Builds and writes every planned workbook on the pool for disk-bound work, and the manifest
/// as they finish: the entries kept from earlier runs, then this run's in roster order (by
/// reviewer when bundled). Workbooks are taken in that order, so memory holds a few small
/// results, never the workbooks. `done` is called after each workbook, from the thread that
/// wrote it (for a progress bar). After success the reviews written are [`Plan::to_write`].
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
    let work = |u: usize| -> Option<Outcome> {
        let status = plan.status[u];
        if status == Status::Skipped {
            return None;
        }
        let outcome = write_unit(ladder, plan, u, opts, (&created, mode));
        done();
        Some(outcome)
    };
    let mut failed: Vec<Failed> = Vec::new();
    let manifest_path = opts.out_dir.join(wb::MANIFEST_FILE);
    let version = plan
        .kept
        .iter()
        .map(|e| e.provenance.schema_version)
        .chain(
            plan.to_write()
                .take(1)
                .map(|r| provenance(ladder, r, opts).schema_version),
        )
        .max()
        .unwrap_or(wb::SCHEMA_VERSION);
    let saved = parallel::ordered(Load::Disk, plan.status.len(), work, |outcomes| {
        let mut entries = outcomes
            .flatten()
            .filter_map(|outcome| match outcome {
                Ok(done) => Some(done),
                Err(f) => {
                    failed.push(f);
                    None
                }
            })
            .flatten()
            .filter_map(|(i, d)| Some(manifest_entry(ladder, plan.reviews.get(i)?, opts, d)));
        let saved = atomic::write_with(&manifest_path, Overwrite::Replace, |f| {
            let mut w = BufWriter::new(f);
            let kept = plan.kept.iter().map(Cow::Borrowed);
            wb::write_manifest(
                &mut w,
                version,
                kept.chain(entries.by_ref().map(Cow::Owned)),
            )?;
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

/// Builds and writes workbook `u` (or checks it is there, complete): its reviews' results.
fn write_unit(
    ladder: &Ladder,
    plan: &Plan,
    u: usize,
    opts: &Options,
    (created, mode): (&ExcelDateTime, Overwrite),
) -> Outcome {
    let members = plan.members(u);
    let file = unit_file(&members, opts).map_err(|e| failed_at(PathBuf::new(), &e))?;
    let path = path_of(opts, &file);
    let unchanged = plan.status[u] == Status::Unchanged;
    let built = build_unit(ladder, &members, opts, created)
        .and_then(|b| {
            if !unchanged {
                save(&path, &b.bytes, mode)?;
            }
            Ok(b)
        })
        .map_err(|e| failed_at(path.clone(), &e))?;
    let sha256: [u8; 32] = Sha256::digest(&built.bytes).into();
    let indexes = plan.member_indexes(u);
    Ok(indexes
        .into_iter()
        .zip(built.sheets)
        .map(|(i, (sheet, locked, competencies))| {
            (
                i,
                Done {
                    file: file.clone(),
                    sheet,
                    locked,
                    sha256,
                    competencies: crate::util::to_u32(competencies),
                },
            )
        })
        .collect())
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

/// The manifest entry of a review written (or found complete).
fn manifest_entry(ladder: &Ladder, review: Review<'_>, opts: &Options, d: Done) -> ManifestEntry {
    ManifestEntry {
        provenance: provenance(ladder, review, opts),
        reviewer_id: review.reviewer_id.map(str::to_owned),
        file: d.file,
        sheet: d.sheet,
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

/// Writes one workbook atomically, never over a file that appeared meanwhile (unless forced).
fn save(path: &Path, bytes: &[u8], mode: Overwrite) -> Result<(), Diagnostic> {
    atomic::write(path, bytes, mode).map_err(|e| {
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
    })
}
