//! `tally.xlsx`: the tally for people to read, one sheet per view, each set up for printing.
//!
//! Every sheet whose length grows with the reviews is written in `rust_xlsxwriter`'s
//! constant-memory mode: each row goes to a temporary file once the next starts, instead of a
//! map of every cell kept until the save, and strings are written inline rather than into a
//! shared-string table. Rows must therefore be written top to bottom, as they are here, and
//! column formats set before the rows.

use std::io::Write;

use rust_xlsxwriter::{
    Chart, ChartDataLabel, ChartFormat, ChartLegendPosition, ChartLine, ChartPatternFill,
    ChartPatternFillType, ChartSolidFill, DocProperties, ExcelDateTime, Format, FormatAlign,
    Workbook, Worksheet, XlsxError,
};

use super::problems;
use super::set::DIGEST_PROPERTY;
use crate::diag::Flags;
use crate::model::Ladder;
use crate::tally::Import;
use crate::tally::consensus::{RULE, Tally, label_of};
use crate::tally::history::Summary;
use crate::workbook::ReviewerRole;

/// The formats every sheet shares.
struct Formats {
    bold: Format,
    head: Format,
    wrap: Format,
    title: Format,
}

/// Writes `tally.xlsx` to `out`.
pub fn xlsx<W: Write + Send>(
    out: W,
    ladder: &Ladder,
    import: &Import,
    tally: &Tally,
    epoch: i64,
    flags: &Flags,
    digest: &str,
) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_timestamp(epoch)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("Review tally")
            .set_author("rungs")
            .set_creation_datetime(&created)
            .set_custom_property(DIGEST_PROPERTY, digest),
    );
    let f = Formats {
        bold: Format::new().set_bold(),
        head: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_background_color(0x00DD_E4EE),
        wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        title: Format::new().set_bold().set_font_size(14),
    };
    people_sheet(&mut wb, &f, ladder, tally)?;
    ratings_sheet(&mut wb, &f, tally)?;
    distribution_sheet(&mut wb, &f, tally)?;
    disagreement_sheet(&mut wb, &f, tally)?;
    self_vs_manager_sheet(&mut wb, &f, tally)?;
    leniency_sheet(&mut wb, &f, tally)?;
    if let Some(summary) = &tally.history {
        history_sheet(&mut wb, &f, ladder, tally, summary)?;
    }
    problems_sheet(&mut wb, &f, import, flags)?;
    wb.save_to_writer(out)
}

/// *People*: the rule, then one row per person with the suggested level.
fn people_sheet(
    wb: &mut Workbook,
    f: &Formats,
    ladder: &Ladder,
    tally: &Tally,
) -> Result<(), XlsxError> {
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name("People")?;
    ws.write_string_with_format(
        0,
        0,
        format!("Review tally — {}", ladder.meta.title),
        &f.title,
    )?;
    ws.merge_range(1, 0, 1, 10, RULE, &f.wrap)?;
    ws.set_row_height(1, 75)?;
    let cols = [
        "Person",
        "Employee id",
        "Team",
        "Current level",
        "Reviews received",
        "Reviews expected",
        "Complete reviews",
        "Competencies with consensus",
        "Suggested level",
        "Gap (levels)",
        "Note",
    ];
    header(ws, 3, &cols, &f.head)?;
    // Before the rows: in constant-memory mode a row is final once the next one starts.
    let centre = Format::new().set_align(FormatAlign::Center);
    for col in 4..=9 {
        ws.set_column_format(col, &centre)?;
    }
    let signed = Format::new()
        .set_num_format("+0;-0;0")
        .set_align(FormatAlign::Center);
    for (r, p) in (4..).zip(&tally.people) {
        let with_consensus = p.with_consensus();
        ws.write_string(r, 0, p.name)?;
        ws.write_string(r, 1, p.employee_id)?;
        ws.write_string(r, 2, p.team.unwrap_or(""))?;
        ws.write_string(r, 3, p.current_level)?;
        ws.write_number(r, 4, p.reviews.len() as f64)?;
        match p.reviews_expected {
            Some(n) => ws.write_number(r, 5, n as f64)?,
            None => ws.write_string(r, 5, "")?,
        };
        ws.write_number(r, 6, p.reviews_complete as f64)?;
        ws.write_string(r, 7, format!("{with_consensus} of {}", p.consensus.len()))?;
        ws.write_string(r, 8, p.suggested_level.unwrap_or(""))?;
        match p.gap {
            Some(g) => ws.write_number_with_format(r, 9, f64::from(g), &signed)?,
            None => ws.write_string(r, 9, "")?,
        };
        ws.write_string(r, 10, p.no_suggestion.as_deref().unwrap_or(""))?;
    }
    widths(
        ws,
        &[
            24.0, 12.0, 14.0, 10.0, 10.0, 10.0, 10.0, 14.0, 10.0, 8.0, 50.0,
        ],
    )?;
    ws.set_freeze_panes(4, 1)?;
    Ok(())
}

/// *Ratings*: one row per person × competency.
fn ratings_sheet(wb: &mut Workbook, f: &Formats, tally: &Tally) -> Result<(), XlsxError> {
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
        &f.head,
    )?;
    let mut r = 1;
    for p in &tally.people {
        for c in p.competencies() {
            let by_role = |role: ReviewerRole| {
                c.ratings
                    .iter()
                    .filter(|g| g.role == role)
                    .map(|g| {
                        if role == ReviewerRole::Peer {
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
            ws.write_string(r, 5, by_role(ReviewerRole::SelfReview))?;
            ws.write_string(r, 6, by_role(ReviewerRole::Manager))?;
            ws.write_string(r, 7, by_role(ReviewerRole::Peer))?;
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
    Ok(())
}

/// *Distribution* of suggested levels per current level, with a column chart of it.
fn distribution_sheet(wb: &mut Workbook, f: &Formats, tally: &Tally) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Distribution")?;
    ws.write_string_with_format(
        0,
        0,
        "People per current level (rows) and suggested level (columns)",
        &f.bold,
    )?;
    let mut cols = vec!["Current \\ suggested"];
    if let Some((_, first)) = tally.distribution.first() {
        cols.extend(first.iter().map(|(code, _)| *code));
    }
    header(ws, 2, &cols, &f.head)?;
    for (i, (cur, row)) in tally.distribution.iter().enumerate() {
        let rr = 3 + i as u32;
        ws.write_string_with_format(rr, 0, *cur, &f.bold)?;
        for (j, (_, n)) in row.iter().enumerate() {
            ws.write_number(rr, j as u16 + 1, *n as f64)?;
        }
    }
    ws.set_column_width(0, 20)?;
    let levels = tally.distribution.len() as u32;
    let most = tally
        .distribution
        .iter()
        .flat_map(|(_, row)| row.iter().map(|(_, n)| *n))
        .max()
        .unwrap_or(0);
    if levels > 0 {
        let chart = distribution_chart(levels, cols.len() as u16 - 1, most);
        ws.insert_chart(4 + levels, 0, &chart)?;
    }
    Ok(())
}

/// Fills that tell the series apart in black-and-white print too.
const PATTERNS: [ChartPatternFillType; 6] = [
    ChartPatternFillType::DiagonalStripesWideUpwards,
    ChartPatternFillType::Dotted50Percent,
    ChartPatternFillType::HorizontalStripesDark,
    ChartPatternFillType::SmallCheckerboard,
    ChartPatternFillType::DiagonalStripesWideDownwards,
    ChartPatternFillType::VerticalStripesDark,
];

/// Columns of people per current level, one series per suggested level (the table's columns
/// B… on rows 4…), each with its counts on the bars and a pattern of its own; whole people on
/// the axis (`most` is the largest count).
fn distribution_chart(levels: u32, series: u16, most: usize) -> Chart {
    let mut chart = Chart::new_column();
    chart.title().set_name("Suggested levels per current level");
    chart.x_axis().set_name("Current level");
    chart
        .y_axis()
        .set_name("People")
        .set_min(0)
        .set_major_unit(most.div_ceil(8).max(1) as f64)
        .set_major_gridlines(true);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(640).set_height(360);
    let (first, last) = (3, 2 + levels);
    for s in 0..series {
        let col = s + 1;
        let mut pattern = ChartPatternFill::new();
        pattern
            .set_pattern(PATTERNS[usize::from(s) % PATTERNS.len()])
            .set_foreground_color(0x001A_1A1A)
            .set_background_color(0x00FF_FFFF);
        chart
            .add_series()
            .set_name(("Distribution", 2, col))
            .set_categories(("Distribution", first, 0, last, 0))
            .set_values(("Distribution", first, col, last, col))
            .set_format(
                ChartFormat::new()
                    .set_pattern_fill(&pattern)
                    .set_border(ChartLine::new().set_color(0x001A_1A1A)),
            )
            // The count on each bar; none on empty ones.
            .set_data_label(ChartDataLabel::new().show_value().set_num_format("0;-0;;@"));
    }
    chart
}

/// *Disagreement*: ratings two or more steps apart.
fn disagreement_sheet(wb: &mut Workbook, f: &Formats, tally: &Tally) -> Result<(), XlsxError> {
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
        &f.head,
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
    Ok(())
}

/// *Self vs manager*: where the two differ.
fn self_vs_manager_sheet(wb: &mut Workbook, f: &Formats, tally: &Tally) -> Result<(), XlsxError> {
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
        &f.head,
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
    Ok(())
}

/// *Leniency*: each reviewer's mean offset from the consensus, with a bar chart of it. Not in
/// constant-memory mode (one row per reviewer, not per review): the chart's cached values are
/// then written with it, for applications that do not recalculate.
fn leniency_sheet(wb: &mut Workbook, f: &Formats, tally: &Tally) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Leniency")?;
    header(
        ws,
        0,
        &[
            "Reviewer",
            "Ratings given (of others)",
            "Mean offset from consensus (steps)",
        ],
        &f.head,
    )?;
    for (i, l) in tally.leniency.iter().enumerate() {
        let rr = 1 + i as u32;
        ws.write_string(rr, 0, l.reviewer)?;
        ws.write_number(rr, 1, l.ratings as f64)?;
        ws.write_number(rr, 2, l.mean_offset)?;
    }
    widths(ws, &[26.0, 14.0, 18.0])?;
    let n = tally.leniency.len() as u32;
    if n > 0 {
        ws.insert_chart(1, 4, &leniency_chart(n))?;
    }
    Ok(())
}

/// Horizontal bars of each reviewer's mean offset (rows 2…), the value at each bar's end; as
/// tall as the reviewers need.
fn leniency_chart(reviewers: u32) -> Chart {
    let mut chart = Chart::new_bar();
    chart
        .title()
        .set_name("Mean offset from the consensus (steps): left stricter, right more lenient");
    // In a bar chart the x axis is the horizontal one: the values; the reviewers run down the
    // y axis, first at the top.
    chart
        .x_axis()
        .set_name("Mean offset (steps)")
        .set_num_format("+0.0;-0.0;0");
    chart.y_axis().set_name("Reviewer").set_reverse();
    chart.legend().set_hidden();
    chart
        .set_width(560)
        .set_height((120 + 18 * reviewers).clamp(300, 20_000));
    chart
        .add_series()
        .set_name("Mean offset")
        .set_categories(("Leniency", 1, 0, reviewers, 0))
        .set_values(("Leniency", 1, 2, reviewers, 2))
        .set_format(
            ChartFormat::new()
                .set_solid_fill(ChartSolidFill::new().set_color(0x0080_8080))
                .set_border(ChartLine::new().set_color(0x001A_1A1A)),
        )
        .set_data_label(
            ChartDataLabel::new()
                .show_value()
                .set_num_format("+0.00;-0.00;0"),
        );
    chart
}

/// *History* (with `--previous`): per person and competency, last cycle's consensus and level
/// beside this cycle's, matched by employee id and competency id; what could not be matched
/// (competencies added or removed, people new or gone) in words above and below the table.
fn history_sheet(
    wb: &mut Workbook,
    f: &Formats,
    ladder: &Ladder,
    tally: &Tally,
    h: &Summary,
) -> Result<(), XlsxError> {
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name("History")?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "Since last cycle ({}, from {})",
            h.cycles.join(", "),
            h.source
        ),
        &f.title,
    )?;
    ws.merge_range(1, 0, 1, 11, &history_note(h), &f.wrap)?;
    ws.set_row_height(1, 60)?;
    let cols = [
        "Person",
        "Employee id",
        "Current level",
        "Level last cycle",
        "From",
        "Suggested level",
        "Change (levels)",
        "Competency id",
        "Competency",
        "Consensus last cycle",
        "Consensus now",
        "Change (steps)",
    ];
    header(ws, 3, &cols, &f.head)?;
    let signed = Format::new()
        .set_num_format("+0;-0;0")
        .set_align(FormatAlign::Center);
    let mut r = 4;
    let comps: Vec<_> = ladder.competencies_by_area().collect();
    for p in &tally.people {
        let Some(prev) = p.previous else { continue };
        let level = prev.level_on(ladder, p.suggested_level);
        for (k, (_, comp)) in comps.iter().enumerate() {
            ws.write_string(r, 0, p.name)?;
            ws.write_string(r, 1, p.employee_id)?;
            ws.write_string(r, 2, p.current_level)?;
            ws.write_string(r, 3, level.level.unwrap_or(""))?;
            ws.write_string(
                r,
                4,
                if level.source == crate::tally::history::LevelSource::Agreed {
                    "agreed"
                } else {
                    "suggested"
                },
            )?;
            ws.write_string(r, 5, p.suggested_level.unwrap_or(""))?;
            if let Some(c) = level.change {
                ws.write_number_with_format(r, 6, f64::from(c), &signed)?;
            }
            ws.write_string(r, 7, &comp.id)?;
            ws.write_string(r, 8, &comp.title)?;
            let (then, then_label) = prev.consensus_of(&comp.id);
            let now = p.consensus.get(k).and_then(|c| c.value);
            ws.write_string(r, 9, then_label.unwrap_or(""))?;
            ws.write_string(r, 10, now.and_then(|v| label_of(ladder, v)).unwrap_or(""))?;
            if let Some(d) = now.zip(then).map(|(a, b)| a - b) {
                ws.write_number_with_format(r, 11, f64::from(d), &signed)?;
            }
            r += 1;
        }
    }
    let table_end = r.saturating_sub(1).max(4);
    if !h.people_left.is_empty() {
        r += 1;
        ws.write_string_with_format(r, 0, "People of last cycle not in this tally", &f.bold)?;
        for left in &h.people_left {
            r += 1;
            ws.write_string(r, 0, &left.name)?;
            ws.write_string(r, 1, &left.employee_id)?;
        }
    }
    ws.autofilter(3, 0, table_end, 11)?;
    widths(
        ws,
        &[
            24.0, 12.0, 9.0, 9.0, 9.0, 9.0, 9.0, 26.0, 26.0, 11.0, 11.0, 9.0,
        ],
    )?;
    Ok(())
}

/// What the History sheet could not match, in words.
fn history_note(h: &Summary) -> String {
    let list = |ids: &[String]| -> String {
        if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        }
    };
    format!(
        "Matched by employee id and competency id, never by position: {} of this tally found last cycle, {} new, {} gone (listed below the table). Competencies this ladder has and last cycle did not (new, or renamed without keeping their id): {}. Competencies of last cycle this ladder lacks: {}.",
        h.people_matched,
        h.people_new.len(),
        h.people_left.len(),
        list(&h.competencies_added),
        list(&h.competencies_removed)
    )
}

/// *Problems*: every error, warning and note of the import.
fn problems_sheet(
    wb: &mut Workbook,
    f: &Formats,
    import: &Import,
    flags: &Flags,
) -> Result<(), XlsxError> {
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
        &f.head,
    )?;
    let probs = problems(import, flags);
    for (i, p) in probs.iter().enumerate() {
        let rr = 1 + i as u32;
        for (j, v) in [
            p.severity.as_str(),
            p.code,
            &p.file,
            &p.sheet,
            &p.cell,
            &p.message,
            &p.hint,
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(rr, j as u16, *v, &f.wrap)?;
        }
    }
    if probs.is_empty() {
        ws.write_string(1, 0, "no problems")?;
    }
    widths(ws, &[9.0, 20.0, 36.0, 10.0, 7.0, 60.0, 50.0])?;
    Ok(())
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
