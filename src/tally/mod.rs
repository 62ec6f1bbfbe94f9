//! `rungs tally`: import returned review workbooks, verify every one, and tally them for
//! calibration.
//!
//! Pipeline: find the files ([`discover`]), check each before parsing ([`precheck`]), read and
//! validate it ([`read`]) — files in parallel, each in bounded memory, nothing kept but its
//! answers — then settle duplicates and conflicts ([`import`]), compute the tally
//! ([`consensus`]) and write it ([`output`]).

pub mod consensus;
pub mod evidence;
pub mod output;
pub mod precheck;
pub mod rating;
pub mod read;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Location};
use crate::model::Ladder;
use crate::sheets::contract::{Manifest, ManifestEntry};
use read::{Context, Returned};

/// Settings of one import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Files and folders (searched recursively).
    pub inputs: Vec<PathBuf>,
    /// Files whose version wins when two returns of one review differ.
    pub prefer: Vec<PathBuf>,
    /// Only reviews of this cycle are accepted.
    pub cycle: Option<String>,
}

/// Files found in the inputs.
#[derive(Debug, Default)]
pub struct Found {
    /// Candidate workbooks, sorted by path.
    pub files: Vec<PathBuf>,
    /// Office lock and owner files (`~$x.xlsx`, `.~lock.x.xlsx#`), skipped.
    pub lock_files: Vec<PathBuf>,
    /// Files in folders that are not spreadsheets by name (README, PDFs, the manifest …).
    pub ignored: Vec<PathBuf>,
    /// Inputs that do not exist.
    pub missing: Vec<Diagnostic>,
}

/// Extensions of files in folders that are read (and refused with their own message when they
/// are not the xlsx form): compared case-insensitively.
const SPREADSHEET_EXTENSIONS: [&str; 10] = [
    "xlsx", "xlsm", "xltx", "xls", "xlsb", "ods", "fods", "csv", "tsv", "numbers",
];

/// The files a tally writes.
pub const OUTPUT_FILES: [&str; 3] = ["tally.xlsx", "tally.csv", "tally.json"];

/// Whether a file name is an Office lock or owner file, which holds no answers.
pub fn is_lock_file(name: &str) -> bool {
    name.starts_with("~$") || (name.starts_with(".~lock.") && name.ends_with('#'))
}

/// Finds the candidate files: files given by name are always read; folders are walked
/// recursively (symlinked folders are not followed, so a loop cannot hang the walk).
/// `skip` is a folder never searched: the tally's own output folder, which may sit among the
/// returned workbooks.
pub fn discover(inputs: &[PathBuf], skip: Option<&Path>) -> Found {
    let skip = skip.and_then(|s| std::fs::canonicalize(s).ok());
    let mut found = Found::default();
    let mut files = Vec::new();
    for input in inputs {
        let shown = input.display().to_string();
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => walk(input, skip.as_deref(), &mut files, &mut found),
            Ok(_) => {
                let name = input
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if is_lock_file(&name) {
                    found.lock_files.push(input.clone());
                } else {
                    files.push(input.clone());
                }
            }
            Err(e) => found.missing.push(
                Diagnostic::error(
                    "input-missing",
                    format!("cannot read the input: {e}"),
                    Location::File { file: shown },
                )
                .with_hint("pass workbook files or folders that hold them"),
            ),
        }
    }
    files.sort();
    files.dedup();
    found.files = files;
    found.lock_files.sort();
    found.ignored.sort();
    found
}

fn walk(dir: &Path, skip: Option<&Path>, files: &mut Vec<PathBuf>, found: &mut Found) {
    if skip.is_some() && std::fs::canonicalize(dir).ok().as_deref() == skip {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        found.missing.push(
            Diagnostic::error(
                "input-missing",
                "cannot list the folder",
                Location::File {
                    file: dir.display().to_string(),
                },
            )
            .with_hint("check that you may read it"),
        );
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    // A folder holding all three outputs of an earlier tally: those are not returns.
    let has = |n: &str| entries.iter().any(|e| e.file_name() == n);
    let earlier_tally = OUTPUT_FILES.iter().all(|n| has(n));
    for e in &entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if earlier_tally && OUTPUT_FILES.contains(&name.as_str()) {
            found.ignored.push(path);
            continue;
        }
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if !name.starts_with('.') {
                walk(&path, skip, files, found);
            }
            continue;
        }
        // `rungs sheets` writes its manifest beside the workbooks; it is read via `--manifest`.
        if name == crate::sheets::contract::MANIFEST_FILE {
            continue;
        }
        if is_lock_file(&name) {
            found.lock_files.push(path);
            continue;
        }
        let ext = path
            .extension()
            .map(|x| x.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.starts_with('.') || !SPREADSHEET_EXTENSIONS.contains(&ext.as_str()) {
            found.ignored.push(path);
        } else {
            files.push(path);
        }
    }
}

/// The outcome of reading one file.
#[derive(Debug)]
pub enum FileResult {
    Valid(Box<Returned>),
    Rejected {
        file: String,
        problems: Vec<Diagnostic>,
    },
}

/// Pre-checks and reads one file. Never panics on any content.
pub fn read_one(path: &Path, ctx: &Context<'_>) -> FileResult {
    let file = path.display().to_string();
    let rejected = |problems| FileResult::Rejected {
        file: file.clone(),
        problems,
    };
    let bytes = match precheck::read_bounded(path, &precheck::LIMITS) {
        Ok(b) => b,
        Err(r) => return rejected(vec![r.diagnostic(&file)]),
    };
    if let Err(r) = precheck::check(&bytes, &precheck::LIMITS) {
        return rejected(vec![r.diagnostic(&file)]);
    }
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    match read::read(&file, bytes, sha, ctx) {
        Ok(r) => FileResult::Valid(Box::new(r)),
        Err(problems) => rejected(problems),
    }
}

/// Everything an import found, before the tally.
#[derive(Debug, Default)]
pub struct Import {
    /// One per review (form id), sorted by person, then reviewer.
    pub reviews: Vec<Returned>,
    /// Rejected files and why, sorted by file.
    pub rejected: Vec<(String, Vec<Diagnostic>)>,
    /// Files that repeat a review already counted: (file left out, file counted, why).
    pub duplicates: Vec<(String, String, &'static str)>,
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
    /// The evidence texts of the reviews (see [`read::Answer::stored`]).
    pub evidence: evidence::Evidence,
}

impl Import {
    /// Whether anything makes the import invalid in strict mode.
    pub fn has_errors(&self) -> bool {
        !self.rejected.is_empty() || !self.conflicts.is_empty()
    }
}

/// Reads every file (in parallel) and settles duplicates and conflicts. Fails only when the
/// temporary file for evidence texts cannot be written.
pub fn import(
    ladder: &Ladder,
    manifest: Option<&Manifest>,
    files: &[PathBuf],
    opts: &Options,
) -> std::io::Result<Import> {
    let ctx = Context::new(ladder, manifest, opts.cycle.as_deref());
    let mut out = Import::default();
    // Files are read in parallel, a chunk at a time, and repeats dropped as they come: memory
    // holds one chunk of results plus the distinct reviews, however many copies there are.
    let mut by_form: BTreeMap<String, Vec<Returned>> = BTreeMap::new();
    for chunk in files.chunks(256) {
        let results: Vec<FileResult> = chunk.par_iter().map(|p| read_one(p, &ctx)).collect();
        for r in results {
            let r = match r {
                FileResult::Valid(r) => *r,
                FileResult::Rejected { file, problems } => {
                    out.rejected.push((file, problems));
                    continue;
                }
            };
            // Identical returns count once: the first by file name is kept.
            // Most reviews come once: room for one, not the four a first push reserves.
            let distinct = by_form
                .entry(r.prov.form_id.clone())
                .or_insert_with(|| Vec::with_capacity(1));
            if let Some(same) = distinct.iter().find(|d| d.sha256 == r.sha256) {
                out.duplicates
                    .push((r.file, same.file.clone(), "the same file"));
            } else if let Some(same) = distinct.iter().find(|d| d.same_answers(&r)) {
                out.duplicates
                    .push((r.file, same.file.clone(), "the same answers"));
            } else {
                // Kept: its evidence texts go to the store, only their place stays.
                let mut r = r;
                for (a, text) in r.answers.iter_mut().zip(&r.evidence) {
                    a.stored = out.evidence.put(text)?;
                }
                r.evidence = Vec::new();
                distinct.push(r);
            }
        }
    }
    out.evidence.flush()?;
    let is_preferred = |f: &str| opts.prefer.iter().any(|p| same_path(p, f));
    // Sized once: a doubled Vec of 10,000 reviews would leave megabytes unused.
    out.reviews.reserve_exact(by_form.len());
    for (_, mut distinct) in by_form {
        if distinct.len() == 1 {
            out.reviews.extend(distinct);
            continue;
        }
        let picked: Vec<usize> = (0..distinct.len())
            .filter(|&i| is_preferred(&distinct[i].file))
            .collect();
        if let [keep] = picked.as_slice() {
            let keep = distinct.swap_remove(*keep);
            for other in distinct {
                out.overridden.push((other.file, keep.file.clone()));
            }
            out.reviews.push(keep);
            continue;
        }
        out.conflicts.push(conflict(&ctx, &distinct));
    }
    // A --prefer that settles nothing is probably a typo: say so rather than ignore it.
    for p in &opts.prefer {
        let shown = p.display().to_string();
        if !out.overridden.iter().any(|(_, kept)| same_path(p, kept)) {
            out.warnings.push(
                Diagnostic::warning(
                    "prefer-unused",
                    "--prefer names this file, but it settles no conflict between two returns",
                    Location::File { file: shown },
                )
                .with_hint("give the path exactly as the conflict listed it"),
            );
        }
    }
    for r in &mut out.reviews {
        out.warnings.append(&mut r.warnings);
    }
    out.reviews.sort_by(|a, b| {
        (
            &a.prov.person_name,
            &a.prov.employee_id,
            &a.prov.reviewer,
            &a.prov.form_id,
        )
            .cmp(&(
                &b.prov.person_name,
                &b.prov.employee_id,
                &b.prov.reviewer,
                &b.prov.form_id,
            ))
    });
    let mut cycles: Vec<String> = out.reviews.iter().map(|r| r.prov.cycle.clone()).collect();
    cycles.sort();
    cycles.dedup();
    if cycles.len() > 1 {
        out.mixed_cycles = cycles;
    }
    if let Some(m) = manifest {
        let got: std::collections::HashSet<&str> = out
            .reviews
            .iter()
            .map(|r| r.prov.form_id.as_str())
            .collect();
        out.not_returned = m
            .reviews
            .iter()
            .filter(|e| !got.contains(e.provenance.form_id.as_str()))
            .filter(|e| {
                opts.cycle
                    .as_deref()
                    .is_none_or(|c| e.provenance.cycle == c)
            })
            .cloned()
            .collect();
    }
    Ok(out)
}

/// Whether `f` (a path as listed) is the file `p` names, literally or after resolving links
/// and `..`.
fn same_path(p: &Path, f: &str) -> bool {
    p.display().to_string() == f
        || matches!(
            (std::fs::canonicalize(p), std::fs::canonicalize(f)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Two or more returns of one review that differ: lists the files and every differing cell.
fn conflict(ctx: &Context<'_>, returns: &[Returned]) -> Diagnostic {
    let first = &returns[0];
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
    let files: Vec<String> = returns.iter().map(|r| format!("'{}'", r.file)).collect();
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
        "ask the reviewer which is final and remove the other, or pick one with --prefer {}",
        returns.last().map_or("FILE", |r| r.file.as_str())
    ))
}

/// Reads and checks `manifest.json`.
pub fn load_manifest(path: &Path) -> Result<Manifest, Box<Diagnostic>> {
    let file = path.display().to_string();
    let loc = || Location::File { file: file.clone() };
    let text = std::fs::read_to_string(path)
        .map_err(|e| {
            Diagnostic::error(
                "manifest-unreadable",
                format!("cannot read the manifest: {e}"),
                loc(),
            )
            .with_hint("pass the manifest.json that `rungs sheets` wrote beside the workbooks")
        })
        .map_err(Box::new)?;
    let m: Manifest = serde_json::from_str(&text)
        .map_err(|e| {
            Diagnostic::error(
                "manifest-invalid",
                format!("the manifest is not valid: {e}"),
                loc(),
            )
            .with_hint("pass the manifest.json that `rungs sheets` wrote, unedited")
        })
        .map_err(Box::new)?;
    if m.format != crate::sheets::contract::MANIFEST_FORMAT {
        return Err(Box::new(
            Diagnostic::error(
                "manifest-invalid",
                format!("the file's format is '{}', not a rungs manifest", m.format),
                loc(),
            )
            .with_hint("pass the manifest.json that `rungs sheets` wrote"),
        ));
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_lock_and_owner_files() {
        assert!(is_lock_file("~$review.xlsx"));
        assert!(is_lock_file(".~lock.review.xlsx#"));
        assert!(!is_lock_file("review.xlsx"));
        assert!(!is_lock_file(".~lock.review.xlsx"));
    }
}
