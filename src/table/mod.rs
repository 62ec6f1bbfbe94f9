//! The ladder as a table, both ways: `rungs import` reads a ladder kept in a spreadsheet (a
//! matrix in either orientation, or a long table; `.xlsx`, `.ods`, `.csv`) into a [`Draft`]
//! and writes it as rungs Markdown ([`markdown`]); `rungs export xlsx` and `rungs export csv`
//! write the model as a matrix workbook and as a long table ([`export`]). The two table
//! formats are defined here once, beside the round-trip tests (`tests.rs`): export, then
//! import, gives a ladder with the same fingerprint.
//!
//! | step | module |
//! |---|---|
//! | a sheet's cells, merged regions and formulas | [`grid`] |
//! | level labels (`Senior SRE (L3)`, `L3 Senior SRE`, `IC3`) | [`label`] |
//! | a cell's expectations | [`split`] |
//! | a matrix, found by its row or column of level labels | [`matrix`] |
//! | a long table (level, area, competency, expectation) | [`long`] |
//! | the exported workbook's settings and Markdown sheets | [`about`] |
//! | choosing the sheet, putting it together | [`import`] |

mod about;
mod export;
mod grid;
mod import;
mod label;
mod long;
mod markdown;
mod matrix;
mod split;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use export::{csv as export_csv, xlsx as export_xlsx};
pub use import::{Options, import};

use crate::diag::{Diagnostic, Location};
use crate::util::text::one_line;

/// Columns of the long table, as `rungs export csv` writes them (`rungs import` also accepts
/// other names for them, see [`long`]).
pub const LONG_COLUMNS: [&str; 4] = ["level", "area", "competency", "expectation"];
/// Optional columns of the long table: explicit ids, written when the ladder has them.
pub const ID_COLUMNS: [&str; 2] = ["competency_id", "area_id"];
/// Optional column of the long table: the expectation's Markdown source, written where its
/// plain text would lose something (inline structure, or a leading marker the import strips).
pub const MARKDOWN_COLUMN: &str = "markdown";

/// Name of the competency matrix's sheet in an exported workbook.
pub const MATRIX_SHEET: &str = "Ladder";
/// Title of the competency column (and the row above the areas) in an exported matrix.
pub const COMPETENCY_HEADER: &str = "Competency";
/// Title of the hidden id column in an exported matrix.
pub const ID_HEADER: &str = "Id";

/// The area of a matrix that has none.
const DEFAULT_AREA: &str = "Competencies";

/// A ladder read from a table, before it is written as Markdown.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub title: String,
    pub settings: Settings,
    pub levels: Vec<DraftLevel>,
    pub areas: Vec<DraftArea>,
}

#[derive(Debug, Clone)]
pub(crate) struct DraftLevel {
    pub code: String,
    pub title: String,
    pub summary: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct DraftArea {
    pub title: String,
    pub id: Option<String>,
    pub competencies: Vec<DraftCompetency>,
}

#[derive(Debug, Clone)]
pub(crate) struct DraftCompetency {
    pub title: String,
    pub id: Option<String>,
    /// The expectations of each level, in level order.
    pub cells: Vec<Vec<Item>>,
    /// Where its name was read, for messages.
    pub at: Location,
}

/// One expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// Plain text, escaped when written.
    Text(String),
    /// Inline Markdown from a rungs export, written as it is.
    Markdown(String),
}

/// What the front matter and the paragraphs under headings hold: the settings of an exported
/// workbook, carried over.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Settings {
    pub id: Option<String>,
    pub version: Option<String>,
    pub organisation: Option<String>,
    pub language: Option<String>,
    pub description: Option<String>,
    pub rating: Option<Rating>,
}

/// A rating scale other than the default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rating {
    pub relative: bool,
    pub not_observed: Option<String>,
    pub options: Vec<crate::model::RatingOption>,
}

/// The cell of a location (`D7`), for messages about another cell of the same sheet.
fn cell_name(at: &Location) -> &str {
    match at {
        Location::Cell { cell, .. } => cell,
        other => other.file(),
    }
}

/// Whether the Markdown `source` of an expectation reads as the plain text `text`.
pub(crate) fn source_reads_as(source: &str, text: &str) -> bool {
    crate::ladder::expectation(source).is_some_and(|e| e.text == text)
}

/// Builds a draft from rows read anywhere, checking that every name can be placed.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    pub draft: Draft,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Markdown sources of a rungs export by (cell name, plain text), from its Markdown sheet.
    pub markdown: HashMap<(String, String), String>,
    areas: HashMap<String, usize>,
    competencies: HashMap<(usize, String), usize>,
}

impl Builder {
    /// The area titled `title` (or with id `id`), added when new.
    pub fn area(&mut self, title: &str, id: Option<&str>) -> usize {
        let key = id.map_or_else(|| crate::ladder::slug(title), str::to_owned);
        if let Some(&i) = self.areas.get(&key) {
            return i;
        }
        self.draft.areas.push(DraftArea {
            title: title.to_owned(),
            id: id.map(str::to_owned),
            competencies: Vec::new(),
        });
        let i = self.draft.areas.len() - 1;
        self.areas.insert(key, i);
        i
    }

    /// The competency `title` (or with id `id`) of area `area`, added when new. `unique`: a
    /// second row with it is an error (a matrix has one row per competency; a long table has
    /// one per expectation).
    pub fn competency(
        &mut self,
        area: usize,
        title: &str,
        id: Option<&str>,
        at: &Location,
        unique: bool,
    ) -> Option<usize> {
        let key = id.map_or_else(|| crate::ladder::slug(title), str::to_owned);
        if key.is_empty() {
            self.errors.push(
                Diagnostic::error(
                    "no-name",
                    format!(
                        "the competency name '{}' has no letters or digits",
                        one_line(title, 60)
                    ),
                    at.clone(),
                )
                .with_hint("give the competency a name"),
            );
            return None;
        }
        if let Some(&i) = self.competencies.get(&(area, key.clone())) {
            if unique {
                let first = &self.draft.areas[area].competencies[i];
                self.errors.push(
                    Diagnostic::error(
                        "duplicate-competency",
                        format!(
                            "the competency '{}' is already in the area '{}', at {}",
                            one_line(title, 60),
                            self.draft.areas[area].title,
                            cell_name(&first.at)
                        ),
                        at.clone(),
                    )
                    .with_hint(
                        "give each competency its own name, or put their expectations in one row",
                    ),
                );
                return None;
            }
            return Some(i);
        }
        let levels = self.draft.levels.len();
        let comps = &mut self.draft.areas[area].competencies;
        comps.push(DraftCompetency {
            title: title.to_owned(),
            id: id.map(str::to_owned),
            cells: vec![Vec::new(); levels],
            at: at.clone(),
        });
        self.competencies.insert((area, key), comps.len() - 1);
        Some(comps.len() - 1)
    }

    /// An explicit id from an id column, checked: `None` (and an error) when it is not one.
    /// `dots`: a competency's id, which may have parts joined by `.`.
    pub fn id<'t>(&mut self, id: Option<&'t str>, dots: bool, at: &Location) -> Option<&'t str> {
        let id = id?;
        if crate::ladder::valid_id(id, dots) {
            return Some(id);
        }
        self.errors.push(
            Diagnostic::error(
                "bad-id",
                format!("'{}' is not an id", one_line(id, 60)),
                at.clone(),
            )
            .with_hint(if dots {
                "an id is lowercase letters, digits and `-` (parts may be joined by `.`), e.g. `ownership`"
            } else {
                "an area's id is lowercase letters, digits and `-`, e.g. `engagement`"
            }),
        );
        None
    }

    /// The expectations of the cell `cell` holding `text`: split, each one given by its Markdown
    /// source where a rungs export recorded one and the text still reads the same.
    pub fn items(&self, cell: &str, text: &str) -> Vec<Item> {
        split::split(text)
            .into_iter()
            .map(|t| match self.markdown.get(&(cell.to_owned(), t.clone())) {
                Some(md) if source_reads_as(md, &t) => Item::Markdown(md.clone()),
                _ => Item::Text(t),
            })
            .collect()
    }

    /// Adds expectations to a competency at a level.
    pub fn add(&mut self, area: usize, comp: usize, level: usize, items: Vec<Item>) {
        let cells = &mut self.draft.areas[area].competencies[comp].cells;
        if cells.len() <= level {
            cells.resize(level + 1, Vec::new());
        }
        cells[level].extend(items);
    }
}
