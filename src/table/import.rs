//! `rungs import`: a spreadsheet file to a [`Draft`], then to Markdown. Picks the sheet that
//! holds the ladder (or the one named), tells a long table from a matrix and a matrix's
//! orientation, and reports every cell that cannot be placed, all at once.

use std::io::Read as _;
use std::path::Path;

use super::about::{self, ABOUT_SHEET, MARKDOWN_SHEET};
use super::grid::{self, Grid};
use super::{Builder, long, markdown, matrix};
use crate::diag::{Diagnostic, Error, Flags, Location};
use crate::util::text::{count, one_line};

/// What to import and how.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The sheet to read (a workbook's only sheet holding a ladder when `None`).
    pub sheet: Option<&'a str>,
    /// The ladder's title, over what the file says.
    pub title: Option<&'a str>,
    pub flags: &'a Flags,
}

/// An imported ladder.
#[derive(Debug)]
pub struct Imported {
    /// The ladder as rungs Markdown.
    pub markdown: String,
    /// Problems that did not stop the import.
    pub warnings: Vec<Diagnostic>,
    /// How the table was read, e.g. `sheet 'Matrix': a matrix, levels across (row 3)`.
    pub shape: String,
}

/// How a sheet holds a ladder.
#[derive(Debug)]
enum Shape {
    Long(long::Header),
    Matrix(Grid, matrix::Header),
}

/// Reads the ladder in `path`.
pub fn import(path: &Path, opts: &Options<'_>) -> Result<Imported, Error> {
    let file = path.display().to_string();
    let bytes = read(path, &file)?;
    let grids = grid::read(bytes, &file).map_err(Error::input)?;
    let about = grids
        .iter()
        .find(|g| g.sheet() == Some(ABOUT_SHEET))
        .and_then(about::read_about);
    let mut b = Builder::default();
    if about.is_some()
        && let Some(g) = grids.iter().find(|g| g.sheet() == Some(MARKDOWN_SHEET))
    {
        b.markdown = about::read_markdown(g);
    }
    let candidates: Vec<&Grid> = grids
        .iter()
        .filter(|g| about.is_none() || !matches!(g.sheet(), Some(ABOUT_SHEET | MARKDOWN_SHEET)))
        .collect();
    let (g, shape) = pick(&candidates, opts, &file)?;
    let described = describe(g, &shape);
    let title_above = match &shape {
        Shape::Long(h) => {
            b.errors.extend(formulas(g, h.row));
            long::read(g, h, &mut b);
            None
        }
        Shape::Matrix(view, h) => {
            b.errors
                .extend(formulas(g, if view.is_transposed() { 0 } else { h.row }));
            matrix::read(view, h, &mut b)
        }
    };
    finish(b, about, opts, title_above, path).map(|(markdown, warnings)| Imported {
        markdown,
        warnings,
        shape: described,
    })
}

/// The file's bytes, bounded.
fn read(path: &Path, file: &str) -> Result<Vec<u8>, Error> {
    let fail = |why: String| {
        Error::from(
            Diagnostic::error(
                "unreadable",
                format!("cannot read the file: {why}"),
                Location::File {
                    file: file.to_owned(),
                },
            )
            .with_hint("check the path"),
        )
    };
    let f = std::fs::File::open(path).map_err(|e| fail(crate::util::text::io_reason(&e)))?;
    let mut bytes = Vec::new();
    f.take(grid::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(crate::util::text::io_reason(&e)))?;
    if bytes.len() as u64 > grid::MAX_FILE_BYTES {
        return Err(fail(format!(
            "it is larger than {}, far more than a ladder",
            crate::util::text::human_bytes(grid::MAX_FILE_BYTES)
        )));
    }
    Ok(bytes)
}

/// The shape of a sheet: a long table by its column names, else a matrix by its line of level
/// labels, across or down (across on a tie).
fn shape(g: &Grid) -> Option<Shape> {
    if let Some(h) = long::find_header(g) {
        return Some(Shape::Long(h));
    }
    let across = matrix::find_header(g);
    let turned = g.transposed();
    let down = matrix::find_header(&turned);
    match (across, down) {
        (Some(a), Some(d)) if d.levels.len() > a.levels.len() => Some(Shape::Matrix(turned, d)),
        (Some(a), _) => Some(Shape::Matrix(g.clone(), a)),
        (None, Some(d)) => Some(Shape::Matrix(turned, d)),
        (None, None) => None,
    }
}

/// The sheet holding the ladder, and its shape.
fn pick<'g>(
    grids: &[&'g Grid],
    opts: &Options<'_>,
    file: &str,
) -> Result<(&'g Grid, Shape), Error> {
    let names = || {
        grids
            .iter()
            .filter_map(|g| g.sheet().map(|s| format!("'{s}'")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(wanted) = opts.sheet {
        let found = grids
            .iter()
            .find(|g| g.sheet() == Some(wanted))
            .or_else(|| {
                grids
                    .iter()
                    .find(|g| g.sheet().is_some_and(|s| s.eq_ignore_ascii_case(wanted)))
            });
        let Some(g) = found else {
            let msg = if grids.iter().all(|g| g.sheet().is_none()) {
                "a CSV file has no sheets".to_owned()
            } else {
                format!(
                    "the workbook has no sheet '{wanted}' (its sheets: {})",
                    names()
                )
            };
            return Err(Diagnostic::error(
                "no-such-sheet",
                msg,
                Location::File {
                    file: file.to_owned(),
                },
            )
            .with_hint(format!(
                "drop {} or name one of the sheets",
                opts.flags.sheet
            ))
            .into());
        };
        return shape(g).map(|s| (*g, s)).ok_or_else(|| no_header(g).into());
    }
    let found: Vec<(&Grid, Shape)> = grids
        .iter()
        .filter_map(|g| shape(g).map(|s| (*g, s)))
        .collect();
    match found.len() {
        1 => Ok(found.into_iter().next().expect("one")),
        0 => {
            let g = grids.iter().find(|g| !g.is_empty()).or(grids.first());
            Err(g
                .map_or_else(
                    || {
                        Diagnostic::error(
                            "empty-file",
                            "the file holds no cells",
                            Location::File {
                                file: file.to_owned(),
                            },
                        )
                        .with_hint("check that this is the ladder's file")
                    },
                    |g| no_header(g),
                )
                .into())
        }
        n => Err(Diagnostic::error(
            "several-ladders",
            format!(
                "{} hold a ladder: {}",
                count(n, "sheet", "sheets"),
                found
                    .iter()
                    .filter_map(|(g, _)| g.sheet().map(|s| format!("'{s}'")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Location::File {
                file: file.to_owned(),
            },
        )
        .with_hint(format!("pick one with {} NAME", opts.flags.sheet))
        .into()),
    }
}

fn no_header(g: &Grid) -> Diagnostic {
    Diagnostic::error(
        "no-level-header",
        "no level header found: no row or column holds two or more level labels, and no row names the columns level, competency and expectation",
        g.at(0, 0),
    )
    .with_hint("title the level columns (or rows) like `Senior SRE (L3)`, `L3 Senior SRE`, `IC3` or `Level 3`; for a long table, title its columns `level`, `area`, `competency` and `expectation`")
}

/// Formula and error cells from `first_row` on: a ladder's text is typed, not computed.
fn formulas(g: &Grid, first_row: u32) -> Vec<Diagnostic> {
    g.formulas()
        .into_iter()
        .filter(|d| match d.location.as_deref() {
            Some(Location::Cell { cell, .. }) => {
                let digits: String = cell.chars().skip_while(|c| !c.is_ascii_digit()).collect();
                digits.parse::<u32>().is_ok_and(|row| row > first_row)
            }
            _ => true,
        })
        .collect()
}

/// How the sheet was read, for the summary.
fn describe(g: &Grid, shape: &Shape) -> String {
    let sheet = g
        .sheet()
        .map(|s| format!("sheet '{s}': "))
        .unwrap_or_default();
    match shape {
        Shape::Long(h) => format!("{sheet}a long table (header in row {})", h.row + 1),
        Shape::Matrix(view, h) if view.is_transposed() => {
            format!("{sheet}a matrix, levels down ({})", view.line_name(h.row))
        }
        Shape::Matrix(view, h) => {
            format!("{sheet}a matrix, levels across ({})", view.line_name(h.row))
        }
    }
}

/// Settings, title and summaries put in; checks that something was read; the Markdown.
fn finish(
    mut b: Builder,
    about: Option<about::About>,
    opts: &Options<'_>,
    title_above: Option<String>,
    path: &Path,
) -> Result<(String, Vec<Diagnostic>), Error> {
    let about = about.unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    b.draft.title = opts
        .title
        .map(str::to_owned)
        .or(about.title)
        .or(title_above)
        .unwrap_or_else(|| humanise(&stem));
    b.draft.settings = about.settings;
    // The default id needs no front matter.
    if b.draft.settings.id.as_deref() == Some(crate::ladder::slug(&b.draft.title).as_str()) {
        b.draft.settings.id = None;
    }
    for level in &mut b.draft.levels {
        level.summary = about.summaries.get(&level.code).cloned();
    }
    let before = b.draft.areas.len();
    b.draft.areas.retain(|a| !a.competencies.is_empty());
    if b.draft.areas.len() < before {
        b.warnings.push(Diagnostic::note(
            "empty-area",
            format!(
                "{} with no competencies left out",
                count(before - b.draft.areas.len(), "area", "areas")
            ),
        ));
    }
    let items = b
        .draft
        .areas
        .iter()
        .flat_map(|a| &a.competencies)
        .flat_map(|c| &c.cells)
        .map(Vec::len)
        .sum::<usize>();
    if b.errors.is_empty() && items == 0 {
        b.errors.push(
            Diagnostic::error(
                "no-expectations",
                "no expectations found below the level header",
                Location::File {
                    file: path.display().to_string(),
                },
            )
            .with_hint(
                "put each level's expectations under its label, one row (or column) per competency",
            ),
        );
    }
    if !b.errors.is_empty() {
        let n = b.errors.len();
        let mut all = b.errors;
        all.extend(b.warnings);
        return Err(Error::input(all).and(Diagnostic::failure(
            "not-imported",
            format!(
                "{} in {}; nothing was written",
                count(n, "problem", "problems"),
                one_line(&path.display().to_string(), 80)
            ),
        )));
    }
    Ok((markdown::write(&b.draft), b.warnings))
}

/// A file name as a title: `engineering-ladder` → `Engineering ladder`.
fn humanise(stem: &str) -> String {
    let words = stem.replace(['-', '_'], " ");
    let words = crate::ladder::collapse(&words);
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "Ladder".to_owned(),
    }
}
