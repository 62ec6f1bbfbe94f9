//! A long table: one row per expectation (or per level and competency, a cell then holding
//! several), with the columns level, area (optional), competency and expectation, found by
//! their header names; `rungs export csv` also writes the explicit ids and, where plain text
//! would lose something, the expectation's Markdown source.

use std::collections::HashMap;

use super::grid::Grid;
use super::label::{self, Label};
use super::matrix::{AREA_NAMES, COMPETENCY_NAMES, norm};
use super::{Builder, DEFAULT_AREA, DraftLevel, Item};
use crate::diag::Diagnostic;
use crate::util::text::one_line;

const LEVEL_NAMES: [&str; 7] = [
    "level",
    "levels",
    "grade",
    "rung",
    "band",
    "careerlevel",
    "joblevel",
];
const EXPECTATION_NAMES: [&str; 12] = [
    "expectation",
    "expectations",
    "description",
    "behaviour",
    "behaviours",
    "behavior",
    "behaviors",
    "indicator",
    "indicators",
    "criteria",
    "text",
    "details",
];

/// The columns of a long table.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub row: u32,
    level: u32,
    area: Option<u32>,
    competency: u32,
    expectation: u32,
    competency_id: Option<u32>,
    area_id: Option<u32>,
    markdown: Option<u32>,
}

/// The first row naming a level, a competency and an expectation column.
pub(crate) fn find_header(g: &Grid) -> Option<Header> {
    let (rows, _) = g.size();
    (0..rows).find_map(|row| {
        let find = |names: &[&str]| {
            g.row(row)
                .find(|(_, c)| names.contains(&norm(&c.text).as_str()))
                .map(|(col, _)| col)
        };
        Some(Header {
            row,
            level: find(&LEVEL_NAMES)?,
            competency: find(&COMPETENCY_NAMES)?,
            expectation: find(&EXPECTATION_NAMES)?,
            area: find(&AREA_NAMES),
            competency_id: find(&["competencyid", "id"]),
            area_id: find(&["areaid"]),
            markdown: find(&[super::MARKDOWN_COLUMN]),
        })
    })
}

/// Levels as they are met: code → index, with the label and cell that named each first.
#[derive(Default)]
struct Levels {
    index: HashMap<String, usize>,
    found: Vec<(Label, String)>,
}

/// One row of the table, as read.
struct Row<'g> {
    line: u32,
    level: usize,
    area: Option<&'g str>,
    area_id: Option<&'g str>,
    name: &'g str,
    id: Option<&'g str>,
}

/// Reads every row below the header into `b`. A row whose area cell is empty is in the area
/// another row gives its competency, else in no area.
pub(crate) fn read(g: &Grid, h: &Header, b: &mut Builder) {
    let (rows, _) = g.size();
    let mut levels = Levels::default();
    let mut read: Vec<Row<'_>> = Vec::new();
    for row in h.row + 1..rows {
        if g.row(row).next().is_none() {
            continue;
        }
        let text = |col: Option<u32>| col.map(|c| g.text(row, c)).filter(|t| !t.is_empty());
        let Some(level) = level(g, row, h.level, &mut levels, b) else {
            continue;
        };
        let Some(name) = text(Some(h.competency)) else {
            b.errors.push(
                Diagnostic::error(
                    "no-competency",
                    "the row has no competency".to_owned(),
                    g.at(row, h.competency),
                )
                .with_hint("write the competency's name in this cell, or delete the row"),
            );
            continue;
        };
        let area_id = h
            .area_id
            .and_then(|c| b.id(text(Some(c)), false, &g.at(row, c)));
        let id = h
            .competency_id
            .and_then(|c| b.id(text(Some(c)), true, &g.at(row, c)));
        read.push(Row {
            line: row,
            level,
            area: text(h.area),
            area_id,
            name,
            id,
        });
    }
    let mut areas: HashMap<&str, (&str, Option<&str>)> = HashMap::new();
    for r in &read {
        if let Some(a) = r.area {
            areas
                .entry(r.id.unwrap_or(r.name))
                .or_insert((a, r.area_id));
        }
    }
    for r in &read {
        let (area, area_id) = match r.area {
            Some(a) => (a, r.area_id),
            None => areas
                .get(r.id.unwrap_or(r.name))
                .copied()
                .unwrap_or((DEFAULT_AREA, None)),
        };
        let ai = b.area(area, area_id);
        if let Some(ci) = b.competency(ai, r.name, r.id, &g.at(r.line, h.competency), false) {
            let items = expectation(g, h, r.line, b);
            b.add(ai, ci, r.level, items);
        }
    }
    order_levels(&levels, b);
}

/// The expectations of a row: its Markdown source when it has one that still reads as its
/// text, else its text split.
fn expectation(g: &Grid, h: &Header, row: u32, b: &mut Builder) -> Vec<Item> {
    let text = g.text(row, h.expectation);
    let source = h.markdown.map(|c| g.text(row, c)).filter(|t| !t.is_empty());
    let items = match source {
        Some(md) if super::source_reads_as(md, &crate::ladder::collapse(text)) => {
            vec![Item::Markdown(md.to_owned())]
        }
        _ => b.items("", text),
    };
    if items.is_empty() {
        b.warnings.push(
            Diagnostic::warning(
                "no-expectation",
                format!(
                    "the row of '{}' has no expectation; it was left out",
                    one_line(g.text(row, h.competency), 60)
                ),
                g.at(row, h.expectation),
            )
            .with_hint("write the expectation, or delete the row"),
        );
    }
    items
}

/// The level of a row, from its label; `None` (with an error) when it has none.
fn level(g: &Grid, row: u32, col: u32, levels: &mut Levels, b: &mut Builder) -> Option<usize> {
    let text = g.text(row, col);
    let Some(l) = label::parse(text) else {
        b.errors.push(
            Diagnostic::error(
                "not-a-level",
                if text.is_empty() {
                    "the row has no level".to_owned()
                } else {
                    format!("'{}' is not a level label", one_line(text, 40))
                },
                g.at(row, col),
            )
            .with_hint("write the level like `Senior SRE (L3)`, `L3 Senior SRE` or `L3`"),
        );
        return None;
    };
    if let Some(&i) = levels.index.get(&l.code) {
        let (known, first) = &mut levels.found[i];
        if known.title == known.code {
            known.title = l.title;
        } else if l.title != l.code && l.title != known.title {
            b.errors.push(
                Diagnostic::error(
                    "duplicate-level-code",
                    format!(
                        "two levels have the code {}: '{}' here and '{}' in {first}",
                        l.code,
                        one_line(text, 40),
                        label::write(&known.code, &known.title)
                    ),
                    g.at(row, col),
                )
                .with_hint("give every level its own code, and write each level's title the same way on every row"),
            );
        }
        return Some(i);
    }
    levels.index.insert(l.code.clone(), levels.found.len());
    levels.found.push((l, g.name(row, col)));
    Some(levels.found.len() - 1)
}

/// The levels lowest first: by the number in their codes when every code has a different one
/// (`L1`, `L2` … `L10`), else in the order the table first names them.
fn order_levels(levels: &Levels, b: &mut Builder) {
    let number = |code: &str| -> Option<u64> {
        let digits: String = code
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    let n = levels.found.len();
    let mut order: Vec<usize> = (0..n).collect();
    let numbers: Vec<Option<u64>> = levels.found.iter().map(|(l, _)| number(&l.code)).collect();
    let mut distinct: Vec<u64> = numbers.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() == n {
        order.sort_by_key(|&i| numbers[i]);
    }
    b.draft.levels = order
        .iter()
        .map(|&i| DraftLevel {
            code: levels.found[i].0.code.clone(),
            title: levels.found[i].0.title.clone(),
            summary: None,
        })
        .collect();
    for area in &mut b.draft.areas {
        for comp in &mut area.competencies {
            comp.cells.resize(n, Vec::new());
            comp.cells = order
                .iter()
                .map(|&i| std::mem::take(&mut comp.cells[i]))
                .collect();
        }
    }
}
