//! The roster's columns: the one table of accepted header names ([`HEADERS`], documented from
//! this data in `docs/rosters.md`), and which column of a file holds which field.
//!
//! Header names are compared ignoring case, spaces, `_`, `-`, `.` and a trailing annotation in
//! square brackets (Google Workspace writes `First Name [Required]`).

use std::collections::BTreeMap;

use super::{Table, column_name};
use crate::diag::Diagnostic;
use crate::util::text::disguises;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Field {
    EmployeeId,
    /// The person's full name.
    Name,
    /// A preferred name: a full name, or a first name used instead of the first name.
    PreferredName,
    FirstName,
    LastName,
    Level,
    Reviewer,
    Role,
    Manager,
    Peers,
    Email,
    Team,
}

/// How a column names another person (the manager or peers of a people roster).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    /// An employee id, an email address or a name, whichever matches.
    Any,
    Id,
    Email,
    Name,
}

/// The two shapes of a roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One row per review: a person and one reviewer.
    Reviews,
    /// One row per person, with their manager (and peers); the reviews are derived.
    People,
}

/// One group of accepted header names for a field.
#[derive(Debug)]
pub(super) struct Header {
    pub(super) field: Field,
    pub(super) key: Key,
    /// As documented; the first name of a field's first group is its canonical header.
    pub(super) names: &'static [&'static str],
}

const fn h(field: Field, key: Key, names: &'static [&'static str]) -> Header {
    Header { field, key, names }
}

/// Every accepted header name, by field. A header matches at most one entry. Within a field,
/// earlier names rank higher where a field takes the best of several columns (`team`).
pub(super) const HEADERS: &[Header] = &[
    h(
        Field::EmployeeId,
        Key::Any,
        &[
            "employee id",
            "id",
            "emp id",
            "eid",
            "employee number",
            "employee no",
            "employee #",
            "staff id",
            "staff number",
            "person id",
            "worker id",
            "personnel number",
        ],
    ),
    h(
        Field::Name,
        Key::Any,
        &[
            "name",
            "full name",
            "employee name",
            "employee",
            "person",
            "display name",
            "worker",
            "worker name",
            "legal name",
        ],
    ),
    h(Field::PreferredName, Key::Any, &["preferred name"]),
    h(
        Field::FirstName,
        Key::Any,
        &["first name", "given name", "forename"],
    ),
    h(
        Field::LastName,
        Key::Any,
        &["last name", "family name", "surname"],
    ),
    h(
        Field::Level,
        Key::Any,
        &[
            "current level",
            "level",
            "grade",
            "job level",
            "job grade",
            "career level",
            "level code",
        ],
    ),
    h(
        Field::Reviewer,
        Key::Any,
        &["reviewer", "reviewer name", "reviewed by"],
    ),
    h(
        Field::Role,
        Key::Any,
        &["reviewer role", "role", "review type", "relationship"],
    ),
    h(
        Field::Manager,
        Key::Any,
        &[
            "manager",
            "reports to",
            "supervisor",
            "line manager",
            "direct manager",
        ],
    ),
    h(
        Field::Manager,
        Key::Id,
        &[
            "manager id",
            "manager employee id",
            "manager employee number",
            "manager worker id",
            "reports to id",
            "supervisor id",
            "supervisor eid",
        ],
    ),
    h(
        Field::Manager,
        Key::Email,
        &[
            "manager email",
            "manager work email",
            "reports to email",
            "supervisor email",
        ],
    ),
    h(
        Field::Manager,
        Key::Name,
        &[
            "manager name",
            "manager full name",
            "reports to name",
            "supervisor name",
            "line manager name",
        ],
    ),
    h(
        Field::Peers,
        Key::Any,
        &["peers", "peer", "peer reviewers", "peer reviewer"],
    ),
    h(Field::Peers, Key::Id, &["peer ids", "peer employee ids"]),
    h(Field::Peers, Key::Email, &["peer emails"]),
    h(Field::Peers, Key::Name, &["peer names"]),
    h(
        Field::Email,
        Key::Any,
        &[
            "email",
            "email address",
            "mail",
            "work email",
            "work email address",
            "business email",
            "primary email",
            "email primary work",
        ],
    ),
    h(
        Field::Team,
        Key::Any,
        &["team", "department", "division", "group"],
    ),
];

impl Field {
    /// The field's name in messages and documentation.
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::EmployeeId => "employee id",
            Self::Name => "name",
            Self::PreferredName => "preferred name",
            Self::FirstName => "first name",
            Self::LastName => "last name",
            Self::Level => "current level",
            Self::Reviewer => "reviewer",
            Self::Role => "reviewer role",
            Self::Manager => "manager",
            Self::Peers => "peers",
            Self::Email => "email",
            Self::Team => "team",
        }
    }

    /// Which roster shapes read the field.
    fn kinds(self) -> &'static [Kind] {
        match self {
            Self::Reviewer | Self::Role => &[Kind::Reviews],
            Self::Manager | Self::Peers => &[Kind::People],
            _ => &[Kind::Reviews, Kind::People],
        }
    }

    /// Whether two columns for the field are fine: the better-ranked one is read and the
    /// other ignored (with a warning). Otherwise two columns are an error naming both.
    fn takes_best(self) -> bool {
        self == Self::Team
    }

    /// How the field is required, for the documentation.
    #[cfg(test)]
    fn required(self) -> &'static str {
        match self {
            Self::EmployeeId | Self::Level => "yes",
            Self::Name => "yes, or first name + last name",
            Self::Reviewer => "yes (this column makes a review roster)",
            Self::Manager => "for manager reviews",
            Self::Peers => "for peer reviews",
            Self::Role => "no: `self`, `manager` or `peer`",
            _ => "no",
        }
    }
}

/// A header as compared: lowercase, without spaces, `_`, `-`, `.`, invisible characters (a
/// stray byte-order mark) or a `[…]` annotation.
pub(super) fn norm_header(h: &str) -> String {
    let h = h.trim();
    let h = match h.rfind('[') {
        Some(i) if h.ends_with(']') && i > 0 => &h[..i],
        _ => h,
    };
    h.chars()
        .filter(|c| !c.is_whitespace() && !disguises(*c) && !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The entry of [`HEADERS`] a header matches, and its rank in the field (0 is best).
fn lookup(header: &str) -> Option<(&'static Header, usize)> {
    let n = norm_header(header);
    let mut rank = 0;
    let mut field = None;
    for entry in HEADERS {
        if field != Some(entry.field) {
            field = Some(entry.field);
            rank = 0;
        }
        for name in entry.names {
            if norm_header(name) == n {
                return Some((entry, rank));
            }
            rank += 1;
        }
    }
    None
}

/// A column of the file that holds a field.
#[derive(Debug, Clone, Copy)]
pub(super) struct Col {
    /// 0-based column.
    pub(super) index: usize,
    pub(super) key: Key,
    rank: usize,
}

/// Which column holds each field, from the header row.
#[derive(Debug, Default)]
pub(super) struct Columns {
    cols: BTreeMap<Field, Col>,
    /// Columns that matched no field: (column, header).
    unknown: Vec<usize>,
    /// Columns of a field already given by a better column: (column, the column read).
    ignored: Vec<(usize, usize)>,
}

impl Columns {
    /// The fields of a header row, with an error for each field given twice.
    pub(super) fn of(t: &Table<'_>) -> (Self, Vec<Diagnostic>) {
        let mut me = Self::default();
        let mut errors = Vec::new();
        for (c, header) in t.header.iter().enumerate() {
            if header.is_empty() {
                continue;
            }
            let Some((entry, rank)) = lookup(header) else {
                me.unknown.push(c);
                continue;
            };
            let col = Col {
                index: c,
                key: entry.key,
                rank,
            };
            match me.cols.get(&entry.field).copied() {
                None => {
                    me.cols.insert(entry.field, col);
                }
                Some(prev) if entry.field.takes_best() => {
                    let (keep, drop) = if rank < prev.rank {
                        (col, prev)
                    } else {
                        (prev, col)
                    };
                    me.cols.insert(entry.field, keep);
                    me.ignored.push((drop.index, keep.index));
                }
                Some(prev) => errors.push(twice(t, entry.field, prev.index, c)),
            }
        }
        (me, errors)
    }

    pub(super) fn get(&self, f: Field) -> Option<Col> {
        self.cols.get(&f).copied()
    }

    pub(super) fn has(&self, f: Field) -> bool {
        self.cols.contains_key(&f)
    }

    /// Whether the columns give every person a name.
    pub(super) fn has_name(&self) -> bool {
        self.has(Field::Name)
            || self.has(Field::PreferredName)
            || (self.has(Field::FirstName) && self.has(Field::LastName))
    }

    /// Warnings for the columns a roster of `kind` does not read.
    pub(super) fn unused(&self, t: &Table<'_>, kind: Kind) -> Vec<Diagnostic> {
        let mut out: Vec<(usize, Diagnostic)> = Vec::new();
        let warn = |c: usize, why: String| {
            (
                c,
                Diagnostic::warning(
                    "roster-unused-column",
                    format!("column `{}` is not used{why}", t.header_at(c)),
                    t.loc(t.header_row, Some(c)),
                )
                .with_hint(format!("accepted columns: {}", known_columns(kind))),
            )
        };
        for &c in &self.unknown {
            out.push(warn(c, String::new()));
        }
        for &(c, kept) in &self.ignored {
            out.push(warn(c, format!(": `{}` gives the team", t.header_at(kept))));
        }
        for (f, col) in &self.cols {
            if !f.kinds().contains(&kind) {
                out.push(warn(col.index, format!(" in {}", kind_name(kind))));
            }
        }
        // A lone first or last name gives no name when there is no other name column.
        let lone = [Field::FirstName, Field::LastName]
            .into_iter()
            .filter_map(|f| self.get(f))
            .collect::<Vec<_>>();
        if lone.len() == 1 && (self.has(Field::Name) || self.has(Field::PreferredName)) {
            out.push(warn(
                lone[0].index,
                ": a first or last name is only used with the other".to_owned(),
            ));
        }
        out.sort_by_key(|(c, _)| *c);
        out.into_iter().map(|(_, d)| d).collect()
    }

    /// The missing column that a roster of `kind` needs, each an error.
    pub(super) fn missing(&self, t: &Table<'_>, kind: Kind) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if !self.has(Field::EmployeeId) {
            out.push(missing_column(t, Field::EmployeeId, None));
        }
        if !self.has_name() {
            let lone = [Field::FirstName, Field::LastName]
                .into_iter()
                .find(|f| self.has(*f));
            let note = lone.map(|f| {
                format!(
                    "a `{}` column is only used with a `{}` column",
                    f.label(),
                    if f == Field::FirstName {
                        "last name"
                    } else {
                        "first name"
                    }
                )
            });
            out.push(missing_column(t, Field::Name, note));
        }
        if !self.has(Field::Level) {
            out.push(missing_column(t, Field::Level, None));
        }
        if kind == Kind::Reviews && !self.has(Field::Reviewer) {
            out.push(missing_column(t, Field::Reviewer, None));
        }
        out
    }
}

/// The error for two columns of one field.
fn twice(t: &Table<'_>, f: Field, first: usize, second: usize) -> Diagnostic {
    let (a, b) = (t.header_at(first), t.header_at(second));
    let (what, hint) = if f == Field::Manager {
        (
            format!(
                "two columns could name the manager: `{a}` (column {}) and `{b}` (column {})",
                column_name(first),
                column_name(second)
            ),
            "delete one of them or rename it (a manager is found by employee id, email or name, so one column is enough; the id is the safest)",
        )
    } else {
        (
            format!(
                "two columns mean `{}`: `{a}` (column {}) and `{b}` (column {})",
                f.label(),
                column_name(first),
                column_name(second)
            ),
            "keep one of them or rename the other",
        )
    };
    Diagnostic::error(
        "roster-duplicate-column",
        what,
        t.loc(t.header_row, Some(second)),
    )
    .with_hint(hint)
}

/// The error for a missing column, with what the header row has.
pub(super) fn missing_column(t: &Table<'_>, f: Field, note: Option<String>) -> Diagnostic {
    let found: Vec<&str> = t
        .header
        .iter()
        .filter(|h| !h.is_empty())
        .map(String::as_str)
        .collect();
    let names = accepted(f);
    let mut hint = format!(
        "add a column headed `{}` (also accepted: {}); the header row has: {}",
        f.label(),
        names[1..].join(", "),
        if found.is_empty() {
            "nothing".to_owned()
        } else {
            found.join(", ")
        }
    );
    if let Some(note) = note {
        hint = format!("{note}; {hint}");
    }
    Diagnostic::error(
        "roster-missing-column",
        format!("the roster has no `{}` column", f.label()),
        t.loc(t.header_row, None),
    )
    .with_hint(hint)
}

/// Every accepted header of a field, in table order.
pub(super) fn accepted(f: Field) -> Vec<&'static str> {
    HEADERS
        .iter()
        .filter(|e| e.field == f)
        .flat_map(|e| e.names.iter().copied())
        .collect()
}

/// The fields a roster of `kind` reads, for hints.
fn known_columns(kind: Kind) -> String {
    let mut fields: Vec<Field> = HEADERS.iter().map(|e| e.field).collect();
    fields.dedup();
    fields
        .into_iter()
        .filter(|f| f.kinds().contains(&kind))
        .map(Field::label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "a review roster" or "a people roster".
pub(crate) fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Reviews => "a review roster",
        Kind::People => "a people roster",
    }
}

/// [`HEADERS`] as the Markdown table of `docs/rosters.md` (a test keeps the two equal).
#[cfg(test)]
fn markdown_table() -> String {
    use std::fmt::Write as _;
    let mut fields: Vec<Field> = HEADERS.iter().map(|e| e.field).collect();
    fields.dedup();
    let mut out =
        String::from("| field | roster | required | accepted headers |\n|---|---|---|---|\n");
    for f in fields {
        let shapes = match f.kinds() {
            [Kind::Reviews] => "review",
            [Kind::People] => "people",
            _ => "both",
        };
        let names: Vec<String> = HEADERS
            .iter()
            .filter(|e| e.field == f)
            .map(|e| {
                let list = e
                    .names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                match e.key {
                    Key::Any => list,
                    Key::Id => format!("by id: {list}"),
                    Key::Email => format!("by email: {list}"),
                    Key::Name => format!("by name: {list}"),
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {shapes} | {} | {} |",
            f.label(),
            f.required(),
            names.join("; ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_name_is_unique_and_matches_itself() {
        let mut seen = std::collections::HashSet::new();
        for e in HEADERS {
            for n in e.names {
                assert!(seen.insert(norm_header(n)), "{n} is listed twice");
                let (found, _) = lookup(n).expect("a listed name matches");
                assert_eq!((found.field, found.key), (e.field, e.key), "{n}");
            }
        }
    }

    #[test]
    fn headers_as_hr_systems_write_them() {
        for (header, field) in [
            ("Employee #", Field::EmployeeId),
            ("EMPLOYEE_NUMBER", Field::EmployeeId),
            ("Worker ID", Field::EmployeeId),
            ("First Name [Required]", Field::FirstName),
            ("Email Address [Required]", Field::Email),
            ("Reports To", Field::Manager),
            ("Manager.Email", Field::Manager),
            ("Job-Level", Field::Level),
            ("Division", Field::Team),
            ("\u{feff}Worker ID", Field::EmployeeId),
        ] {
            assert_eq!(
                lookup(header).map(|(e, _)| e.field),
                Some(field),
                "{header}"
            );
        }
        assert_eq!(lookup("Manager ID").map(|(e, _)| e.key), Some(Key::Id));
        assert!(lookup("Hire Date").is_none());
        assert!(lookup("[Required]").is_none());
    }

    #[test]
    fn the_documented_table_is_this_one() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rosters.md"),
        )
        .expect("docs/rosters.md");
        assert!(
            doc.contains(&markdown_table()),
            "docs/rosters.md must hold this table:\n{}",
            markdown_table()
        );
    }
}
