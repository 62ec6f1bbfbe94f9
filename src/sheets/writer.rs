//! Builds one review workbook in memory (`rust_xlsxwriter`), laid out as [`super::contract`]
//! says: the Review sheet, the Instructions sheet and the two hidden sheets.

use rust_xlsxwriter::{
    Color, ConditionalFormatBlank, ConditionalFormatFormula, DataValidation,
    DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder,
    Formula, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use super::contract::{self as c, LockedRow, Provenance, level_cell_text, locked_text_digest};
use crate::model::{Ladder, ScaleKind};

/// What one workbook needs.
#[allow(missing_debug_implementations)]
pub struct SheetInput<'a> {
    pub ladder: &'a Ladder,
    pub prov: &'a Provenance,
    /// Rendered instruction text (one row per line; `# ` starts a heading).
    pub instructions: &'a str,
    /// Creation date recorded in the document properties (fixed for reproducible bytes).
    pub created: &'a ExcelDateTime,
}

/// A workbook ready to write.
#[derive(Debug)]
pub struct Built {
    pub bytes: Vec<u8>,
    /// [`locked_text_digest`] of what was written.
    pub locked_digest: [u8; 32],
    pub competencies: usize,
}

// Column widths, in character units.
const W_AREA: f64 = 13.0;
const W_COMPETENCY: f64 = 20.0;
const W_RATING: f64 = 14.0;
const W_EVIDENCE: f64 = 42.0;
const W_LEVEL: f64 = 34.0;
const FONT_SIZE: f64 = 10.0;
const LINE_PT: f64 = 13.5;

const INK: u32 = 0x1F_2933;
const MUTED: u32 = 0x61_6E7C;
const HEAD_FILL: u32 = 0x2F_3E4E;
const CURRENT_HEAD_FILL: u32 = 0x1D_6FA5;
const CURRENT_FILL: u32 = 0xE8_F1F8;
const INPUT_FILL: u32 = 0xFF_FBEA;
const MISSING_FILL: u32 = 0xFB_E3E1;
const CHOSEN_FILL: u32 = 0xD8_F0D2;
const GRID: u32 = 0xC9_D1D9;

/// A format and the same with a quote prefix, for text that looks like a formula.
struct TextFormat {
    plain: Format,
    quoted: Format,
}

impl TextFormat {
    fn new(f: Format) -> Self {
        Self {
            quoted: f.clone().set_quote_prefix(),
            plain: f,
        }
    }

    fn for_text(&self, s: &str) -> &Format {
        if looks_like_formula(s) {
            &self.quoted
        } else {
            &self.plain
        }
    }
}

/// Text that a spreadsheet could take for a formula: a line that starts, after spaces or
/// non-breaking spaces, with `=`, `+`, `-`, `@`, tab, CR or LF. One rule for workbook cells
/// (quote-prefixed) and CSV fields (`tally.csv`, `'`-prefixed).
pub fn looks_like_formula(s: &str) -> bool {
    s.split('\n').any(|l| {
        l.trim_start_matches([' ', '\u{a0}'])
            .starts_with(['=', '+', '-', '@', '\t', '\r', '\n'])
    })
}

/// Writes text as a string cell (never a formula), quote-prefixed when it looks like one.
fn text(ws: &mut Worksheet, row: u32, col: u16, s: &str, f: &TextFormat) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, col, s, f.for_text(s))?;
    Ok(())
}

fn base() -> Format {
    Format::new()
        .set_font_size(FONT_SIZE)
        .set_font_color(Color::RGB(INK))
        .set_align(FormatAlign::Top)
}

fn cell_border(f: Format) -> Format {
    f.set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(GRID))
}

/// Estimated height in points of a wrapped text in a column `width` characters wide.
fn text_height(s: &str, width: f64) -> f64 {
    // A width unit is one `0` of the default 11 pt font; 10 pt prose fits about 1.2 characters
    // per unit after word wrap. Over-estimating a little is better than cutting text off.
    let per_line = (width * 1.2).max(4.0);
    let lines: f64 = s
        .split('\n')
        .map(|l| (l.chars().count() as f64 / per_line).ceil().max(1.0))
        .sum();
    lines * LINE_PT + 6.0
}

/// Builds the workbook for one review.
pub fn build(input: &SheetInput<'_>) -> Result<Built, XlsxError> {
    let ladder = input.ladder;
    let prov = input.prov;
    let mut wb = Workbook::new();
    // Fastest deflate: ~15 % less CPU per workbook for ~20 % larger files (about 23 KB).
    wb.set_zip_compression_level(1);
    let labels = ladder.rating.labels();

    let mut props = DocProperties::new()
        .set_title(format!("Review: {} ({})", prov.person_name, prov.cycle))
        .set_subject("rungs review sheet")
        .set_creation_datetime(input.created);
    for (k, v) in prov.to_pairs() {
        if !v.is_empty() {
            props = props.set_custom_property(c::property_name(k), v.as_str());
        }
    }
    wb.set_properties(&props);

    let rows = review_sheet(wb.add_worksheet(), ladder, prov)?;
    instructions_sheet(wb.add_worksheet(), input.instructions)?;
    provenance_sheet(wb.add_worksheet(), prov)?;
    ratings_sheet(wb.add_worksheet(), ladder)?;

    wb.define_name(
        c::RATINGS_NAME,
        &format!("={}", c::ratings_range(labels.len())),
    )?;
    for (key, _) in c::HEADER_FIELDS {
        if let Some(row) = c::header_row(key) {
            wb.define_name(
                c::defined_name(key),
                &format!(
                    "={}!${}${}",
                    c::REVIEW_SHEET,
                    super::roster::col_letters(usize::from(c::HEADER_VALUE_COL)),
                    row + 1
                ),
            )?;
        }
    }
    let bytes = wb.save_to_buffer()?;
    Ok(Built {
        bytes,
        locked_digest: locked_text_digest(prov, &rows),
        competencies: rows.len(),
    })
}

fn review_sheet(
    ws: &mut Worksheet,
    ladder: &Ladder,
    prov: &Provenance,
) -> Result<Vec<LockedRow>, XlsxError> {
    ws.set_name(c::REVIEW_SHEET)?;
    ws.set_active(true);
    ws.set_screen_gridlines(false);
    let n_levels = ladder.levels.len();
    let last_col = c::level_col(n_levels.saturating_sub(1));
    let current = ladder
        .levels
        .iter()
        .position(|l| l.code == prov.current_level);

    let title = TextFormat::new(base().set_bold().set_font_size(15));
    let label = TextFormat::new(base().set_font_color(Color::RGB(MUTED)));
    let value = TextFormat::new(base().set_bold());
    let note = TextFormat::new(base().set_italic().set_font_color(Color::RGB(MUTED)));
    let head = TextFormat::new(
        cell_border(base().set_bold().set_text_wrap())
            .set_font_color(Color::White)
            .set_background_color(Color::RGB(HEAD_FILL))
            .set_align(FormatAlign::VerticalCenter),
    );
    let head_current = TextFormat::new(
        cell_border(base().set_bold().set_text_wrap())
            .set_font_color(Color::White)
            .set_background_color(Color::RGB(CURRENT_HEAD_FILL))
            .set_align(FormatAlign::VerticalCenter),
    );
    let area = TextFormat::new(
        cell_border(base().set_bold().set_text_wrap()).set_font_color(Color::RGB(MUTED)),
    );
    let competency = TextFormat::new(cell_border(base().set_bold().set_text_wrap()));
    let level = TextFormat::new(cell_border(base().set_text_wrap()));
    let level_current = TextFormat::new(
        cell_border(base().set_text_wrap()).set_background_color(Color::RGB(CURRENT_FILL)),
    );
    let input = cell_border(base().set_text_wrap().set_unlocked())
        .set_background_color(Color::RGB(INPUT_FILL));
    let id = TextFormat::new(base());

    // Header.
    text(
        ws,
        c::TITLE_ROW,
        c::HEADER_LABEL_COL,
        &format!("Review: {}", prov.person_name),
        &title,
    )?;
    ws.set_row_height(c::TITLE_ROW, 24)?;
    let level_title = current.map_or("", |i| ladder.levels[i].title.as_str());
    for (key, name) in c::HEADER_FIELDS {
        let Some(row) = c::header_row(key) else {
            continue;
        };
        let v = prov.get(key).unwrap_or_default();
        if key == c::KEY_CURRENT_LEVEL && !level_title.is_empty() {
            // The code alone is what the importer reads; the title follows in the next cell.
            text(ws, row, c::HEADER_VALUE_COL + 1, level_title, &label)?;
        }
        text(ws, row, c::HEADER_LABEL_COL, name, &label)?;
        text(ws, row, c::HEADER_VALUE_COL, &v, &value)?;
    }
    let version = if ladder.meta.version == "unversioned" {
        String::new()
    } else {
        format!("version {}, ", ladder.meta.version)
    };
    let ladder_note = format!(
        "Ladder: {} ({version}fingerprint {}). Pick a rating and give evidence for every row; the Instructions sheet explains how.",
        ladder.meta.title, ladder.meta.fingerprint
    );
    text(
        ws,
        c::TABLE_HEADER_ROW - 1,
        c::HEADER_LABEL_COL,
        &ladder_note,
        &note,
    )?;

    // Table header.
    let th = c::TABLE_HEADER_ROW;
    text(ws, th, c::COL_COMPETENCY_ID, "Competency id", &head)?;
    text(ws, th, c::COL_AREA, "Area", &head)?;
    text(ws, th, c::COL_COMPETENCY, "Competency", &head)?;
    text(ws, th, c::COL_RATING, "Rating", &head)?;
    text(ws, th, c::COL_EVIDENCE, "Evidence (what you saw)", &head)?;
    for (i, l) in ladder.levels.iter().enumerate() {
        let is_current = current == Some(i);
        let t = if is_current {
            format!("{} {}\n(current level)", l.code, l.title)
        } else {
            format!("{} {}", l.code, l.title)
        };
        text(
            ws,
            th,
            c::level_col(i),
            &t,
            if is_current { &head_current } else { &head },
        )?;
    }
    ws.set_row_height(th, 30)?;

    // One row per competency.
    let mut rows = Vec::new();
    let mut r = c::FIRST_DATA_ROW;
    for a in &ladder.areas {
        for comp in &a.competencies {
            let levels: Vec<String> = comp
                .cells
                .iter()
                .map(|cell| level_cell_text(cell.items.iter().map(|e| e.text.as_str())))
                .collect();
            text(ws, r, c::COL_COMPETENCY_ID, &comp.id, &id)?;
            text(ws, r, c::COL_AREA, &a.title, &area)?;
            text(ws, r, c::COL_COMPETENCY, &comp.title, &competency)?;
            ws.write_blank(r, c::COL_RATING, &input)?;
            ws.write_blank(r, c::COL_EVIDENCE, &input)?;
            let mut height = text_height(&comp.title, W_COMPETENCY)
                .max(text_height(&a.title, W_AREA))
                .max(4.0 * LINE_PT);
            for (i, t) in levels.iter().enumerate() {
                let f = if current == Some(i) {
                    &level_current
                } else {
                    &level
                };
                text(ws, r, c::level_col(i), t, f)?;
                height = height.max(text_height(t, W_LEVEL));
            }
            ws.set_row_height(r, height.min(409.0))?;
            rows.push(LockedRow {
                competency_id: comp.id.clone(),
                area: a.title.clone(),
                competency: comp.title.clone(),
                levels,
            });
            r += 1;
        }
    }
    let last_row = r.saturating_sub(1).max(c::FIRST_DATA_ROW);

    // Columns.
    ws.set_column_width(c::COL_COMPETENCY_ID, 24)?;
    ws.set_column_hidden(c::COL_COMPETENCY_ID)?;
    ws.set_column_width(c::COL_AREA, W_AREA)?;
    ws.set_column_width(c::COL_COMPETENCY, W_COMPETENCY)?;
    ws.set_column_width(c::COL_RATING, W_RATING)?;
    ws.set_column_width(c::COL_EVIDENCE, W_EVIDENCE)?;
    for i in 0..n_levels {
        ws.set_column_width(c::level_col(i), W_LEVEL)?;
    }

    // Rating dropdown from the hidden sheet's range: no 255-character limit, commas safe.
    let labels = ladder.rating.labels();
    let listed = clip(&labels.join(", "), 180);
    let dv = DataValidation::new()
        .allow_list_formula(Formula::new(format!("={}", c::ratings_range(labels.len()))))
        .ignore_blank(true)
        .set_input_title("Rating")?
        .set_input_message(clip(
            &match ladder.rating.kind {
                ScaleKind::Levels => format!(
                    "Pick the level this person demonstrates for this competency, or \"{}\".",
                    ladder.rating.not_observed
                ),
                ScaleKind::Relative => format!(
                    "Rate against the current level ({}), or pick \"{}\".",
                    prov.current_level, ladder.rating.not_observed
                ),
            },
            255,
        ))?
        .set_error_title("Not a rating")?
        .set_error_message(clip(
            &format!("Pick one of the choices in the list: {listed}."),
            255,
        ))?
        .set_error_style(DataValidationErrorStyle::Stop);
    ws.add_data_validation(
        c::FIRST_DATA_ROW,
        c::COL_RATING,
        last_row,
        c::COL_RATING,
        &dv,
    )?;

    // Missing ratings show red until filled in.
    ws.add_conditional_format(
        c::FIRST_DATA_ROW,
        c::COL_RATING,
        last_row,
        c::COL_RATING,
        &ConditionalFormatBlank::new()
            .set_format(Format::new().set_background_color(Color::RGB(MISSING_FILL))),
    )?;
    // The level a rating points at turns green.
    let rating_ref = format!(
        "${}{}",
        super::roster::col_letters(usize::from(c::COL_RATING)),
        c::FIRST_DATA_ROW + 1
    );
    let current_index = current.map_or(0, as_i32);
    for i in 0..n_levels {
        let picks: Vec<String> = ladder
            .rating
            .options
            .iter()
            .filter(|o| match ladder.rating.kind {
                ScaleKind::Levels => o.value == as_i32(i),
                ScaleKind::Relative => current_index + o.value == as_i32(i),
            })
            .map(|o| format!("{rating_ref}=\"{}\"", o.label.replace('"', "\"\"")))
            .collect();
        if picks.is_empty() {
            continue;
        }
        let rule = format!("=OR({})", picks.join(","));
        ws.add_conditional_format(
            c::FIRST_DATA_ROW,
            c::level_col(i),
            last_row,
            c::level_col(i),
            &ConditionalFormatFormula::new()
                .set_rule(rule.as_str())
                .set_format(
                    Format::new()
                        .set_background_color(Color::RGB(CHOSEN_FILL))
                        .set_bold(),
                ),
        )?;
    }

    // Only the rating and evidence cells can change; rows can grow for long evidence.
    ws.protect_with_options(&ProtectionOptions {
        format_rows: true,
        ..ProtectionOptions::new()
    });
    ws.set_freeze_panes(c::FIRST_DATA_ROW, c::COL_EVIDENCE + 1)?;
    ws.set_selection(
        c::FIRST_DATA_ROW,
        c::COL_RATING,
        c::FIRST_DATA_ROW,
        c::COL_RATING,
    )?;

    // Print: landscape, one page wide, column titles on every page.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.2, 0.2);
    ws.set_repeat_rows(c::TABLE_HEADER_ROW, c::TABLE_HEADER_ROW)?;
    ws.set_print_area(0, c::COL_AREA, last_row, last_col)?;
    ws.set_footer("&L&8&F&R&8Page &P of &N");
    Ok(rows)
}

fn instructions_sheet(ws: &mut Worksheet, body: &str) -> Result<(), XlsxError> {
    ws.set_name(c::INSTRUCTIONS_SHEET)?;
    ws.set_screen_gridlines(false);
    ws.set_column_width(0, 2)?;
    ws.set_column_width(1, 110)?;
    let heading = TextFormat::new(base().set_bold().set_font_size(13));
    let para = TextFormat::new(base().set_text_wrap().set_font_size(11));
    let mut r = 1;
    for line in body.lines() {
        let line = line.trim_end();
        if let Some(h) = line.strip_prefix("# ") {
            if r > 1 {
                r += 1;
            }
            text(ws, r, 1, h.trim(), &heading)?;
            ws.set_row_height(r, 20)?;
        } else if line.is_empty() {
            continue;
        } else {
            text(ws, r, 1, line, &para)?;
            ws.set_row_height(r, text_height(line, 110.0) + 2.0)?;
        }
        r += 1;
    }
    ws.protect_with_options(&ProtectionOptions {
        format_rows: true,
        ..ProtectionOptions::new()
    });
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn provenance_sheet(ws: &mut Worksheet, prov: &Provenance) -> Result<(), XlsxError> {
    ws.set_name(c::PROVENANCE_SHEET)?;
    let f = TextFormat::new(Format::new());
    text(ws, 0, 0, "key", &f)?;
    text(ws, 0, 1, "value", &f)?;
    for (i, (k, v)) in prov.to_pairs().into_iter().enumerate() {
        let row = c::PROVENANCE_FIRST_ROW + i as u32;
        text(ws, row, 0, k, &f)?;
        text(ws, row, 1, &v, &f)?;
    }
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 40)?;
    ws.protect();
    ws.set_very_hidden(true);
    Ok(())
}

fn ratings_sheet(ws: &mut Worksheet, ladder: &Ladder) -> Result<(), XlsxError> {
    ws.set_name(c::RATINGS_SHEET)?;
    let f = TextFormat::new(Format::new());
    let mut row = 0;
    for o in &ladder.rating.options {
        text(ws, row, 0, &o.label, &f)?;
        ws.write_number(row, 1, f64::from(o.value))?;
        row += 1;
    }
    text(ws, row, 0, &ladder.rating.not_observed, &f)?;
    ws.protect();
    ws.set_hidden(true);
    Ok(())
}

fn as_i32(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// Cuts a message to `max` bytes on a character boundary, ending with `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max - '…'.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_lookalikes() {
        for s in [
            "=cmd|' /C calc'!A0",
            "+1",
            "-x",
            "@SUM(A1)",
            " =1",
            "\u{a0}=1",
            "\tx",
            "ok\n=2",
        ] {
            assert!(looks_like_formula(s), "{s:?}");
        }
        for s in ["Ada", "a=b", "L3", ""] {
            assert!(!looks_like_formula(s), "{s:?}");
        }
    }

    #[test]
    fn clip_cuts_on_char_boundary() {
        let s = "é".repeat(200);
        let c = clip(&s, 255);
        assert!(c.len() <= 255 && c.ends_with('…'));
        assert_eq!(clip("short", 255), "short");
    }
}
