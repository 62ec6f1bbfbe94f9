//! Finding the returned workbooks among the inputs: files named are read; folders are walked,
//! leaving out Office lock files, files that are not spreadsheets by name, the tally's own
//! output folder and the outputs of an earlier tally.

use std::path::{Path, PathBuf};

use super::output::OUTPUT_FILES;
use crate::diag::{Diagnostic, Location};
use crate::util::lock::LOCK_FILE;
use crate::util::strays::office_lock_target;

/// Whether a file name is an Office lock or owner file, which holds no answers.
fn is_lock_file(name: &str) -> bool {
    office_lock_target(name).is_some()
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
        // The lock file is there while a run writes into the folder (or after one was killed).
        if name == crate::workbook::MANIFEST_FILE || name == LOCK_FILE {
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
