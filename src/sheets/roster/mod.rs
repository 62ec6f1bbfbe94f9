//! The roster: who is reviewed by whom. Two shapes, told apart by their columns:
//!
//! - a **review roster** has a `reviewer` column: one row per review (a person and one
//!   reviewer), checked row by row ([`reviews`]);
//! - a **people roster** has none, but a manager or peers column: one row per person, as HR
//!   systems export their directory; managers and peers are resolved to people of the roster
//!   and the reviews derived from them ([`people`]).
//!
//! Read from CSV (in the encodings of [`encoding`]) or a spreadsheet (XLSX, XLS, ODS) by
//! [`source`], with the header names of the one table in [`headers`]. Every problem is
//! reported at once, at its cell.

mod encoding;
mod headers;
mod people;
mod reviews;
mod source;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;

use rust_xlsxwriter::column_number_to_name;

use super::strings::{Frozen, Strings, Sym};
use crate::diag::{Diagnostic, Flags, Location};
use crate::model::Ladder;
use crate::workbook::ReviewerRole;
pub use encoding::for_label as encoding_for_label;
pub(crate) use headers::Kind;
use headers::{Columns, Field};

/// One review to send: a person under review and one reviewer (a view into [`Reviews`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Review<'a> {
    /// 1-based row in the roster (the header is row 1), for messages: the review's row, or the
    /// reviewed person's in a people roster.
    pub row: usize,
    pub employee_id: &'a str,
    pub name: &'a str,
    /// A level code of the ladder.
    pub current_level: &'a str,
    pub reviewer: &'a str,
    /// The reviewer's employee id, when the roster lists the reviewer as a person (people
    /// rosters); `None` for a review roster and for reviewers outside the roster.
    pub reviewer_id: Option<&'a str>,
    pub role: ReviewerRole,
    pub email: Option<&'a str>,
    pub team: Option<&'a str>,
}

/// The reviews of a roster, in roster order. Stored compactly (every distinct text once, a
/// review a few numbers): a roster of 10,000 reviews is held in well under a megabyte.
pub struct Reviews {
    entries: Box<[Entry]>,
    strings: Frozen,
}

/// One review as symbols of [`Reviews::strings`]; `reviewer_id`, `email` and `team` are empty
/// when absent.
#[derive(Debug, Clone, Copy)]
struct Entry {
    row: u32,
    employee_id: Sym,
    name: Sym,
    level: Sym,
    reviewer: Sym,
    reviewer_id: Sym,
    email: Sym,
    team: Sym,
    role: ReviewerRole,
}

impl Reviews {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The review at index `i` (in roster order).
    pub fn get(&self, i: usize) -> Option<Review<'_>> {
        self.entries.get(i).map(|e| self.view(e))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Review<'_>> {
        self.entries.iter().map(|e| self.view(e))
    }

    fn view(&self, e: &Entry) -> Review<'_> {
        let s = |sym| self.strings.get(sym);
        let opt = |sym| (sym != Strings::EMPTY).then(|| s(sym));
        Review {
            row: e.row as usize,
            employee_id: s(e.employee_id),
            name: s(e.name),
            current_level: s(e.level),
            reviewer: s(e.reviewer),
            reviewer_id: opt(e.reviewer_id),
            role: e.role,
            email: opt(e.email),
            team: opt(e.team),
        }
    }
}

impl fmt::Debug for Reviews {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A roster that passed all checks.
#[derive(Debug)]
pub struct Roster {
    pub reviews: Reviews,
    /// How the file was read, for the summary.
    pub read: ReadAs,
    /// Non-fatal findings (unused columns, managers outside the roster).
    pub warnings: Vec<Diagnostic>,
}

/// How a roster was read: its shape, its encoding and, for a people roster, its people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadAs {
    pub kind: Kind,
    /// The encoding read, when it is not plain UTF-8.
    pub encoding: Option<&'static str>,
    /// People in a people roster (0 for a review roster).
    pub people: usize,
    /// People of a people roster without a manager (their manager cell is empty).
    pub without_manager: usize,
}

impl ReadAs {
    /// "a people roster (one row per person)" or "a review roster (one row per review)".
    pub fn describe(&self) -> String {
        let rows = match self.kind {
            Kind::Reviews => "one row per review",
            Kind::People => "one row per person",
        };
        format!("{} ({rows})", headers::kind_name(self.kind))
    }
}

/// What the caller asks of the roster.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    /// The reviews to create (`--reviews`); `None` for the default: every review of a review
    /// roster; self and manager reviews of a people roster, and peer reviews when it has a
    /// peers column.
    pub reviews: Option<&'a [ReviewerRole]>,
    /// The encoding of a CSV roster without a byte-order mark (`None`: UTF-8 or UTF-16 as
    /// recognised).
    pub encoding: Option<&'static encoding_rs::Encoding>,
    pub flags: &'a Flags,
}

/// Spreadsheet column letters of a 0-based index (`0` → `A`, `26` → `AA`).
fn column_name(col: usize) -> String {
    // rust_xlsxwriter names every `u16` but the last.
    column_number_to_name(u16::try_from(col).unwrap_or(u16::MAX - 1).min(u16::MAX - 1))
}

/// The header of the roster's table, for messages.
struct Table<'a> {
    file: &'a str,
    sheet: Option<String>,
    /// 1-based row of the header.
    header_row: usize,
    header: Vec<String>,
}

impl Table<'_> {
    fn loc(&self, row: usize, col: Option<usize>) -> Location {
        let cell = match col {
            Some(c) => format!("{}{row} (column `{}`)", column_name(c), self.header_at(c)),
            None => format!("row {row}"),
        };
        Location::Cell {
            file: self.file.to_owned(),
            sheet: self.sheet.clone(),
            cell,
        }
    }

    fn header_at(&self, col: usize) -> &str {
        self.header.get(col).map_or("", String::as_str)
    }
}

/// One row of the file: its 1-based row number as the file shows it, and its trimmed cells.
/// A file that cannot be read gives one diagnostic, reported alone.
type Record = Result<(usize, Vec<String>), Diagnostic>;

/// Reads and checks a roster file against the ladder: either shape, told apart by its columns.
pub fn read(
    path: &Path,
    ladder: &Ladder,
    opts: &ReadOptions<'_>,
) -> Result<Roster, Vec<Diagnostic>> {
    let file = path.display().to_string();
    let src = source::open(path, &file, opts.encoding, opts.flags).map_err(|d| vec![d])?;
    let records = src.records(&file, opts.flags);
    check(&file, src.sheet(), src.encoding(), records, ladder, opts)
}

/// Reads and checks a CSV roster held in memory (`file` names it in messages).
#[cfg(test)]
fn read_csv(
    file: &str,
    bytes: &[u8],
    ladder: &Ladder,
    opts: &ReadOptions<'_>,
) -> Result<Roster, Vec<Diagnostic>> {
    let decoded = encoding::decode(bytes.to_vec(), opts.encoding, file).map_err(|d| vec![d])?;
    let enc = decoded.read_as;
    let records = source::csv_records(file, &decoded, opts.flags);
    check(file, None, enc, records, ladder, opts)
}

/// Checks the records of a roster as they come: the header first (blank rows before it are
/// tolerated), then every row. All problems are reported at once; a file that cannot be read
/// is reported alone.
fn check(
    file: &str,
    sheet: Option<String>,
    encoding: Option<&'static str>,
    mut records: impl Iterator<Item = Record>,
    ladder: &Ladder,
    opts: &ReadOptions<'_>,
) -> Result<Roster, Vec<Diagnostic>> {
    let Some((header_row, header)) = first_nonblank(&mut records)? else {
        return Err(vec![
            Diagnostic::error(
                "roster-empty",
                "the roster is empty",
                Location::File {
                    file: file.to_owned(),
                },
            )
            .with_hint(
                "put a header row and one row per person (employee id, name, current level, manager) or per review (… reviewer)",
            ),
        ]);
    };
    let t = Table {
        file,
        sheet,
        header_row,
        header,
    };
    let (cols, mut errors) = Columns::of(&t);
    let kind = match shape(&t, &cols, opts) {
        Ok(kind) => kind,
        Err(d) => {
            errors.push(d);
            Kind::People
        }
    };
    errors.extend(cols.missing(&t, kind));
    errors.extend(people::missing_for_reviews(&t, &cols, kind, opts));
    let warnings = cols.unused(&t, kind);
    if !errors.is_empty() {
        // The rest is not checked, but a file that cannot be read is still reported alone.
        for rec in records {
            rec.map_err(|d| vec![d])?;
        }
        errors.extend(warnings);
        return Err(errors);
    }
    let read = ReadAs {
        kind,
        encoding,
        people: 0,
        without_manager: 0,
    };
    let checker = Checker::new(&t, cols, ladder);
    match kind {
        Kind::Reviews => reviews::check(checker, records, opts, read, warnings),
        Kind::People => people::check(checker, records, opts, read, warnings),
    }
}

/// Which shape the columns make: a `reviewer` column makes a review roster; a manager or
/// peers column (or only self reviews asked for) a people roster.
fn shape(t: &Table<'_>, cols: &Columns, opts: &ReadOptions<'_>) -> Result<Kind, Diagnostic> {
    let only_self = opts
        .reviews
        .is_some_and(|r| r.iter().all(|r| *r == ReviewerRole::SelfReview));
    if cols.has(Field::Reviewer) {
        Ok(Kind::Reviews)
    } else if cols.has(Field::Manager) || cols.has(Field::Peers) || only_self {
        Ok(Kind::People)
    } else {
        Err(Diagnostic::error(
            "roster-shape",
            "the roster has neither a `reviewer` column (one row per review) nor a `manager` column (one row per person)",
            t.loc(t.header_row, None),
        )
        .with_hint(format!(
            "add a column headed `manager` (also accepted: {}) naming each person's manager by employee id, email or name, or a `reviewer` column with one row per review; the header row has: {}",
            headers::accepted(Field::Manager)[1..].join(", "),
            t.header.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>().join(", ")
        )))
    }
}

/// The first record with any content, if any.
fn first_nonblank(
    records: &mut impl Iterator<Item = Record>,
) -> Result<Option<(usize, Vec<String>)>, Vec<Diagnostic>> {
    for rec in records.by_ref() {
        let (row, cells) = rec.map_err(|d| vec![d])?;
        if !cells.iter().all(String::is_empty) {
            return Ok(Some((row, cells)));
        }
    }
    Ok(None)
}

/// A field's column and value in one row.
struct Got<'r> {
    col: Option<usize>,
    value: &'r str,
}

/// What both shapes check in every row: required values, level codes, names; and the
/// interned text of the reviews kept.
struct Checker<'t> {
    t: &'t Table<'t>,
    cols: Columns,
    codes: Vec<&'t str>,
    strings: Strings,
    errors: Vec<Diagnostic>,
    /// More distinct texts than a symbol can number.
    too_many: bool,
}

impl<'t> Checker<'t> {
    fn new(t: &'t Table<'t>, cols: Columns, ladder: &'t Ladder) -> Self {
        Self {
            t,
            cols,
            codes: ladder.levels.iter().map(|l| l.code.as_str()).collect(),
            strings: Strings::new(),
            errors: Vec::new(),
            too_many: false,
        }
    }

    fn sym(&mut self, s: &str) -> Sym {
        self.strings.intern(s).unwrap_or_else(|| {
            self.too_many = true;
            Strings::EMPTY
        })
    }

    fn get<'r>(&self, r: &'r [String], f: Field) -> Got<'r> {
        self.cols.get(f).map_or(
            Got {
                col: None,
                value: "",
            },
            |c| Got {
                col: Some(c.index),
                value: r.get(c.index).map_or("", String::as_str),
            },
        )
    }

    /// The cell of a field in a row, for messages.
    fn loc(&self, row: usize, f: Field) -> Location {
        self.t.loc(row, self.cols.get(f).map(|c| c.index))
    }

    /// A required field's value; empty is an error.
    fn required<'r>(&mut self, row: usize, r: &'r [String], f: Field, ok: &mut bool) -> &'r str {
        let got = self.get(r, f);
        if got.value.is_empty() {
            *ok = false;
            self.empty(row, got.col, f);
        }
        got.value
    }

    fn empty(&mut self, row: usize, col: Option<usize>, f: Field) {
        self.errors.push(
            Diagnostic::error(
                "roster-empty-field",
                format!("`{}` is empty", f.label()),
                self.t.loc(row, col),
            )
            .with_hint(format!("fill in the {} or delete the row", f.label())),
        );
    }

    /// The person's name: the full-name cell; else first and last name. A one-word preferred
    /// name beside first and last names is a preferred first name (`BambooHR`, `Personio`).
    fn name(&mut self, row: usize, r: &[String], ok: &mut bool) -> String {
        let last = self.get(r, Field::LastName).value;
        let first = self.get(r, Field::FirstName).value;
        let both = self.cols.has(Field::FirstName) && self.cols.has(Field::LastName);
        let preferred = self.get(r, Field::PreferredName).value;
        let full = self.get(r, Field::Name).value;
        let name = if !full.is_empty() {
            full.to_owned()
        } else if !preferred.is_empty() {
            if both && !last.is_empty() && !preferred.contains(char::is_whitespace) {
                format!("{preferred} {last}")
            } else {
                preferred.to_owned()
            }
        } else if both {
            [first, last]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            String::new()
        };
        if name.is_empty() {
            *ok = false;
            let col = [Field::Name, Field::PreferredName, Field::FirstName]
                .into_iter()
                .find_map(|f| self.cols.get(f))
                .map(|c| c.index);
            self.empty(row, col, Field::Name);
        }
        name
    }

    /// The level code as the ladder writes it (matched ignoring case, in any script: `σ7` is
    /// the level `Σ7`).
    fn level<'a>(&mut self, row: usize, level: &'a str, ok: &mut bool) -> &'a str
    where
        't: 'a,
    {
        if level.is_empty() {
            return level;
        }
        let wanted = level.to_uppercase();
        if let Some(&code) = self.codes.iter().find(|c| c.to_uppercase() == wanted) {
            return code;
        }
        *ok = false;
        self.errors.push(
            Diagnostic::error(
                "roster-unknown-level",
                format!("`{level}` is not a level of the ladder"),
                self.loc(row, Field::Level),
            )
            .with_hint(format!(
                "use one of the level codes: {}",
                self.codes.join(", ")
            )),
        );
        level
    }

    /// The reviews that passed, or every problem.
    fn finish(
        mut self,
        entries: Vec<Entry>,
        (read, rows): (ReadAs, usize),
        warnings: Vec<Diagnostic>,
        opts: &ReadOptions<'_>,
    ) -> Result<Roster, Vec<Diagnostic>> {
        let header = self.t.loc(self.t.header_row, None);
        if self.too_many {
            self.errors.push(
                Diagnostic::error(
                    "roster-too-large",
                    "the roster has more different names and ids than rungs can hold",
                    header.clone(),
                )
                .with_hint("split the roster into several files and run rungs sheets on each"),
            );
        }
        if self.errors.is_empty() && entries.is_empty() {
            self.errors.push(if rows == 0 {
                Diagnostic::error(
                    "roster-empty",
                    "the roster has a header but no rows",
                    header,
                )
                .with_hint(match read.kind {
                    Kind::Reviews => {
                        "add one row per review: employee id, name, current level, reviewer"
                    }
                    Kind::People => {
                        "add one row per person: employee id, name, current level, manager"
                    }
                })
            } else {
                Diagnostic::error(
                    "roster-empty",
                    format!(
                        "none of the roster's {} gives a review of the kinds asked for",
                        crate::util::text::count(rows, "row", "rows")
                    ),
                    header,
                )
                .with_hint(format!(
                    "check {}: a manager review needs a filled manager cell and a peer review a peers cell; with one row per review, only the rows of the roles named are kept",
                    opts.flags.reviews
                ))
            });
        }
        if self.errors.is_empty() {
            Ok(Roster {
                reviews: Reviews {
                    entries: entries.into_boxed_slice(),
                    strings: self.strings.freeze(),
                },
                read,
                warnings,
            })
        } else {
            self.errors.extend(warnings);
            Err(self.errors)
        }
    }
}
