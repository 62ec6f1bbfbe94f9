//! The roster: who is reviewed by whom. Read from CSV or a spreadsheet (XLSX, XLS, ODS), with
//! forgiving header matching (CSV separated by `,`, `;` or tabs), and checked against the ladder;
//! every problem is reported at once.
//!
//! Columns (header names compared ignoring case, spaces, `_`, `-` and `.`):
//!
//! | field | required | accepted headers |
//! |---|---|---|
//! | employee id | yes | `employee id`, `id`, `emp id`, `employee number`, `staff id`, `person id` |
//! | name | yes | `name`, `full name`, `employee name`, `employee`, `person` |
//! | current level | yes | `current level`, `level`, `grade` |
//! | reviewer | yes | `reviewer`, `reviewer name`, `reviewed by` |
//! | reviewer role | no | `reviewer role`, `role`, `review type`, `relationship` |
//! | email | no | `email`, `email address`, `mail` |
//! | team | no | `team`, `department`, `group` |
//!
//! A missing or empty role is `self` when the reviewer is the person (same name or employee
//! id), else `manager`.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use rust_xlsxwriter::column_number_to_name;

use super::strings::{Frozen, Strings, Sym};
use crate::diag::{Diagnostic, Location};
use crate::model::Ladder;
use crate::workbook::ReviewerRole;

/// One review to send: a person under review and one reviewer (a view into [`Reviews`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Review<'a> {
    /// 1-based row in the roster (the header is row 1), for messages.
    pub row: usize,
    pub employee_id: &'a str,
    pub name: &'a str,
    /// A level code of the ladder.
    pub current_level: &'a str,
    pub reviewer: &'a str,
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

/// One review as symbols of [`Reviews::strings`]; `email` and `team` are empty when absent.
#[derive(Debug, Clone, Copy)]
struct Entry {
    row: u32,
    employee_id: Sym,
    name: Sym,
    level: Sym,
    reviewer: Sym,
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
    /// Non-fatal findings (unused columns).
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    EmployeeId,
    Name,
    Level,
    Reviewer,
    Role,
    Email,
    Team,
}

impl Field {
    const ALL: [Self; 7] = [
        Self::EmployeeId,
        Self::Name,
        Self::Level,
        Self::Reviewer,
        Self::Role,
        Self::Email,
        Self::Team,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::EmployeeId => "employee id",
            Self::Name => "name",
            Self::Level => "current level",
            Self::Reviewer => "reviewer",
            Self::Role => "reviewer role",
            Self::Email => "email",
            Self::Team => "team",
        }
    }

    fn required(self) -> bool {
        matches!(
            self,
            Self::EmployeeId | Self::Name | Self::Level | Self::Reviewer
        )
    }

    /// Accepted header names, already normalised by [`norm_header`].
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::EmployeeId => &[
                "employeeid",
                "id",
                "empid",
                "employeenumber",
                "staffid",
                "personid",
            ],
            Self::Name => &["name", "fullname", "employeename", "employee", "person"],
            Self::Level => &["currentlevel", "level", "grade"],
            Self::Reviewer => &["reviewer", "reviewername", "reviewedby"],
            Self::Role => &["reviewerrole", "role", "reviewtype", "relationship"],
            Self::Email => &["email", "emailaddress", "mail"],
            Self::Team => &["team", "department", "group"],
        }
    }
}

fn norm_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
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

/// Reads and checks a roster file against the ladder. Rows are checked as they are read:
/// only the reviews that passed are kept, not the file's table. `flag` names the setting that
/// gave the path.
pub fn read(path: &Path, ladder: &Ladder, flag: &str) -> Result<Roster, Vec<Diagnostic>> {
    let file = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let file_loc = || Location::File { file: file.clone() };
    match ext.as_str() {
        "csv" | "txt" => {
            let unreadable = |e: std::io::Error| {
                vec![
                    Diagnostic::error(
                        "roster-unreadable",
                        format!("cannot read the roster: {e}"),
                        file_loc(),
                    )
                    .with_hint(format!("check the path given to {flag}")),
                ]
            };
            let mut reader = BufReader::new(std::fs::File::open(path).map_err(unreadable)?);
            // The first line decides the separator; the CSV reader then reads it again.
            let mut first = Vec::new();
            reader.read_until(b'\n', &mut first).map_err(unreadable)?;
            let delimiter = sniff_delimiter(&first);
            let records = csv_records(&file, delimiter, std::io::Cursor::new(first).chain(reader));
            check(&file, None, records, ladder)
        }
        "xlsx" | "xlsm" | "xls" | "ods" => sheet_roster(path, &file, ladder, flag),
        _ => Err(vec![
            Diagnostic::error(
                "roster-format",
                format!("cannot tell the roster's format from its name (`.{ext}`)"),
                file_loc(),
            )
            .with_hint("give a `.csv`, `.xlsx` or `.ods` file"),
        ]),
    }
}

/// Reads and checks a CSV roster held in memory (`file` names it in messages).
#[cfg(test)]
fn read_csv(file: &str, bytes: &[u8], ladder: &Ladder) -> Result<Roster, Vec<Diagnostic>> {
    let records = csv_records(file, sniff_delimiter(bytes), bytes);
    check(file, None, records, ladder)
}

/// The records of a CSV file, one at a time.
fn csv_records<'a, R: Read + 'a>(
    file: &'a str,
    delimiter: u8,
    reader: R,
) -> impl Iterator<Item = Record> + 'a {
    let rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader);
    rdr.into_byte_records().enumerate().map(move |(i, rec)| {
        let row = i + 1;
        let loc = Location::Cell {
            file: file.to_owned(),
            sheet: None,
            cell: format!("row {row}"),
        };
        let rec = rec.map_err(|e| {
            Diagnostic::error(
                "roster-csv",
                format!("the CSV cannot be read: {e}"),
                loc.clone(),
            )
            .with_hint("save the roster as CSV (UTF-8) from your spreadsheet application")
        })?;
        let mut fields = Vec::with_capacity(rec.len());
        for (c, f) in rec.iter().enumerate() {
            let f = if row == 1 && c == 0 {
                f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f)
            } else {
                f
            };
            let s = std::str::from_utf8(f).map_err(|_| {
                Diagnostic::error(
                    "roster-encoding",
                    "this field is not valid UTF-8",
                    Location::Cell {
                        file: file.to_owned(),
                        sheet: None,
                        cell: format!("{}{row}", column_name(c)),
                    },
                )
                .with_hint("save the roster as \"CSV UTF-8\" (Excel) or with UTF-8 encoding")
            })?;
            fields.push(s.trim().to_owned());
        }
        Ok((row, fields))
    })
}

/// Excel saves CSV with `;` in many European locales, and some tools use tabs: the separator
/// that occurs most often in the first line wins (`,` on a tie).
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    // Pieces between separators: one more than the separators, which does not change the winner.
    let count = |d: u8| first.split(|b| *b == d).count();
    [b';', b'\t'].into_iter().fold(
        b',',
        |best, d| if count(d) > count(best) { d } else { best },
    )
}

fn sheet_roster(
    path: &Path,
    file: &str,
    ladder: &Ladder,
    flag: &str,
) -> Result<Roster, Vec<Diagnostic>> {
    use calamine::{Data, Reader, open_workbook_auto};
    let fail = |e: String| {
        vec![
            Diagnostic::error(
                "roster-unreadable",
                format!("cannot read the roster workbook: {e}"),
                Location::File {
                    file: file.to_owned(),
                },
            )
            .with_hint(format!(
                "check the path given to {flag}; the roster is read from the first sheet"
            )),
        ]
    };
    let mut wb = open_workbook_auto(path).map_err(|e| fail(e.to_string()))?;
    let Some(sheet) = wb.sheet_names().first().cloned() else {
        return Err(fail("it has no sheets".into()));
    };
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| fail(e.to_string()))?;
    // The range may start below row 1: keep row numbers as the application shows them.
    let (start_row, _) = range.start().unwrap_or((0, 0));
    let records = range.rows().enumerate().map(|(i, r)| {
        let cells = r
            .iter()
            .map(|d| match d {
                Data::Empty => String::new(),
                // Ids typed as numbers come back as floats: `1001.0` means `1001`.
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                    format!("{}", *f as i64)
                }
                other => other.to_string().trim().to_owned(),
            })
            .collect();
        Ok((start_row as usize + i + 1, cells))
    });
    check(file, Some(sheet.clone()), records, ladder)
}

/// Checks the records of a roster as they come: the header first (blank rows before it are
/// tolerated), then every review. All problems are reported at once; a file that cannot be
/// read is reported alone.
fn check(
    file: &str,
    sheet: Option<String>,
    mut records: impl Iterator<Item = Record>,
    ladder: &Ladder,
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
                "put a header row (employee id, name, current level, reviewer) and one row per review",
            ),
        ]);
    };
    let t = Table {
        file,
        sheet,
        header_row,
        header,
    };
    let (cols, mut errors, warnings) = columns(&t);
    if !errors.is_empty() {
        // The rest is not checked, but a file that cannot be read is still reported alone.
        for rec in records {
            rec.map_err(|d| vec![d])?;
        }
        errors.extend(warnings);
        return Err(errors);
    }
    let mut rows = Rows::new(&t, cols, ladder);
    for rec in records {
        let (row, cells) = rec.map_err(|d| vec![d])?;
        if !cells.iter().all(String::is_empty) {
            rows.check(row, &cells);
        }
    }
    rows.finish(warnings)
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

/// Which column holds each field, from the header: with the errors (a field twice, a required
/// one missing) and warnings (columns not used).
fn columns(t: &Table<'_>) -> (HashMap<Field, usize>, Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut cols: HashMap<Field, usize> = HashMap::new();
    for (c, h) in t.header.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        let n = norm_header(h);
        match Field::ALL
            .iter()
            .find(|f| f.aliases().contains(&n.as_str()))
        {
            Some(f) => {
                if let Some(prev) = cols.get(f) {
                    errors.push(
                        Diagnostic::error(
                            "roster-duplicate-column",
                            format!(
                                "two columns mean `{}`: `{}` and `{h}`",
                                f.label(),
                                t.header_at(*prev)
                            ),
                            t.loc(t.header_row, Some(c)),
                        )
                        .with_hint("keep one of them or rename the other"),
                    );
                } else {
                    cols.insert(*f, c);
                }
            }
            None => warnings.push(
                Diagnostic::warning(
                    "roster-unused-column",
                    format!("column `{h}` is not used"),
                    t.loc(t.header_row, Some(c)),
                )
                .with_hint(format!("known columns: {}", known_columns())),
            ),
        }
    }
    for f in Field::ALL.iter().filter(|f| f.required()) {
        if !cols.contains_key(f) {
            errors.push(missing_column(t, *f));
        }
    }
    (cols, errors, warnings)
}

fn missing_column(t: &Table<'_>, f: Field) -> Diagnostic {
    let found: Vec<&str> = t
        .header
        .iter()
        .filter(|h| !h.is_empty())
        .map(String::as_str)
        .collect();
    Diagnostic::error(
        "roster-missing-column",
        format!("the roster has no `{}` column", f.label()),
        t.loc(t.header_row, None),
    )
    .with_hint(format!(
        "add a column headed `{}` (also accepted: {}); the header row has: {}",
        f.label(),
        f.aliases()[1..].join(", "),
        if found.is_empty() {
            "nothing".to_owned()
        } else {
            found.join(", ")
        }
    ))
}

/// The rows of a roster, checked one at a time; only the reviews that pass are kept.
struct Rows<'t> {
    t: &'t Table<'t>,
    cols: HashMap<Field, usize>,
    codes: Vec<&'t str>,
    strings: Strings,
    entries: Vec<Entry>,
    errors: Vec<Diagnostic>,
    /// More distinct texts than a symbol can number.
    too_many: bool,
    /// employee id → (row, name, level) of its first row.
    people: HashMap<Sym, (usize, Sym, Sym)>,
    /// Reviewer names case-folded: needed only to find a reviewer listed twice.
    folded: Strings,
    /// (employee id, folded reviewer) → first row.
    seen: HashMap<(Sym, Sym), usize>,
}

/// A field's column and value in one row.
struct Got<'r> {
    col: Option<usize>,
    value: &'r str,
}

impl<'t> Rows<'t> {
    fn new(t: &'t Table<'t>, cols: HashMap<Field, usize>, ladder: &'t Ladder) -> Self {
        Self {
            t,
            cols,
            codes: ladder.levels.iter().map(|l| l.code.as_str()).collect(),
            strings: Strings::new(),
            entries: Vec::new(),
            errors: Vec::new(),
            too_many: false,
            people: HashMap::new(),
            folded: Strings::new(),
            seen: HashMap::new(),
        }
    }

    fn sym(&mut self, s: &str) -> Sym {
        self.strings.intern(s).unwrap_or_else(|| {
            self.too_many = true;
            Strings::EMPTY
        })
    }

    fn get<'r>(&self, r: &'r [String], f: Field) -> Got<'r> {
        self.cols.get(&f).map_or(
            Got {
                col: None,
                value: "",
            },
            |&c| Got {
                col: Some(c),
                value: r.get(c).map_or("", String::as_str),
            },
        )
    }

    /// A required field's value; empty is an error.
    fn required<'r>(&mut self, row: usize, r: &'r [String], f: Field, ok: &mut bool) -> &'r str {
        let got = self.get(r, f);
        if got.value.is_empty() {
            *ok = false;
            self.errors.push(
                Diagnostic::error(
                    "roster-empty-field",
                    format!("`{}` is empty", f.label()),
                    self.t.loc(row, got.col),
                )
                .with_hint(format!("fill in the {} or delete the row", f.label())),
            );
        }
        got.value
    }

    /// Checks one row and keeps its review if it passes.
    fn check(&mut self, row: usize, r: &[String]) {
        let mut ok = true;
        let employee_id = self.required(row, r, Field::EmployeeId, &mut ok);
        let name = self.required(row, r, Field::Name, &mut ok);
        let level = self.required(row, r, Field::Level, &mut ok);
        let reviewer = self.required(row, r, Field::Reviewer, &mut ok);
        let level = self.level(row, r, level, &mut ok);
        let role = self.role(row, r, (employee_id, name, reviewer), &mut ok);
        let id_sym = self.sym(employee_id);
        let name_sym = self.sym(name);
        let level_sym = self.sym(level);
        if !employee_id.is_empty() {
            self.same_person(row, r, (id_sym, name_sym, level_sym), &mut ok);
            if !reviewer.is_empty() {
                self.once_per_reviewer(row, id_sym, (employee_id, reviewer), &mut ok);
            }
        }
        if ok {
            let entry = Entry {
                row: u32::try_from(row).unwrap_or(u32::MAX),
                employee_id: id_sym,
                name: name_sym,
                level: level_sym,
                reviewer: self.sym(reviewer),
                email: self.sym(self.get(r, Field::Email).value),
                team: self.sym(self.get(r, Field::Team).value),
                role,
            };
            self.entries.push(entry);
        }
    }

    /// The level code as the ladder writes it (matched ignoring case).
    fn level<'a>(&mut self, row: usize, r: &[String], level: &'a str, ok: &mut bool) -> &'a str
    where
        't: 'a,
    {
        if level.is_empty() {
            return level;
        }
        if let Some(&code) = self.codes.iter().find(|c| c.eq_ignore_ascii_case(level)) {
            return code;
        }
        *ok = false;
        self.errors.push(
            Diagnostic::error(
                "roster-unknown-level",
                format!("`{level}` is not a level of the ladder"),
                self.t.loc(row, self.get(r, Field::Level).col),
            )
            .with_hint(format!(
                "use one of the level codes: {}",
                self.codes.join(", ")
            )),
        );
        level
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
        let got = self.get(r, Field::Role);
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
        self.errors.push(
            Diagnostic::error(
                "roster-bad-role",
                format!("`{}` is not a reviewer role", got.value),
                self.t.loc(row, got.col),
            )
            .with_hint("use `self`, `manager` or `peer`, or leave it empty"),
        );
        ReviewerRole::Manager
    }

    /// One employee id has one name and one level on every row.
    fn same_person(
        &mut self,
        row: usize,
        r: &[String],
        (id, name, level): (Sym, Sym, Sym),
        ok: &mut bool,
    ) {
        let Some(&(first, first_name, first_level)) = self.people.get(&id) else {
            self.people.insert(id, (row, name, level));
            return;
        };
        let employee_id = self.strings.get(id);
        let (name, level) = (self.strings.get(name), self.strings.get(level));
        let (first_name, first_level) =
            (self.strings.get(first_name), self.strings.get(first_level));
        let mut found = Vec::new();
        if !name.is_empty() && first_name != name {
            found.push(
                Diagnostic::error(
                    "roster-inconsistent-person",
                    format!(
                        "employee `{employee_id}` is called `{name}` here but `{first_name}` in row {first}"
                    ),
                    self.t.loc(row, self.cols.get(&Field::Name).copied()),
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
                    self.t.loc(row, self.get(r, Field::Level).col),
                )
                .with_hint("a person has one current level: make the rows agree"),
            );
        }
        if !found.is_empty() {
            *ok = false;
            self.errors.extend(found);
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
                self.too_many = true;
                Strings::EMPTY
            });
        let key = (id, folded);
        if let Some(first) = self.seen.get(&key) {
            *ok = false;
            self.errors.push(
                Diagnostic::error(
                    "roster-duplicate-review",
                    format!(
                        "`{reviewer}` reviews employee `{employee_id}` twice (also in row {first})"
                    ),
                    self.t.loc(row, self.cols.get(&Field::Reviewer).copied()),
                )
                .with_hint("delete one of the two rows: one reviewer gets one workbook per person"),
            );
        } else {
            self.seen.insert(key, row);
        }
    }

    /// The reviews that passed, or every problem.
    fn finish(mut self, warnings: Vec<Diagnostic>) -> Result<Roster, Vec<Diagnostic>> {
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
        if self.errors.is_empty() && self.entries.is_empty() {
            self.errors.push(
                Diagnostic::error(
                    "roster-empty",
                    "the roster has a header but no reviews",
                    header,
                )
                .with_hint("add one row per review: employee id, name, current level, reviewer"),
            );
        }
        if self.errors.is_empty() {
            Ok(Roster {
                reviews: Reviews {
                    entries: self.entries.into_boxed_slice(),
                    strings: self.strings.freeze(),
                },
                warnings,
            })
        } else {
            self.errors.extend(warnings);
            Err(self.errors)
        }
    }
}

fn known_columns() -> String {
    Field::ALL
        .iter()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder() -> Ladder {
        crate::ladder::load(None, "--ladder")
            .expect("bundled ladder")
            .ladder
    }

    fn position(d: &Diagnostic) -> String {
        d.location
            .as_deref()
            .map(crate::cli::report::position)
            .unwrap_or_default()
    }

    fn codes(r: &Result<Roster, Vec<Diagnostic>>) -> Vec<&'static str> {
        match r {
            Ok(_) => vec![],
            Err(d) => d.iter().map(|d| d.code).collect(),
        }
    }

    #[test]
    fn forgiving_headers_and_default_roles() {
        let csv = "\u{feff}Employee_ID, Full Name ,LEVEL,Reviewed-By,Team\r\n\
                   e1,Ada,l2,Ada,Ops\r\ne1,Ada,L2,Bob,\r\n";
        let r = read_csv("r.csv", csv.as_bytes(), &ladder()).expect("valid");
        let reviews: Vec<Review<'_>> = r.reviews.iter().collect();
        assert_eq!(reviews.len(), 2);
        assert_eq!(reviews[0].role, ReviewerRole::SelfReview);
        assert_eq!(reviews[0].current_level, "L2");
        assert_eq!(reviews[1].role, ReviewerRole::Manager);
        assert_eq!(reviews[0].team, Some("Ops"));
        assert_eq!(reviews[1].team, None);
        assert_eq!(reviews[0].email, None);
        assert_eq!(reviews[1].row, 3);
        assert_eq!(r.reviews.get(1), Some(reviews[1]));
        assert_eq!(r.reviews.get(2), None);
    }

    #[test]
    fn semicolons_and_tabs_separate_too() {
        for csv in [
            "id;name;level;reviewer\nE1;Ada, Jr.;L1;Bob\n",
            "id\tname\tlevel\treviewer\nE1\tAda, Jr.\tL1\tBob\n",
        ] {
            let r = read_csv("r.csv", csv.as_bytes(), &ladder()).expect("valid");
            assert_eq!(r.reviews.get(0).map(|r| r.name), Some("Ada, Jr."));
        }
    }

    #[test]
    fn every_problem_at_once() {
        let csv = "id,name,level,reviewer,role\n\
                   e1,Ada,L9,Bob,manager\n\
                   e2,,L1,Bob,boss\n\
                   e3,Cy,L1,Dee,peer\n\
                   e3,Cy,L1,dee,peer\n\
                   e3,Cyrus,L2,Eve,peer\n";
        let r = read_csv("r.csv", csv.as_bytes(), &ladder());
        assert_eq!(
            codes(&r),
            [
                "roster-unknown-level",
                "roster-empty-field",
                "roster-bad-role",
                "roster-duplicate-review",
                "roster-inconsistent-person",
                "roster-inconsistent-person"
            ]
        );
        let d = r.expect_err("invalid");
        assert_eq!(position(&d[0]), "r.csv: C2 (column `level`)");
        assert_eq!(position(&d[3]), "r.csv: D5 (column `reviewer`)");
    }

    #[test]
    fn a_file_that_cannot_be_read_is_reported_alone() {
        // Rows are checked as they are read; problems found before the unreadable row are
        // dropped, as the unreadable file is what needs fixing first.
        let csv = b"id,name,level,reviewer\ne1,Ada,L9,Bob\ne2,\xff,L1,Bob\n";
        let r = read_csv("r.csv", csv, &ladder());
        assert_eq!(codes(&r), ["roster-encoding"]);
        let csv = b"id,name,level\ne1,Ada,L9\ne2,\xff,L1\n";
        assert_eq!(
            codes(&read_csv("r.csv", csv, &ladder())),
            ["roster-encoding"]
        );
        assert_eq!(
            codes(&read_csv("r.csv", b"\n,,\n", &ladder())),
            ["roster-empty"]
        );
    }

    #[test]
    fn missing_columns_are_named() {
        let r = read_csv("r.csv", b"id,name\n1,A\n", &ladder());
        assert_eq!(
            codes(&r),
            ["roster-missing-column", "roster-missing-column"]
        );
        let d = r.expect_err("invalid");
        assert!(d[0].message.contains("current level"), "{:?}", d[0]);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(702), "AAA");
        assert_eq!(column_name(usize::MAX), column_name(65_534));
    }
}
