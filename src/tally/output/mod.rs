//! Writes the tally: `tally.xlsx` (people, ratings, calibration views, problems, the rule),
//! `tally.csv` (one row per rating, safe against formula injection) and `tally.json`. Same
//! input, same bytes: a fixed creation date and sorted content. Each is written to its file as
//! it is produced, so memory holds none of them whole. All three carry the run's digest
//! ([`set`]), so a folder holding files of two runs is told from one holding a whole set.

mod csv;
mod json;
pub mod set;
mod xlsx;

use serde::Serialize;

pub use self::csv::{csv, csv_safe};
pub(crate) use json::JsonLadder;
pub use json::{JSON_FORMAT, JSON_FORMAT_VERSION, json};
pub use xlsx::xlsx;

use super::Import;
use crate::diag::{Diagnostic, Flags, Location, Severity};

/// The files a tally writes, in the order they replace the earlier ones: `tally.json`, which
/// tools read, last.
pub const OUTPUT_FILES: [&str; 3] = ["tally.xlsx", "tally.csv", "tally.json"];

/// One line of the Problems sheet and of the JSON's `problems`.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub code: &'static str,
    pub file: String,
    pub sheet: String,
    pub cell: String,
    pub message: String,
    pub hint: String,
}

impl Problem {
    pub fn from_diag(d: &Diagnostic) -> Self {
        let (file, sheet, cell) = match d.location.as_deref() {
            None => (String::new(), String::new(), String::new()),
            Some(Location::File { file }) => (file.clone(), String::new(), String::new()),
            Some(Location::Text {
                file, line, col, ..
            }) => (file.clone(), String::new(), format!("{line}:{col}")),
            Some(Location::Cell { file, sheet, cell }) => (
                file.clone(),
                sheet.clone().unwrap_or_default(),
                cell.clone(),
            ),
        };
        Self {
            severity: d.severity,
            code: d.code,
            file,
            sheet,
            cell,
            message: d.message.clone(),
            hint: d.hints.join("\n"),
        }
    }
}

/// Every problem and note of an import, in a stable order: rejected files, conflicts, files
/// left out as duplicates or by `--prefer`, warnings, reviews not returned.
pub fn problems(import: &Import, flags: &Flags) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    for (_, diags) in &import.rejected {
        out.extend(diags.iter().map(Problem::from_diag));
    }
    out.extend(import.conflicts.iter().map(Problem::from_diag));
    for (left, kept, why) in &import.duplicates {
        out.push(note(
            "duplicate",
            left,
            format!("{why} as '{kept}', counted once"),
            "nothing to do",
        ));
    }
    for (left, kept) in &import.overridden {
        out.push(note(
            "not-preferred",
            left,
            format!("left out: {} picked '{kept}'", flags.prefer),
            "nothing to do",
        ));
    }
    out.extend(import.warnings.iter().map(Problem::from_diag));
    for e in &import.not_returned {
        out.push(note(
            "not-returned",
            &e.file,
            format!(
                "not returned: {} ({}) reviewed by {} ({})",
                e.provenance.person_name,
                e.provenance.employee_id,
                e.provenance.reviewer,
                e.provenance.reviewer_role.as_str()
            ),
            "remind the reviewer, or tally without this review",
        ));
    }
    out
}

fn note(code: &'static str, file: &str, message: String, hint: &str) -> Problem {
    Problem {
        severity: Severity::Note,
        code,
        file: file.to_owned(),
        sheet: String::new(),
        cell: String::new(),
        message,
        hint: hint.to_owned(),
    }
}
