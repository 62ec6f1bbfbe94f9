//! Reads one returned review workbook: its cells ([`cells`]), whose review it is from whichever
//! provenance copies survived ([`copies`]), and each competency row found by its hidden id with
//! the ratings read as values only ([`rows`]). A bundle's review sheets are each read on their
//! own ([`bundle`]): one sheet's problems leave the others valid. Every problem is reported at
//! once, located at its sheet and cell, with the value found and how to fix it. The bytes must
//! have passed [`super::precheck`] first.

mod bundle;
pub(crate) mod cells;
pub(crate) mod copies;
mod rows;

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Reader, Xlsx, XlsxError};
use rust_xlsxwriter::row_col_to_cell;

use cells::{Cells, keep_within, read_sheet};
use copies::{
    Copies, Hidden, REVIEW_COPIES, check_identity, is_bundle_layout, provenance_blocks,
    provenance_pairs, visible_header,
};
use rows::Rows;
use sha2::{Digest, Sha256};

use super::{self as c, LockedRow, Manifest, ManifestEntry, Provenance};
use crate::diag::{Diagnostic, Flags, Location};
use crate::model::Ladder;
use crate::util::to_u32;

/// What a valid returned review holds (a workbook of one review, or one sheet of a bundle).
#[derive(Debug, Clone)]
pub struct Returned {
    /// Path as the user gave it (display form).
    pub file: String,
    /// The review sheet's name, for a review of a bundle.
    pub sheet: Option<String>,
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

/// A review that could not be counted: the file, or one sheet of a bundle, with every problem.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The review sheet, when the problem is one sheet's of a bundle; `None` for the file.
    pub sheet: Option<String>,
    pub problems: Vec<Diagnostic>,
}

/// What one review read from a file turned out to be.
pub type Outcome = Result<Returned, Rejected>;

/// How a review's source is named in lists: the file, and the sheet of a bundle.
pub fn source_name(file: &str, sheet: Option<&str>) -> String {
    match sheet {
        Some(s) => format!("{file} (sheet '{s}')"),
        None => file.to_owned(),
    }
}

impl Returned {
    /// The file, and the sheet of a bundle: `a.xlsx (sheet 'Ann Lee')`.
    pub fn source(&self) -> String {
        source_name(&self.file, self.sheet.as_deref())
    }

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
    /// Per row of `expected`: which titles may differ from the ladder's, because an explicit id
    /// frees them (see [`Renamable`]).
    renamable: Vec<Renamable>,
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
        let renamable = ladder
            .competencies_by_area()
            .map(|(area, comp)| Renamable::of(area, comp))
            .collect();
        let mut entries = HashMap::new();
        for e in manifest.map_or(&[][..], |m| m.reviews.as_slice()) {
            entries.entry(e.provenance.form_id.as_str()).or_insert(e);
        }
        Self {
            ladder,
            expected,
            renamable,
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

/// Which locked titles of a competency's row a workbook may hold in an older wording: those
/// that are not part of the competency's id, so that renaming them since the workbook was sent
/// changes neither the id nor the ladder's fingerprint. Expectation text is never renamable.
#[derive(Debug, Clone, Copy)]
struct Renamable {
    /// The area's title: its id is explicit, or the competency's is (and so names no area).
    area: bool,
    /// The competency's title: its id is explicit.
    competency: bool,
}

impl Renamable {
    fn of(area: &crate::model::Area, comp: &crate::model::Competency) -> Self {
        Self {
            area: area.explicit_id || comp.explicit_id,
            competency: comp.explicit_id,
        }
    }
}

/// The last row and column a spreadsheet can have (0-based): `XFD1048576`.
const LAST_ROW: u32 = 1_048_575;
const LAST_COL: u32 = 16_383;
/// Rows a reviewer may insert (notes, blank lines) before the sheet counts as out of shape.
const ROW_SLACK: u32 = 500;
/// Columns beyond the last level column a reviewer may use.
const COL_SLACK: u32 = 26;
/// `D14` for row 13, column 3 (0-based); cells beyond the last column are named by it.
pub fn cell_ref(row: u32, col: u32) -> String {
    row_col_to_cell(row, col.min(LAST_COL) as u16)
}

/// Collects the diagnostics of one file.
pub(crate) struct Report<'f> {
    pub(crate) file: &'f str,
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl<'f> Report<'f> {
    pub(crate) fn new(file: &'f str) -> Self {
        Self {
            file,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn at(&self, sheet: &str, row: u32, col: u32) -> Location {
        Location::Cell {
            file: self.file.to_owned(),
            sheet: Some(sheet.to_owned()),
            cell: cell_ref(row, col),
        }
    }

    pub(crate) fn file_loc(&self) -> Location {
        Location::File {
            file: self.file.to_owned(),
        }
    }

    pub(crate) fn error(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }
}

/// Key/value pairs of one provenance copy.
pub(crate) type Pairs = Vec<(String, String)>;

/// The `Provenance` sheet as found: one review's pairs, or a bundle's blocks by sheet.
enum HiddenCopy {
    Single(Vec<Hidden>),
    Bundle(Vec<(String, Vec<Hidden>)>),
}

/// The custom document properties as found: one review's pairs, or a bundle's by form id.
enum PropsCopy {
    Single(Pairs),
    Bundle(Vec<(String, Pairs)>),
}

/// Cells (with or without a value) read from one sheet of a review workbook before giving up:
/// bounds the time spent.
const MAX_CELLS: usize = 200_000;
/// Rows a bundle's `Provenance` sheet may use: one row per key of each review sheet.
const BUNDLE_PROVENANCE_ROWS: u32 =
    c::PROVENANCE_FIRST_ROW + (c::KEYS.len() * c::bundle::MAX_REVIEWS) as u32;
/// Rows and columns a single review's `Provenance` sheet may use.
const SINGLE_PROVENANCE_BOUNDS: (u32, u32) = (60, 4);

/// Reads and validates one workbook whose bytes passed the pre-check: one outcome for a
/// workbook of one review, one per review sheet for a bundle (never none).
pub fn read(file: &str, bytes: Vec<u8>, sha256: [u8; 32], ctx: &Context<'_>) -> Vec<Outcome> {
    let mut rep = Report::new(file);
    let reject = |problems| {
        vec![Err(Rejected {
            sheet: None,
            problems,
        })]
    };
    let mut xlsx = match Xlsx::new(Cursor::new(bytes)) {
        Ok(x) => x,
        Err(e) => return reject(vec![calamine_error(&rep, None, &e)]),
    };
    let sheet_names = xlsx.sheet_names();
    let hidden = if sheet_names.iter().any(|s| s == c::PROVENANCE_SHEET) {
        match hidden_copy(&mut xlsx, &mut rep) {
            Some(h) => Some(h),
            None => return reject(rep.errors),
        }
    } else {
        None
    };
    // An emptied sheet is no copy.
    let hidden = hidden.filter(|h| !matches!(h, HiddenCopy::Single(p) if p.is_empty()));
    if let Some(HiddenCopy::Single(pairs)) = &hidden
        && pairs
            .iter()
            .any(|h| h.key == "format" && h.value.trim() == crate::decisions::FORMAT)
    {
        return reject(vec![
            Diagnostic::error(
                "decisions-not-review",
                "this is a decisions workbook (from `rungs decisions`), not a review workbook",
                rep.file_loc(),
            )
            .with_hint(
                "give it to `rungs outcomes`, and move it out of the folder of returned reviews",
            ),
        ]);
    }
    let props = property_copy(&mut xlsx, &mut rep);
    match (hidden, props) {
        (
            hidden @ (None | Some(HiddenCopy::Single(_))),
            props @ (None | Some(PropsCopy::Single(_))),
        ) if hidden.is_some()
            || props.is_some()
            || sheet_names.iter().any(|s| s == c::REVIEW_SHEET) =>
        {
            let hidden = match hidden {
                Some(HiddenCopy::Single(h)) => Some(h),
                _ => None,
            };
            let props = match props {
                Some(PropsCopy::Single(p)) => Some(p),
                _ => None,
            };
            vec![single(
                xlsx,
                &sheet_names,
                (hidden, props),
                rep,
                sha256,
                ctx,
            )]
        }
        (hidden, props) => {
            // A bundle's copies, or no copy at all and no `Review` sheet: review sheets are
            // then found by their visible headers.
            let found = bundle::Found {
                xlsx,
                sheet_names,
                blocks: match hidden {
                    Some(HiddenCopy::Bundle(b)) => b,
                    _ => Vec::new(),
                },
                props: match props {
                    Some(PropsCopy::Bundle(p)) => p,
                    _ => Vec::new(),
                },
            };
            let outcomes = found.read(rep, sha256, ctx);
            if outcomes.is_empty() {
                return reject(vec![not_a_review(&Report::new(file))]);
            }
            outcomes
        }
    }
}

/// The one review of a workbook laid out for one review.
fn single(
    mut xlsx: Xlsx<Cursor<Vec<u8>>>,
    sheet_names: &[String],
    (hidden, props): (Option<Vec<Hidden>>, Option<Pairs>),
    mut rep: Report<'_>,
    sha256: [u8; 32],
    ctx: &Context<'_>,
) -> Outcome {
    let reject = |problems| Rejected {
        sheet: None,
        problems,
    };
    let has_copies = hidden.is_some() || props.is_some();
    let review_sheet = review_sheet(&xlsx, sheet_names, has_copies, &mut rep).map_err(reject)?;
    let Some(cells) = read_review_sheet(&mut xlsx, &review_sheet, &mut rep, ctx) else {
        return Err(reject(rep.errors));
    };
    drop(xlsx);
    let copies = Copies {
        layout: &REVIEW_COPIES,
        sheet: &review_sheet,
        version: c::SCHEMA_VERSION,
        hidden: hidden.as_deref(),
        props: props.as_deref(),
        visible: visible_header(&cells, &REVIEW_COPIES),
    };
    review(&copies, &cells, rep, sha256, ctx).map_err(reject)
}

/// A review sheet's cells, within the form's bounds.
fn read_review_sheet(
    xlsx: &mut Xlsx<Cursor<Vec<u8>>>,
    sheet: &str,
    rep: &mut Report<'_>,
    ctx: &Context<'_>,
) -> Option<Cells> {
    let max_row = c::FIRST_DATA_ROW + to_u32(ctx.expected.len()) + ROW_SLACK;
    let max_col = ctx.last_col() + COL_SLACK;
    read_sheet(xlsx, sheet, (max_row, max_col), MAX_CELLS, rep)
}

/// One review from its sheet's cells and provenance copies: identified, checked, its answers
/// read; or every problem found.
fn review(
    copies: &Copies<'_>,
    cells: &Cells,
    mut rep: Report<'_>,
    sha256: [u8; 32],
    ctx: &Context<'_>,
) -> Result<Returned, Vec<Diagnostic>> {
    let Some(prov) = copies.provenance(&mut rep, ctx) else {
        return Err(rep.errors);
    };
    check_identity(&mut rep, ctx, &prov, copies.version);
    let (answers, evidence) = Rows {
        ctx,
        sheet: copies.sheet,
        cells,
    }
    .read(&mut rep, &prov);
    if rep.errors.is_empty() {
        Ok(Returned {
            file: rep.file.to_owned(),
            sheet: (copies.version == c::BUNDLE_SCHEMA_VERSION).then(|| copies.sheet.to_owned()),
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

/// The `Provenance` sheet's copy, in either layout. `None` when an error was recorded.
fn hidden_copy(xlsx: &mut Xlsx<Cursor<Vec<u8>>>, rep: &mut Report<'_>) -> Option<HiddenCopy> {
    let sheet = c::PROVENANCE_SHEET;
    let mut cells = read_sheet(xlsx, sheet, (BUNDLE_PROVENANCE_ROWS, 4), MAX_CELLS, rep)?;
    if is_bundle_layout(&cells) {
        return Some(HiddenCopy::Bundle(provenance_blocks(&cells)));
    }
    if !keep_within(&mut cells, sheet, SINGLE_PROVENANCE_BOUNDS, rep) {
        return None;
    }
    Some(HiddenCopy::Single(provenance_pairs(&cells)))
}

/// The provenance copy in the custom document properties, in either layout, if any survived.
fn property_copy(xlsx: &mut Xlsx<Cursor<Vec<u8>>>, rep: &mut Report<'_>) -> Option<PropsCopy> {
    custom_properties(xlsx, rep).and_then(|p| {
        let mut by_form: std::collections::BTreeMap<String, Pairs> =
            std::collections::BTreeMap::new();
        for (name, value) in &p {
            if let Some((form, key)) = c::bundle::parse_property_name(name) {
                by_form
                    .entry(form.to_owned())
                    .or_default()
                    .push((key.to_owned(), value.clone()));
            }
        }
        if !by_form.is_empty() {
            return Some(PropsCopy::Bundle(by_form.into_iter().collect()));
        }
        keyed_properties(&p, &c::KEYS).map(PropsCopy::Single)
    })
}

/// The `rungs_<key>` properties of `keys` that survived, if any.
pub(crate) fn keyed_properties(props: &HashMap<String, String>, keys: &[&str]) -> Option<Pairs> {
    let pairs: Pairs = keys
        .iter()
        .filter_map(|k| {
            props
                .get(&c::property_name(k))
                .map(|v| ((*k).to_owned(), v.clone()))
        })
        .collect();
    (!pairs.is_empty()).then_some(pairs)
}

/// The workbook's custom document properties; `None`, with a warning, when they cannot be read.
pub(crate) fn custom_properties(
    xlsx: &mut Xlsx<Cursor<Vec<u8>>>,
    rep: &mut Report<'_>,
) -> Option<HashMap<String, String>> {
    match xlsx.workbook_properties() {
        Ok(p) => Some(p.custom_properties),
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

pub(crate) fn quote_list(items: &[impl AsRef<str>]) -> String {
    items
        .iter()
        .map(|s| format!("'{}'", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A calamine error with the part it happened in: calamine's own message names no part.
pub(crate) fn calamine_error(rep: &Report<'_>, sheet: Option<&str>, e: &XlsxError) -> Diagnostic {
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
