//! A competency matrix: a header line of level labels, one line per competency with each
//! level's expectations, areas in a column of their own or as lines of their own (a merged
//! cell, or a line with only its first cell filled). Levels across (competencies as rows) is
//! read directly; levels down is the same grid turned on its side (see [`Grid::transposed`]).

use super::grid::{Grid, Region};
use super::label::{self, Label};
use super::{Builder, DEFAULT_AREA};
use crate::diag::Diagnostic;
use crate::util::text::one_line;

/// The header line of a matrix: its row and the level label of each level column.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub row: u32,
    pub levels: Vec<(u32, Label)>,
}

/// The row with the most level labels (at least two; the topmost of equals).
pub(crate) fn find_header(g: &Grid) -> Option<Header> {
    let (rows, _) = g.size();
    let mut best: Option<Header> = None;
    for row in 0..rows {
        let levels: Vec<(u32, Label)> = g
            .row(row)
            .filter(|(_, c)| c.formula.is_none())
            .filter_map(|(col, c)| label::parse(&c.text).map(|l| (col, l)))
            .collect();
        if levels.len() >= 2 && best.as_ref().is_none_or(|b| levels.len() > b.levels.len()) {
            best = Some(Header { row, levels });
        }
    }
    best
}

/// What the columns left of (and beyond) the levels hold.
#[derive(Debug, Default)]
struct Columns {
    competency: Option<u32>,
    area: Option<u32>,
    id: Option<u32>,
}

/// Normalised header text: lowercase letters and digits only.
pub(crate) fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

const ID_NAMES: [&str; 4] = ["id", "competencyid", "key", "identifier"];
pub(crate) const AREA_NAMES: [&str; 10] = [
    "area",
    "areas",
    "category",
    "pillar",
    "theme",
    "dimension",
    "group",
    "section",
    "domain",
    "focusarea",
];
pub(crate) const COMPETENCY_NAMES: [&str; 9] = [
    "competency",
    "competencies",
    "skill",
    "skills",
    "attribute",
    "criterion",
    "trait",
    "behaviour",
    "behavior",
];

/// Reads the matrix below `header` into `b`. Returns the text above the header, if any (a
/// title).
pub(crate) fn read(g: &Grid, header: &Header, b: &mut Builder) -> Option<String> {
    let mut levels = header.levels.clone();
    check_levels(g, header, b);
    let first = levels.first().map_or(0, |(c, _)| *c);
    let last = levels.last().map_or(0, |(c, _)| *c);
    let cols = columns(g, header.row, first);
    check_other_columns(g, header, first, last, b);
    let Some(comp_col) = cols.competency else {
        b.errors.push(
            Diagnostic::error(
                "no-competency-column",
                "the levels start in the first column, so no column holds the competencies"
                    .to_owned(),
                g.at(header.row, first),
            )
            .with_hint("put the competency names in a column left of the first level"),
        );
        return None;
    };
    // Lowest level first, as the ladder format writes them.
    let descending = descending(&levels);
    if descending {
        levels.reverse();
    }
    b.draft.levels = levels
        .iter()
        .map(|(_, l)| super::DraftLevel {
            code: l.code.clone(),
            title: l.title.clone(),
            summary: None,
        })
        .collect();
    let level_cols: Vec<u32> = levels.iter().map(|(c, _)| *c).collect();
    check_merged(g, header.row, &level_cols, comp_col, b);
    rows(g, header.row, &level_cols, &cols, comp_col, b);
    title_above(g, header.row)
}

/// Two levels with one code, and labels merged across level columns.
fn check_levels(g: &Grid, header: &Header, b: &mut Builder) {
    for (i, (col, l)) in header.levels.iter().enumerate() {
        if let Some((first, _)) = header.levels[..i].iter().find(|(_, o)| o.code == l.code) {
            b.errors.push(
                Diagnostic::error(
                    "duplicate-level-code",
                    format!(
                        "two levels have the code {}: '{}' in {} and '{}' here",
                        l.code,
                        one_line(g.text(header.row, *first), 40),
                        g.name(header.row, *first),
                        one_line(g.text(header.row, *col), 40)
                    ),
                    g.at(header.row, *col),
                )
                .with_hint("give every level its own code, e.g. `Staff SRE (L6)`"),
            );
        }
    }
}

/// The competency, area and id columns, left of the first level column: by their header
/// names, else the rightmost column with text below the header is the competency, and the one
/// left of it the area.
fn columns(g: &Grid, header_row: u32, first_level: u32) -> Columns {
    let mut cols = Columns::default();
    let (rows, _) = g.size();
    let mut unnamed = Vec::new();
    for col in 0..first_level {
        let name = norm(g.text(header_row, col));
        if ID_NAMES.contains(&name.as_str()) {
            cols.id = Some(col);
        } else if AREA_NAMES.contains(&name.as_str()) {
            cols.area = Some(col);
        } else if COMPETENCY_NAMES.contains(&name.as_str()) {
            cols.competency = Some(col);
        } else if (header_row + 1..rows).any(|r| !g.text(r, col).is_empty()) {
            unnamed.push(col);
        }
    }
    if cols.competency.is_none() {
        cols.competency = unnamed.pop();
    }
    if cols.area.is_none()
        && let Some(comp) = cols.competency
    {
        cols.area = unnamed.into_iter().rev().find(|c| *c < comp);
    }
    cols
}

/// Columns between and beyond the levels whose header is not a level label.
fn check_other_columns(g: &Grid, header: &Header, first: u32, last: u32, b: &mut Builder) {
    let (rows, width) = g.size();
    for col in first..width {
        if header.levels.iter().any(|(c, _)| *c == col) {
            continue;
        }
        let filled = (header.row + 1..rows).find(|r| !g.text(*r, col).is_empty());
        let Some(filled) = filled else {
            continue;
        };
        let name = g.text(header.row, col);
        if col < last {
            b.errors.push(
                Diagnostic::error(
                    "not-a-level",
                    format!(
                        "the column between two levels is titled '{}', which is not a level label",
                        one_line(name, 40)
                    ),
                    g.at(header.row, col),
                )
                .with_hint("title it like the others, e.g. `Senior SRE (L3)` or `L3 Senior SRE`, or delete the column if it is not a level"),
            );
        } else {
            b.warnings.push(
                Diagnostic::warning(
                    "column-left-out",
                    format!(
                        "the column titled '{}' after the levels is not a level; its text (from {}) was left out",
                        one_line(name, 40),
                        g.name(filled, col)
                    ),
                    g.at(header.row, col),
                )
                .with_hint("title it like a level, e.g. `Staff SRE (L6)`, if it is one"),
            );
        }
    }
}

/// Whether the level codes' numbers fall from left to right (`L5 … L1`).
fn descending(levels: &[(u32, Label)]) -> bool {
    let numbers: Vec<u64> = levels
        .iter()
        .filter_map(|(_, l)| {
            let digits: String = l
                .code
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect();
    numbers.len() == levels.len() && numbers.windows(2).all(|w| w[0] > w[1])
}

/// Merged cells that hide which level, or which competency, their text belongs to.
fn check_merged(g: &Grid, header_row: u32, level_cols: &[u32], comp_col: u32, b: &mut Builder) {
    for r in g.regions() {
        let spanned = level_cols
            .iter()
            .filter(|c| (r.left..=r.right).contains(c))
            .count();
        let in_levels = spanned > 0 && r.bottom >= header_row;
        let holds_text = !g.text(r.top, r.left).is_empty();
        if in_levels && spanned > 1 && holds_text && !is_area_line(g, r, level_cols) {
            b.errors.push(
                Diagnostic::error(
                    "merged-levels",
                    format!(
                        "the merged cell {}:{} spans {spanned} levels, so its text belongs to none of them",
                        g.name(r.top, r.left),
                        g.name(r.bottom, r.right)
                    ),
                    g.at(r.top, r.left),
                )
                .with_hint("unmerge it and write the expectations into each level's own cell (copy them where a level repeats the one before)"),
            );
        } else if in_levels
            && r.top > header_row
            && holds_text
            && (r.top + 1..=r.bottom).any(|row| !g.text(row, comp_col).is_empty())
        {
            b.errors.push(
                Diagnostic::error(
                    "merged-competencies",
                    format!(
                        "the merged cell {}:{} spans the rows of several competencies, so its text belongs to none of them",
                        g.name(r.top, r.left),
                        g.name(r.bottom, r.right)
                    ),
                    g.at(r.top, r.left),
                )
                .with_hint("unmerge it and copy its text into each competency's own cell"),
            );
        }
    }
}

/// A merged cell across the whole table holding an area's title.
fn is_area_line(g: &Grid, r: &Region, level_cols: &[u32]) -> bool {
    r.top == r.bottom
        && level_cols.last().is_some_and(|l| r.right >= *l)
        && level_cols.first().is_some_and(|f| r.left < *f)
        && !g.text(r.top, r.left).is_empty()
}

/// Every row below the header: area lines, competency rows and their continuations.
fn rows(
    g: &Grid,
    header_row: u32,
    level_cols: &[u32],
    cols: &Columns,
    comp_col: u32,
    b: &mut Builder,
) {
    let (height, _) = g.size();
    // The area of the rows read: from the area column, or the last area line.
    let mut area: Option<usize> = None;
    // The last competency read: (row, area index, competency index).
    let mut last: Option<(u32, usize, usize)> = None;
    for row in header_row + 1..height {
        let levels: Vec<(usize, &str)> = level_cols
            .iter()
            .enumerate()
            .map(|(i, c)| (i, g.text(row, *c)))
            .filter(|(_, t)| !t.is_empty())
            .collect();
        let name = g.text(row, comp_col);
        let id_cell = cols.id.map(|c| (g.text(row, c), g.at(row, c)));
        let id_cell = id_cell.filter(|(t, _)| !t.is_empty());
        let area_text = cols
            .area
            .map(|c| covered_text(g, row, c))
            .unwrap_or_default();
        if !area_text.is_empty() {
            area = Some(b.area(&area_text, None));
        }
        if levels.is_empty() {
            let lone: Vec<&str> = (0..level_cols.first().copied().unwrap_or(0))
                .filter(|c| Some(*c) != cols.id)
                .map(|c| g.text(row, c))
                .filter(|t| !t.is_empty())
                .collect();
            match (lone.as_slice(), cols.area) {
                ([], _) => {}
                ([text], None) => {
                    let id = id_cell.and_then(|(id, at)| b.id(Some(id), false, &at));
                    area = Some(b.area(text, id));
                }
                (_, Some(_)) if name.is_empty() => {}
                _ => b.warnings.push(
                    Diagnostic::warning(
                        "no-expectations",
                        format!(
                            "the competency '{}' has no expectations at any level; it was left out",
                            one_line(name, 60)
                        ),
                        g.at(row, comp_col),
                    )
                    .with_hint("write its expectations into the level columns, or delete the row"),
                ),
            }
            continue;
        }
        let target = if name.is_empty() {
            continuation(g, row, comp_col, last)
        } else {
            let ai = *area.get_or_insert_with(|| b.area(DEFAULT_AREA, None));
            let id = id_cell.and_then(|(id, at)| b.id(Some(id), true, &at));
            b.competency(ai, name, id, &g.at(row, comp_col), true)
                .map(|ci| (ai, ci))
        };
        let Some((ai, ci)) = target else {
            if name.is_empty() {
                let (i, _) = levels[0];
                b.errors.push(
                    Diagnostic::error(
                        "no-competency",
                        format!(
                            "the expectation '{}' has no competency: {} is empty",
                            one_line(levels[0].1, 40),
                            g.name(row, comp_col)
                        ),
                        g.at(row, level_cols[i]),
                    )
                    .with_hint(format!(
                        "write the competency's name in {}, or merge that cell with the competency's cell above",
                        g.name(row, comp_col)
                    )),
                );
            }
            continue;
        };
        last = Some((row, ai, ci));
        for (i, text) in levels {
            let items = b.items(&g.name(row, level_cols[i]), text);
            b.add(ai, ci, i, items);
        }
    }
}

/// The competency a row with an empty name belongs to: the one above, when the name's cell is
/// merged down over this row.
fn continuation(
    g: &Grid,
    row: u32,
    comp_col: u32,
    last: Option<(u32, usize, usize)>,
) -> Option<(usize, usize)> {
    let region = g.region(row, comp_col)?;
    let (last_row, ai, ci) = last?;
    (region.top < row && region.top <= last_row).then_some((ai, ci))
}

/// A cell's text, or the text of the merged cell covering it.
fn covered_text(g: &Grid, row: u32, col: u32) -> String {
    match g.region(row, col) {
        Some(r) => g.text(r.top, r.left).to_owned(),
        None => g.text(row, col).to_owned(),
    }
}

/// The first text above the header: a title, when there is one.
fn title_above(g: &Grid, header_row: u32) -> Option<String> {
    (0..header_row).find_map(|r| {
        g.row(r)
            .map(|(_, c)| c.text.trim())
            .find(|t| !t.is_empty())
            .map(str::to_owned)
    })
}
