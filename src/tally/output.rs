//! Writes the tally: `tally.xlsx` (people, ratings, calibration views, problems, the rule),
//! `tally.csv` (one row per rating, safe against formula injection) and `tally.json`. Same
//! input, same bytes: a fixed creation date and sorted content.

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};
use serde::Serialize;
use std::io::{self, Write};

use super::Import;
use super::consensus::{RULE, Tally};
use crate::diag::{Diagnostic, Location, Severity};
use crate::model::Ladder;

/// `tally.json`'s format name and version.
pub const JSON_FORMAT: &str = "rungs-tally";
pub const JSON_FORMAT_VERSION: u32 = 1;

/// One line of the Problems sheet and of the JSON's `problems`.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub severity: &'static str,
    pub code: &'static str,
    pub file: String,
    pub sheet: String,
    pub cell: String,
    pub message: String,
    pub hint: String,
}

impl Problem {
    pub fn from_diag(d: &Diagnostic) -> Self {
        let (file, sheet, cell) = match &d.location {
            Location::File { file } => (file.clone(), String::new(), String::new()),
            Location::Text {
                file, line, col, ..
            } => (file.clone(), String::new(), format!("{line}:{col}")),
            Location::Cell { file, sheet, cell } => (
                file.clone(),
                sheet.clone().unwrap_or_default(),
                cell.clone(),
            ),
        };
        Self {
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            code: d.code,
            file,
            sheet,
            cell,
            message: d.message.clone(),
            hint: d.hint.clone().unwrap_or_default(),
        }
    }
}

/// Every problem and note of an import, in a stable order: rejected files, conflicts, files
/// left out as duplicates or by `--prefer`, warnings, reviews not returned.
pub fn problems(import: &Import) -> Vec<Problem> {
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
            format!("left out: --prefer picked '{kept}'"),
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
        severity: "note",
        code,
        file: file.to_owned(),
        sheet: String::new(),
        cell: String::new(),
        message,
        hint: hint.to_owned(),
    }
}

/// A CSV field made safe for spreadsheets: text that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, tab, CR or LF, also after leading spaces or non-breaking
/// spaces, on any line) gets a leading `'`.
pub fn csv_safe(s: &str) -> String {
    if crate::sheets::writer::looks_like_formula(s) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Writes `tally.csv` to `out` as it goes: one row per rating (blank and "not observed"
/// included, marked as such).
pub fn csv<W: Write>(out: W, ladder: &Ladder, import: &Import) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "cycle",
        "employee_id",
        "person",
        "current_level",
        "reviewer",
        "reviewer_role",
        "form_id",
        "area",
        "competency_id",
        "competency",
        "status",
        "rating",
        "rating_value",
        "evidence",
        "file",
    ])?;
    let comps: Vec<_> = super::read::in_order(ladder).collect();
    for r in &import.reviews {
        for a in &r.answers {
            let Some((area, comp)) = comps.get(a.competency as usize) else {
                continue;
            };
            let (status, label, value) = match a.rating {
                super::read::Rating::Blank => ("blank", String::new(), String::new()),
                super::read::Rating::NotObserved => (
                    "not_observed",
                    ladder.rating.not_observed.clone(),
                    String::new(),
                ),
                super::read::Rating::Option(i) => (
                    "rated",
                    ladder.rating.options[i as usize].label.clone(),
                    ladder.rating.options[i as usize].value.to_string(),
                ),
            };
            let fields = [
                r.prov.cycle.clone(),
                r.prov.employee_id.clone(),
                r.prov.person_name.clone(),
                r.prov.current_level.clone(),
                r.prov.reviewer.clone(),
                r.prov.reviewer_role.as_str().to_owned(),
                r.prov.form_id.clone(),
                area.title.clone(),
                comp.id.clone(),
                comp.title.clone(),
                status.to_owned(),
                label,
                value,
                import.evidence.get(a.stored)?,
                r.file.clone(),
            ];
            w.write_record(fields.iter().map(|f| csv_safe(f)))?;
        }
    }
    w.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct JsonLadder<'a> {
    id: &'a str,
    title: &'a str,
    version: &'a str,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    format: &'static str,
    format_version: u32,
    ladder: JsonLadder<'a>,
    cycles: Vec<String>,
    rule: &'static str,
    tally: &'a Tally<'a>,
    problems: Vec<Problem>,
}

/// Writes `tally.json` to `out` as it is serialised.
pub fn json<W: Write>(mut w: W, ladder: &Ladder, import: &Import, tally: &Tally) -> io::Result<()> {
    let mut cycles: Vec<String> = import
        .reviews
        .iter()
        .map(|r| r.prov.cycle.clone())
        .collect();
    cycles.sort();
    cycles.dedup();
    let doc = JsonOut {
        format: JSON_FORMAT,
        format_version: JSON_FORMAT_VERSION,
        ladder: JsonLadder {
            id: &ladder.meta.id,
            title: &ladder.meta.title,
            version: &ladder.meta.version,
            fingerprint: &ladder.meta.fingerprint,
        },
        cycles,
        rule: RULE,
        tally,
        problems: problems(import),
    };
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// Writes `tally.xlsx` to `out`.
pub fn xlsx<W: Write + Send>(
    out: W,
    ladder: &Ladder,
    import: &Import,
    tally: &Tally,
    epoch: i64,
) -> Result<(), XlsxError> {
    // Every sheet whose length grows with the reviews is written in rust_xlsxwriter's
    // constant-memory mode: each row goes to a temporary file once the next starts, instead of a
    // map of every cell kept until the save (at 10,000 reviews that map and the sheet's XML were
    // ~100 MB), and strings are written inline rather than into a shared-string table, which at
    // 10,000 reviews held another 4 MB (the table and its XML) until the save. Rows must
    // therefore be written top to bottom, as they are here.
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_timestamp(epoch)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("Review tally")
            .set_author("rungs")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(0x00DD_E4EE);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let title = Format::new().set_bold().set_font_size(14);

    // People.
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name("People")?;
    ws.write_string_with_format(
        0,
        0,
        format!("Review tally — {}", ladder.meta.title),
        &title,
    )?;
    ws.merge_range(1, 0, 1, 9, RULE, &wrap)?;
    ws.set_row_height(1, 75)?;
    let cols = [
        "Person",
        "Employee id",
        "Current level",
        "Reviews received",
        "Reviews expected",
        "Complete reviews",
        "Competencies with consensus",
        "Suggested level",
        "Gap (levels)",
        "Note",
    ];
    header(ws, 3, &cols, &head)?;
    // Before the rows: in constant-memory mode a row is final once the next one starts.
    let centre = Format::new().set_align(FormatAlign::Center);
    for col in 3..=8 {
        ws.set_column_format(col, &centre)?;
    }
    let signed = Format::new()
        .set_num_format("+0;-0;0")
        .set_align(FormatAlign::Center);
    for (r, p) in (4..).zip(&tally.people) {
        let with_consensus = p.with_consensus();
        ws.write_string(r, 0, p.name)?;
        ws.write_string(r, 1, p.employee_id)?;
        ws.write_string(r, 2, p.current_level)?;
        ws.write_number(r, 3, p.reviews.len() as f64)?;
        match p.reviews_expected {
            Some(n) => ws.write_number(r, 4, n as f64)?,
            None => ws.write_string(r, 4, "")?,
        };
        ws.write_number(r, 5, p.reviews_complete as f64)?;
        ws.write_string(r, 6, format!("{with_consensus} of {}", p.consensus.len()))?;
        ws.write_string(r, 7, p.suggested_level.unwrap_or(""))?;
        match p.gap {
            Some(g) => ws.write_number_with_format(r, 8, f64::from(g), &signed)?,
            None => ws.write_string(r, 8, "")?,
        };
        ws.write_string(r, 9, p.no_suggestion.as_deref().unwrap_or(""))?;
    }
    widths(
        ws,
        &[24.0, 12.0, 10.0, 10.0, 10.0, 10.0, 14.0, 10.0, 8.0, 50.0],
    )?;
    ws.set_freeze_panes(4, 1)?;

    // Ratings: one row per person × competency.
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name("Ratings")?;
    header(
        ws,
        0,
        &[
            "Person",
            "Employee id",
            "Current level",
            "Area",
            "Competency",
            "Self",
            "Manager",
            "Peers",
            "Consensus",
            "Based on",
        ],
        &head,
    )?;
    let mut r = 1;
    for p in &tally.people {
        for c in p.competencies() {
            let by_role = |role: &str| {
                c.ratings
                    .iter()
                    .filter(|g| g.role == role)
                    .map(|g| {
                        if role == "peer" {
                            format!("{}: {}", g.reviewer, shown(g.label))
                        } else {
                            shown(g.label)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            ws.write_string(r, 0, p.name)?;
            ws.write_string(r, 1, p.employee_id)?;
            ws.write_string(r, 2, p.current_level)?;
            ws.write_string(r, 3, c.area)?;
            ws.write_string(r, 4, c.title)?;
            ws.write_string(r, 5, by_role("self"))?;
            ws.write_string(r, 6, by_role("manager"))?;
            ws.write_string(r, 7, by_role("peer"))?;
            ws.write_string(r, 8, c.consensus_label.unwrap_or(""))?;
            ws.write_string(
                r,
                9,
                if c.consensus.is_none() {
                    "no rating"
                } else if c.self_only {
                    "self only"
                } else {
                    "others"
                },
            )?;
            r += 1;
        }
    }
    widths(
        ws,
        &[24.0, 12.0, 10.0, 16.0, 26.0, 12.0, 12.0, 30.0, 11.0, 11.0],
    )?;
    ws.set_freeze_panes(1, 1)?;
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), 9)?;

    // Distribution of suggested levels per current level.
    let ws = wb.add_worksheet().set_name("Distribution")?;
    ws.write_string_with_format(
        0,
        0,
        "People per current level (rows) and suggested level (columns)",
        &bold,
    )?;
    let mut cols = vec!["Current \\ suggested"];
    if let Some((_, first)) = tally.distribution.first() {
        cols.extend(first.iter().map(|(code, _)| *code));
    }
    header(ws, 2, &cols, &head)?;
    for (i, (cur, row)) in tally.distribution.iter().enumerate() {
        let rr = 3 + i as u32;
        ws.write_string_with_format(rr, 0, *cur, &bold)?;
        for (j, (_, n)) in row.iter().enumerate() {
            ws.write_number(rr, j as u16 + 1, *n as f64)?;
        }
    }
    ws.set_column_width(0, 20)?;

    // Disagreement.
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name("Disagreement")?;
    header(
        ws,
        0,
        &[
            "Person",
            "Employee id",
            "Competency",
            "Spread (steps)",
            "Ratings",
        ],
        &head,
    )?;
    for (i, d) in tally.disagreements().enumerate() {
        let rr = 1 + i as u32;
        ws.write_string(rr, 0, d.person)?;
        ws.write_string(rr, 1, d.employee_id)?;
        ws.write_string(rr, 2, d.competency)?;
        ws.write_number(rr, 3, f64::from(d.spread))?;
        ws.write_string(rr, 4, &d.ratings)?;
    }
    widths(ws, &[24.0, 12.0, 26.0, 10.0, 70.0])?;

    // Self vs manager.
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name("Self vs manager")?;
    header(
        ws,
        0,
        &[
            "Person",
            "Employee id",
            "Competency",
            "Self",
            "Manager",
            "Gap (self − manager)",
        ],
        &head,
    )?;
    for (i, g) in tally.self_gaps().enumerate() {
        let rr = 1 + i as u32;
        ws.write_string(rr, 0, g.person)?;
        ws.write_string(rr, 1, g.employee_id)?;
        ws.write_string(rr, 2, g.competency)?;
        ws.write_string(rr, 3, g.self_label)?;
        ws.write_string(rr, 4, g.manager_label)?;
        ws.write_number(rr, 5, f64::from(g.gap))?;
    }
    widths(ws, &[24.0, 12.0, 26.0, 12.0, 12.0, 12.0])?;

    // Leniency.
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name("Leniency")?;
    header(
        ws,
        0,
        &[
            "Reviewer",
            "Ratings given (of others)",
            "Mean offset from consensus (steps)",
        ],
        &head,
    )?;
    for (i, l) in tally.leniency.iter().enumerate() {
        let rr = 1 + i as u32;
        ws.write_string(rr, 0, l.reviewer)?;
        ws.write_number(rr, 1, l.ratings as f64)?;
        ws.write_number(rr, 2, l.mean_offset)?;
    }
    widths(ws, &[26.0, 14.0, 18.0])?;

    // Problems.
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name("Problems")?;
    header(
        ws,
        0,
        &[
            "Severity",
            "Code",
            "File",
            "Sheet",
            "Cell",
            "Problem",
            "How to fix",
        ],
        &head,
    )?;
    let probs = problems(import);
    for (i, p) in probs.iter().enumerate() {
        let rr = 1 + i as u32;
        for (j, v) in [
            p.severity, p.code, &p.file, &p.sheet, &p.cell, &p.message, &p.hint,
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(rr, j as u16, *v, &wrap)?;
        }
    }
    if probs.is_empty() {
        ws.write_string(1, 0, "no problems")?;
    }
    widths(ws, &[9.0, 20.0, 36.0, 10.0, 7.0, 60.0, 50.0])?;

    wb.save_to_writer(out)
}

fn shown(label: &str) -> String {
    if label.is_empty() {
        "(blank)".to_owned()
    } else {
        label.to_owned()
    }
}

/// Column titles, plus print setup so the sheet reads on paper: landscape, fit to the page's
/// width, the title row repeated on every page.
fn header(ws: &mut Worksheet, row: u32, cols: &[&str], f: &Format) -> Result<(), XlsxError> {
    for (i, c) in cols.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *c, f)?;
    }
    ws.set_row_height(row, 30)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(row, row)?;
    Ok(())
}

fn widths(ws: &mut Worksheet, w: &[f64]) -> Result<(), XlsxError> {
    for (i, x) in w.iter().enumerate() {
        ws.set_column_width(i as u16, *x)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_never_run() {
        for s in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\t=x",
            " =x",
            "\u{a0}=x",
            "ok\n=cmd|' /C calc'!A0",
        ] {
            assert!(csv_safe(s).starts_with('\''), "{s:?}");
        }
        for s in ["L3", "Not observed", "a-b", "x = y"] {
            assert_eq!(csv_safe(s), s);
        }
    }
}
