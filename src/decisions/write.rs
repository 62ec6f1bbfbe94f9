//! Builds the decisions workbook in memory (`rust_xlsxwriter`), laid out as the module's
//! contract says, with the review workbook's text rules (string cells, quote-prefixed when they
//! look like formulas) and its provenance writers.

use rust_xlsxwriter::{
    Color, ConditionalFormatBlank, ConditionalFormatFormula, DataValidation,
    DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, FormatAlign, Formula,
    ProtectionOptions, Worksheet, XlsxError, column_number_to_name,
};

use super::{
    self as d, COL_AGREED, COL_CONSENSUS, COL_GAP, COL_PROPOSED, COL_SUGGESTED, FIRST_DATA_ROW,
    INPUT_COLUMNS, LOCKED_COLUMNS, Provenance, TABLE_HEADER_ROW,
};
use crate::model::Ladder;
use crate::tally::read::TallyFile;
use crate::workbook::write::{
    CHOSEN_FILL, HEAD_FILL, INPUT_FILL, MAX_ROW_PT, MISSING_FILL, MUTED, TextFormat, base,
    cell_border, heading, new_workbook, provenance_sheet, text, text_height, with_provenance,
};

/// What the workbook shows.
#[allow(missing_debug_implementations)]
pub struct Input<'a> {
    pub ladder: &'a Ladder,
    pub tally: &'a TallyFile,
    pub prov: &'a Provenance,
    /// The people (indexes into the tally), in row order.
    pub people: &'a [usize],
    /// Creation date recorded in the document properties (fixed for reproducible bytes).
    pub created: &'a ExcelDateTime,
}

/// Column widths, in character units, by column.
const WIDTHS: [f64; 12] = [
    17.0, 22.0, 14.0, 9.0, 10.0, 6.0, 9.0, 26.0, 11.0, 11.0, 34.0, 16.0,
];
/// Amber: an agreed level that is not the suggested one.
const CHANGED_FILL: u32 = 0xFF_E8B0;

/// Builds the decisions workbook.
pub fn build(input: &Input<'_>) -> Result<Vec<u8>, XlsxError> {
    let prov = input.prov;
    let mut wb = new_workbook();
    let props = DocProperties::new()
        .set_title(format!("Calibration decisions ({})", prov.cycle))
        .set_subject("rungs decisions")
        .set_creation_datetime(input.created);
    let pairs = prov.to_pairs();
    wb.set_properties(&with_provenance(props, &pairs));
    decisions_sheet(wb.add_worksheet(), input)?;
    provenance_sheet(wb.add_worksheet(), &pairs)?;
    levels_sheet(wb.add_worksheet(), input.ladder)?;
    wb.define_name(
        d::LEVELS_NAME,
        &format!("={}", d::levels_range(input.ladder.levels.len())),
    )?;
    wb.save_to_buffer()
}

fn decisions_sheet(ws: &mut Worksheet, input: &Input<'_>) -> Result<(), XlsxError> {
    ws.set_name(d::DECISIONS_SHEET)?;
    ws.set_active(true);
    ws.set_screen_gridlines(false);
    header(ws, input)?;
    let head = heading(HEAD_FILL);
    for (col, title) in LOCKED_COLUMNS.iter().chain(&INPUT_COLUMNS) {
        text(ws, TABLE_HEADER_ROW, *col, title, &head)?;
    }
    ws.set_row_height(TABLE_HEADER_ROW, 30)?;
    rows(ws, input)?;
    let last_row = (FIRST_DATA_ROW + crate::util::to_u32(input.people.len()))
        .saturating_sub(1)
        .max(FIRST_DATA_ROW);
    for (col, w) in (0u16..).zip(WIDTHS) {
        ws.set_column_width(col, w)?;
    }
    dropdowns(ws, input, last_row)?;
    highlights(ws, last_row)?;
    ws.autofilter(TABLE_HEADER_ROW, 0, last_row, d::LAST_COL)?;
    ws.protect_with_options(&ProtectionOptions {
        format_rows: true,
        format_columns: true,
        use_autofilter: true,
        sort: true,
        ..ProtectionOptions::new()
    });
    ws.set_freeze_panes(FIRST_DATA_ROW, d::COL_NAME + 1)?;
    ws.set_selection(FIRST_DATA_ROW, COL_AGREED, FIRST_DATA_ROW, COL_AGREED)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.2, 0.2);
    ws.set_repeat_rows(TABLE_HEADER_ROW, TABLE_HEADER_ROW)?;
    ws.set_print_area(0, 0, last_row, d::LAST_COL)?;
    ws.set_footer("&L&8&F&R&8Page &P of &N");
    Ok(())
}

/// The title, the visible provenance fields and the note.
fn header(ws: &mut Worksheet, input: &Input<'_>) -> Result<(), XlsxError> {
    let (prov, ladder) = (input.prov, input.ladder);
    let title = TextFormat::new(base().set_bold().set_font_size(15));
    let label = TextFormat::new(base().set_font_color(Color::RGB(MUTED)));
    let value = TextFormat::new(base().set_bold());
    let note = TextFormat::new(base().set_italic().set_font_color(Color::RGB(MUTED)));
    text(
        ws,
        0,
        0,
        &format!("Calibration decisions: {}", prov.cycle),
        &title,
    )?;
    ws.set_row_height(0, 24)?;
    let pairs = prov.to_pairs();
    for ((key, name), row) in d::HEADER_FIELDS.iter().zip(d::HEADER_FIRST_ROW..) {
        text(ws, row, d::HEADER_LABEL_COL, name, &label)?;
        let v = pairs
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str());
        if !v.is_empty() {
            text(ws, row, d::HEADER_VALUE_COL, v, &value)?;
        }
    }
    let version = if ladder.meta.version == "unversioned" {
        String::new()
    } else {
        format!("version {}, ", ladder.meta.version)
    };
    text(
        ws,
        TABLE_HEADER_ROW - 1,
        0,
        &format!(
            "Ladder: {} ({version}fingerprint {}); {} people ({}). Fill in the yellow columns: the agreed level for every person, a reason where it differs from the suggestion, and who decided. Filter by level or team with the arrows in the titles.",
            ladder.meta.title,
            ladder.meta.fingerprint,
            input.people.len(),
            prov.scope.describe()
        ),
        &note,
    )
}

/// One row per person: the locked facts, then the four input cells.
fn rows(ws: &mut Worksheet, input: &Input<'_>) -> Result<(), XlsxError> {
    let locked = TextFormat::new(cell_border(base().set_text_wrap()));
    let strong = TextFormat::new(cell_border(base().set_bold().set_text_wrap()));
    let number = cell_border(base().set_align(FormatAlign::Center));
    let unlocked = cell_border(base().set_text_wrap().set_unlocked())
        .set_background_color(Color::RGB(INPUT_FILL));
    let people = &input.tally.tally.people;
    for (&i, row) in input.people.iter().zip(FIRST_DATA_ROW..) {
        let p = &people[i];
        let facts = d::facts(p, input.ladder);
        for ((col, _), fact) in LOCKED_COLUMNS.iter().zip(&facts) {
            match *col {
                COL_GAP => match p.gap {
                    Some(g) => {
                        ws.write_number_with_format(row, COL_GAP, f64::from(g), &number)?;
                    }
                    None => {
                        ws.write_blank(row, COL_GAP, &number)?;
                    }
                },
                d::COL_NAME | COL_SUGGESTED => text(ws, row, *col, fact, &strong)?,
                _ => text(ws, row, *col, fact, &locked)?,
            }
        }
        for (col, _) in INPUT_COLUMNS {
            ws.write_blank(row, col, &unlocked)?;
        }
        let height = text_height(&facts[usize::from(COL_CONSENSUS)], WIDTHS[7])
            .max(text_height(&facts[1], WIDTHS[1]));
        ws.set_row_height(row, height.min(MAX_ROW_PT))?;
    }
    Ok(())
}

/// The Proposed and Agreed dropdowns: the ladder's level codes from the hidden sheet.
fn dropdowns(ws: &mut Worksheet, input: &Input<'_>, last_row: u32) -> Result<(), XlsxError> {
    let codes = d::level_codes(input.ladder).join(", ");
    let source = Formula::new(format!("={}", d::levels_range(input.ladder.levels.len())));
    for (col, title) in [
        (COL_PROPOSED, "Proposed level"),
        (COL_AGREED, "Agreed level"),
    ] {
        let dv = DataValidation::new()
            .allow_list_formula(source.clone())
            .ignore_blank(true)
            .set_input_title(title)?
            .set_input_message(crate::util::text::clip(
                &format!("Pick a level of the ladder: {codes}."),
                255,
            ))?
            .set_error_title("Not a level")?
            .set_error_message(crate::util::text::clip(
                &format!("Pick one of the ladder's levels: {codes}."),
                255,
            ))?
            .set_error_style(DataValidationErrorStyle::Stop);
        ws.add_data_validation(FIRST_DATA_ROW, col, last_row, col, &dv)?;
    }
    Ok(())
}

/// An agreed level still missing shows red; one that is not the suggestion shows amber.
fn highlights(ws: &mut Worksheet, last_row: u32) -> Result<(), XlsxError> {
    ws.add_conditional_format(
        FIRST_DATA_ROW,
        COL_AGREED,
        last_row,
        COL_AGREED,
        &ConditionalFormatBlank::new()
            .set_format(Format::new().set_background_color(Color::RGB(MISSING_FILL))),
    )?;
    let agreed = format!(
        "${}{}",
        column_number_to_name(COL_AGREED),
        FIRST_DATA_ROW + 1
    );
    let suggested = format!(
        "${}{}",
        column_number_to_name(COL_SUGGESTED),
        FIRST_DATA_ROW + 1
    );
    for (rule, fill) in [
        (
            format!("=AND({agreed}<>\"\",{agreed}<>{suggested})"),
            CHANGED_FILL,
        ),
        (format!("={agreed}={suggested}"), CHOSEN_FILL),
    ] {
        ws.add_conditional_format(
            FIRST_DATA_ROW,
            COL_AGREED,
            last_row,
            COL_AGREED,
            &ConditionalFormatFormula::new()
                .set_rule(rule.as_str())
                .set_format(Format::new().set_background_color(Color::RGB(fill))),
        )?;
    }
    Ok(())
}

fn levels_sheet(ws: &mut Worksheet, ladder: &Ladder) -> Result<(), XlsxError> {
    ws.set_name(d::LEVELS_SHEET)?;
    let f = TextFormat::new(Format::new());
    for (row, l) in (0u32..).zip(&ladder.levels) {
        text(ws, row, 0, &l.code, &f)?;
        text(ws, row, 1, &l.title, &f)?;
    }
    ws.protect();
    ws.set_hidden(true);
    Ok(())
}
