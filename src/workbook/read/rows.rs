//! The competency rows of a Review sheet: found by their hidden id wherever they are, their
//! locked text compared with the ladder's (and hashed against the manifest's), their input
//! cells read as typed values.

use std::collections::{BTreeSet, HashMap};

use super::cells::{Cell, Cells, Value};
use super::{Answer, Context, Rating, Report, cell_ref, digest, quote_list};
use crate::diag::Diagnostic;
use crate::model::Ladder;
use crate::util::text::{canonical, one_line};
use crate::util::to_u32;
use crate::workbook::rating::{self, Parsed};
use crate::workbook::{self as c, LockedRow, Provenance, locked_text_hash};

/// The competency rows of one Review sheet.
pub(super) struct Rows<'a> {
    pub(super) ctx: &'a Context<'a>,
    pub(super) sheet: &'a str,
    pub(super) cells: &'a Cells,
}

/// Where each competency's row was found: index in ladder order → row.
type Found = HashMap<usize, u32>;

impl Rows<'_> {
    fn get(&self, row: u32, col: u32) -> Option<&Cell> {
        self.cells.get(&(row, col))
    }

    fn text(&self, row: u32, col: u32) -> String {
        self.get(row, col)
            .map(|r| r.value.display())
            .unwrap_or_default()
    }

    /// Rows found by their hidden id wherever they are; locked text compared; ratings parsed.
    /// Returns the answers and their evidence texts in ladder order.
    pub(super) fn read(
        &self,
        rep: &mut Report<'_>,
        prov: &Provenance,
    ) -> (Vec<Answer>, Vec<String>) {
        let (found, returned) = self.find(rep);
        self.missing(rep, &found);
        self.check_hash(rep, prov, returned);
        self.answers(rep, &found)
    }

    /// Every row of the table: its hidden id decides which competency it holds.
    fn find(&self, rep: &mut Report<'_>) -> (Found, Vec<(usize, LockedRow)>) {
        let id_col = u32::from(c::COL_COMPETENCY_ID);
        let rows: BTreeSet<u32> = self
            .cells
            .keys()
            .map(|(row, _)| *row)
            .filter(|row| *row >= c::FIRST_DATA_ROW)
            .collect();
        let mut found = Found::new();
        let mut returned = Vec::new();
        for row in rows {
            let id = self.text(row, id_col).trim().to_owned();
            if id.is_empty() {
                self.inserted(rep, row);
                continue;
            }
            let Some(k) = self.ctx.expected.iter().position(|e| e.competency_id == id) else {
                rep.error(
                    Diagnostic::error(
                        "unknown-competency",
                        format!("the row's hidden competency id '{}' is not a competency of the ladder", one_line(&id, 60)),
                        rep.at(self.sheet, row, id_col),
                    )
                    .with_hint("the row was copied from another form or its id edited; restore the original workbook's row"),
                );
                continue;
            };
            if let Some(first) = found.get(&k) {
                rep.error(
                    Diagnostic::error(
                        "duplicate-competency",
                        format!(
                            "the competency '{}' appears twice, in rows {} and {}",
                            self.ctx.expected[k].competency,
                            first + 1,
                            row + 1
                        ),
                        rep.at(self.sheet, row, id_col),
                    )
                    .with_hint(
                        "delete the duplicated row, keeping the one with the reviewer's answer",
                    ),
                );
                continue;
            }
            found.insert(k, row);
            returned.push((k, self.locked(rep, row, k, id)));
            self.no_formulas(rep, row);
        }
        (found, returned)
    }

    /// A row someone inserted: harmless unless it holds a rating nobody can attribute.
    fn inserted(&self, rep: &mut Report<'_>, row: u32) {
        let rating_col = u32::from(c::COL_RATING);
        let content: Vec<String> = self
            .cells
            .range((row, 0)..(row + 1, 0))
            .map(|((_, col), v)| {
                format!(
                    "{}: '{}'",
                    cell_ref(row, *col),
                    one_line(&v.value.display(), 40)
                )
            })
            .collect();
        if self
            .get(row, rating_col)
            .is_some_and(|v| !v.value.is_empty())
        {
            rep.error(
                Diagnostic::error(
                    "rating-outside-row",
                    format!(
                        "row {} holds a rating but is not a competency row of the form (no hidden competency id): {}",
                        row + 1,
                        content.join(", ")
                    ),
                    rep.at(self.sheet, row, rating_col),
                )
                .with_hint("move the rating into the competency's own row, or delete the inserted row"),
            );
        } else {
            rep.warnings.push(
                Diagnostic::warning(
                    "inserted-row",
                    format!(
                        "row {} is not part of the form (no hidden competency id; inserted?): {}; it was ignored",
                        row + 1,
                        content.join(", ")
                    ),
                    rep.at(self.sheet, row, 0),
                )
                .with_hint("nothing is lost, since rows are found by their hidden id; delete the row to silence this"),
            );
        }
    }

    /// The row's locked text as returned, each cell compared with what the form says.
    fn locked(&self, rep: &mut Report<'_>, row: u32, k: usize, id: String) -> LockedRow {
        let expected = &self.ctx.expected[k];
        let got = LockedRow {
            competency_id: id,
            area: self.text(row, u32::from(c::COL_AREA)),
            competency: self.text(row, u32::from(c::COL_COMPETENCY)),
            levels: (0..self.ctx.ladder.levels.len())
                .map(|i| self.text(row, u32::from(c::level_col(i))))
                .collect(),
        };
        let free = self.ctx.renamable[k];
        let titles = [
            (c::COL_AREA, &expected.area, &got.area, free.area, "area"),
            (
                c::COL_COMPETENCY,
                &expected.competency,
                &got.competency,
                free.competency,
                "title",
            ),
        ];
        for (col, want, have, renamable, what) in titles {
            if canonical(want) == canonical(have) {
                continue;
            }
            if renamable {
                rep.warnings
                    .push(renamed(&expected.competency_id, what, have, want));
            } else {
                rep.error(self.edited(rep, row, u32::from(col), have, want));
            }
        }
        for (i, want) in expected.levels.iter().enumerate() {
            let col = u32::from(c::level_col(i));
            if canonical(want) != canonical(&got.levels[i]) {
                rep.error(self.edited(rep, row, col, &got.levels[i], want));
            }
        }
        got
    }

    fn edited(&self, rep: &Report<'_>, row: u32, col: u32, have: &str, want: &str) -> Diagnostic {
        let (have, want) = around_difference(have.trim(), want.trim());
        Diagnostic::error(
            "locked-text-edited",
            format!("locked text was edited: the cell holds '{have}' but the form says '{want}'"),
            rep.at(self.sheet, row, col),
        )
        .with_hint("expectations are the ladder's words and may not be changed in a review; ask the reviewer to put comments in the evidence column, and restore the text")
    }

    /// Input cells hold values only: results of formulas are never trusted.
    fn no_formulas(&self, rep: &mut Report<'_>, row: u32) {
        for col in [u32::from(c::COL_RATING), u32::from(c::COL_EVIDENCE)] {
            if let Some(f) = self.get(row, col).and_then(|v| v.formula.as_deref()) {
                rep.error(
                    Diagnostic::error(
                        "formula-in-input",
                        format!(
                            "the input cell holds the formula '={}' (its stored result '{}' is not trusted); rungs reads typed values only",
                            one_line(f, 60),
                            one_line(&self.text(row, col), 40)
                        ),
                        rep.at(self.sheet, row, col),
                    )
                    .with_hint("replace the formula with the value itself (pick from the dropdown, or type the text)"),
                );
            }
        }
    }

    /// Competencies whose row is gone.
    fn missing(&self, rep: &mut Report<'_>, found: &Found) {
        for (k, e) in self.ctx.expected.iter().enumerate() {
            if !found.contains_key(&k) {
                rep.error(
                    Diagnostic::error(
                        "missing-competency",
                        format!("the row of the competency '{}' ({}) is missing", e.competency, e.competency_id),
                        rep.at(self.sheet, c::FIRST_DATA_ROW, u32::from(c::COL_COMPETENCY_ID)),
                    )
                    .with_hint("a row was deleted; ask the reviewer to fill in a fresh copy of the original workbook"),
                );
            }
        }
    }

    /// The manifest's hash covers the provenance and every locked cell as sent.
    fn check_hash(
        &self,
        rep: &mut Report<'_>,
        prov: &Provenance,
        mut returned: Vec<(usize, LockedRow)>,
    ) {
        let Some(entry) = self.ctx.entry(&prov.form_id) else {
            return;
        };
        if !rep.errors.is_empty() {
            return;
        }
        returned.sort_by_key(|(k, _)| *k);
        let rows: Vec<LockedRow> = returned.into_iter().map(|(_, r)| r).collect();
        if locked_text_hash(prov, &rows) != entry.locked_text_sha256 {
            rep.error(
                Diagnostic::error(
                    "locked-text-edited",
                    "the locked text differs from what was sent (its hash does not match the manifest)",
                    rep.file_loc(),
                )
                .with_hint("compare the workbook with the one sent; the ladder may have changed since"),
            );
        }
    }

    /// The ratings and evidence, in ladder order, sized exactly: they are kept for every review.
    fn answers(&self, rep: &mut Report<'_>, found: &Found) -> (Vec<Answer>, Vec<String>) {
        let expected = &self.ctx.expected;
        let mut answers = Vec::with_capacity(expected.len());
        let mut texts = Vec::with_capacity(expected.len());
        for (k, e) in expected.iter().enumerate() {
            let Some(&row) = found.get(&k) else {
                continue;
            };
            let evidence = canonical(&self.text(row, u32::from(c::COL_EVIDENCE)));
            let rating = self.rating(rep, row, &e.competency);
            answers.push(Answer {
                competency: to_u32(k),
                row,
                rating,
                evidence_digest: digest(&evidence),
            });
            texts.push(evidence);
        }
        (answers, texts)
    }

    fn rating(&self, rep: &mut Report<'_>, row: u32, competency: &str) -> Rating {
        let rating_col = u32::from(c::COL_RATING);
        let ladder = self.ctx.ladder;
        let v = match self.get(row, rating_col).map(|r| &r.value) {
            None | Some(Value::Empty) => return Rating::Blank,
            Some(v) => v,
        };
        match parse_value(ladder, v) {
            Parsed::Blank => Rating::Blank,
            Parsed::NotObserved => Rating::NotObserved,
            Parsed::Option(i) => Rating::Option(to_u32(i)),
            Parsed::Invalid => {
                rep.error(
                    Diagnostic::error(
                        "rating-off-scale",
                        format!(
                            "the rating '{}' for '{competency}' is not on the scale",
                            one_line(&v.display(), 60),
                        ),
                        rep.at(self.sheet, row, rating_col),
                    )
                    .with_hint(format!(
                        "pick one of {} from the cell's dropdown",
                        quote_list(&ladder.rating.labels())
                    )),
                );
                Rating::Blank
            }
        }
    }
}

fn parse_value(ladder: &Ladder, v: &Value) -> Parsed {
    match v {
        Value::Empty => Parsed::Blank,
        Value::Text(s) => rating::parse_text(&ladder.rating, s),
        Value::Number(n) | Value::Date(n) => rating::parse_number(&ladder.rating, *n),
        Value::Bool(_) | Value::Error(_) => Parsed::Invalid,
    }
}

/// A title that differs from the ladder's where an explicit id allows it: renamed since the
/// workbook was made. The note names no file, so that the same rename seen in every returned
/// workbook is one note.
fn renamed(id: &str, what: &str, have: &str, want: &str) -> Diagnostic {
    let (subject, fix) = if what == "area" {
        (format!("the area of the competency `{id}`"), "its area")
    } else {
        (format!("the competency `{id}`"), "it")
    };
    Diagnostic::note(
        "renamed",
        format!(
            "{subject} is '{}' in the workbook and '{}' in the ladder: renamed since the workbook was made, and counted under its id",
            one_line(have.trim(), 60),
            one_line(want.trim(), 60)
        ),
    )
    .with_hint(format!("nothing to do if {fix} was renamed on purpose; the tally uses the ladder's title"))
}

/// Both texts cut to the stretch where they first differ (long expectation cells would
/// otherwise hide the edit), with `…` where text was left out.
fn around_difference(a: &str, b: &str) -> (String, String) {
    const BEFORE: usize = 40;
    const WIDTH: usize = 160;
    let same = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let start = same.saturating_sub(BEFORE);
    let cut = |s: &str| {
        let total = s.chars().count();
        let body: String = s.chars().skip(start).take(WIDTH).collect();
        let body = body.replace('\n', " ⏎ ");
        format!(
            "{}{body}{}",
            if start > 0 { "…" } else { "" },
            if start + WIDTH < total { "…" } else { "" }
        )
    };
    (cut(a), cut(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_shown_where_they_are() {
        let want = format!("{} the end", "x".repeat(300));
        let have = format!("{} THE end", "x".repeat(300));
        let (h, w) = around_difference(&have, &want);
        assert!(h.starts_with('…') && h.contains("THE end"), "{h}");
        assert!(w.contains("the end"), "{w}");
        assert_eq!(
            around_difference("abc", "abd"),
            ("abc".into(), "abd".into())
        );
    }
}
