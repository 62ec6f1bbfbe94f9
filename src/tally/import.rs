//! Reading every returned workbook (in parallel, each in bounded memory, with the workbook
//! format's pre-check and reader) and settling what the files say together: duplicates counted
//! once, conflicting returns, `--prefer`, mixed cycles, reviews not returned.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Options;
use super::evidence::{Evidence, Stored};
use crate::diag::{Diagnostic, Location};
use crate::model::Ladder;
use crate::util::parallel::{self, Load};
use crate::workbook::read::{self, Context, Outcome, Rejected, Returned};
use crate::workbook::{Manifest, ManifestEntry, ManifestRole, precheck, read_manifest};

/// A review counted in the tally: its answers, and where its evidence texts were set aside
/// (one per answer, in the same order).
#[derive(Debug)]
pub struct Kept {
    pub returned: Returned,
    pub evidence: Box<[Stored]>,
}

/// Everything an import found, before the tally.
#[derive(Debug, Default)]
pub struct Import {
    /// One per review (form id), sorted by person, then reviewer.
    pub reviews: Vec<Kept>,
    /// Rejected files (or review sheets of a bundle, named `file (sheet 'S')`) and why, in
    /// file order.
    pub rejected: Vec<(String, Vec<Diagnostic>)>,
    /// Returns that repeat a review already counted: (return left out, return counted, why),
    /// each named as [`Returned::source`] does.
    pub duplicates: Vec<(String, String, &'static str)>,
    /// The files of `duplicates` (a bundle returned twice repeats each of its reviews).
    pub duplicate_files: std::collections::BTreeSet<String>,
    /// Review sheets of bundles among `rejected` (the rest are whole files).
    pub rejected_sheets: usize,
    /// Two different returns of one review (errors), unless settled by `--prefer`.
    pub conflicts: Vec<Diagnostic>,
    /// Files left out because `--prefer` picked another return of the same review.
    pub overridden: Vec<(String, String)>,
    /// Warnings about accepted files.
    pub warnings: Vec<Diagnostic>,
    /// Reviews in the manifest that no accepted file answers.
    pub not_returned: Vec<ManifestEntry>,
    /// Cycles seen, when more than one and no `--cycle` picked one.
    pub mixed_cycles: Vec<String>,
    /// The evidence texts of the kept reviews.
    pub evidence: Evidence,
}

/// Pre-checks and reads one file: one outcome per review it holds (one, unless it is a
/// bundle). Never panics on any content.
fn read_one(path: &Path, ctx: &Context<'_>) -> (String, Vec<Outcome>) {
    let file = path.display().to_string();
    let rejected = |d| {
        vec![Err(Rejected {
            sheet: None,
            problems: vec![d],
        })]
    };
    let bytes = match precheck::read_bounded(path, &file, &precheck::LIMITS) {
        Ok(b) => b,
        Err(d) => return (file, rejected(d)),
    };
    if let Err(d) = precheck::check(&bytes, &file, &precheck::LIMITS) {
        return (file, rejected(d));
    }
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    let outcomes = read::read(&file, bytes, sha, ctx);
    (file, outcomes)
}

/// Reads and checks the manifest given to `rungs tally`.
pub fn load_manifest(path: &Path, opts: &Options) -> Result<Manifest, Diagnostic> {
    read_manifest(path).map_err(|p| p.diagnostic(path, ManifestRole::Sent, &opts.flags))
}

/// Reads every file (in parallel) and settles duplicates and conflicts. Fails only when the
/// temporary file for evidence texts cannot be written.
pub fn import(
    ladder: &Ladder,
    manifest: Option<&Manifest>,
    files: &[PathBuf],
    opts: &Options,
) -> std::io::Result<Import> {
    let ctx = Context::new(ladder, manifest, opts.cycle.as_deref(), &opts.flags);
    let mut out = Import::default();
    // Files are read in parallel and repeats dropped as they come: memory holds a few results
    // plus the distinct reviews, however many copies there are.
    let mut by_form: BTreeMap<String, Vec<Kept>> = BTreeMap::new();
    let work = |i: usize| read_one(&files[i], &ctx);
    parallel::ordered(Load::Compute, files.len(), work, |results| {
        for (file, outcomes) in results {
            for outcome in outcomes {
                match outcome {
                    Ok(r) => out.add(&mut by_form, r)?,
                    Err(Rejected { sheet, problems }) => {
                        out.rejected_sheets += usize::from(sheet.is_some());
                        out.rejected
                            .push((read::source_name(&file, sheet.as_deref()), problems));
                    }
                }
            }
        }
        std::io::Result::Ok(())
    })?;
    out.evidence.flush()?;
    let preferred = out.settle(&ctx, by_form, opts);
    out.warn_unused_prefer(opts, &preferred);
    for r in &mut out.reviews {
        out.warnings.append(&mut r.returned.warnings);
    }
    out.warnings = merge_notes(std::mem::take(&mut out.warnings));
    out.reviews.sort_by(|a, b| order(a).cmp(&order(b)));
    let cycles = out.cycles();
    if cycles.len() > 1 {
        out.mixed_cycles = cycles;
    }
    if let Some(m) = manifest {
        out.not_returned = not_returned(&out.reviews, m, opts);
    }
    Ok(out)
}

/// The same note from several workbooks (a title renamed since they were sent) once, with the
/// number of workbooks that gave it. Warnings, which name their file, stay as they are.
fn merge_notes(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    let mut seen: BTreeMap<(&'static str, String), (usize, usize)> = BTreeMap::new();
    for d in diags {
        if d.severity == crate::diag::Severity::Note && d.location.is_none() {
            let key = (d.code, d.message.clone());
            if let Some((_, n)) = seen.get_mut(&key) {
                *n += 1;
                continue;
            }
            seen.insert(key, (out.len(), 1));
        }
        out.push(d);
    }
    for (at, n) in seen.into_values() {
        if n > 1 {
            out[at].details.push(format!(
                "in {}",
                crate::util::text::count(n, "workbook", "workbooks")
            ));
        }
    }
    out
}

impl Import {
    /// The cycles of the kept reviews, sorted.
    pub fn cycles(&self) -> Vec<String> {
        let mut cycles: Vec<String> = self
            .reviews
            .iter()
            .map(|r| r.returned.prov.cycle.clone())
            .collect();
        cycles.sort();
        cycles.dedup();
        cycles
    }

    /// Adds a valid return unless it repeats one already kept: identical returns count once,
    /// the first by file name. A kept return's evidence texts go to the store.
    fn add(
        &mut self,
        by_form: &mut BTreeMap<String, Vec<Kept>>,
        mut r: Returned,
    ) -> std::io::Result<()> {
        // Most reviews come once: room for one, not the four a first push reserves.
        let distinct = by_form
            .entry(r.prov.form_id.clone())
            .or_insert_with(|| Vec::with_capacity(1));
        let same_file = distinct.iter().find(|d| d.returned.sha256 == r.sha256);
        let same = same_file.or_else(|| distinct.iter().find(|d| d.returned.same_answers(&r)));
        if let Some(same) = same {
            let why = if same_file.is_some() {
                "the same file"
            } else {
                "the same answers"
            };
            self.duplicates
                .push((r.source(), same.returned.source(), why));
            self.duplicate_files.insert(r.file);
        } else {
            let texts = std::mem::take(&mut r.evidence);
            let evidence = texts
                .iter()
                .map(|t| self.evidence.put(t))
                .collect::<std::io::Result<_>>()?;
            distinct.push(Kept {
                returned: r,
                evidence,
            });
        }
        Ok(())
    }

    /// One return per review: the only one, the one `--prefer` picks, or a conflict. Returns
    /// the files `--prefer` picked.
    fn settle(
        &mut self,
        ctx: &Context<'_>,
        by_form: BTreeMap<String, Vec<Kept>>,
        opts: &Options,
    ) -> Vec<String> {
        let mut preferred = Vec::new();
        let is_preferred = |f: &str| opts.prefer.iter().any(|p| same_path(p, f));
        // Sized once, exactly: it holds every review.
        self.reviews.reserve_exact(by_form.len());
        for (_, mut distinct) in by_form {
            if distinct.len() == 1 {
                self.reviews.extend(distinct);
                continue;
            }
            let picked: Vec<usize> = (0..distinct.len())
                .filter(|&i| is_preferred(&distinct[i].returned.file))
                .collect();
            if let [keep] = picked.as_slice() {
                let keep = distinct.swap_remove(*keep);
                for other in distinct {
                    self.overridden
                        .push((other.returned.source(), keep.returned.source()));
                }
                preferred.push(keep.returned.file.clone());
                self.reviews.push(keep);
                continue;
            }
            let returns: Vec<&Returned> = distinct.iter().map(|k| &k.returned).collect();
            self.conflicts.push(conflict(ctx, &returns, opts));
        }
        preferred
    }

    /// A `--prefer` that settles nothing is probably a typo: say so rather than ignore it.
    fn warn_unused_prefer(&mut self, opts: &Options, preferred: &[String]) {
        for p in &opts.prefer {
            let shown = p.display().to_string();
            if !preferred.iter().any(|kept| same_path(p, kept)) {
                self.warnings.push(
                    Diagnostic::warning(
                        "prefer-unused",
                        format!(
                            "{} names this file, but it settles no conflict between two returns",
                            opts.flags.prefer
                        ),
                        Location::File { file: shown },
                    )
                    .with_hint("give the path exactly as the conflict listed it"),
                );
            }
        }
    }
}

/// The order of the kept reviews: by person, then reviewer.
fn order(k: &Kept) -> (&str, &str, &str, &str) {
    let p = &k.returned.prov;
    (&p.person_name, &p.employee_id, &p.reviewer, &p.form_id)
}

/// The manifest's reviews that no kept file answers (of the cycle asked for, if any).
fn not_returned(reviews: &[Kept], m: &Manifest, opts: &Options) -> Vec<ManifestEntry> {
    let got: std::collections::HashSet<&str> = reviews
        .iter()
        .map(|r| r.returned.prov.form_id.as_str())
        .collect();
    m.reviews
        .iter()
        .filter(|e| !got.contains(e.provenance.form_id.as_str()))
        .filter(|e| {
            opts.cycle
                .as_deref()
                .is_none_or(|c| e.provenance.cycle == c)
        })
        .cloned()
        .collect()
}

/// Whether `f` (a path as listed) is the file `p` names, literally or after resolving links
/// and `..`.
pub(crate) fn same_path(p: &Path, f: &str) -> bool {
    p.display().to_string() == f
        || matches!(
            (std::fs::canonicalize(p), std::fs::canonicalize(f)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Two or more returns of one review that differ: lists the files and every differing cell.
fn conflict(ctx: &Context<'_>, returns: &[&Returned], opts: &Options) -> Diagnostic {
    let first = returns[0];
    let mut lines = Vec::new();
    for other in &returns[1..] {
        for (a, b) in first.answers.iter().zip(&other.answers) {
            if !a.same(b) {
                let what = if a.rating == b.rating {
                    "evidence differs"
                } else {
                    "rating differs"
                };
                let id = ctx
                    .expected
                    .get(a.competency as usize)
                    .map_or("", |e| e.competency_id.as_str());
                lines.push(format!("{} ({id}): {what}", a.cell()));
            }
        }
    }
    lines.dedup();
    let files: Vec<String> = returns
        .iter()
        .map(|r| format!("'{}'", r.source()))
        .collect();
    Diagnostic::error(
        "conflicting-returns",
        format!(
            "the review {} ({} reviewed by {}) was returned {} times with different answers: {}; differing cells: {}",
            first.prov.form_id,
            first.prov.person_name,
            first.prov.reviewer,
            returns.len(),
            files.join(", "),
            lines.join("; ")
        ),
        Location::File {
            file: first.file.clone(),
        },
    )
    .with_hint(format!(
        "ask the reviewer which is final and remove the other, or pick one with {} {}",
        opts.flags.prefer,
        returns.last().map_or("FILE", |r| r.file.as_str())
    ))
}
