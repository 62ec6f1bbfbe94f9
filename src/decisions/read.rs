//! Reads one returned decisions workbook with the review reader's machinery (streamed cells,
//! provenance copies that must agree): whose decisions they are (the tally's digest, the
//! ladder, the scope), every person's row found by its employee id, its locked facts compared
//! with the tally's, its input cells read as typed values. Every problem at its cell, at once.
//! The bytes must have passed the workbook pre-check first.

use std::collections::{BTreeSet, HashMap};
use std::io::Cursor;

use calamine::{Reader, Xlsx};
use sha2::{Digest as _, Sha256};

use super::{self as d, COPIES, Provenance, decisions_id};
use crate::diag::{Diagnostic, Flags};
use crate::model::{Ladder, RatingScale};
use crate::tally::read::TallyFile;
use crate::util::text::{canonical, one_line};
use crate::workbook::rating::{self, Parsed};
use crate::workbook::read::cells::{Cells, Value, read_sheet};
use crate::workbook::read::copies::{Copies, Hidden, provenance_pairs, visible_header};
use crate::workbook::read::{
    Report, calamine_error, cell_ref, custom_properties, keyed_properties, quote_list,
};

/// What the reader checks each workbook against.
#[derive(Debug)]
pub struct Context<'a> {
    pub ladder: &'a Ladder,
    pub tally: &'a TallyFile,
    /// SHA-256 (hex) of the tally's file.
    pub tally_sha256: &'a str,
    /// Person index by employee id.
    index: HashMap<&'a str, usize>,
    /// The level codes as a scale, to read a level forgivingly (case, spaces, `3` for `L3`).
    levels: RatingScale,
    flags: &'a Flags,
}

impl<'a> Context<'a> {
    pub fn new(
        ladder: &'a Ladder,
        tally: &'a TallyFile,
        tally_sha256: &'a str,
        flags: &'a Flags,
    ) -> Self {
        let mut index = HashMap::new();
        for (i, p) in tally.tally.people.iter().enumerate() {
            index.entry(p.employee_id.as_str()).or_insert(i);
        }
        Self {
            ladder,
            tally,
            tally_sha256,
            index,
            levels: RatingScale::levels(&ladder.levels),
            flags,
        }
    }
}

/// A valid returned decisions workbook.
#[derive(Debug, Clone)]
pub struct Returned {
    /// Path as the user gave it.
    pub file: String,
    pub prov: Provenance,
    /// One per person of the workbook's scope, in tally order.
    pub decisions: Vec<Decision>,
    pub warnings: Vec<Diagnostic>,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
}

/// One person's row as the meeting filled it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Index into the tally's people.
    pub person: usize,
    /// Row (0-based) it was read from.
    pub row: u32,
    /// Level indexes.
    pub proposed: Option<usize>,
    pub agreed: Option<usize>,
    pub reason: String,
    pub decided_by: String,
}

impl Decision {
    /// The same decision, wherever the row is.
    pub fn same(&self, other: &Self) -> bool {
        (
            self.person,
            self.proposed,
            self.agreed,
            &self.reason,
            &self.decided_by,
        ) == (
            other.person,
            other.proposed,
            other.agreed,
            &other.reason,
            &other.decided_by,
        )
    }

    /// Whether an agreed level was recorded.
    pub fn decided(&self) -> bool {
        self.agreed.is_some()
    }
}

/// Rows a user may add (notes, blank lines) below the people before the sheet is out of shape.
const ROW_SLACK: u32 = 500;
/// Columns right of the table a user may use.
const COL_SLACK: u32 = 26;

/// Reads and validates one decisions workbook whose bytes passed the pre-check.
pub fn read(file: &str, bytes: Vec<u8>, ctx: &Context<'_>) -> Result<Returned, Vec<Diagnostic>> {
    let mut rep = Report::new(file);
    let sha256 = Sha256::digest(&bytes).into();
    let mut xlsx =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| vec![calamine_error(&rep, None, &e)])?;
    let sheets = xlsx.sheet_names();
    let hidden = if sheets
        .iter()
        .any(|s| s == crate::workbook::PROVENANCE_SHEET)
    {
        match read_sheet(
            &mut xlsx,
            crate::workbook::PROVENANCE_SHEET,
            (60, 4),
            10_000,
            &mut rep,
        ) {
            Some(cells) => Some(provenance_pairs(&cells)),
            None => return Err(rep.errors),
        }
    } else {
        None
    };
    let props = custom_properties(&mut xlsx, &mut rep).and_then(|p| keyed_properties(&p, &d::KEYS));
    if !sheets.iter().any(|s| s == d::DECISIONS_SHEET) {
        return Err(vec![not_decisions(&rep, &sheets, hidden.as_deref())]);
    }
    let people = crate::util::to_u32(ctx.tally.tally.people.len());
    let bounds = (
        d::FIRST_DATA_ROW + people + ROW_SLACK,
        u32::from(d::LAST_COL) + COL_SLACK,
    );
    let max_cells = 200_000usize.max((bounds.0 as usize + 1) * 40);
    let Some(cells) = read_sheet(&mut xlsx, d::DECISIONS_SHEET, bounds, max_cells, &mut rep) else {
        return Err(rep.errors);
    };
    drop(xlsx);
    let copies = Copies {
        layout: &COPIES,
        sheet: d::DECISIONS_SHEET,
        version: d::SCHEMA_VERSION,
        hidden: hidden.as_deref(),
        props: props.as_deref(),
        visible: visible_header(&cells, &COPIES),
    };
    if !copies.agree(&mut rep) {
        return Err(rep.errors);
    }
    let Some(prov) = provenance(&copies, &mut rep, ctx) else {
        return Err(rep.errors);
    };
    check_identity(&mut rep, ctx, &prov);
    if !rep.errors.is_empty() {
        return Err(rep.errors);
    }
    let decisions = Rows {
        ctx,
        cells: &cells,
        prov: &prov,
    }
    .read(&mut rep);
    if rep.errors.is_empty() {
        Ok(Returned {
            file: file.to_owned(),
            prov,
            decisions,
            warnings: rep.warnings,
            sha256,
        })
    } else {
        rep.errors.extend(rep.warnings);
        Err(rep.errors)
    }
}

/// Why a workbook without a Decisions sheet is refused: a review workbook, or something else.
fn not_decisions(rep: &Report<'_>, sheets: &[String], hidden: Option<&[Hidden]>) -> Diagnostic {
    let is_review = hidden.is_some_and(|p| p.iter().any(|h| h.key == crate::workbook::KEY_FORM_ID));
    if is_review {
        return Diagnostic::error(
            "review-not-decisions",
            "this is a review workbook, not a decisions workbook",
            rep.file_loc(),
        )
        .with_hint("review workbooks go to `rungs tally`; give `rungs outcomes` the decisions.xlsx that `rungs decisions` wrote");
    }
    Diagnostic::error(
        "not-decisions",
        format!(
            "not a rungs decisions workbook: it has no sheet named '{}' (its sheets: {})",
            d::DECISIONS_SHEET,
            quote_list(sheets)
        ),
        rep.file_loc(),
    )
    .with_hint("give the decisions.xlsx that `rungs decisions` wrote, filled in; if its sheet was renamed, rename it back")
}

/// The provenance from the hidden sheet, else the document properties, else the visible
/// header, whose decisions id is a hash of the tally digest and scope, so it proves itself.
fn provenance(copies: &Copies<'_>, rep: &mut Report<'_>, ctx: &Context<'_>) -> Option<Provenance> {
    let as_refs = |pairs: &[(String, String)]| {
        Provenance::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    };
    let hidden = copies
        .hidden
        .map(|h| Provenance::from_pairs(h.iter().map(|h| (h.key.as_str(), h.value.as_str()))));
    let mut first_problem = None;
    for parsed in hidden.into_iter().chain(copies.props.map(as_refs)) {
        match parsed {
            Ok(p) => return Some(p),
            Err(e) => {
                first_problem.get_or_insert(e);
            }
        }
    }
    let mut visible: Vec<(String, String)> = copies
        .visible
        .iter()
        .map(|(k, v, _)| (k.clone(), v.clone()))
        .collect();
    visible.push((d::KEY_FORMAT.to_owned(), d::FORMAT.to_owned()));
    visible.push((d::KEY_LADDER_ID.to_owned(), ctx.ladder.meta.id.clone()));
    visible.push((
        d::KEY_LADDER_VERSION.to_owned(),
        ctx.ladder.meta.version.clone(),
    ));
    match as_refs(&visible) {
        Ok(p) if decisions_id(&p.tally_sha256, &p.scope) == p.decisions_id => {
            rep.warnings.push(
                Diagnostic::warning(
                    "provenance-from-header",
                    "the hidden provenance copies are gone (an application dropped them); the workbook was identified by its visible header",
                    rep.file_loc(),
                )
                .with_hint("nothing to do"),
            );
            return Some(p);
        }
        Ok(_) => {}
        Err(e) => {
            first_problem.get_or_insert(e);
        }
    }
    let why = first_problem.unwrap_or_else(|| "the decisions id does not match the header".into());
    rep.error(
        Diagnostic::error(
            "provenance-incomplete",
            format!("cannot tell which decisions workbook this is: {why}"),
            rep.file_loc(),
        )
        .with_hint("the header or the hidden provenance was damaged; write the workbook again with `rungs decisions` and copy the decisions over"),
    );
    None
}

/// The workbook must be this layout's, from this ladder and this very tally.
fn check_identity(rep: &mut Report<'_>, ctx: &Context<'_>, prov: &Provenance) {
    let meta = &ctx.ladder.meta;
    if prov.schema_version != d::SCHEMA_VERSION {
        rep.error(
            Diagnostic::error(
                "schema-version",
                format!(
                    "the decisions workbook has layout version {}, but this rungs reads version {}",
                    prov.schema_version,
                    d::SCHEMA_VERSION
                ),
                rep.file_loc(),
            )
            .with_hint("import it with the rungs version that wrote it"),
        );
    }
    if prov.ladder_fingerprint != meta.fingerprint {
        rep.error(
            Diagnostic::error(
                "other-ladder",
                format!(
                    "the workbook was made with another ladder ('{}', fingerprint {}), not the one loaded ('{}', fingerprint {})",
                    prov.ladder_id, prov.ladder_fingerprint, meta.id, meta.fingerprint
                ),
                rep.file_loc(),
            )
            .with_hint(format!("pass {} the ladder the tally was made with", ctx.flags.ladder)),
        );
    }
    if prov.tally_sha256 != ctx.tally_sha256 {
        rep.error(
            Diagnostic::error(
                "other-tally",
                format!(
                    "the workbook was made from another tally (SHA-256 {}…), not from the one given ({}…)",
                    one_line(&prov.tally_sha256, 12),
                    &ctx.tally_sha256[..12.min(ctx.tally_sha256.len())]
                ),
                rep.file_loc(),
            )
            .with_hint("give the tally.json this workbook was made from; a tally written again (even from the same reviews by another rungs) is another tally"),
        );
    }
    for code in &prov.scope.levels {
        if ctx.ladder.level(code).is_none() {
            rep.error(Diagnostic::error(
                "unknown-level",
                format!("the workbook's scope names the level '{code}', which the ladder lacks"),
                rep.file_loc(),
            ));
        }
    }
}

/// A cell of the Decisions sheet.
fn at(rep: &Report<'_>, row: u32, col: u16) -> crate::diag::Location {
    rep.at(d::DECISIONS_SHEET, row, u32::from(col))
}

/// The people rows of one Decisions sheet.
struct Rows<'a> {
    ctx: &'a Context<'a>,
    cells: &'a Cells,
    prov: &'a Provenance,
}

impl Rows<'_> {
    fn value(&self, row: u32, col: u16) -> Option<&Value> {
        self.cells.get(&(row, u32::from(col))).map(|c| &c.value)
    }

    fn text(&self, row: u32, col: u16) -> String {
        self.value(row, col).map(Value::display).unwrap_or_default()
    }

    /// Rows found by employee id; facts compared; inputs read. Decisions in tally order.
    fn read(&self, rep: &mut Report<'_>) -> Vec<Decision> {
        let ctx = self.ctx;
        let expected: BTreeSet<usize> = d::people(ctx.tally, ctx.ladder, &self.prov.scope)
            .into_iter()
            .collect();
        let rows: BTreeSet<u32> = self
            .cells
            .keys()
            .map(|(r, _)| *r)
            .filter(|r| *r >= d::FIRST_DATA_ROW)
            .collect();
        let mut found: HashMap<usize, u32> = HashMap::new();
        let mut decisions = Vec::new();
        for row in rows {
            let Some(person) = self.person(rep, row, &expected, &found) else {
                continue;
            };
            found.insert(person, row);
            self.facts(rep, row, person);
            if let Some(dec) = self.inputs(rep, row, person) {
                decisions.push(dec);
            }
        }
        for &i in &expected {
            if !found.contains_key(&i) {
                let p = &ctx.tally.tally.people[i];
                rep.error(
                    Diagnostic::error(
                        "deleted-row",
                        format!("the row of {} ({}) is missing", p.name, p.employee_id),
                        at(rep, d::FIRST_DATA_ROW, d::COL_EMPLOYEE_ID),
                    )
                    .with_hint("a row was deleted; copy it back from a fresh `rungs decisions` workbook, or undo the deletion"),
                );
            }
        }
        decisions.sort_by_key(|dec| dec.person);
        decisions
    }

    /// The person a row holds, by its employee id; `None` for an empty row or a problem.
    fn person(
        &self,
        rep: &mut Report<'_>,
        row: u32,
        expected: &BTreeSet<usize>,
        found: &HashMap<usize, u32>,
    ) -> Option<usize> {
        let id = canonical(&self.text(row, d::COL_EMPLOYEE_ID));
        let id_at = at(rep, row, d::COL_EMPLOYEE_ID);
        if id.is_empty() {
            let filled = (1..=d::LAST_COL).find(|&c| !self.text(row, c).trim().is_empty());
            if let Some(col) = filled {
                rep.error(
                    Diagnostic::error(
                        "row-without-person",
                        format!(
                            "the row holds '{}' in {} but no employee id in column A",
                            one_line(&self.text(row, col), 40),
                            cell_ref(row, u32::from(col))
                        ),
                        id_at.clone(),
                    )
                    .with_hint("rows cannot be added and employee ids cannot be deleted; remove the row, or restore the id"),
                );
            }
            return None;
        }
        let Some(&person) = self.ctx.index.get(id.as_str()) else {
            rep.error(
                Diagnostic::error(
                    "added-row",
                    format!(
                        "the employee id '{}' is not in the tally",
                        one_line(&id, 40)
                    ),
                    id_at.clone(),
                )
                .with_hint("rows cannot be added: remove it, or restore the edited employee id"),
            );
            return None;
        };
        if !expected.contains(&person) {
            rep.error(
                Diagnostic::error(
                    "person-outside-scope",
                    format!(
                        "{id} is in the tally but not among this workbook's people ({})",
                        self.prov.scope.describe()
                    ),
                    id_at.clone(),
                )
                .with_hint("decide this person in the workbook made for their level or team, and remove the row here"),
            );
            return None;
        }
        if let Some(first) = found.get(&person) {
            rep.error(
                Diagnostic::error(
                    "duplicate-person",
                    format!("{id} has a second row (the first is row {})", first + 1),
                    id_at.clone(),
                )
                .with_hint("keep one row per person: delete the copy"),
            );
            return None;
        }
        Some(person)
    }

    /// The locked facts must be the tally's (canonical text; the gap as a number).
    fn facts(&self, rep: &mut Report<'_>, row: u32, person: usize) {
        let p = &self.ctx.tally.tally.people[person];
        let want = d::facts(p, self.ctx.ladder);
        for ((col, title), want) in d::LOCKED_COLUMNS.iter().zip(&want).skip(1) {
            let got = canonical(&self.text(row, *col));
            if got != canonical(want) {
                rep.error(
                    Diagnostic::error(
                        "locked-cell-edited",
                        format!(
                            "the {} of {} was edited: '{}' (the tally says '{}')",
                            title.to_lowercase(),
                            p.employee_id,
                            one_line(&got, 60),
                            one_line(want, 60)
                        ),
                        at(rep, row, *col),
                    )
                    .with_hint("the facts come from the tally and are not to be changed; put it back, and record the decision in the yellow columns"),
                );
            }
        }
    }

    /// The four input cells as typed values.
    fn inputs(&self, rep: &mut Report<'_>, row: u32, person: usize) -> Option<Decision> {
        let before = rep.errors.len();
        for (col, _) in d::INPUT_COLUMNS {
            if let Some(f) = self
                .cells
                .get(&(row, u32::from(col)))
                .and_then(|c| c.formula.as_deref())
            {
                rep.error(
                    Diagnostic::error(
                        "formula-in-input",
                        format!(
                            "the cell holds the formula '={}' (its stored result '{}' is not trusted); rungs reads typed values only",
                            one_line(f, 60),
                            one_line(&self.text(row, col), 40)
                        ),
                        at(rep, row, col),
                    )
                    .with_hint("replace the formula with the value itself"),
                );
            }
        }
        let proposed = self.level(rep, row, d::COL_PROPOSED);
        let agreed = self.level(rep, row, d::COL_AGREED);
        let reason = self.free_text(rep, row, d::COL_REASON);
        let decided_by = self.free_text(rep, row, d::COL_DECIDED_BY);
        if rep.errors.len() > before {
            return None;
        }
        let dec = Decision {
            person,
            row,
            proposed,
            agreed,
            reason,
            decided_by,
        };
        self.notes(rep, &dec);
        Some(dec)
    }

    /// Blank agreed levels are listed (never guessed); a change without a reason is flagged.
    fn notes(&self, rep: &mut Report<'_>, dec: &Decision) {
        let p = &self.ctx.tally.tally.people[dec.person];
        let agreed_at = at(rep, dec.row, d::COL_AGREED);
        match dec.agreed {
            None => rep.warnings.push(
                Diagnostic::warning(
                    "undecided",
                    format!(
                        "no agreed level for {} ({}): listed as undecided",
                        p.name, p.employee_id
                    ),
                    agreed_at,
                )
                .with_hint("pick the agreed level, or leave it for the next meeting"),
            ),
            Some(a) => {
                let suggested = p
                    .suggested_level
                    .as_deref()
                    .and_then(|s| self.ctx.ladder.level(s));
                if suggested.is_some_and(|s| s.index != a) && dec.reason.is_empty() {
                    rep.warnings.push(
                        Diagnostic::warning(
                            "no-reason",
                            format!(
                                "{} ({}) was agreed at {}, not the suggested {}, without a reason",
                                p.name,
                                p.employee_id,
                                self.ctx.ladder.levels[a].code,
                                p.suggested_level.as_deref().unwrap_or("")
                            ),
                            at(rep, dec.row, d::COL_REASON),
                        )
                        .with_hint("record why in the Reason column; HR keeps it"),
                    );
                }
            }
        }
    }

    /// A level cell: a code of the ladder (any case, `3` for `L3`), or empty.
    fn level(&self, rep: &mut Report<'_>, row: u32, col: u16) -> Option<usize> {
        let scale = &self.ctx.levels;
        let parsed = match self.value(row, col) {
            None | Some(Value::Empty) => Parsed::Blank,
            Some(Value::Text(s)) => rating::parse_text(scale, s),
            Some(Value::Number(n) | Value::Date(n)) => rating::parse_number(scale, *n),
            Some(Value::Bool(_) | Value::Error(_)) => Parsed::Invalid,
        };
        match parsed {
            Parsed::Blank => None,
            Parsed::Option(i) => Some(i),
            Parsed::NotObserved | Parsed::Invalid => {
                rep.error(
                    Diagnostic::error(
                        "not-a-level",
                        format!(
                            "'{}' is not a level of the ladder",
                            one_line(&self.text(row, col), 40)
                        ),
                        at(rep, row, col),
                    )
                    .with_hint(format!(
                        "pick one of {} from the dropdown",
                        d::level_codes(self.ctx.ladder).join(", ")
                    )),
                );
                None
            }
        }
    }

    /// Reason or decided-by: canonical text; an error value is refused.
    fn free_text(&self, rep: &mut Report<'_>, row: u32, col: u16) -> String {
        match self.value(row, col) {
            Some(Value::Error(e)) => {
                rep.error(
                    Diagnostic::error(
                        "error-value",
                        format!("the cell holds the error value '{e}', not text"),
                        at(rep, row, col),
                    )
                    .with_hint("type the text itself"),
                );
                String::new()
            }
            Some(v) => canonical(&v.display()),
            None => String::new(),
        }
    }
}
