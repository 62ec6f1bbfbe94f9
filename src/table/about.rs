//! The two sheets an exported matrix workbook carries beside the matrix, written by
//! `rungs export xlsx` and read back by `rungs import`, so that a ladder edited in a
//! spreadsheet comes back whole:
//!
//! - **About** (visible): the ladder's settings as `key | value` rows (title, ladder id,
//!   version, organisation, language, description, rating scale, level summaries), with the
//!   fingerprint and the writer for the reader's information. It is recognised by its
//!   `Written by | rungs …` row.
//! - **Markdown** (hidden): for each expectation whose plain text loses something (emphasis,
//!   code, links), the cell it is in, its plain text and its Markdown source. The import uses
//!   the source only while the cell still holds that plain text, so an edited expectation is
//!   read as edited.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use super::grid::Grid;
use super::{Rating, Settings};
use crate::model::{Ladder, RatingOption, ScaleKind};

/// Name of the settings sheet.
pub(crate) const ABOUT_SHEET: &str = "About";
/// Name of the hidden sheet of Markdown sources.
pub(crate) const MARKDOWN_SHEET: &str = "Markdown";

const TITLE: &str = "Title";
const LADDER_ID: &str = "Ladder id";
const VERSION: &str = "Version";
const ORGANISATION: &str = "Organisation";
const LANGUAGE: &str = "Language";
const DESCRIPTION: &str = "Description";
const FINGERPRINT: &str = "Fingerprint";
const WRITTEN_BY: &str = "Written by";
const SCALE: &str = "Rating scale";
const NOT_OBSERVED: &str = "Not observed";
const OPTION: &str = "Rating option";
const SUMMARY: &str = "Level summary";

/// What the About sheet gives back.
#[derive(Debug, Default)]
pub(crate) struct About {
    pub title: Option<String>,
    pub settings: Settings,
    /// Level summaries by level code.
    pub summaries: HashMap<String, String>,
}

/// Writes the About sheet of `ladder`.
pub(crate) fn write_about(
    ws: &mut Worksheet,
    ladder: &Ladder,
    bold: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    let m = &ladder.meta;
    ws.set_name(ABOUT_SHEET)?;
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 60)?;
    ws.set_column_width(2, 40)?;
    ws.set_column_width(3, 40)?;
    ws.write_string_with_format(0, 0, "About this ladder", bold)?;
    let mut rows: Vec<Vec<String>> = vec![
        vec![TITLE.into(), m.title.clone()],
        vec![LADDER_ID.into(), m.id.clone()],
        vec![VERSION.into(), m.version.clone()],
    ];
    for (key, value) in [
        (ORGANISATION, &m.organisation),
        (DESCRIPTION, &m.description),
    ] {
        if let Some(v) = value {
            rows.push(vec![key.into(), v.clone()]);
        }
    }
    rows.push(vec![LANGUAGE.into(), m.language.clone()]);
    rows.push(vec![FINGERPRINT.into(), m.fingerprint.clone()]);
    rows.push(vec![
        WRITTEN_BY.into(),
        format!("rungs {}", env!("CARGO_PKG_VERSION")),
    ]);
    let r = &ladder.rating;
    let relative = r.kind == ScaleKind::Relative;
    rows.push(vec![
        SCALE.into(),
        if relative { "relative" } else { "levels" }.into(),
    ]);
    rows.push(vec![NOT_OBSERVED.into(), r.not_observed.clone()]);
    if relative {
        for o in &r.options {
            let mut row = vec![OPTION.into(), o.label.clone(), o.value.to_string()];
            row.extend(o.description.clone());
            rows.push(row);
        }
    }
    for l in &ladder.levels {
        if let Some(s) = &l.summary {
            rows.push(vec![SUMMARY.into(), l.code.clone(), s.clone()]);
        }
    }
    for (i, row) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string_with_format(r, 0, &row[0], bold)?;
        for (c, v) in row.iter().enumerate().skip(1) {
            ws.write_string_with_format(r, c as u16, v, text)?;
        }
    }
    Ok(())
}

/// Reads an About sheet; `None` when the grid is not one.
pub(crate) fn read_about(g: &Grid) -> Option<About> {
    let (rows, _) = g.size();
    let written =
        (0..rows).any(|r| g.text(r, 0) == WRITTEN_BY && g.text(r, 1).starts_with("rungs"));
    if !written {
        return None;
    }
    let mut about = About::default();
    let mut rating = Rating {
        relative: false,
        not_observed: None,
        options: Vec::new(),
    };
    let s = &mut about.settings;
    for r in 0..rows {
        let value = g.text(r, 1).to_owned();
        let some = || Some(value.clone()).filter(|v| !v.is_empty());
        match g.text(r, 0) {
            TITLE => about.title = some(),
            LADDER_ID => s.id = some(),
            VERSION => s.version = some().filter(|v| v != "unversioned"),
            ORGANISATION => s.organisation = some(),
            LANGUAGE => s.language = some().filter(|v| v != "en"),
            DESCRIPTION => s.description = some(),
            SCALE => rating.relative = value == "relative",
            NOT_OBSERVED => rating.not_observed = some().filter(|v| v != "Not observed"),
            OPTION => rating.options.push(RatingOption {
                label: value,
                value: g.text(r, 2).parse().unwrap_or(0),
                description: Some(g.text(r, 3).to_owned()).filter(|d| !d.is_empty()),
            }),
            SUMMARY => {
                about.summaries.insert(value, g.text(r, 2).to_owned());
            }
            _ => {}
        }
    }
    if rating.relative || rating.not_observed.is_some() {
        s.rating = Some(rating);
    }
    Some(about)
}

/// Writes the hidden Markdown sheet: one `cell | plain text | source` row per expectation.
pub(crate) fn write_markdown(
    ws: &mut Worksheet,
    sources: &[(String, String, String)],
) -> Result<(), XlsxError> {
    ws.set_name(MARKDOWN_SHEET)?;
    ws.set_hidden(true);
    for (i, (cell, plain, source)) in sources.iter().enumerate() {
        let r = i as u32;
        ws.write_string(r, 0, cell)?;
        ws.write_string(r, 1, plain)?;
        ws.write_string(r, 2, source)?;
    }
    Ok(())
}

/// Reads a Markdown sheet: (cell, plain text) → source.
pub(crate) fn read_markdown(g: &Grid) -> HashMap<(String, String), String> {
    let (rows, _) = g.size();
    (0..rows)
        .filter(|r| !g.text(*r, 0).is_empty())
        .map(|r| {
            (
                (g.text(r, 0).to_owned(), g.text(r, 1).to_owned()),
                g.text(r, 2).to_owned(),
            )
        })
        .collect()
}
