//! The review sheets of a bundle, each read and verified on its own: a sheet with problems is
//! rejected with them, the others still count. A review sheet is known by the blocks of the
//! `Provenance` sheet and the document properties (keyed by sheet and form id), and, when both
//! are gone, by its visible header; a sheet renamed, copied, deleted or brought in from another
//! workbook is reported at that sheet.

use std::io::Cursor;

use calamine::Xlsx;

use super::copies::{Hidden, REVIEW_COPIES};
use super::{
    Context, Copies, Outcome, Pairs, Rejected, Report, read_review_sheet, review, visible_header,
};
use crate::diag::Diagnostic;
use crate::workbook::{self as c, bundle};

/// What a bundle's workbook holds before its review sheets are read.
pub(super) struct Found {
    pub(super) xlsx: Xlsx<Cursor<Vec<u8>>>,
    pub(super) sheet_names: Vec<String>,
    /// The `Provenance` sheet's blocks: (sheet, pairs), in order.
    pub(super) blocks: Vec<(String, Vec<Hidden>)>,
    /// The document properties: (form id, pairs with the key `sheet`), by form id.
    pub(super) props: Vec<(String, Pairs)>,
}

/// The copies of one review sheet's review.
struct Sheet<'a> {
    hidden: Option<&'a [Hidden]>,
    props: Option<&'a [(String, String)]>,
    /// The sheet the copies were made for (differs from the sheet read when it was renamed).
    made_for: Option<&'a str>,
}

fn value<'p>(pairs: &'p [(String, String)], key: &str) -> Option<&'p str> {
    pairs.iter().rfind(|(k, _)| k == key).map(|(_, v)| v.trim())
}

fn hidden_value<'p>(pairs: &'p [Hidden], key: &str) -> Option<&'p str> {
    pairs.iter().rfind(|h| h.key == key).map(|h| h.value.trim())
}

impl Found {
    /// The sheet a copy names, by its hidden block or its `sheet` property.
    fn named(&self) -> Vec<String> {
        let mut names: Vec<String> = self.blocks.iter().map(|(s, _)| s.clone()).collect();
        for (_, pairs) in &self.props {
            if let Some(s) = value(pairs, bundle::KEY_SHEET)
                && !names.iter().any(|n| n == s)
            {
                names.push(s.to_owned());
            }
        }
        names
    }

    /// The copies of the review on sheet `name` (found by the name, or else by `form_id`).
    fn copies_of<'a>(&'a self, name: &str, form_id: Option<&str>) -> Sheet<'a> {
        let block = self.blocks.iter().find(|(s, _)| s == name).or_else(|| {
            let id = form_id?;
            self.blocks
                .iter()
                .find(|(_, p)| hidden_value(p, c::KEY_FORM_ID) == Some(id))
        });
        let hidden = block.map(|(_, p)| p.as_slice());
        let id = form_id.or_else(|| hidden.and_then(|h| hidden_value(h, c::KEY_FORM_ID)));
        let props = self
            .props
            .iter()
            .find(|(_, p)| value(p, bundle::KEY_SHEET) == Some(name))
            .or_else(|| self.props.iter().find(|(f, _)| Some(f.as_str()) == id))
            .map(|(_, p)| p.as_slice());
        let made_for = block
            .map(|(s, _)| s.as_str())
            .or_else(|| props.and_then(|p| value(p, bundle::KEY_SHEET)));
        Sheet {
            hidden,
            props,
            made_for,
        }
    }

    /// Reads every review sheet; one outcome each, in the workbook's sheet order, then the
    /// reviews whose sheet is gone.
    pub(super) fn read(
        mut self,
        rep: Report<'_>,
        sha256: [u8; 32],
        ctx: &Context<'_>,
    ) -> Vec<Outcome> {
        let file = rep.file;
        let mut file_warnings = rep.warnings;
        let named = self.named();
        let has_copies = !named.is_empty();
        let mut outcomes = Vec::new();
        let mut seen: Vec<(String, String)> = Vec::new(); // (form id, sheet)
        let mut found_named: Vec<String> = Vec::new();
        let others = [c::INSTRUCTIONS_SHEET, c::PROVENANCE_SHEET, c::RATINGS_SHEET];
        for name in self.sheet_names.clone() {
            if others.contains(&name.as_str()) {
                continue;
            }
            let mut sheet_rep = Report::new(file);
            let Some(cells) = read_review_sheet(&mut self.xlsx, &name, &mut sheet_rep, ctx) else {
                outcomes.push(Err(Rejected {
                    sheet: Some(name),
                    problems: sheet_rep.errors,
                }));
                continue;
            };
            let visible = visible_header(&cells, &REVIEW_COPIES);
            let visible_id = visible
                .iter()
                .find(|(k, _, _)| k == c::KEY_FORM_ID)
                .map(|(_, v, _)| v.clone());
            let is_named = named.contains(&name);
            if !is_named && visible_id.is_none() {
                continue; // not a review sheet: a sheet someone added, or an application's
            }
            sheet_rep.warnings.append(&mut file_warnings);
            let copies = self.copies_of(&name, visible_id.as_deref());
            if is_named {
                found_named.push(name.clone());
            } else if let Some(problem) = self.unnamed(
                &sheet_rep,
                &name,
                &copies,
                visible_id.as_deref(),
                (has_copies, ctx),
            ) {
                if let Some(original) = copies.made_for {
                    found_named.push(original.to_owned());
                }
                sheet_rep.error(problem);
            }
            let id = copies
                .hidden
                .and_then(|h| hidden_value(h, c::KEY_FORM_ID))
                .map(str::to_owned)
                .or(visible_id);
            if let Some(id) = id {
                if let Some((_, first)) = seen.iter().find(|(f, _)| *f == id) {
                    sheet_rep.error(copied_sheet(&sheet_rep, &name, first, &id));
                } else {
                    seen.push((id, name.clone()));
                }
            }
            let sheet_copies = Copies {
                layout: &REVIEW_COPIES,
                sheet: &name,
                version: c::BUNDLE_SCHEMA_VERSION,
                hidden: copies.hidden,
                props: copies.props,
                visible,
            };
            let outcome = review(&sheet_copies, &cells, sheet_rep, sha256, ctx);
            outcomes.push(outcome.map_err(|problems| Rejected {
                sheet: Some(name.clone()),
                problems,
            }));
        }
        for name in named.iter().filter(|n| !found_named.contains(n)) {
            outcomes.push(Err(self.missing(file, name)));
        }
        outcomes
    }

    /// A sheet with a review header that no copy names: renamed (its review's sheet is gone),
    /// or not made with this workbook. Without any copy, every review sheet is such a sheet,
    /// identified by its visible header alone; the manifest tells a single review's renamed
    /// `Review` sheet apart.
    fn unnamed(
        &self,
        rep: &Report<'_>,
        name: &str,
        copies: &Sheet<'_>,
        visible_id: Option<&str>,
        (has_copies, ctx): (bool, &Context<'_>),
    ) -> Option<Diagnostic> {
        let hint = "rename the sheet back (right-click its tab › Rename) and import again";
        if !has_copies {
            let entry = ctx.entry(visible_id?)?;
            return entry.sheet.is_none().then(|| {
                Diagnostic::error(
                    "review-sheet-renamed",
                    format!("the sheet '{}' was renamed to '{name}'", c::REVIEW_SHEET),
                    rep.file_loc(),
                )
                .with_hint(hint)
            });
        }
        match copies.made_for {
            Some(original) if !self.sheet_names.iter().any(|s| s == original) => Some(
                Diagnostic::error(
                    "review-sheet-renamed",
                    format!("the review sheet '{original}' was renamed to '{name}'"),
                    rep.file_loc(),
                )
                .with_hint(hint),
            ),
            // A copy of a sheet that is there: reported as a copied sheet.
            Some(_) => None,
            None => Some(
                Diagnostic::error(
                    "review-sheet-unknown",
                    format!("the sheet '{name}' holds a review this workbook was not sent with"),
                    rep.file_loc(),
                )
                .with_hint("the sheet was copied in from another workbook; delete it, and return each review in the workbook it was sent in"),
            ),
        }
    }

    /// A review whose sheet is gone from the workbook.
    fn missing(&self, file: &str, name: &str) -> Rejected {
        let copies = self.copies_of(name, None);
        let who = copies
            .hidden
            .map(|h| {
                (
                    hidden_value(h, c::KEY_PERSON_NAME).unwrap_or("").to_owned(),
                    hidden_value(h, c::KEY_FORM_ID).unwrap_or("").to_owned(),
                )
            })
            .or_else(|| {
                copies.props.map(|p| {
                    (
                        value(p, c::KEY_PERSON_NAME).unwrap_or("").to_owned(),
                        value(p, c::KEY_FORM_ID).unwrap_or("").to_owned(),
                    )
                })
            })
            .unwrap_or_default();
        let rep = Report::new(file);
        Rejected {
            sheet: Some(name.to_owned()),
            problems: vec![
                Diagnostic::error(
                    "review-sheet-missing",
                    format!(
                        "the review sheet '{name}' ({}, {}) is missing from the workbook",
                        who.0, who.1
                    ),
                    rep.file_loc(),
                )
                .with_hint("the sheet was deleted; ask the reviewer to fill it in again in the workbook as sent"),
            ],
        }
    }
}

/// A second sheet holding a review already on another sheet of the workbook.
fn copied_sheet(rep: &Report<'_>, name: &str, first: &str, id: &str) -> Diagnostic {
    Diagnostic::error(
        "duplicate-review-sheet",
        format!("the sheet '{name}' holds the review {id}, which is on the sheet '{first}' already"),
        rep.file_loc(),
    )
    .with_hint(format!(
        "the sheet was copied: keep the one with the reviewer's answers as '{first}' and delete the other"
    ))
}
