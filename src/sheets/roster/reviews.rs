//! A review roster: one row per review (a person and one reviewer), checked as it is read;
//! only the reviews that pass are kept, never the file's table.

use std::collections::HashMap;

use super::headers::Field;
use super::{Checker, Entry, ReadAs, ReadOptions, Record, Roster};
use crate::diag::Diagnostic;
use crate::sheets::strings::{Strings, Sym};
use crate::workbook::ReviewerRole;

/// Checks every row; keeps the reviews of the roles asked for.
pub(super) fn check(
    checker: Checker<'_>,
    records: impl Iterator<Item = Record>,
    opts: &ReadOptions<'_>,
    read: ReadAs,
    warnings: Vec<Diagnostic>,
) -> Result<Roster, Vec<Diagnostic>> {
    let mut rows = Rows {
        c: checker,
        entries: Vec::new(),
        people: HashMap::new(),
        folded: Strings::new(),
        seen: HashMap::new(),
    };
    for rec in records {
        let (row, cells) = rec.map_err(|d| vec![d])?;
        if !cells.iter().all(String::is_empty) {
            rows.check(row, &cells);
        }
    }
    let Rows { c, mut entries, .. } = rows;
    let read_rows = entries.len();
    if let Some(wanted) = opts.reviews {
        entries.retain(|e| wanted.contains(&e.role));
    }
    c.finish(entries, (read, read_rows), warnings, opts)
}

/// The rows of a review roster, checked one at a time.
struct Rows<'t> {
    c: Checker<'t>,
    entries: Vec<Entry>,
    /// employee id → (row, name, level) of its first row.
    people: HashMap<Sym, (usize, Sym, Sym)>,
    /// Reviewer names case-folded: needed only to find a reviewer listed twice.
    folded: Strings,
    /// (employee id, folded reviewer) → first row.
    seen: HashMap<(Sym, Sym), usize>,
}

impl Rows<'_> {
    /// Checks one row and keeps its review if it passes.
    fn check(&mut self, row: usize, r: &[String]) {
        let mut ok = true;
        let c = &mut self.c;
        let employee_id = c.required(row, r, Field::EmployeeId, &mut ok);
        let name = c.name(row, r, &mut ok);
        let level = c.required(row, r, Field::Level, &mut ok);
        let reviewer = c.required(row, r, Field::Reviewer, &mut ok);
        let level = c.level(row, level, &mut ok);
        let role = self.role(row, r, (employee_id, &name, reviewer), &mut ok);
        let c = &mut self.c;
        let id_sym = c.sym(employee_id);
        let name_sym = c.sym(&name);
        let level_sym = c.sym(level);
        if !employee_id.is_empty() {
            self.same_person(row, (id_sym, name_sym, level_sym), &mut ok);
            if !reviewer.is_empty() {
                self.once_per_reviewer(row, id_sym, (employee_id, reviewer), &mut ok);
            }
        }
        if ok {
            let c = &mut self.c;
            let entry = Entry {
                row: u32::try_from(row).unwrap_or(u32::MAX),
                employee_id: id_sym,
                name: name_sym,
                level: level_sym,
                reviewer: c.sym(reviewer),
                reviewer_id: Strings::EMPTY,
                email: c.sym(c.get(r, Field::Email).value),
                team: c.sym(c.get(r, Field::Team).value),
                role,
            };
            self.entries.push(entry);
        }
    }

    /// The reviewer's role: as written, or `self` when the reviewer is the person, else
    /// `manager`.
    fn role(
        &mut self,
        row: usize,
        r: &[String],
        (employee_id, name, reviewer): (&str, &str, &str),
        ok: &mut bool,
    ) -> ReviewerRole {
        let got = self.c.get(r, Field::Role);
        if got.value.is_empty() {
            return if reviewer == name || reviewer == employee_id {
                ReviewerRole::SelfReview
            } else {
                ReviewerRole::Manager
            };
        }
        if let Some(role) = ReviewerRole::parse(got.value) {
            return role;
        }
        *ok = false;
        self.c.errors.push(
            Diagnostic::error(
                "roster-bad-role",
                format!("`{}` is not a reviewer role", got.value),
                self.c.t.loc(row, got.col),
            )
            .with_hint("use `self`, `manager` or `peer`, or leave it empty"),
        );
        ReviewerRole::Manager
    }

    /// One employee id has one name and one level on every row.
    fn same_person(&mut self, row: usize, (id, name, level): (Sym, Sym, Sym), ok: &mut bool) {
        let Some(&(first, first_name, first_level)) = self.people.get(&id) else {
            self.people.insert(id, (row, name, level));
            return;
        };
        let s = &self.c.strings;
        let employee_id = s.get(id);
        let (name, level) = (s.get(name), s.get(level));
        let (first_name, first_level) = (s.get(first_name), s.get(first_level));
        let mut found = Vec::new();
        if !name.is_empty() && first_name != name {
            found.push(
                Diagnostic::error(
                    "roster-inconsistent-person",
                    format!(
                        "employee `{employee_id}` is called `{name}` here but `{first_name}` in row {first}"
                    ),
                    self.c.loc(row, Field::Name),
                )
                .with_hint("use the same name on every row of one employee id, or fix the id"),
            );
        }
        if !level.is_empty() && first_level != level {
            found.push(
                Diagnostic::error(
                    "roster-inconsistent-person",
                    format!(
                        "employee `{employee_id}` is at level `{level}` here but `{first_level}` in row {first}"
                    ),
                    self.c.loc(row, Field::Level),
                )
                .with_hint("a person has one current level: make the rows agree"),
            );
        }
        if !found.is_empty() {
            *ok = false;
            self.c.errors.extend(found);
        }
    }

    /// One reviewer reviews one person once (names compared ignoring case).
    fn once_per_reviewer(
        &mut self,
        row: usize,
        id: Sym,
        (employee_id, reviewer): (&str, &str),
        ok: &mut bool,
    ) {
        let folded = self
            .folded
            .intern(&reviewer.to_lowercase())
            .unwrap_or_else(|| {
                self.c.too_many = true;
                Strings::EMPTY
            });
        let key = (id, folded);
        if let Some(first) = self.seen.get(&key) {
            *ok = false;
            self.c.errors.push(
                Diagnostic::error(
                    "roster-duplicate-review",
                    format!(
                        "`{reviewer}` reviews employee `{employee_id}` twice (also in row {first})"
                    ),
                    self.c.loc(row, Field::Reviewer),
                )
                .with_hint("delete one of the two rows: one reviewer gets one workbook per person"),
            );
        } else {
            self.seen.insert(key, row);
        }
    }
}
