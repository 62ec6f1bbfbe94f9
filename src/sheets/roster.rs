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

use crate::diag::{Diagnostic, Location};
use crate::model::Ladder;
use crate::sheets::contract::ReviewerRole;
use crate::sheets::strings::{Frozen, Strings, Sym};

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

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
pub fn col_letters(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
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
            Some(c) => format!("{}{row} (column `{}`)", col_letters(c), self.header_at(c)),
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
type Record = Result<(usize, Vec<String>), Box<Diagnostic>>;

/// Reads and checks a roster file against the ladder. Rows are checked as they are read:
/// only the reviews that passed are kept, not the file's table.
pub fn read(path: &Path, ladder: &Ladder) -> Result<Roster, Vec<Diagnostic>> {
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
                    .with_hint("check the path given to --roster"),
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
        "xlsx" | "xlsm" | "xls" | "ods" => sheet_roster(path, &file, ladder),
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
pub fn read_csv(file: &str, bytes: &[u8], ladder: &Ladder) -> Result<Roster, Vec<Diagnostic>> {
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
                        cell: format!("{}{row}", col_letters(c)),
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

fn sheet_roster(path: &Path, file: &str, ladder: &Ladder) -> Result<Roster, Vec<Diagnostic>> {
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
            .with_hint("check the path given to --roster; the roster is read from the first sheet"),
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
    let mut header = None;
    for rec in records.by_ref() {
        let (row, cells) = rec.map_err(|d| vec![*d])?;
        if !cells.iter().all(String::is_empty) {
            header = Some((row, cells));
            break;
        }
    }
    let Some((header_row, header)) = header else {
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
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let header_row = t.header_row;

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
                            t.loc(header_row, Some(c)),
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
                    t.loc(header_row, Some(c)),
                )
                .with_hint(format!("known columns: {}", known_columns())),
            ),
        }
    }
    for f in Field::ALL.iter().filter(|f| f.required()) {
        if !cols.contains_key(f) {
            let found: Vec<&str> = t
                .header
                .iter()
                .filter(|h| !h.is_empty())
                .map(String::as_str)
                .collect();
            errors.push(
                Diagnostic::error(
                    "roster-missing-column",
                    format!("the roster has no `{}` column", f.label()),
                    t.loc(header_row, None),
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
                )),
            );
        }
    }
    if !errors.is_empty() {
        // The rest is not checked, but a file that cannot be read is still reported alone.
        for rec in records {
            rec.map_err(|d| vec![*d])?;
        }
        errors.extend(warnings);
        return Err(errors);
    }

    let codes: Vec<&str> = ladder.levels.iter().map(|l| l.code.as_str()).collect();
    let mut strings = Strings::new();
    let mut entries = Vec::new();
    let mut too_many = false;
    let mut sym = |strings: &mut Strings, s: &str| {
        strings.intern(s).unwrap_or_else(|| {
            too_many = true;
            Strings::EMPTY
        })
    };
    // employee id → (row, name, level) of its first row.
    let mut people: HashMap<Sym, (usize, Sym, Sym)> = HashMap::new();
    // (employee id, reviewer folded) → first row; the folded names are needed only here.
    let mut folded = Strings::new();
    let mut seen: HashMap<(Sym, Sym), usize> = HashMap::new();
    for rec in records {
        let (row, r) = rec.map_err(|d| vec![*d])?;
        if r.iter().all(String::is_empty) {
            continue;
        }
        let get = |f: Field| -> (Option<usize>, &str) {
            cols.get(&f).map_or((None, ""), |&c| {
                (Some(c), r.get(c).map_or("", String::as_str))
            })
        };
        let mut row_ok = true;
        let mut required = |f: Field, errors: &mut Vec<Diagnostic>| -> &str {
            let (c, v) = get(f);
            if v.is_empty() {
                row_ok = false;
                errors.push(
                    Diagnostic::error(
                        "roster-empty-field",
                        format!("`{}` is empty", f.label()),
                        t.loc(row, c),
                    )
                    .with_hint(format!("fill in the {} or delete the row", f.label())),
                );
            }
            v
        };
        let employee_id = required(Field::EmployeeId, &mut errors);
        let name = required(Field::Name, &mut errors);
        let level = required(Field::Level, &mut errors);
        let reviewer = required(Field::Reviewer, &mut errors);
        let (level_col, _) = get(Field::Level);
        let matched_level = codes.iter().find(|c| c.eq_ignore_ascii_case(level));
        let level = if level.is_empty() {
            level
        } else if let Some(code) = matched_level {
            code
        } else {
            row_ok = false;
            errors.push(
                Diagnostic::error(
                    "roster-unknown-level",
                    format!("`{level}` is not a level of the ladder"),
                    t.loc(row, level_col),
                )
                .with_hint(format!("use one of the level codes: {}", codes.join(", "))),
            );
            level
        };
        let (role_col, role_text) = get(Field::Role);
        let role = if role_text.is_empty() {
            if reviewer == name || reviewer == employee_id {
                ReviewerRole::SelfReview
            } else {
                ReviewerRole::Manager
            }
        } else if let Some(role) = ReviewerRole::parse(role_text) {
            role
        } else {
            row_ok = false;
            errors.push(
                Diagnostic::error(
                    "roster-bad-role",
                    format!("`{role_text}` is not a reviewer role"),
                    t.loc(row, role_col),
                )
                .with_hint("use `self`, `manager` or `peer`, or leave it empty"),
            );
            ReviewerRole::Manager
        };
        let id_sym = sym(&mut strings, employee_id);
        let name_sym = sym(&mut strings, name);
        let level_sym = sym(&mut strings, level);
        if !employee_id.is_empty() {
            match people.get(&id_sym) {
                Some(&(first, first_name, first_level)) => {
                    let first_name = strings.get(first_name);
                    let first_level = strings.get(first_level);
                    if !name.is_empty() && first_name != name {
                        row_ok = false;
                        errors.push(
                            Diagnostic::error(
                                "roster-inconsistent-person",
                                format!(
                                    "employee `{employee_id}` is called `{name}` here but `{first_name}` in row {first}"
                                ),
                                t.loc(row, cols.get(&Field::Name).copied()),
                            )
                            .with_hint("use the same name on every row of one employee id, or fix the id"),
                        );
                    }
                    if !level.is_empty() && first_level != level {
                        row_ok = false;
                        errors.push(
                            Diagnostic::error(
                                "roster-inconsistent-person",
                                format!(
                                    "employee `{employee_id}` is at level `{level}` here but `{first_level}` in row {first}"
                                ),
                                t.loc(row, level_col),
                            )
                            .with_hint("a person has one current level: make the rows agree"),
                        );
                    }
                }
                None => {
                    people.insert(id_sym, (row, name_sym, level_sym));
                }
            }
            if !reviewer.is_empty() {
                let key = (id_sym, sym(&mut folded, &reviewer.to_lowercase()));
                if let Some(first) = seen.get(&key) {
                    row_ok = false;
                    errors.push(
                        Diagnostic::error(
                            "roster-duplicate-review",
                            format!(
                                "`{reviewer}` reviews employee `{employee_id}` twice (also in row {first})"
                            ),
                            t.loc(row, cols.get(&Field::Reviewer).copied()),
                        )
                        .with_hint("delete one of the two rows: one reviewer gets one workbook per person"),
                    );
                } else {
                    seen.insert(key, row);
                }
            }
        }
        if row_ok {
            entries.push(Entry {
                row: u32::try_from(row).unwrap_or(u32::MAX),
                employee_id: id_sym,
                name: name_sym,
                level: level_sym,
                reviewer: sym(&mut strings, reviewer),
                email: sym(&mut strings, get(Field::Email).1),
                team: sym(&mut strings, get(Field::Team).1),
                role,
            });
        }
    }
    if too_many {
        errors.push(
            Diagnostic::error(
                "roster-too-large",
                "the roster has more different names and ids than rungs can hold",
                t.loc(header_row, None),
            )
            .with_hint("split the roster into several files and run rungs sheets on each"),
        );
    }
    if errors.is_empty() && entries.is_empty() {
        errors.push(
            Diagnostic::error(
                "roster-empty",
                "the roster has a header but no reviews",
                t.loc(header_row, None),
            )
            .with_hint("add one row per review: employee id, name, current level, reviewer"),
        );
    }
    if errors.is_empty() {
        Ok(Roster {
            reviews: Reviews {
                entries: entries.into_boxed_slice(),
                strings: strings.freeze(),
            },
            warnings,
        })
    } else {
        errors.extend(warnings);
        Err(errors)
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
        crate::ladder::load(None).expect("bundled ladder").ladder
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
        assert_eq!(d[0].position(), "r.csv: C2 (column `level`)");
        assert_eq!(d[3].position(), "r.csv: D5 (column `reviewer`)");
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
        assert!(d[0].message.contains("current level"), "{}", d[0]);
    }

    #[test]
    fn column_letters() {
        assert_eq!(col_letters(0), "A");
        assert_eq!(col_letters(25), "Z");
        assert_eq!(col_letters(26), "AA");
        assert_eq!(col_letters(701), "ZZ");
        assert_eq!(col_letters(702), "AAA");
    }
}
