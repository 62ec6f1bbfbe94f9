//! Reads one returned review workbook: identifies it by its provenance copies, finds each
//! competency row by its hidden id, and reads the ratings as values only. Every problem is
//! reported at once, located at its sheet and cell, with the value found and how to fix it.
//! The bytes must have passed [`super::precheck`] first.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx, XlsxError, XlsxFormulaMetadata};
use rust_xlsxwriter::row_col_to_cell;
use sha2::{Digest, Sha256};

use super::rating::{self, Parsed};
use super::{
    self as c, LockedRow, Manifest, ManifestEntry, Provenance, ReviewerRole, form_id,
    locked_text_hash,
};
use crate::diag::{Diagnostic, Flags, Location};
use crate::model::Ladder;
use crate::util::text::{canonical, one_line};
use crate::util::to_u32;

/// What a valid returned workbook holds.
#[derive(Debug, Clone)]
pub struct Returned {
    /// Path as the user gave it (display form).
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
    pub prov: Provenance,
    /// One answer per competency of the ladder, in ladder order.
    pub answers: Vec<Answer>,
    /// The evidence texts (canonical) as read, one per answer. Apart from the answers, so that
    /// a caller that keeps the answers can move the texts elsewhere.
    pub evidence: Vec<String>,
    /// Problems that do not invalidate the review.
    pub warnings: Vec<Diagnostic>,
}

/// The reviewer's answer for one competency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Index of the competency in ladder order ([`Ladder::competencies`]): an index rather than
    /// its id, so that 10,000 reviews do not hold 100,000 copies of a handful of ids.
    pub competency: u32,
    /// Row (0-based) the rating was read from; the column is the contract's rating column.
    pub row: u32,
    pub rating: Rating,
    /// Digest of the evidence text, to compare returns without it.
    pub evidence_digest: [u8; 16],
}

/// A rating as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// Nothing picked: the review is incomplete for this competency.
    Blank,
    /// The scale's "not observed" choice.
    NotObserved,
    /// Index into `ladder.rating.options` (`u32`: half the size of an answer's rating).
    Option(u32),
}

impl Answer {
    /// The rating cell, e.g. `D14`.
    pub fn cell(&self) -> String {
        cell_ref(self.row, u32::from(c::COL_RATING))
    }

    /// The same rating and evidence for the same competency, wherever the row is.
    pub fn same(&self, other: &Self) -> bool {
        self.competency == other.competency
            && self.rating == other.rating
            && self.evidence_digest == other.evidence_digest
    }
}

impl Returned {
    /// Whether two returns hold the same answers (cells may have moved).
    pub fn same_answers(&self, other: &Self) -> bool {
        self.answers.len() == other.answers.len()
            && self
                .answers
                .iter()
                .zip(&other.answers)
                .all(|(a, b)| a.same(b))
    }
}

/// The first 16 bytes of a text's SHA-256: enough to tell two returns' evidence apart.
pub fn digest(text: &str) -> [u8; 16] {
    let full: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    let mut out = [0; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// What the reader checks each workbook against.
#[derive(Debug)]
pub struct Context<'a> {
    pub ladder: &'a Ladder,
    /// The locked rows `rungs sheets` writes for this ladder, in ladder order.
    pub expected: Vec<LockedRow>,
    pub manifest: Option<&'a Manifest>,
    /// The manifest's entries by form id (the first of each), looked up once per file.
    entries: HashMap<&'a str, &'a ManifestEntry>,
    pub cycle: Option<&'a str>,
    flags: &'a Flags,
}

impl<'a> Context<'a> {
    pub fn new(
        ladder: &'a Ladder,
        manifest: Option<&'a Manifest>,
        cycle: Option<&'a str>,
        flags: &'a Flags,
    ) -> Self {
        let expected = ladder
            .competencies_by_area()
            .map(|(area, comp)| LockedRow::of(area, comp))
            .collect();
        let mut entries = HashMap::new();
        for e in manifest.map_or(&[][..], |m| m.reviews.as_slice()) {
            entries.entry(e.provenance.form_id.as_str()).or_insert(e);
        }
        Self {
            ladder,
            expected,
            manifest,
            entries,
            cycle,
            flags,
        }
    }

    /// The manifest's entry of a form id (the first, should it list one twice).
    pub fn entry(&self, form_id: &str) -> Option<&'a ManifestEntry> {
        self.entries.get(form_id).copied()
    }

    /// Last column (0-based) the Review sheet uses.
    fn last_col(&self) -> u32 {
        u32::from(c::level_col(self.ladder.levels.len().saturating_sub(1)))
    }
}

/// Rows a reviewer may insert (notes, blank lines) before the sheet counts as out of shape.
const ROW_SLACK: u32 = 500;
/// Columns beyond the last level column a reviewer may use.
const COL_SLACK: u32 = 26;
/// Cells (with or without a value) read from one sheet before giving up: bounds the time spent.
const MAX_CELLS: usize = 200_000;
/// The last row and column a spreadsheet can have (0-based): `XFD1048576`.
const LAST_ROW: u32 = 1_048_575;
const LAST_COL: u32 = 16_383;

/// One cell's value in a form that outlives the reader.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Empty,
    Text(String),
    Number(f64),
    /// A date or time: Excel's serial number.
    Date(f64),
    Bool(bool),
    Error(String),
}

/// One cell as read: its value, and the formula's text when it holds one.
#[derive(Debug, Clone)]
struct Cell {
    value: Value,
    formula: Option<String>,
}

/// A sheet's cells by (row, column), 0-based.
type Cells = BTreeMap<(u32, u32), Cell>;

impl Value {
    fn from_ref(v: &DataRef<'_>) -> Self {
        match v {
            DataRef::Empty => Self::Empty,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                Self::Text(s.clone())
            }
            DataRef::SharedString(s) => Self::Text((*s).to_owned()),
            DataRef::Int(i) => Self::Number(*i as f64),
            DataRef::Float(f) => Self::Number(*f),
            DataRef::Bool(b) => Self::Bool(*b),
            DataRef::DateTime(d) => Self::Date(d.as_f64()),
            DataRef::Error(e) => Self::Error(e.to_string()),
        }
    }

    /// Text as a person would see it (numbers without a needless `.0`).
    fn display(&self) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Text(s) => s.clone(),
            Self::Number(n) | Self::Date(n) => rating::format_number(*n),
            Self::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Self::Error(e) => e.clone(),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// `D14` for row 13, column 3 (0-based); cells beyond the last column are named by it.
pub fn cell_ref(row: u32, col: u32) -> String {
    row_col_to_cell(row, col.min(LAST_COL) as u16)
}

/// Collects the diagnostics of one file.
struct Report<'f> {
    file: &'f str,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Report<'_> {
    fn at(&self, sheet: &str, row: u32, col: u32) -> Location {
        Location::Cell {
            file: self.file.to_owned(),
            sheet: Some(sheet.to_owned()),
            cell: cell_ref(row, col),
        }
    }

    fn file_loc(&self) -> Location {
        Location::File {
            file: self.file.to_owned(),
        }
    }

    fn error(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }
}

/// Key/value pairs of one provenance copy.
type Pairs = Vec<(String, String)>;

/// Reads and validates one workbook whose bytes passed the pre-check.
pub fn read(
    file: &str,
    bytes: Vec<u8>,
    sha256: [u8; 32],
    ctx: &Context<'_>,
) -> Result<Returned, Vec<Diagnostic>> {
    let mut rep = Report {
        file,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut xlsx =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| vec![calamine_error(&rep, None, &e)])?;
    let sheet_names = xlsx.sheet_names();
    let hidden = if sheet_names.iter().any(|s| s == c::PROVENANCE_SHEET) {
        match read_sheet(&mut xlsx, c::PROVENANCE_SHEET, 60, 4, &mut rep) {
            Some(cells) => Some(provenance_pairs(&cells)),
            None => return Err(rep.errors),
        }
    } else {
        None
    };
    let props = property_pairs(&mut xlsx, &mut rep);
    let has_copies = hidden.is_some() || props.is_some();
    let review_sheet = review_sheet(&xlsx, &sheet_names, has_copies, &mut rep)?;

    let max_row = c::FIRST_DATA_ROW + to_u32(ctx.expected.len()) + ROW_SLACK;
    let max_col = ctx.last_col() + COL_SLACK;
    let Some(cells) = read_sheet(&mut xlsx, &review_sheet, max_row, max_col, &mut rep) else {
        return Err(rep.errors);
    };
    drop(xlsx);

    let copies = Copies {
        sheet: &review_sheet,
        hidden: hidden.as_deref(),
        props: props.as_deref(),
        visible: visible_header(&cells),
    };
    let Some(prov) = copies.provenance(&mut rep, ctx) else {
        return Err(rep.errors);
    };
    check_identity(&mut rep, ctx, &prov);

    let (answers, evidence) = Rows {
        ctx,
        sheet: &review_sheet,
        cells: &cells,
    }
    .read(&mut rep, &prov);
    if rep.errors.is_empty() {
        Ok(Returned {
            file: file.to_owned(),
            sha256,
            prov,
            answers,
            evidence,
            warnings: rep.warnings,
        })
    } else {
        rep.errors.extend(rep.warnings);
        Err(rep.errors)
    }
}

/// The provenance copy in the custom document properties, if any survived.
fn property_pairs(xlsx: &mut Xlsx<Cursor<Vec<u8>>>, rep: &mut Report<'_>) -> Option<Pairs> {
    match xlsx.workbook_properties() {
        Ok(p) => {
            let pairs: Pairs = c::KEYS
                .iter()
                .filter_map(|k| {
                    p.custom_properties
                        .get(&c::property_name(k))
                        .map(|v| ((*k).to_owned(), v.clone()))
                })
                .collect();
            (!pairs.is_empty()).then_some(pairs)
        }
        Err(e) => {
            rep.warnings.push(
                Diagnostic::warning(
                    "unreadable-properties",
                    format!("the document properties cannot be read ({e}); the other provenance copies are used"),
                    rep.file_loc(),
                )
                .with_hint("nothing to do if the review is otherwise accepted"),
            );
            None
        }
    }
}

/// The name of the sheet the reviewer filled in. A renamed Review sheet is found through the
/// defined name that points at its form id, reported, and still read, so every other problem
/// shows at once.
fn review_sheet(
    xlsx: &Xlsx<Cursor<Vec<u8>>>,
    sheet_names: &[String],
    has_copies: bool,
    rep: &mut Report<'_>,
) -> Result<String, Vec<Diagnostic>> {
    if sheet_names.iter().any(|s| s == c::REVIEW_SHEET) {
        return Ok(c::REVIEW_SHEET.to_owned());
    }
    let hint = format!(
        "rename the reviewer's sheet back to '{}' (right-click its tab › Rename) and import again",
        c::REVIEW_SHEET
    );
    match renamed_review_sheet(xlsx, sheet_names) {
        Some(name) => {
            rep.error(
                Diagnostic::error(
                    "review-sheet-renamed",
                    format!("the sheet '{}' was renamed to '{name}'", c::REVIEW_SHEET),
                    rep.file_loc(),
                )
                .with_hint(hint),
            );
            Ok(name)
        }
        None if has_copies => Err(vec![
            Diagnostic::error(
                "review-sheet-missing",
                format!(
                    "the workbook has no sheet named '{}' (its sheets: {})",
                    c::REVIEW_SHEET,
                    quote_list(sheet_names)
                ),
                rep.file_loc(),
            )
            .with_hint(hint),
        ]),
        None => Err(vec![not_a_review(rep)]),
    }
}

fn not_a_review(rep: &Report<'_>) -> Diagnostic {
    Diagnostic::error(
        "not-a-review",
        "not a rungs review: the workbook carries no review form id in any of its three places (Review header, hidden Provenance sheet, document properties)",
        rep.file_loc(),
    )
    .with_hint("only workbooks written by `rungs sheets` and filled in can be tallied; move other files out of the folder")
}

/// The sheet the `rungs_form_id` defined name points at, if it is not `Review`.
fn renamed_review_sheet(xlsx: &Xlsx<Cursor<Vec<u8>>>, sheets: &[String]) -> Option<String> {
    let wanted = c::defined_name(c::KEY_FORM_ID);
    let (_, target) = xlsx.defined_names().iter().find(|(n, _)| *n == wanted)?;
    let sheet = target.rsplit_once('!')?.0.trim_start_matches('=');
    let sheet = sheet.trim_matches('\'').replace("''", "'");
    sheets.iter().find(|s| **s == sheet).cloned()
}

/// Streams one sheet's cells into a map, rejecting cells outside `max_row`×`max_col` that hold
/// anything, and bounding the number of cells read. `None` when an error was recorded.
fn read_sheet(
    xlsx: &mut Xlsx<Cursor<Vec<u8>>>,
    sheet: &str,
    max_row: u32,
    max_col: u32,
    rep: &mut Report<'_>,
) -> Option<Cells> {
    let mut reader = match xlsx.worksheet_cells_reader(sheet) {
        Ok(r) => r,
        Err(e) => {
            rep.error(calamine_error(rep, Some(sheet), &e));
            return None;
        }
    };
    let errors_before = rep.errors.len();
    let mut cells = BTreeMap::new();
    let mut seen = 0usize;
    let mut outside = 0usize;
    loop {
        let cell = match reader.next_cell_with_formula_metadata() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                rep.error(calamine_error(rep, Some(sheet), &e));
                return None;
            }
        };
        seen += 1;
        if seen > MAX_CELLS {
            rep.error(
                Diagnostic::error(
                    "too-many-cells",
                    format!("the sheet holds more than {MAX_CELLS} cells; a review form has a few hundred"),
                    rep.at(sheet, 0, 0),
                )
                .with_hint("the file was crafted or is not a review; ask for the original workbook"),
            );
            return None;
        }
        let (row, col) = cell.pos;
        let value = Value::from_ref(&cell.value);
        let formula = cell.formula.map(|f| match f {
            XlsxFormulaMetadata::Normal { formula }
            | XlsxFormulaMetadata::Shared { formula, .. } => formula,
            _ => "(shared formula)".to_owned(),
        });
        if value.is_empty() && formula.is_none() {
            continue;
        }
        if row > max_row || col > max_col {
            outside += 1;
            if outside <= 3 {
                rep.error(outside_form(
                    rep,
                    sheet,
                    (row, col),
                    &value,
                    (max_row, max_col),
                ));
            }
            continue;
        }
        cells.insert((row, col), Cell { value, formula });
    }
    if outside > 3 {
        let d = Diagnostic::error(
            "cell-outside-form",
            format!("{} more cells lie outside the review form", outside - 3),
            rep.at(sheet, max_row, max_col),
        );
        rep.error(d);
    }
    (rep.errors.len() == errors_before).then_some(cells)
}

fn outside_form(
    rep: &Report<'_>,
    sheet: &str,
    (row, col): (u32, u32),
    value: &Value,
    (max_row, max_col): (u32, u32),
) -> Diagnostic {
    Diagnostic::error(
        "cell-outside-form",
        format!(
            "the cell {} holds '{}' but lies outside the review form (it ends at {})",
            cell_ref(row, col),
            one_line(&value.display(), 60),
            cell_ref(max_row, max_col)
        ),
        rep.at(sheet, row.min(LAST_ROW), col.min(LAST_COL)),
    )
    .with_hint(
        "delete that cell's content, or ask for the original workbook if you did not put it there",
    )
}

fn provenance_pairs(cells: &Cells) -> Pairs {
    let mut pairs = Vec::new();
    for ((row, col), key) in cells {
        if *col != 0 || *row < c::PROVENANCE_FIRST_ROW {
            continue;
        }
        let value = cells
            .get(&(*row, 1))
            .map(|v| v.value.display())
            .unwrap_or_default();
        pairs.push((key.value.display().trim().to_owned(), value));
    }
    pairs
}

/// The visible header's fields that hold a value: (key, value, row).
fn visible_header(cells: &Cells) -> Vec<(String, String, u32)> {
    c::HEADER_FIELDS
        .iter()
        .filter_map(|(k, _)| {
            let row = c::header_row(k)?;
            let v = cells.get(&(row, u32::from(c::HEADER_VALUE_COL)))?;
            Some(((*k).to_owned(), v.value.display().trim().to_owned(), row))
        })
        .filter(|(_, v, _)| !v.is_empty())
        .collect()
}

/// The provenance copies that survived in one workbook.
struct Copies<'a> {
    /// The Review sheet's name.
    sheet: &'a str,
    hidden: Option<&'a [(String, String)]>,
    props: Option<&'a [(String, String)]>,
    /// The visible header: (key, value, row).
    visible: Vec<(String, String, u32)>,
}

impl Copies<'_> {
    /// Builds the provenance from whichever copies survive and checks that they agree.
    fn provenance(&self, rep: &mut Report<'_>, ctx: &Context<'_>) -> Option<Provenance> {
        if !self.agree(rep) {
            return None;
        }
        // A full copy: the hidden sheet, else the properties.
        let full = [self.hidden, self.props]
            .into_iter()
            .flatten()
            .map(|pairs| {
                Provenance::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            })
            .find_map(Result::ok);
        if let Some(p) = full {
            return Some(p);
        }
        if let Some(p) = self.from_header(rep, ctx) {
            return Some(p);
        }
        if self.hidden.is_none() && self.props.is_none() && self.visible.is_empty() {
            rep.error(not_a_review(rep));
            return None;
        }
        let problem = [self.hidden, self.props]
            .into_iter()
            .flatten()
            .map(|pairs| {
                Provenance::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            })
            .find_map(Result::err)
            .unwrap_or_else(|| Provenance::missing(c::KEY_FORM_ID));
        rep.error(
            Diagnostic::error(
                "provenance-incomplete",
                format!("cannot tell whose review this is: {}", problem.message),
                rep.file_loc(),
            )
            .with_hint(format!("the hidden provenance was damaged; pass {} (the manifest.json written by `rungs sheets`) or ask for the original workbook", ctx.flags.manifest)),
        );
        None
    }

    /// Whether every copy agrees, key by key; each disagreement is reported at its cell.
    fn agree(&self, rep: &mut Report<'_>) -> bool {
        // The row of a key's first pair; its value from the last, should a key repeat.
        fn lookup<'p>(
            pairs: Option<&'p [(String, String)]>,
            key: &str,
        ) -> Option<(usize, &'p str)> {
            let pairs = pairs.unwrap_or_default();
            let first = pairs.iter().position(|(k, _)| k == key)?;
            let last = pairs.iter().rposition(|(k, _)| k == key)?;
            Some((first, pairs[last].1.trim()))
        }
        let mut agree = true;
        for key in c::KEYS {
            let mut seen: Vec<(String, String, Location)> = Vec::new();
            if let Some((i, v)) = lookup(self.hidden, key).filter(|(_, v)| !v.is_empty()) {
                seen.push((
                    format!("the hidden '{}' sheet", c::PROVENANCE_SHEET),
                    normalise_number(key, v),
                    rep.at(c::PROVENANCE_SHEET, c::PROVENANCE_FIRST_ROW + to_u32(i), 1),
                ));
            }
            if let Some((_, v)) = lookup(self.props, key).filter(|(_, v)| !v.is_empty()) {
                seen.push((
                    format!("the document property '{}'", c::property_name(key)),
                    normalise_number(key, v),
                    rep.file_loc(),
                ));
            }
            if let Some((_, v, row)) = self.visible.iter().find(|(k, _, _)| k == key) {
                seen.push((
                    "the visible header".to_owned(),
                    v.clone(),
                    rep.at(self.sheet, *row, u32::from(c::HEADER_VALUE_COL)),
                ));
            }
            let Some((first_where, first, _)) = seen.first() else {
                continue;
            };
            for (place, v, loc) in &seen[1..] {
                if v != first {
                    agree = false;
                    rep.error(
                        Diagnostic::error(
                            "provenance-mismatch",
                            format!(
                                "the {} is '{v}' in {place} but '{first}' in {first_where}: the copies that identify this review disagree",
                                field_name(key)
                            ),
                            loc.clone(),
                        )
                        .with_hint("the header was edited, or cells were pasted from another review; restore the original value or ask the reviewer to fill in their own workbook"),
                    );
                }
            }
        }
        agree
    }

    /// Only the visible header survived (some applications drop hidden sheets and custom
    /// properties): the form id is a hash of cycle, employee and reviewer, so it proves itself;
    /// the manifest, when given, supplies the rest.
    fn from_header(&self, rep: &mut Report<'_>, ctx: &Context<'_>) -> Option<Provenance> {
        let get = |k: &str| {
            self.visible
                .iter()
                .find(|(key, _, _)| key == k)
                .map(|(_, v, _)| v.clone())
        };
        let id = get(c::KEY_FORM_ID)?;
        if let Some(entry) = ctx.entry(&id) {
            rep.warnings.push(
                Diagnostic::warning(
                    "provenance-from-manifest",
                    "the hidden provenance copies are gone (an application dropped them); the review was identified by its visible form id and the manifest",
                    rep.file_loc(),
                )
                .with_hint("nothing to do"),
            );
            return Some(entry.provenance.clone());
        }
        let (cycle, emp, reviewer) = (
            get(c::KEY_CYCLE).unwrap_or_default(),
            get(c::KEY_EMPLOYEE_ID).unwrap_or_default(),
            get(c::KEY_REVIEWER).unwrap_or_default(),
        );
        if form_id(&cycle, &emp, &reviewer) != id {
            return None;
        }
        let reviewer_role = get(c::KEY_REVIEWER_ROLE).and_then(|r| ReviewerRole::parse(&r))?;
        rep.warnings.push(
            Diagnostic::warning(
                "provenance-from-header",
                "the hidden provenance copies are gone (an application dropped them); the review was identified by its visible header and checked against the ladder",
                rep.file_loc(),
            )
            .with_hint(format!("pass {} to check it against what was sent", ctx.flags.manifest)),
        );
        Some(Provenance {
            form_id: id,
            schema_version: c::SCHEMA_VERSION,
            ladder_id: ctx.ladder.meta.id.clone(),
            ladder_fingerprint: ctx.ladder.meta.fingerprint.clone(),
            ladder_version: ctx.ladder.meta.version.clone(),
            employee_id: emp,
            person_name: get(c::KEY_PERSON_NAME).unwrap_or_default(),
            current_level: get(c::KEY_CURRENT_LEVEL).unwrap_or_default(),
            reviewer,
            reviewer_role,
            cycle,
            due_date: get(c::KEY_DUE_DATE),
        })
    }
}

/// A provenance key as people read it: the header's label (`Person`), else the key.
fn field_name(key: &str) -> String {
    c::HEADER_FIELDS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| key.replace('_', " "), |(_, label)| label.to_lowercase())
}

/// `LibreOffice` rewrites a numeric property as a float: `1` comes back as `1.0`.
fn normalise_number(key: &str, v: &str) -> String {
    if key == c::KEY_SCHEMA_VERSION
        && let Ok(f) = v.parse::<f64>()
    {
        return rating::format_number(f);
    }
    v.to_owned()
}

/// Schema version, ladder, cycle, level: is this review one this tally can count?
fn check_identity(rep: &mut Report<'_>, ctx: &Context<'_>, prov: &Provenance) {
    let meta = &ctx.ladder.meta;
    let flags = ctx.flags;
    if prov.schema_version != c::SCHEMA_VERSION {
        rep.error(
            Diagnostic::error(
                "schema-version",
                format!(
                    "the review form has layout version {}, but this rungs reads version {}",
                    prov.schema_version,
                    c::SCHEMA_VERSION
                ),
                rep.file_loc(),
            )
            .with_hint("tally it with the rungs version that wrote the sheets"),
        );
    }
    if prov.ladder_fingerprint != meta.fingerprint {
        rep.error(
            Diagnostic::error(
                "other-ladder",
                format!(
                    "the review was made from another ladder ('{}' version {}, fingerprint {}), not the one loaded ('{}' version {}, fingerprint {})",
                    prov.ladder_id, prov.ladder_version, prov.ladder_fingerprint, meta.id, meta.version, meta.fingerprint
                ),
                rep.file_loc(),
            )
            .with_hint(format!("pass {} the ladder the sheets were made from, or tally this cycle's reviews separately", flags.ladder)),
        );
    }
    if let Some(cycle) = ctx.cycle
        && prov.cycle != cycle
    {
        rep.error(
            Diagnostic::error(
                "other-cycle",
                format!(
                    "the review belongs to the cycle '{}', not '{cycle}'",
                    prov.cycle
                ),
                rep.file_loc(),
            )
            .with_hint(format!(
                "move it out of the folder, or drop {}",
                flags.cycle
            )),
        );
    }
    if ctx.ladder.level(&prov.current_level).is_none() {
        rep.error(
            Diagnostic::error(
                "unknown-level",
                format!(
                    "the person's current level '{}' is not a level of the ladder ({})",
                    prov.current_level,
                    ctx.ladder.levels.iter().map(|l| l.code.as_str()).collect::<Vec<_>>().join(", ")
                ),
                rep.file_loc(),
            )
            .with_hint(format!("the sheet was made from another ladder: pass {} the ladder the sheets were made from", flags.ladder)),
        );
    }
    if ctx.manifest.is_some() {
        check_sent(rep, ctx, prov);
    }
}

/// With a manifest: the review must be listed, with the same provenance.
fn check_sent(rep: &mut Report<'_>, ctx: &Context<'_>, prov: &Provenance) {
    match ctx.entry(&prov.form_id) {
        None => rep.error(
            Diagnostic::error(
                "not-in-manifest",
                format!(
                    "the review {} ({} reviewed by {}) is not in the manifest",
                    prov.form_id, prov.person_name, prov.reviewer
                ),
                rep.file_loc(),
            )
            .with_hint("pass the manifest.json written with these sheets, or move this file out"),
        ),
        Some(e) if e.provenance != *prov => rep.error(
            Diagnostic::error(
                "manifest-mismatch",
                format!(
                    "the review {} differs from what the manifest says was sent: {}",
                    prov.form_id,
                    describe_diff(&e.provenance, prov)
                ),
                rep.file_loc(),
            )
            .with_hint("the provenance was edited; ask for the original workbook"),
        ),
        Some(_) => {}
    }
}

fn describe_diff(sent: &Provenance, got: &Provenance) -> String {
    sent.to_pairs()
        .into_iter()
        .zip(got.to_pairs())
        .filter(|(a, b)| a.1 != b.1)
        .map(|((k, a), (_, b))| format!("{k} '{b}' (sent '{a}')"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The competency rows of one Review sheet.
struct Rows<'a> {
    ctx: &'a Context<'a>,
    sheet: &'a str,
    cells: &'a Cells,
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
    fn read(&self, rep: &mut Report<'_>, prov: &Provenance) -> (Vec<Answer>, Vec<String>) {
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
        let mut cells = vec![
            (c::COL_AREA, &expected.area, &got.area),
            (c::COL_COMPETENCY, &expected.competency, &got.competency),
        ];
        for (i, want) in expected.levels.iter().enumerate() {
            cells.push((c::level_col(i), want, &got.levels[i]));
        }
        for (col, want, have) in cells {
            if canonical(want) != canonical(have) {
                rep.error(self.edited(rep, row, u32::from(col), have, want));
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

    /// The ratings and evidence, in ladder order. Sized once: kept for every review, a doubled
    /// Vec would waste up to half of it 10,000 times over.
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

fn quote_list(items: &[impl AsRef<str>]) -> String {
    items
        .iter()
        .map(|s| format!("'{}'", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A calamine error with the part it happened in: calamine's own message names no part.
fn calamine_error(rep: &Report<'_>, sheet: Option<&str>, e: &XlsxError) -> Diagnostic {
    let place = sheet.map_or_else(
        || "the workbook's structure".to_owned(),
        |s| format!("the sheet '{s}'"),
    );
    let text = e.to_string();
    let (code, message, hint) = if text.contains("nrecognized entity") || text.contains("ntity") {
        (
            "xml-entities",
            format!(
                "{place} uses an XML entity no spreadsheet application writes ({text}): a crafted file"
            ),
            "do not open it elsewhere either; ask for the original workbook",
        )
    } else if matches!(e, XlsxError::Password) {
        (
            "encrypted",
            "the workbook is password-protected (encrypted), so it cannot be read".to_owned(),
            "ask the reviewer to remove the password and send it again",
        )
    } else {
        (
            "damaged-workbook",
            format!("{place} cannot be read: {text}"),
            "the file is damaged or was not written by a spreadsheet application; ask the reviewer to send the workbook again",
        )
    };
    Diagnostic::error(code, message, rep.file_loc()).with_hint(hint)
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

    #[test]
    fn cell_refs() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(13, 3), "D14");
        assert_eq!(cell_ref(0, 25), "Z1");
        assert_eq!(cell_ref(0, 26), "AA1");
        assert_eq!(cell_ref(LAST_ROW, LAST_COL), "XFD1048576");
    }

    #[test]
    fn digests_tell_texts_apart() {
        assert_eq!(digest("a"), digest("a"));
        assert_ne!(digest("a"), digest("a "));
        assert_ne!(digest(""), digest("a"));
    }
}
