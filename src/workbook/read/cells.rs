//! A sheet's cells, streamed with calamine's cell reader (never a whole-range read, which can
//! abort on crafted files), bounded in number and place, kept as values with their formulas.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, Xlsx, XlsxFormulaMetadata};

use super::{LAST_COL, LAST_ROW, Report, calamine_error, cell_ref};
use crate::diag::Diagnostic;
use crate::util::text::one_line;
use crate::workbook::rating;

/// One cell's value in a form that outlives the reader.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Empty,
    Text(String),
    Number(f64),
    /// A date or time: Excel's serial number.
    Date(f64),
    Bool(bool),
    Error(String),
}

/// One cell as read: its value, and the formula's text when it holds one.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub(crate) value: Value,
    pub(crate) formula: Option<String>,
}

/// A sheet's cells by (row, column), 0-based.
pub(crate) type Cells = BTreeMap<(u32, u32), Cell>;

impl Value {
    fn from_ref(v: &DataRef<'_>) -> Self {
        match v {
            DataRef::Empty => Self::Empty,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                Self::Text(s.clone())
            }
            DataRef::SharedString(s) => Self::Text((*s).to_owned()),
            DataRef::Int(i) => Self::Number(*i as f64),
            DataRef::Float(f) => Self::Number(*f),
            DataRef::Bool(b) => Self::Bool(*b),
            DataRef::DateTime(d) => Self::Date(d.as_f64()),
            DataRef::Error(e) => Self::Error(e.to_string()),
        }
    }

    /// Text as a person would see it (numbers without a needless `.0`).
    pub(crate) fn display(&self) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Text(s) => s.clone(),
            Self::Number(n) | Self::Date(n) => rating::format_number(*n),
            Self::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Self::Error(e) => e.clone(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// Cells found outside a form's bounds: the first few are reported one by one, the rest
/// counted.
struct Outside {
    sheet: String,
    bounds: (u32, u32),
    count: usize,
}

impl Outside {
    const SHOWN: usize = 3;

    fn new(sheet: &str, bounds: (u32, u32)) -> Self {
        Self {
            sheet: sheet.to_owned(),
            bounds,
            count: 0,
        }
    }

    fn is_outside(&self, (row, col): (u32, u32)) -> bool {
        row > self.bounds.0 || col > self.bounds.1
    }

    fn add(&mut self, rep: &mut Report<'_>, pos: (u32, u32), value: &Value) {
        self.count += 1;
        if self.count <= Self::SHOWN {
            rep.error(outside_form(rep, &self.sheet, pos, value, self.bounds));
        }
    }

    fn finish(self, rep: &mut Report<'_>) {
        if self.count > Self::SHOWN {
            let d = Diagnostic::error(
                "cell-outside-form",
                format!(
                    "{} more cells lie outside the form",
                    self.count - Self::SHOWN
                ),
                rep.at(&self.sheet, self.bounds.0, self.bounds.1),
            );
            rep.error(d);
        }
    }
}

/// Streams one sheet's cells into a map, rejecting cells outside `max_row`×`max_col` that hold
/// anything, and reading at most `max_cells` cells (bounds the time a crafted sheet costs).
/// `None` when an error was recorded.
pub(crate) fn read_sheet(
    xlsx: &mut Xlsx<Cursor<Vec<u8>>>,
    sheet: &str,
    (max_row, max_col): (u32, u32),
    max_cells: usize,
    rep: &mut Report<'_>,
) -> Option<Cells> {
    let mut reader = match xlsx.worksheet_cells_reader(sheet) {
        Ok(r) => r,
        Err(e) => {
            rep.error(calamine_error(rep, Some(sheet), &e));
            return None;
        }
    };
    let errors_before = rep.errors.len();
    let mut cells = BTreeMap::new();
    let mut seen = 0usize;
    let mut outside = Outside::new(sheet, (max_row, max_col));
    loop {
        let cell = match reader.next_cell_with_formula_metadata() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                rep.error(calamine_error(rep, Some(sheet), &e));
                return None;
            }
        };
        seen += 1;
        if seen > max_cells {
            rep.error(
                Diagnostic::error(
                    "too-many-cells",
                    format!("the sheet holds more than {max_cells} cells, far more than the form it should be"),
                    rep.at(sheet, 0, 0),
                )
                .with_hint("the file was crafted or is not a review; ask for the original workbook"),
            );
            return None;
        }
        let value = Value::from_ref(&cell.value);
        let formula = cell.formula.map(|f| match f {
            XlsxFormulaMetadata::Normal { formula }
            | XlsxFormulaMetadata::Shared { formula, .. } => formula,
            _ => "(shared formula)".to_owned(),
        });
        if value.is_empty() && formula.is_none() {
            continue;
        }
        if outside.is_outside(cell.pos) {
            outside.add(rep, cell.pos, &value);
            continue;
        }
        cells.insert(cell.pos, Cell { value, formula });
    }
    outside.finish(rep);
    (rep.errors.len() == errors_before).then_some(cells)
}

/// Reports and drops the cells of a sheet already read that lie outside tighter bounds.
/// `false` when there were any.
pub(super) fn keep_within(
    cells: &mut Cells,
    sheet: &str,
    (max_row, max_col): (u32, u32),
    rep: &mut Report<'_>,
) -> bool {
    let mut outside = Outside::new(sheet, (max_row, max_col));
    cells.retain(|pos, cell| {
        let keep = !outside.is_outside(*pos);
        if !keep {
            outside.add(rep, *pos, &cell.value);
        }
        keep
    });
    let clean = outside.count == 0;
    outside.finish(rep);
    clean
}

fn outside_form(
    rep: &Report<'_>,
    sheet: &str,
    (row, col): (u32, u32),
    value: &Value,
    (max_row, max_col): (u32, u32),
) -> Diagnostic {
    Diagnostic::error(
        "cell-outside-form",
        format!(
            "the cell {} holds '{}' but lies outside the form (it ends at {})",
            cell_ref(row, col),
            one_line(&value.display(), 60),
            cell_ref(max_row, max_col)
        ),
        rep.at(sheet, row.min(LAST_ROW), col.min(LAST_COL)),
    )
    .with_hint(
        "delete that cell's content, or ask for the original workbook if you did not put it there",
    )
}
