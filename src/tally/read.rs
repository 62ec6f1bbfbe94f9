//! `tally.json` read back (what `rungs packet` reads, and what another tool may write in its
//! place): the owned shape of the format that `output::json` writes, and every check a reader
//! must make before trusting it: JSON syntax (located at `file:line:col`), the format name and
//! version, the shape, the ladder (fingerprint), and that levels and competencies are the
//! ladder's. A round-trip test below writes a tally and reads it back.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::output::{JSON_FORMAT, JSON_FORMAT_VERSION};
use crate::diag::{Diagnostic, Error, Flags, Location};
use crate::model::Ladder;
use sha2::{Digest, Sha256};

use crate::util::text::{count, hex, io_reason, shorten};
use crate::workbook::ReviewerRole;

/// The file a tally folder holds.
pub const FILE: &str = "tally.json";

/// A tally as `tally.json` holds it: the fields a reader needs (the others are skipped).
#[derive(Debug, Clone, Deserialize)]
pub struct TallyFile {
    /// The run that wrote the tally (absent from a file another tool wrote).
    #[serde(default)]
    pub run_digest: Option<String>,
    pub ladder: LadderRef,
    /// The cycle of the reviews (one; more only in a file written by another tool).
    pub cycles: Vec<String>,
    /// The consensus and suggestion rule, in words.
    pub rule: String,
    pub tally: Tally,
}

/// Last cycle's level of a person (format 3, with `rungs tally --previous`).
#[derive(Debug, Clone, Deserialize)]
pub struct Previous {
    pub level: String,
    /// `agreed` (the calibration meeting's) or `suggested`.
    pub source: String,
    /// This cycle's suggested level minus last cycle's, in levels.
    pub change: Option<i32>,
}

/// Which ladder the tally was made with.
#[derive(Debug, Clone, Deserialize)]
pub struct LadderRef {
    pub title: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tally {
    pub people: Vec<Person>,
    pub leniency: Vec<Leniency>,
    /// What changed since last cycle: present when the tally was made with `--previous`.
    #[serde(default)]
    pub history: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Person {
    pub employee_id: String,
    pub name: String,
    pub team: Option<String>,
    pub current_level: String,
    pub reviews: Vec<Review>,
    pub reviews_expected: Option<usize>,
    pub not_returned: Vec<Missing>,
    /// One per competency of the ladder, in ladder order.
    pub competencies: Vec<CompetencyTally>,
    pub suggested_level: Option<String>,
    pub no_suggestion: Option<String>,
    pub gap: Option<i32>,
    /// Last cycle's level; absent without `--previous` or for a person new this cycle.
    #[serde(default)]
    pub previous: Option<Previous>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Review {
    pub form_id: String,
    pub reviewer: String,
    pub role: ReviewerRole,
    pub complete: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Missing {
    pub reviewer: String,
    pub role: ReviewerRole,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CompetencyTally {
    pub id: String,
    /// One per review of the person, in the order of `reviews`.
    pub ratings: Vec<Given>,
    pub consensus: Option<i32>,
    pub consensus_label: Option<String>,
    pub self_only: bool,
    pub spread: Option<i32>,
    pub self_minus_manager: Option<i32>,
    /// Last cycle's consensus of the competency, and the change since (with `--previous`).
    #[serde(default)]
    pub previous_consensus_label: Option<String>,
    #[serde(default)]
    pub consensus_change: Option<i32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Given {
    /// The label picked, the "not observed" label, or empty when blank.
    pub label: String,
    pub value: Option<i32>,
    pub evidence: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Leniency {
    pub reviewer: String,
    pub roles: Vec<ReviewerRole>,
    pub ratings: usize,
    pub mean_offset: f64,
}

/// The first fields, read before the rest so that a file of another format or version gets
/// that message rather than one about a field it lacks.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
}

/// The `tally.json` a path names: the file itself, or the one in a folder.
pub fn path_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(FILE)
    } else {
        path.to_path_buf()
    }
}

/// Reads and checks the tally at `path` (a `tally.json`, or a folder holding one) against
/// `ladder`, every problem found at once; with the SHA-256 (hex) of the file's bytes, which
/// identifies the tally a decisions workbook or a packet was made from.
pub fn read_with_digest(
    path: &Path,
    ladder: &Ladder,
    flags: &Flags,
) -> Result<(TallyFile, String), Error> {
    let (tally, digest, shown) = read_unchecked(path, &[JSON_FORMAT_VERSION])?;
    check_ladder(&shown, &tally, ladder, flags)?;
    Ok((tally, digest))
}

/// Reads a tally of one of the format `versions` without checking it against a ladder (a
/// previous cycle's tally may come from another ladder): the tally, its SHA-256 (hex) and the
/// path as shown in messages.
pub fn read_unchecked(path: &Path, versions: &[u32]) -> Result<(TallyFile, String, String), Error> {
    let file = path_of(path);
    let shown = file.display().to_string();
    let bytes = std::fs::read(&file).map_err(|e| {
        let hint = if path.is_dir() {
            "run `rungs tally` first: it writes tally.json into its output folder (out/tally by default)"
        } else {
            "give the folder `rungs tally` wrote (out/tally by default) or its tally.json"
        };
        Diagnostic::error(
            "tally-unreadable",
            format!("cannot read the tally: {}", io_reason(&e)),
            Location::File {
                file: shown.clone(),
            },
        )
        .with_hint(hint)
    })?;
    let header: Header =
        serde_json::from_slice(&bytes).map_err(|e| syntax(&shown, &bytes, &e, false))?;
    check_header(&shown, &header, versions)?;
    let tally: TallyFile =
        serde_json::from_slice(&bytes).map_err(|e| syntax(&shown, &bytes, &e, true))?;
    let digest = hex(&Sha256::digest(&bytes));
    Ok((tally, digest, shown))
}

/// A JSON syntax or shape error, at its line and column.
fn syntax(file: &str, bytes: &[u8], e: &serde_json::Error, shape: bool) -> Diagnostic {
    use serde_json::error::Category;
    let text = String::from_utf8_lossy(bytes);
    let location = at_line_col(file, &text, e.line(), e.column());
    // serde_json ends its message with the position, which the location shows.
    let full = e.to_string();
    let what = full
        .rfind(" at line ")
        .map_or(full.as_str(), |i| &full[..i]);
    let (code, message, hint) = match e.classify() {
        Category::Eof => (
            "tally-truncated",
            format!("the tally ends too early ({what}): the file is incomplete"),
            "write it again with `rungs tally`; a copy cut short (disk full, an interrupted transfer) cannot be read",
        ),
        Category::Data if shape => (
            "tally-shape",
            format!("the tally does not have the shape of a rungs tally: {what}"),
            "tally.json is described in docs/json-contract.md; write it with `rungs tally`, or fix the tool that wrote it",
        ),
        _ => (
            "tally-json",
            format!("the tally is not valid JSON: {what}"),
            "write it again with `rungs tally`, or fix the file where shown",
        ),
    };
    Diagnostic::error(code, message, location).with_hint(hint)
}

/// A text location from `serde_json`'s 1-based line and byte column, the line shown around the
/// column only (a compact JSON file is one long line).
fn at_line_col(file: &str, text: &str, line: usize, col: usize) -> Location {
    const AROUND: usize = 60;
    let source = text.split('\n').nth(line.saturating_sub(1)).unwrap_or("");
    let source = source.trim_end_matches('\r');
    let mut at = col.saturating_sub(1).min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    let before: Vec<char> = source[..at].chars().collect();
    let skip = before.len().saturating_sub(AROUND);
    let head: String = before[skip..].iter().collect();
    let tail: String = source[at..].chars().take(AROUND).collect();
    Location::Text {
        file: file.to_owned(),
        line: line.max(1),
        col: head.chars().count() + 1,
        source_line: format!("{head}{tail}"),
        width: 1,
    }
}

fn check_header(file: &str, header: &Header, versions: &[u32]) -> Result<(), Diagnostic> {
    let loc = || Location::File {
        file: file.to_owned(),
    };
    match header.format.as_ref().and_then(|v| v.as_str()) {
        Some(JSON_FORMAT) => {}
        other => {
            let found = other.map_or_else(
                || "no `format` field".to_owned(),
                |f| format!("the format `{}`", shorten(f, 40)),
            );
            return Err(Diagnostic::error(
                "tally-format",
                format!("the file has {found}, not a rungs tally (`{JSON_FORMAT}`)"),
                loc(),
            )
            .with_hint("give the tally.json that `rungs tally` wrote (out/tally by default)"));
        }
    }
    let version = header
        .format_version
        .as_ref()
        .and_then(serde_json::Value::as_u64);
    if version.is_some_and(|v| versions.iter().any(|&ok| u64::from(ok) == v)) {
        return Ok(());
    }
    let hint = match version {
        Some(v) if v < u64::from(JSON_FORMAT_VERSION) => {
            "it was written by an older rungs: run `rungs tally` again with this one to rewrite it"
        }
        Some(_) => "it was written by a newer rungs: use that rungs, or a newer one than this",
        None => "write it with `rungs tally`",
    };
    let found = header
        .format_version
        .as_ref()
        .map_or_else(|| "no version".to_owned(), |v| format!("version {v}"));
    Err(Diagnostic::error(
        "tally-version",
        format!("the tally is in format {found}; this rungs reads version {JSON_FORMAT_VERSION}"),
        loc(),
    )
    .with_hint(hint))
}

/// The tally must come from `ladder`, and name only its levels and competencies.
fn check_ladder(
    file: &str,
    tally: &TallyFile,
    ladder: &Ladder,
    flags: &Flags,
) -> Result<(), Error> {
    let loc = || Location::File {
        file: file.to_owned(),
    };
    let meta = &ladder.meta;
    if tally.ladder.fingerprint != meta.fingerprint {
        return Err(Diagnostic::error(
            "tally-other-ladder",
            format!(
                "the tally was made with the ladder `{}` (fingerprint {}), not with `{}` (fingerprint {})",
                shorten(&tally.ladder.title, 60),
                shorten(&tally.ladder.fingerprint, 20),
                meta.title,
                meta.fingerprint
            ),
            loc(),
        )
        .with_hint(format!(
            "pass the ladder the reviews were made from: {} PATH",
            flags.ladder
        ))
        .into());
    }
    let ids: Vec<&str> = ladder.competencies().map(|c| c.id.as_str()).collect();
    let mut problems = Vec::new();
    for (i, p) in tally.tally.people.iter().enumerate() {
        let who = format!("people[{i}] ({})", shorten(&p.employee_id, 30));
        let levels = [Some(&p.current_level), p.suggested_level.as_ref()];
        for code in levels.into_iter().flatten() {
            if ladder.level(code).is_none() {
                problems.push(format!(
                    "{who}: level `{}` is not on the ladder",
                    shorten(code, 20)
                ));
            }
        }
        let theirs: Vec<&str> = p.competencies.iter().map(|c| c.id.as_str()).collect();
        if theirs != ids {
            problems.push(format!(
                "{who}: the competencies are not the ladder's ({} listed, {} on the ladder, or in another order)",
                theirs.len(),
                ids.len()
            ));
        }
        for c in &p.competencies {
            if c.ratings.len() != p.reviews.len() {
                problems.push(format!(
                    "{who}: `{}` has {} ratings for {} reviews",
                    shorten(&c.id, 40),
                    c.ratings.len(),
                    p.reviews.len()
                ));
                break;
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Diagnostic::error(
        "tally-inconsistent",
        format!(
            "the tally does not match the ladder `{}` it names ({})",
            meta.title,
            count(problems.len(), "problem", "problems")
        ),
        loc(),
    )
    .with_details(problems)
    .with_hint("write it again with `rungs tally`, or fix the tool that wrote it")
    .into())
}

#[cfg(test)]
mod tests;
