//! Builds review workbooks in memory (`rust_xlsxwriter`), laid out as the module's contract
//! says: one review's workbook (the Review sheet, the Instructions sheet and the two hidden
//! sheets), or a bundle of several reviews by one reviewer ([`super::bundle`]).

use rust_xlsxwriter::{
    Color, ConditionalFormatBlank, ConditionalFormatFormula, DataValidation,
    DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder,
    Formula, ProtectionOptions, Workbook, Worksheet, XlsxError, column_number_to_name,
    quote_sheet_name,
};

use super::{self as c, LockedRow, Provenance, bundle, locked_text_digest};
use crate::model::{Area, Competency, Ladder, ScaleKind};
use crate::util::text::{clip, looks_like_formula};

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

/// What a bundle needs: the reviews of one reviewer, one review sheet each, in this order.
#[allow(missing_debug_implementations)]
pub struct BundleInput<'a> {
    pub ladder: &'a Ladder,
    /// Each with [`c::BUNDLE_SCHEMA_VERSION`].
    pub reviews: &'a [Provenance],
    /// Rendered instruction text, one for all reviews.
    pub instructions: &'a str,
    pub created: &'a ExcelDateTime,
}

/// A bundle ready to write.
#[derive(Debug)]
pub struct BuiltBundle {
    pub bytes: Vec<u8>,
    /// One per review, in order.
    pub sheets: Vec<BuiltSheet>,
}

/// One review sheet of a bundle.
#[derive(Debug)]
pub struct BuiltSheet {
    pub name: String,
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
/// Excel's tallest row, in points.
pub(crate) const MAX_ROW_PT: f64 = 409.0;

pub(crate) const INK: u32 = 0x1F_2933;
pub(crate) const MUTED: u32 = 0x61_6E7C;
pub(crate) const HEAD_FILL: u32 = 0x2F_3E4E;
const CURRENT_HEAD_FILL: u32 = 0x1D_6FA5;
const CURRENT_FILL: u32 = 0xE8_F1F8;
pub(crate) const INPUT_FILL: u32 = 0xFF_FBEA;
pub(crate) const MISSING_FILL: u32 = 0xFB_E3E1;
pub(crate) const CHOSEN_FILL: u32 = 0xD8_F0D2;
pub(crate) const GRID: u32 = 0xC9_D1D9;

/// A format and the same with a quote prefix, for text that looks like a formula.
pub(crate) struct TextFormat {
    plain: Format,
    quoted: Format,
}

impl TextFormat {
    pub(crate) fn new(f: Format) -> Self {
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

/// Writes text as a string cell (never a formula), quote-prefixed when it looks like one.
pub(crate) fn text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    f: &TextFormat,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, col, s, f.for_text(s))?;
    Ok(())
}

/// The body text format every rungs workbook starts from.
pub(crate) fn base() -> Format {
    Format::new()
        .set_font_size(FONT_SIZE)
        .set_font_color(Color::RGB(INK))
        .set_align(FormatAlign::Top)
}

/// `f` with the thin grid border of table cells.
pub(crate) fn cell_border(f: Format) -> Format {
    f.set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(GRID))
}

/// A column-title format on `fill`.
pub(crate) fn heading(fill: u32) -> TextFormat {
    TextFormat::new(
        cell_border(base().set_bold().set_text_wrap())
            .set_font_color(Color::White)
            .set_background_color(Color::RGB(fill))
            .set_align(FormatAlign::VerticalCenter),
    )
}

/// Estimated height in points of a wrapped text in a column `width` characters wide.
pub(crate) fn text_height(s: &str, width: f64) -> f64 {
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
    let mut wb = new_workbook();
    let props = DocProperties::new()
        .set_title(format!("Review: {} ({})", prov.person_name, prov.cycle))
        .set_subject("rungs review sheet")
        .set_creation_datetime(input.created);
    wb.set_properties(&with_provenance(props, &prov.to_pairs()));

    let rows = review_sheet(wb.add_worksheet(), ladder, prov, c::REVIEW_SHEET, true)?;
    instructions_sheet(wb.add_worksheet(), input.instructions)?;
    provenance_sheet(wb.add_worksheet(), &prov.to_pairs())?;
    ratings_sheet(wb.add_worksheet(), ladder)?;

    define_ratings(&mut wb, ladder)?;
    header_names(&mut wb, c::REVIEW_SHEET, "")?;
    let bytes = wb.save_to_buffer()?;
    Ok(Built {
        bytes,
        locked_digest: locked_text_digest(prov, &rows),
        competencies: rows.len(),
    })
}

/// Builds a bundle: the Instructions sheet, one review sheet per review, the hidden sheets.
pub fn build_bundle(input: &BundleInput<'_>) -> Result<BuiltBundle, XlsxError> {
    let ladder = input.ladder;
    let names = bundle::sheet_names(
        input
            .reviews
            .iter()
            .map(|p| (p.person_name.as_str(), p.employee_id.as_str())),
    );
    let mut wb = new_workbook();
    let mut props = DocProperties::new().set_subject("rungs review workbook");
    if let Some(first) = input.reviews.first() {
        props = props.set_title(format!("Reviews by {} ({})", first.reviewer, first.cycle));
    }
    props = props.set_creation_datetime(input.created);
    for (prov, name) in input.reviews.iter().zip(&names) {
        let key = |k: &str| bundle::property_name(&prov.form_id, k);
        props = props.set_custom_property(key(bundle::KEY_SHEET), name.as_str());
        for (k, v) in prov.to_pairs() {
            if !v.is_empty() {
                props = props.set_custom_property(key(k), v.as_str());
            }
        }
    }
    wb.set_properties(&props);

    instructions_sheet(wb.add_worksheet(), input.instructions)?;
    let mut sheets = Vec::with_capacity(names.len());
    for (i, (prov, name)) in input.reviews.iter().zip(&names).enumerate() {
        let rows = review_sheet(wb.add_worksheet(), ladder, prov, name, i == 0)?;
        sheets.push(BuiltSheet {
            name: name.clone(),
            locked_digest: locked_text_digest(prov, &rows),
            competencies: rows.len(),
        });
    }
    bundle_provenance_sheet(wb.add_worksheet(), input.reviews, &names)?;
    ratings_sheet(wb.add_worksheet(), ladder)?;

    define_ratings(&mut wb, ladder)?;
    for name in &names {
        header_names(&mut wb, name, &format!("{}!", quote_sheet_name(name)))?;
    }
    let bytes = wb.save_to_buffer()?;
    Ok(BuiltBundle { bytes, sheets })
}

/// A workbook with the compression every rungs workbook uses.
pub(crate) fn new_workbook() -> Workbook {
    let mut wb = Workbook::new();
    // Fastest deflate: less CPU per workbook for somewhat larger files (about 23 KB).
    wb.set_zip_compression_level(1);
    wb
}

/// The defined name of the dropdown's choices.
fn define_ratings(wb: &mut Workbook, ladder: &Ladder) -> Result<(), XlsxError> {
    wb.define_name(
        c::RATINGS_NAME,
        &format!("={}", c::ratings_range(ladder.rating.labels().len())),
    )?;
    Ok(())
}

/// A defined name `rungs_<key>` for each header value cell of the review sheet `sheet`;
/// `scope` is empty for workbook-scoped names, `'Sheet'!` for names scoped to the sheet.
fn header_names(wb: &mut Workbook, sheet: &str, scope: &str) -> Result<(), XlsxError> {
    let target = if scope.is_empty() {
        sheet.to_owned()
    } else {
        quote_sheet_name(sheet)
    };
    for (key, _) in c::HEADER_FIELDS {
        if let Some(row) = c::header_row(key) {
            wb.define_name(
                format!("{scope}{}", c::defined_name(key)),
                &format!(
                    "={target}!${}${}",
                    column_number_to_name(c::HEADER_VALUE_COL),
                    row + 1
                ),
            )?;
        }
    }
    Ok(())
}

/// The formats of the Review sheet, made once per workbook.
struct Formats {
    title: TextFormat,
    label: TextFormat,
    value: TextFormat,
    note: TextFormat,
    head: TextFormat,
    head_current: TextFormat,
    area: TextFormat,
    competency: TextFormat,
    level: TextFormat,
    level_current: TextFormat,
    input: Format,
    id: TextFormat,
}

impl Formats {
    fn new() -> Self {
        Self {
            title: TextFormat::new(base().set_bold().set_font_size(15)),
            label: TextFormat::new(base().set_font_color(Color::RGB(MUTED))),
            value: TextFormat::new(base().set_bold()),
            note: TextFormat::new(base().set_italic().set_font_color(Color::RGB(MUTED))),
            head: heading(HEAD_FILL),
            head_current: heading(CURRENT_HEAD_FILL),
            area: TextFormat::new(
                cell_border(base().set_bold().set_text_wrap()).set_font_color(Color::RGB(MUTED)),
            ),
            competency: TextFormat::new(cell_border(base().set_bold().set_text_wrap())),
            level: TextFormat::new(cell_border(base().set_text_wrap())),
            level_current: TextFormat::new(
                cell_border(base().set_text_wrap()).set_background_color(Color::RGB(CURRENT_FILL)),
            ),
            input: cell_border(base().set_text_wrap().set_unlocked())
                .set_background_color(Color::RGB(INPUT_FILL)),
            id: TextFormat::new(base()),
        }
    }
}

/// The Review sheet of one review.
struct ReviewSheet<'a> {
    ladder: &'a Ladder,
    prov: &'a Provenance,
    /// Index of the person's current level, if the ladder has it.
    current: Option<usize>,
    f: Formats,
}

/// A review sheet named `name` (the Review sheet of a single review's workbook, or one sheet
/// of a bundle); `active` when it is the one that opens.
fn review_sheet(
    ws: &mut Worksheet,
    ladder: &Ladder,
    prov: &Provenance,
    name: &str,
    active: bool,
) -> Result<Vec<LockedRow>, XlsxError> {
    ws.set_name(name)?;
    if active {
        ws.set_active(true);
    }
    ws.set_screen_gridlines(false);
    let sheet = ReviewSheet {
        ladder,
        prov,
        current: ladder
            .levels
            .iter()
            .position(|l| l.code == prov.current_level),
        f: Formats::new(),
    };
    sheet.header(ws)?;
    sheet.table_header(ws)?;
    let rows = sheet.rows(ws)?;
    let last_row = (c::FIRST_DATA_ROW + rows.len() as u32)
        .saturating_sub(1)
        .max(c::FIRST_DATA_ROW);
    sheet.columns(ws)?;
    sheet.rating_dropdown(ws, last_row)?;
    sheet.highlights(ws, last_row)?;
    sheet.protect_and_print(ws, last_row)?;
    Ok(rows)
}

impl ReviewSheet<'_> {
    /// The title, the visible provenance fields and the note naming the ladder.
    fn header(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        let (f, prov, ladder) = (&self.f, self.prov, self.ladder);
        text(
            ws,
            c::TITLE_ROW,
            c::HEADER_LABEL_COL,
            &format!("Review: {}", prov.person_name),
            &f.title,
        )?;
        ws.set_row_height(c::TITLE_ROW, 24)?;
        let level_title = self.current.map_or("", |i| ladder.levels[i].title.as_str());
        for (key, name) in c::HEADER_FIELDS {
            let Some(row) = c::header_row(key) else {
                continue;
            };
            let v = prov.get(key).unwrap_or_default();
            if key == c::KEY_CURRENT_LEVEL && !level_title.is_empty() {
                // The code alone is what the importer reads; the title follows in the next cell.
                text(ws, row, c::HEADER_VALUE_COL + 1, level_title, &f.label)?;
            }
            text(ws, row, c::HEADER_LABEL_COL, name, &f.label)?;
            text(ws, row, c::HEADER_VALUE_COL, &v, &f.value)?;
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
            &f.note,
        )
    }

    /// The column titles, the current level's marked.
    fn table_header(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        let (th, head) = (c::TABLE_HEADER_ROW, &self.f.head);
        text(ws, th, c::COL_COMPETENCY_ID, "Competency id", head)?;
        text(ws, th, c::COL_AREA, "Area", head)?;
        text(ws, th, c::COL_COMPETENCY, "Competency", head)?;
        text(ws, th, c::COL_RATING, "Rating", head)?;
        text(ws, th, c::COL_EVIDENCE, "Evidence (what you saw)", head)?;
        for (i, l) in self.ladder.levels.iter().enumerate() {
            let is_current = self.current == Some(i);
            let t = if is_current {
                format!("{} {}\n(current level)", l.code, l.title)
            } else {
                format!("{} {}", l.code, l.title)
            };
            let f = if is_current {
                &self.f.head_current
            } else {
                head
            };
            text(ws, th, c::level_col(i), &t, f)?;
        }
        ws.set_row_height(th, 30)?;
        Ok(())
    }

    /// One row per competency, in ladder order; returns their locked text.
    fn rows(&self, ws: &mut Worksheet) -> Result<Vec<LockedRow>, XlsxError> {
        let mut rows = Vec::new();
        let mut r = c::FIRST_DATA_ROW;
        for a in &self.ladder.areas {
            for comp in &a.competencies {
                rows.push(self.row(ws, r, a, comp)?);
                r += 1;
            }
        }
        Ok(rows)
    }

    fn row(
        &self,
        ws: &mut Worksheet,
        r: u32,
        a: &Area,
        comp: &Competency,
    ) -> Result<LockedRow, XlsxError> {
        let f = &self.f;
        let locked = LockedRow::of(a, comp);
        text(ws, r, c::COL_COMPETENCY_ID, &comp.id, &f.id)?;
        text(ws, r, c::COL_AREA, &a.title, &f.area)?;
        text(ws, r, c::COL_COMPETENCY, &comp.title, &f.competency)?;
        ws.write_blank(r, c::COL_RATING, &f.input)?;
        ws.write_blank(r, c::COL_EVIDENCE, &f.input)?;
        let mut height = text_height(&comp.title, W_COMPETENCY)
            .max(text_height(&a.title, W_AREA))
            .max(4.0 * LINE_PT);
        for (i, t) in locked.levels.iter().enumerate() {
            let lf = if self.current == Some(i) {
                &f.level_current
            } else {
                &f.level
            };
            text(ws, r, c::level_col(i), t, lf)?;
            height = height.max(text_height(t, W_LEVEL));
        }
        ws.set_row_height(r, height.min(MAX_ROW_PT))?;
        Ok(locked)
    }

    fn columns(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        ws.set_column_width(c::COL_COMPETENCY_ID, 24)?;
        ws.set_column_hidden(c::COL_COMPETENCY_ID)?;
        ws.set_column_width(c::COL_AREA, W_AREA)?;
        ws.set_column_width(c::COL_COMPETENCY, W_COMPETENCY)?;
        ws.set_column_width(c::COL_RATING, W_RATING)?;
        ws.set_column_width(c::COL_EVIDENCE, W_EVIDENCE)?;
        for i in 0..self.ladder.levels.len() {
            ws.set_column_width(c::level_col(i), W_LEVEL)?;
        }
        Ok(())
    }

    /// The rating dropdown, from the hidden sheet's range: no 255-character limit, commas safe.
    fn rating_dropdown(&self, ws: &mut Worksheet, last_row: u32) -> Result<(), XlsxError> {
        let rating = &self.ladder.rating;
        let labels = rating.labels();
        let listed = clip(&labels.join(", "), 180);
        let prompt = match rating.kind {
            ScaleKind::Levels => format!(
                "Pick the level this person demonstrates for this competency, or \"{}\".",
                rating.not_observed
            ),
            ScaleKind::Relative => format!(
                "Rate against the current level ({}), or pick \"{}\".",
                self.prov.current_level, rating.not_observed
            ),
        };
        let dv = DataValidation::new()
            .allow_list_formula(Formula::new(format!("={}", c::ratings_range(labels.len()))))
            .ignore_blank(true)
            .set_input_title("Rating")?
            .set_input_message(clip(&prompt, 255))?
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
        Ok(())
    }

    /// Missing ratings show red until filled in; the level a rating points at turns green.
    fn highlights(&self, ws: &mut Worksheet, last_row: u32) -> Result<(), XlsxError> {
        ws.add_conditional_format(
            c::FIRST_DATA_ROW,
            c::COL_RATING,
            last_row,
            c::COL_RATING,
            &ConditionalFormatBlank::new()
                .set_format(Format::new().set_background_color(Color::RGB(MISSING_FILL))),
        )?;
        let rating_ref = format!(
            "${}{}",
            column_number_to_name(c::COL_RATING),
            c::FIRST_DATA_ROW + 1
        );
        let rating = &self.ladder.rating;
        let current_index = self.current.map_or(0, as_i32);
        for i in 0..self.ladder.levels.len() {
            let picks: Vec<String> = rating
                .options
                .iter()
                .filter(|o| match rating.kind {
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
        Ok(())
    }

    /// Only the rating and evidence cells can change (rows can grow for long evidence); prints
    /// landscape, one page wide, the column titles on every page.
    fn protect_and_print(&self, ws: &mut Worksheet, last_row: u32) -> Result<(), XlsxError> {
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
        let last_col = c::level_col(self.ladder.levels.len().saturating_sub(1));
        ws.set_landscape();
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.2, 0.2);
        ws.set_repeat_rows(c::TABLE_HEADER_ROW, c::TABLE_HEADER_ROW)?;
        ws.set_print_area(0, c::COL_AREA, last_row, last_col)?;
        ws.set_footer("&L&8&F&R&8Page &P of &N");
        Ok(())
    }
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

/// The custom document properties' copy of the provenance: `rungs_<key>` per non-empty value.
pub(crate) fn with_provenance(
    mut props: DocProperties,
    pairs: &[(&'static str, String)],
) -> DocProperties {
    for (k, v) in pairs {
        if !v.is_empty() {
            props = props.set_custom_property(c::property_name(k), v.as_str());
        }
    }
    props
}

/// The very hidden key/value copy of the provenance.
pub(crate) fn provenance_sheet(
    ws: &mut Worksheet,
    pairs: &[(&'static str, String)],
) -> Result<(), XlsxError> {
    ws.set_name(c::PROVENANCE_SHEET)?;
    let f = TextFormat::new(Format::new());
    text(ws, 0, 0, "key", &f)?;
    text(ws, 0, 1, "value", &f)?;
    for (row, (k, v)) in (c::PROVENANCE_FIRST_ROW..).zip(pairs) {
        text(ws, row, 0, k, &f)?;
        text(ws, row, 1, v, &f)?;
    }
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 40)?;
    ws.protect();
    ws.set_very_hidden(true);
    Ok(())
}

/// A bundle's provenance sheet: `sheet` / `key` / `value`, one block of rows per review sheet.
fn bundle_provenance_sheet(
    ws: &mut Worksheet,
    reviews: &[Provenance],
    names: &[String],
) -> Result<(), XlsxError> {
    ws.set_name(c::PROVENANCE_SHEET)?;
    let f = TextFormat::new(Format::new());
    for (col, title) in (0..).zip(bundle::PROVENANCE_COLUMNS) {
        text(ws, 0, col, title, &f)?;
    }
    let mut row = c::PROVENANCE_FIRST_ROW;
    for (prov, name) in reviews.iter().zip(names) {
        for (k, v) in prov.to_pairs() {
            text(ws, row, 0, name, &f)?;
            text(ws, row, 1, k, &f)?;
            text(ws, row, 2, &v, &f)?;
            row += 1;
        }
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 20)?;
    ws.set_column_width(2, 40)?;
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
