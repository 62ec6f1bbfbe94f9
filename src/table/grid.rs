//! One sheet of a spreadsheet as the importer sees it: the text of each non-empty cell, its
//! formula or error if any, and the merged regions, read from `.xlsx` (calamine's streaming
//! cell reader), `.ods` (calamine, plus the merged regions from the file's own XML, which
//! calamine does not report) or `.csv` (UTF-8, with or without a byte-order mark; separated by
//! `,`, `;` or tabs). A grid can be turned on its side, so that one reader handles a matrix
//! in either orientation, while cell names in messages stay those of the file.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Ods, Reader, Xlsx, XlsxFormulaMetadata};
use rust_xlsxwriter::row_col_to_cell;

use crate::diag::{Diagnostic, Location};
use crate::util::text::one_line;

/// Cells read from one sheet before giving up: a ladder has hundreds, not hundreds of thousands.
const MAX_CELLS: usize = 200_000;
/// The largest spreadsheet file read.
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;

/// One non-empty cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    pub text: String,
    /// The formula, when the cell holds one (its text is then its last computed value).
    pub formula: Option<String>,
    /// An error value (`#N/A`, `#REF!`).
    pub error: Option<String>,
}

/// A merged region, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub top: u32,
    pub left: u32,
    pub bottom: u32,
    pub right: u32,
}

/// A sheet's cells and merged regions.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    file: String,
    sheet: Option<String>,
    cells: BTreeMap<(u32, u32), Cell>,
    merged: Vec<Region>,
    /// Whether rows and columns are swapped relative to the file.
    transposed: bool,
}

impl Grid {
    pub fn new(file: &str, sheet: Option<&str>) -> Self {
        Self {
            file: file.to_owned(),
            sheet: sheet.map(str::to_owned),
            cells: BTreeMap::new(),
            merged: Vec::new(),
            transposed: false,
        }
    }

    pub fn sheet(&self) -> Option<&str> {
        self.sheet.as_deref()
    }

    pub fn is_transposed(&self) -> bool {
        self.transposed
    }

    /// Sets a cell (an empty one is dropped).
    pub fn set(&mut self, row: u32, col: u32, cell: Cell) {
        if !cell.text.trim().is_empty() || cell.formula.is_some() || cell.error.is_some() {
            self.cells.insert((row, col), cell);
        }
    }

    pub fn get(&self, row: u32, col: u32) -> Option<&Cell> {
        self.cells.get(&(row, col))
    }

    /// The cell's text, trimmed; empty for an empty cell.
    pub fn text(&self, row: u32, col: u32) -> &str {
        self.get(row, col).map_or("", |c| c.text.trim())
    }

    /// The non-empty cells of a row, left to right.
    pub fn row(&self, row: u32) -> impl Iterator<Item = (u32, &Cell)> {
        self.cells
            .range((row, 0)..=(row, u32::MAX))
            .map(|((_, c), cell)| (*c, cell))
    }

    /// One more than the last row and column holding anything.
    pub fn size(&self) -> (u32, u32) {
        let rows = self.cells.keys().next_back().map_or(0, |(r, _)| r + 1);
        let cols = self.cells.keys().map(|(_, c)| c + 1).max().unwrap_or(0);
        (rows, cols)
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The merged region covering a cell, if any.
    pub fn region(&self, row: u32, col: u32) -> Option<Region> {
        self.merged
            .iter()
            .find(|m| (m.top..=m.bottom).contains(&row) && (m.left..=m.right).contains(&col))
            .copied()
    }

    /// Every merged region.
    pub fn regions(&self) -> &[Region] {
        &self.merged
    }

    pub fn add_region(&mut self, r: Region) {
        if r.top != r.bottom || r.left != r.right {
            self.merged.push(r);
        }
    }

    /// The same sheet with rows and columns swapped.
    pub fn transposed(&self) -> Self {
        Self {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            cells: self
                .cells
                .iter()
                .map(|(&(r, c), cell)| ((c, r), cell.clone()))
                .collect(),
            merged: self
                .merged
                .iter()
                .map(|m| Region {
                    top: m.left,
                    left: m.top,
                    bottom: m.right,
                    right: m.bottom,
                })
                .collect(),
            transposed: !self.transposed,
        }
    }

    /// The file's name of a cell, e.g. `D7`.
    pub fn name(&self, row: u32, col: u32) -> String {
        let (r, c) = if self.transposed {
            (col, row)
        } else {
            (row, col)
        };
        row_col_to_cell(r, c.min(16_383) as u16)
    }

    /// Where a cell is, for messages.
    pub fn at(&self, row: u32, col: u32) -> Location {
        Location::Cell {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            cell: self.name(row, col),
        }
    }

    /// Row `row` as the file numbers it (1-based), or column letters when turned on its side.
    pub fn line_name(&self, line: u32) -> String {
        if self.transposed {
            format!(
                "column {}",
                rust_xlsxwriter::column_number_to_name(line.min(16_383) as u16)
            )
        } else {
            format!("row {}", line + 1)
        }
    }

    /// Errors for cells that hold formulas or error values: a ladder's text is typed.
    pub fn formulas(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (&(r, c), cell) in &self.cells {
            if let Some(f) = &cell.formula {
                out.push(
                    Diagnostic::error(
                        "formula",
                        format!(
                            "the cell holds the formula '={}' instead of text",
                            one_line(f.trim_start_matches('='), 60)
                        ),
                        self.at(r, c),
                    )
                    .with_hint("replace it with its text: copy the cell, then paste values only"),
                );
            } else if let Some(e) = &cell.error {
                out.push(
                    Diagnostic::error(
                        "error-value",
                        format!("the cell holds the error value {e} instead of text"),
                        self.at(r, c),
                    )
                    .with_hint("type the cell's text, or clear it"),
                );
            }
        }
        out
    }
}

/// The kind of spreadsheet file, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Xlsx,
    Ods,
    Csv,
}

/// What a file is, from its content (the name may lie); `Err` says what it is instead.
pub(crate) fn kind(bytes: &[u8], file: &str) -> Result<Kind, Diagnostic> {
    let loc = || Location::File {
        file: file.to_owned(),
    };
    let fail = |code, msg: &str, hint: &str| {
        Diagnostic::error(code, msg.to_owned(), loc()).with_hint(hint.to_owned())
    };
    match crate::workbook::precheck::sniff(bytes) {
        crate::workbook::precheck::Sniffed::Zip => {
            let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
                fail(
                    "damaged-file",
                    &format!("the file is a damaged zip archive: {e}"),
                    "save it again from your spreadsheet application",
                )
            })?;
            if zip.index_for_name("mimetype").is_some()
                && zip.index_for_name("content.xml").is_some()
            {
                Ok(Kind::Ods)
            } else if zip.index_for_name("xl/workbook.xml").is_some() {
                Ok(Kind::Xlsx)
            } else {
                Err(fail(
                    "not-a-spreadsheet",
                    "the file is a zip archive but neither an .xlsx nor an .ods spreadsheet",
                    "save the ladder as .xlsx, .ods or .csv",
                ))
            }
        }
        crate::workbook::precheck::Sniffed::Text
            if !bytes.starts_with(b"\xFF\xFE") && !bytes.starts_with(b"\xFE\xFF") =>
        {
            Ok(Kind::Csv)
        }
        // Text in another encoding than UTF-8 (no NUL bytes): read as CSV, which then says at
        // which cell the encoding is wrong.
        crate::workbook::precheck::Sniffed::Unknown
            if !bytes[..bytes.len().min(4096)].contains(&0) =>
        {
            Ok(Kind::Csv)
        }
        crate::workbook::precheck::Sniffed::Ole => Err(fail(
            "legacy-xls",
            "this is a legacy Excel 97–2003 workbook (.xls) or an encrypted one",
            "open it and save it as .xlsx (File › Save As…), without a password",
        )),
        _ => Err(fail(
            "not-a-spreadsheet",
            "the file is not an .xlsx, .ods or UTF-8 .csv spreadsheet",
            "save the ladder as .xlsx, .ods or .csv (CSV as UTF-8)",
        )),
    }
}

/// Every sheet of a workbook, or the one CSV table.
pub(crate) fn read(bytes: Vec<u8>, file: &str) -> Result<Vec<Grid>, Vec<Diagnostic>> {
    match kind(&bytes, file).map_err(|d| vec![d])? {
        Kind::Csv => csv(&bytes, file).map(|g| vec![g]),
        Kind::Xlsx => xlsx(bytes, file),
        Kind::Ods => ods(bytes, file),
    }
}

fn unreadable(file: &str, e: &dyn std::fmt::Display) -> Vec<Diagnostic> {
    vec![
        Diagnostic::error(
            "unreadable",
            format!("the spreadsheet cannot be read: {e}"),
            Location::File {
                file: file.to_owned(),
            },
        )
        .with_hint("open it in your spreadsheet application and save it again"),
    ]
}

fn too_many(grid: &Grid) -> Vec<Diagnostic> {
    vec![
        Diagnostic::error(
            "too-many-cells",
            format!("the sheet holds more than {MAX_CELLS} cells; a ladder has hundreds"),
            grid.at(0, 0),
        )
        .with_hint("put the ladder on a sheet of its own and pick it with the sheet option"),
    ]
}

fn xlsx(bytes: Vec<u8>, file: &str) -> Result<Vec<Grid>, Vec<Diagnostic>> {
    let mut wb = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(file, &e))?;
    let mut grids = Vec::new();
    for name in wb.sheet_names() {
        let mut grid = Grid::new(file, Some(&name));
        for d in wb
            .merge_cells_by_sheet_name(&name)
            .map_err(|e| unreadable(file, &e))?
        {
            grid.add_region(Region {
                top: d.start.0,
                left: d.start.1,
                bottom: d.end.0,
                right: d.end.1,
            });
        }
        let mut reader = wb
            .worksheet_cells_reader(&name)
            .map_err(|e| unreadable(file, &e))?;
        let mut seen = 0usize;
        while let Some(c) = reader
            .next_cell_with_formula_metadata()
            .map_err(|e| unreadable(file, &e))?
        {
            seen += 1;
            if seen > MAX_CELLS {
                return Err(too_many(&grid));
            }
            let formula = c.formula.map(|f| match f {
                XlsxFormulaMetadata::Normal { formula }
                | XlsxFormulaMetadata::Shared { formula, .. } => formula,
                _ => "(a shared formula)".to_owned(),
            });
            let (text, error) = match &c.value {
                DataRef::SharedString(s) => ((*s).to_owned(), None),
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                    (s.clone(), None)
                }
                DataRef::Int(i) => (i.to_string(), None),
                DataRef::Float(f) => (crate::workbook::rating::format_number(*f), None),
                DataRef::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.to_owned(), None),
                DataRef::DateTime(d) => (crate::workbook::rating::format_number(d.as_f64()), None),
                DataRef::Error(e) => (String::new(), Some(e.to_string())),
                DataRef::Empty => (String::new(), None),
            };
            grid.set(
                c.pos.0,
                c.pos.1,
                Cell {
                    text,
                    formula,
                    error,
                },
            );
        }
        drop(reader);
        grids.push(grid);
    }
    Ok(grids)
}

fn ods(bytes: Vec<u8>, file: &str) -> Result<Vec<Grid>, Vec<Diagnostic>> {
    let spans = ods_spans(&bytes).map_err(|e| unreadable(file, &e))?;
    let mut wb: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| unreadable(file, &e))?;
    let mut grids = Vec::new();
    for name in wb.sheet_names() {
        let mut grid = Grid::new(file, Some(&name));
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| unreadable(file, &e))?;
        let formulas = wb
            .worksheet_formula(&name)
            .map_err(|e| unreadable(file, &e))?;
        if range.get_size().0.saturating_mul(range.get_size().1) > MAX_CELLS {
            return Err(too_many(&grid));
        }
        for (r, c, v) in range.used_cells() {
            let (row, col) = (
                range.start().unwrap_or((0, 0)).0 + r as u32,
                range.start().unwrap_or((0, 0)).1 + c as u32,
            );
            let (text, error) = match v {
                Data::Error(e) => (String::new(), Some(e.to_string())),
                Data::Float(f) => (crate::workbook::rating::format_number(*f), None),
                Data::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.to_owned(), None),
                other => (other.to_string(), None),
            };
            grid.set(
                row,
                col,
                Cell {
                    text,
                    formula: None,
                    error,
                },
            );
        }
        let (fr, fc) = formulas.start().unwrap_or((0, 0));
        for (r, c, f) in formulas.used_cells() {
            if !f.is_empty() {
                let at = (fr + r as u32, fc + c as u32);
                let mut cell = grid.get(at.0, at.1).cloned().unwrap_or_default();
                cell.formula = Some(f.trim_start_matches("of:").to_owned());
                grid.cells.insert(at, cell);
            }
        }
        for r in spans.iter().filter(|(s, _)| *s == name).map(|(_, r)| *r) {
            grid.add_region(r);
        }
        grids.push(grid);
    }
    Ok(grids)
}

/// The merged regions of an `.ods` file (cells with `table:number-columns-spanned` or
/// `table:number-rows-spanned`), by sheet name, counting rows and columns as calamine does
/// (repeated rows and cells included).
fn ods_spans(bytes: &[u8]) -> Result<Vec<(String, Region)>, String> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut xml = String::new();
    zip.by_name("content.xml")
        .map_err(|e| e.to_string())?
        .take(MAX_FILE_BYTES * 4)
        .read_to_string(&mut xml)
        .map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut sheet, mut row) = (String::new(), 0u64);
    let mut out = Vec::new();
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &[u8]| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.unescape_value().ok().map(std::borrow::Cow::into_owned))
    };
    let num = |v: Option<String>| v.and_then(|s| s.parse::<u64>().ok()).unwrap_or(1).max(1);
    loop {
        let (e, empty) = match reader.read_event().map_err(|e| e.to_string())? {
            Event::Eof => break,
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) if e.name().as_ref() == b"table:table-row" => {
                continue;
            }
            _ => continue,
        };
        match e.name().as_ref() {
            b"table:table" => {
                sheet = attr(&e, b"table:name").unwrap_or_default();
                row = 0;
            }
            b"table:table-row" => {
                let mut col = 0;
                if empty {
                    row += num(attr(&e, b"table:number-rows-repeated"));
                } else {
                    // Counted when the row ends: a repeated row holds the same cells.
                    let repeat = num(attr(&e, b"table:number-rows-repeated"));
                    let spans = row_spans(&mut reader, row, &mut col, &attr, &num)?;
                    for (top, left, rows, cols) in spans {
                        out.push((
                            sheet.clone(),
                            Region {
                                top: clamp(top),
                                left: clamp(left),
                                bottom: clamp(top + rows - 1),
                                right: clamp(left + cols - 1),
                            },
                        ));
                    }
                    row += repeat;
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

type Attr<'a> = dyn Fn(&quick_xml::events::BytesStart<'_>, &[u8]) -> Option<String> + 'a;

/// The spanned cells of one row: (row, column, rows spanned, columns spanned).
fn row_spans(
    reader: &mut quick_xml::Reader<&[u8]>,
    row: u64,
    col: &mut u64,
    attr: &Attr<'_>,
    num: &dyn Fn(Option<String>) -> u64,
) -> Result<Vec<(u64, u64, u64, u64)>, String> {
    use quick_xml::events::Event;
    let mut out = Vec::new();
    let mut depth = 0usize;
    loop {
        let (e, empty) = match reader.read_event().map_err(|e| e.to_string())? {
            Event::Eof => return Ok(out),
            Event::End(e) => {
                if depth == 0 && e.name().as_ref() == b"table:table-row" {
                    return Ok(out);
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            _ => continue,
        };
        if depth == 0
            && matches!(
                e.name().as_ref(),
                b"table:table-cell" | b"table:covered-table-cell"
            )
        {
            let repeat = num(attr(&e, b"table:number-columns-repeated"));
            let cols = num(attr(&e, b"table:number-columns-spanned"));
            let rows = num(attr(&e, b"table:number-rows-spanned"));
            if cols > 1 || rows > 1 {
                out.push((row, *col, rows, cols));
            }
            *col += repeat;
        }
        if !empty {
            depth += 1;
        }
    }
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A CSV file as a grid: UTF-8 (a byte-order mark is dropped), separated by `,`, `;` or tabs
/// (whichever the first line has most of, outside quotes).
fn csv(bytes: &[u8], file: &str) -> Result<Grid, Vec<Diagnostic>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut grid = Grid::new(file, None);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(bytes))
        .from_reader(bytes);
    for (r, rec) in reader.byte_records().enumerate() {
        let r = r as u32;
        let rec = rec.map_err(|e| unreadable(file, &e))?;
        for (c, field) in rec.iter().enumerate() {
            let c = c as u32;
            match std::str::from_utf8(field) {
                Ok(s) => grid.set(
                    r,
                    c,
                    Cell {
                        text: unquote(s).to_owned(),
                        ..Cell::default()
                    },
                ),
                // The whole file has another encoding: one message, at its first cell.
                Err(_) => {
                    return Err(vec![
                        Diagnostic::error(
                            "encoding",
                            "the file is not UTF-8: this cell is the first that is not",
                            grid.at(r, c),
                        )
                        .with_hint(
                            "save the file as \"CSV UTF-8\" (Excel) or with the UTF-8 encoding",
                        ),
                    ]);
                }
            }
            if grid.cells.len() > MAX_CELLS {
                return Err(too_many(&grid));
            }
        }
    }
    Ok(grid)
}

/// A field that `rungs export csv` quote-prefixed so that a spreadsheet does not run it as a
/// formula, with the `'` taken off again.
fn unquote(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if crate::util::text::looks_like_formula(rest) => rest,
        _ => s,
    }
}

/// The separator the first line uses most, outside quoted fields (`,` on a tie).
fn delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in bytes {
        match b {
            b'\n' if !quoted => break,
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    [b',', b';', b'\t'][best]
}
