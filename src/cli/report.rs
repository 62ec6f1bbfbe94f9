//! The one place where diagnostics become text, in the style of rustc, just and typst:
//! `error[code]: message`, `  --> file:line:col` with the line and a caret, `  = hint: …`.
//! Messages put counts into words with `util::text::{count, plural}`, re-exported here.

use std::fmt::Write as _;

use crate::diag::{Diagnostic, Error, Location};
pub use crate::util::text::{count, plural};

/// Items listed under a message before the rest are summed up as "… and N more".
const MAX_DETAILS: usize = 10;

/// Where a location is, as one line: `file:line:col`, `file: sheet 'S', C3`, `file: row 4`, or
/// the file alone.
pub fn position(location: &Location) -> String {
    match location {
        Location::File { file } => file.clone(),
        Location::Text {
            file, line, col, ..
        } => format!("{file}:{line}:{col}"),
        Location::Cell {
            file,
            sheet: Some(sheet),
            cell,
        } => format!("{file}: sheet '{sheet}', {cell}"),
        Location::Cell {
            file,
            sheet: None,
            cell,
        } => format!("{file}: {cell}"),
    }
}

/// One diagnostic, every line ending in a newline.
pub fn render(d: &Diagnostic) -> String {
    let mut out = String::new();
    let label = d.severity.as_str();
    match d.location.as_deref() {
        None => {
            let _ = writeln!(out, "{label}: {}", d.message);
        }
        Some(location) => {
            let _ = writeln!(out, "{label}[{}]: {}", d.code, d.message);
            let _ = writeln!(out, "  --> {}", position(location));
            if let Location::Text {
                line,
                col,
                source_line,
                width,
                ..
            } = location
            {
                source(&mut out, *line, *col, source_line, *width);
            }
        }
    }
    for item in d.details.iter().take(MAX_DETAILS) {
        let _ = writeln!(out, "  {item}");
    }
    if d.details.len() > MAX_DETAILS {
        let _ = writeln!(out, "  … and {} more", d.details.len() - MAX_DETAILS);
    }
    for hint in &d.hints {
        let _ = writeln!(out, "  = hint: {hint}");
    }
    out
}

/// The offending line with a caret under the span.
fn source(out: &mut String, line: usize, col: usize, text: &str, width: usize) {
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    // Tabs would misalign the caret: show them as single spaces.
    let shown: String = text
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {shown}");
    let _ = writeln!(
        out,
        "{pad} | {}{}",
        " ".repeat(col.saturating_sub(1)),
        "^".repeat(width.max(1))
    );
}

/// Diagnostics one after another, each followed by a blank line.
pub fn render_all(diags: &[Diagnostic]) -> String {
    diags.iter().fold(String::new(), |mut s, d| {
        let _ = writeln!(s, "{}", render(d));
        s
    })
}

/// An error as printed when a command stops: its diagnostics, without a trailing blank line.
pub fn render_error(e: &Error) -> String {
    let mut text = render_all(&e.diagnostics).trim_end().to_owned();
    text.push('\n');
    text
}

/// Prints diagnostics to stderr (warnings and notes of a run that goes on).
pub fn eprint_all(diags: &[Diagnostic]) {
    eprint!("{}", render_all(diags));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::LineIndex;

    #[test]
    fn located_diagnostics_show_the_line_and_a_caret() {
        let idx = LineIndex::new("l.md", "# T\n\n\tbad line\n");
        let d = Diagnostic::error("x-y", "it is wrong", idx.location(6, 9)).with_hint("fix it");
        assert_eq!(
            render(&d),
            "error[x-y]: it is wrong\n  --> l.md:3:2\n  |\n3 |  bad line\n  |  ^^^\n  = hint: fix it\n"
        );
    }

    #[test]
    fn run_errors_list_their_details() {
        let d = Diagnostic::failure("exists", "2 files exist")
            .with_details((0..12).map(|i| format!("f{i}")))
            .with_hint("pass --force");
        let text = render(&d);
        assert!(text.starts_with("error: 2 files exist\n  f0\n"), "{text}");
        assert!(
            text.contains("  f9\n  … and 2 more\n  = hint: pass --force\n"),
            "{text}"
        );
        let e = Error::input(vec![d.clone(), d]);
        assert!(render_error(&e).ends_with("--force\n"));
    }

    #[test]
    fn plurals() {
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(0, "person", "people"), "0 people");
        assert_eq!(plural(2, "exists", "exist"), "exist");
    }

    #[test]
    fn cell_positions() {
        let at = |sheet: Option<&str>| Location::Cell {
            file: "r.xlsx".into(),
            sheet: sheet.map(str::to_owned),
            cell: "C3".into(),
        };
        assert_eq!(position(&at(Some("Review"))), "r.xlsx: sheet 'Review', C3");
        assert_eq!(position(&at(None)), "r.xlsx: C3");
    }
}
