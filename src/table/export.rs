//! `rungs export xlsx` and `rungs export csv`: the ladder as a matrix workbook (one competency
//! per row, levels as columns, areas as grouping rows, set up for reading and printing) and as
//! a long table (one row per expectation). Both read back with `rungs import` to a ladder with
//! the same fingerprint: explicit ids go in an id column, the settings in the workbook's About
//! sheet, and the Markdown source of an expectation whose plain text loses something in the
//! workbook's Markdown sheet or the table's `markdown` column.

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::about;
use super::{
    COMPETENCY_HEADER, ID_COLUMNS, ID_HEADER, LONG_COLUMNS, MARKDOWN_COLUMN, MATRIX_SHEET, label,
    split,
};
use crate::model::{Expectation, Inline, Ladder};
use crate::util::text::looks_like_formula;

/// An exported table, and how many expectations lost their inline formatting in it (their
/// Markdown source would not read back the same; their text is kept).
#[derive(Debug)]
pub struct Exported {
    pub bytes: Vec<u8>,
    pub flattened: usize,
}

/// The Markdown source to keep beside an expectation's plain text: when the text alone would
/// not read back the same (inline structure, or a leading marker the import takes off).
/// `Err(())` when no source reads back the same either.
fn source(item: &Expectation) -> Result<Option<String>, ()> {
    let plain = matches!(item.inlines.as_slice(), [Inline::Text { text }] if *text == item.text);
    if plain && split::split(&item.text) == [item.text.clone()] {
        return Ok(None);
    }
    let md = super::markdown::source(&item.inlines);
    match crate::ladder::expectation(&md) {
        Some(e) if e.inlines == item.inlines => Ok(Some(md)),
        _ => Err(()),
    }
}

/// The long table as CSV: `level, area, competency, expectation`, then `competency_id` and
/// `area_id` when the ladder has explicit ids, and `markdown` when an expectation needs its
/// source. Text a spreadsheet would run as a formula is prefixed with `'`.
pub fn csv(ladder: &Ladder) -> Exported {
    let ids = ladder
        .areas
        .iter()
        .any(|a| a.explicit_id || a.competencies.iter().any(|c| c.explicit_id));
    let mut flattened = 0;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut sources = false;
    for (li, level) in ladder.levels.iter().enumerate() {
        for (area, comp) in ladder.competencies_by_area() {
            for item in &comp.cells[li].items {
                let mut row = vec![
                    label::write(&level.code, &level.title),
                    area.title.clone(),
                    comp.title.clone(),
                    item.text.clone(),
                ];
                if ids {
                    row.push(if comp.explicit_id {
                        comp.id.clone()
                    } else {
                        String::new()
                    });
                    row.push(if area.explicit_id {
                        area.id.clone()
                    } else {
                        String::new()
                    });
                }
                let md = source(item).unwrap_or_else(|()| {
                    flattened += 1;
                    None
                });
                sources |= md.is_some();
                row.push(md.unwrap_or_default());
                rows.push(row);
            }
        }
    }
    let mut header: Vec<&str> = LONG_COLUMNS.to_vec();
    if ids {
        header.extend(ID_COLUMNS);
    }
    if sources {
        header.push(MARKDOWN_COLUMN);
    }
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(&header);
    for row in rows {
        let fields = row.iter().take(header.len()).map(|f| {
            if looks_like_formula(f) {
                format!("'{f}")
            } else {
                f.clone()
            }
        });
        let _ = w.write_record(fields);
    }
    Exported {
        bytes: w.into_inner().unwrap_or_default(),
        flattened,
    }
}

/// Formats of the matrix workbook.
struct Formats {
    title: Format,
    muted: Format,
    head: Format,
    area: Format,
    name: Format,
    cell: Format,
    quoted: Format,
    bold: Format,
    text: Format,
}

impl Formats {
    fn new() -> Self {
        let border = |f: Format| {
            f.set_border(FormatBorder::Thin)
                .set_border_color(0x00C9_D1D9)
        };
        // 10 pt, as the review workbooks: what `text_height` estimates rows for.
        let top = |f: Format| {
            f.set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_font_size(10)
        };
        Self {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_font_color(0x001D_4F7C),
            muted: Format::new().set_font_color(0x005C_6670),
            head: border(
                top(Format::new())
                    .set_bold()
                    .set_font_color(0x00FF_FFFF)
                    .set_background_color(0x001D_4F7C),
            ),
            area: border(
                Format::new()
                    .set_font_size(10)
                    .set_bold()
                    .set_font_color(0x001D_4F7C)
                    .set_background_color(0x00EA_F0F6),
            ),
            name: border(top(Format::new()).set_bold()),
            cell: border(top(Format::new())),
            quoted: border(top(Format::new())).set_quote_prefix(),
            bold: Format::new().set_bold().set_align(FormatAlign::Top),
            text: top(Format::new()),
        }
    }
}

/// Row (0-based) of the level header in the matrix sheet.
const HEADER_ROW: u32 = 2;

/// The matrix workbook: the `Ladder` sheet, `About`, and the hidden `Markdown` sheet when
/// needed. `created` is the creation date recorded (seconds since 1970).
pub fn xlsx(ladder: &Ladder, created: i64) -> Result<Exported, XlsxError> {
    let mut wb = Workbook::new();
    let m = &ladder.meta;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&m.title)
            .set_subject("rungs ladder")
            .set_author(m.organisation.as_deref().unwrap_or(&m.title))
            .set_creation_datetime(&ExcelDateTime::from_timestamp(created)?),
    );
    let f = Formats::new();
    let (sources, flattened) = matrix_sheet(wb.add_worksheet(), ladder, &f)?;
    about::write_about(wb.add_worksheet(), ladder, &f.bold, &f.text)?;
    if !sources.is_empty() {
        about::write_markdown(wb.add_worksheet(), &sources)?;
    }
    Ok(Exported {
        bytes: wb.save_to_buffer()?,
        flattened,
    })
}

/// Sources kept for the Markdown sheet: (cell, plain text, source).
type Sources = Vec<(String, String, String)>;

fn matrix_sheet(
    ws: &mut Worksheet,
    ladder: &Ladder,
    f: &Formats,
) -> Result<(Sources, usize), XlsxError> {
    let n = ladder.levels.len() as u16;
    let last = 1 + n;
    ws.set_name(MATRIX_SHEET)?;
    ws.write_string_with_format(0, 1, &ladder.meta.title, &f.title)?;
    let subtitle = format!(
        "{} · version {} · fingerprint {}",
        crate::util::text::count(ladder.levels.len(), "level", "levels"),
        ladder.meta.version,
        ladder.meta.fingerprint
    );
    ws.write_string_with_format(1, 1, subtitle, &f.muted)?;
    ws.write_string_with_format(HEADER_ROW, 0, ID_HEADER, &f.head)?;
    ws.write_string_with_format(HEADER_ROW, 1, COMPETENCY_HEADER, &f.head)?;
    for (i, l) in ladder.levels.iter().enumerate() {
        ws.write_string_with_format(
            HEADER_ROW,
            2 + i as u16,
            label::write(&l.code, &l.title),
            &f.head,
        )?;
    }
    ws.set_column_width(0, 14)?;
    ws.set_column_hidden(0)?;
    ws.set_column_width(1, 26)?;
    // Printed one page wide: the levels share about 150 character widths, each at least 22
    // (readable on screen), at most 40.
    let width = (150.0 / f64::from(n.max(1))).clamp(22.0, 40.0);
    ws.set_column_range_width(2, last, width)?;
    let mut row = HEADER_ROW + 1;
    let mut sources = Sources::new();
    let mut flattened = 0;
    for area in &ladder.areas {
        if area.explicit_id {
            ws.write_string_with_format(row, 0, &area.id, &f.area)?;
        }
        ws.merge_range(row, 1, row, last, &area.title, &f.area)?;
        row += 1;
        for comp in &area.competencies {
            if comp.explicit_id {
                ws.write_string_with_format(row, 0, &comp.id, &f.cell)?;
            }
            ws.write_string_with_format(row, 1, &comp.title, &f.name)?;
            let mut height = crate::workbook::write::text_height(&comp.title, 26.0);
            for (i, cell) in comp.cells.iter().enumerate() {
                let col = 2 + i as u16;
                let text =
                    crate::workbook::level_cell_text(cell.items.iter().map(|e| e.text.as_str()));
                let format = if looks_like_formula(&text) {
                    &f.quoted
                } else {
                    &f.cell
                };
                ws.write_string_with_format(row, col, &text, format)?;
                height = height.max(crate::workbook::write::text_height(&text, width));
                for item in &cell.items {
                    match source(item) {
                        Ok(Some(md)) => sources.push((
                            rust_xlsxwriter::row_col_to_cell(row, col),
                            item.text.clone(),
                            md,
                        )),
                        Ok(None) => {}
                        Err(()) => flattened += 1,
                    }
                }
            }
            // Excel's highest row.
            ws.set_row_height(row, height.min(409.0))?;
            row += 1;
        }
    }
    page_setup(ws, ladder, row.saturating_sub(1), last)?;
    Ok((sources, flattened))
}

/// Landscape pages one page wide, the level header repeated, a footer naming the ladder.
fn page_setup(
    ws: &mut Worksheet,
    ladder: &Ladder,
    last_row: u32,
    last: u16,
) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    ws.set_print_area(0, 1, last_row, last)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 2)?;
    let m = &ladder.meta;
    // Excel allows 255 characters in a footer, codes included.
    let title = crate::util::text::shorten(&m.title, 120);
    let left = format!(
        "{title} · version {} · fingerprint {}",
        m.version, m.fingerprint
    )
    .replace('&', "&&");
    ws.set_footer(format!("&L&8{left}&R&8Page &P of &N"));
    Ok(())
}
