//! The review-workbook format, in one place: the layout (this file), the provenance and the
//! manifest, the locked text and its hash, the writer ([`write`]) and the reader ([`precheck`],
//! [`read`], [`rating`]). `rungs sheets` writes workbooks with it and `rungs tally` reads them
//! back with it; neither knows anything about the layout that is not here. The round trip is
//! tested in `tests.rs` beside this file; `docs/workbook-contract.md` describes the format for people.
//!
//! # Workbook layout (schema version [`SCHEMA_VERSION`])
//!
//! One review per workbook, the default. A **bundle** (schema version
//! [`BUNDLE_SCHEMA_VERSION`]) holds several reviews by one reviewer, each on a review sheet
//! laid out as the `Review` sheet below; what differs is in [`bundle`]. The reader reads both.
//!
//! Sheets, in this order:
//!
//! | sheet | visibility | content |
//! |---|---|---|
//! | [`REVIEW_SHEET`] `Review` | visible, active, protected | header + one row per competency |
//! | [`INSTRUCTIONS_SHEET`] `Instructions` | visible, protected | text from the instruction template |
//! | [`PROVENANCE_SHEET`] `Provenance` | very hidden (`LibreOffice` makes it plain hidden) | key/value pairs |
//! | [`RATINGS_SHEET`] `Ratings` | hidden | the dropdown's choices |
//!
//! ## Review sheet
//!
//! - Row [`TITLE_ROW`] (Excel row 1): a title, `Review: <person>`.
//! - Rows [`HEADER_FIRST_ROW`].. (Excel rows 2–9): the visible header, one field per row in the
//!   order of [`HEADER_FIELDS`]: label in column [`HEADER_LABEL_COL`] (B), value in
//!   [`HEADER_VALUE_COL`] (C). Each value cell also has a workbook-scoped defined name
//!   `rungs_<key>` (see [`defined_name`]), e.g. `rungs_form_id` → `Review!$C$9`.
//!   The current level's title stands beside its code, in column D (display only).
//! - Row [`TABLE_HEADER_ROW`] - 1 (Excel row 10): a note naming the ladder (display only).
//! - Row [`TABLE_HEADER_ROW`] (Excel row 11): column titles (repeated on every printed page).
//!   Level columns are titled `<code> <title>`, the current level with a second line
//!   `(current level)`: display only, take the level order from the ladder.
//! - Rows from [`FIRST_DATA_ROW`] (Excel row 12): one row per competency in ladder order
//!   (area by area), until the first row whose column A is empty. Columns:
//!
//! | column | const | content | locked |
//! |---|---|---|---|
//! | A (0) | [`COL_COMPETENCY_ID`] | competency id, e.g. `skill.mastery` (column hidden) | yes |
//! | B (1) | [`COL_AREA`] | area title | yes |
//! | C (2) | [`COL_COMPETENCY`] | competency title | yes |
//! | D (3) | [`COL_RATING`] | rating: one label of the `Ratings` sheet, or empty | **no** |
//! | E (4) | [`COL_EVIDENCE`] | evidence, free text | **no** |
//! | F.. (5 + i) | [`level_col`]`(i)` | expectations of level `i` (0 = lowest): bullets joined by `\n`, each `• text` | yes |
//!
//! The number of level columns is the ladder's level count (3 to 8 in practice).
//!
//! ## Provenance (three copies; each survives some applications, none survives all)
//!
//! 1. the visible header above (only the [`HEADER_FIELDS`] keys);
//! 2. the `Provenance` sheet: row 0 is `key` / `value`, then from [`PROVENANCE_FIRST_ROW`] one
//!    pair per row, key in column A, value in column B, in [`Provenance::to_pairs`] order, until
//!    the first empty key;
//! 3. custom document properties named [`property_name`]`(key)` = `rungs_<key>`, string-valued
//!    (`LibreOffice` may rewrite a numeric-looking one as a float: [`Provenance::from_pairs`]
//!    accepts `1.0` for a version).
//!
//! Keys: [`KEY_FORM_ID`] … see [`Provenance::to_pairs`]. All values are strings; an absent
//! due date is the empty string.
//!
//! ## Ratings sheet
//!
//! From row 0: column A the label shown in the dropdown, column B its numeric value (the rating
//! option's `value`: a level index for `levels` scales, an offset from the current level for
//! `relative` ones), empty for "not observed", which is always the last row. The dropdown
//! references `Ratings!$A$1:$A$<n>` ([`ratings_range`]); the same range is the defined name
//! [`RATINGS_NAME`].
//!
//! ## Form id
//!
//! [`form_id`]: `rv-` + 12 lowercase hex digits of SHA-256 over cycle, employee id and reviewer
//! (trimmed), so re-running gives the same id and the ladder can change without changing it.
//!
//! ## Manifest
//!
//! `manifest.json` ([`MANIFEST_FILE`]) in the output folder lists every review sent
//! ([`Manifest`]), with [`locked_text_hash`] of each workbook's locked text: the importer
//! recomputes it from the returned file to detect edits to locked cells.

pub mod bundle;
mod locked;
mod manifest;
pub mod precheck;
mod provenance;
pub mod rating;
pub mod read;
#[cfg(test)]
mod tests;
pub mod write;

pub use locked::{LockedRow, level_cell_text, locked_text_digest, locked_text_hash};
pub use manifest::{Manifest, ManifestEntry, write_manifest};
pub(crate) use manifest::{ManifestProblem, ManifestRole, read_manifest};
pub use provenance::{Provenance, ReviewerRole, form_id};

/// Version of this layout, for a workbook of one review. Bump on any change an importer must
/// know about.
pub const SCHEMA_VERSION: u32 = 1;
/// Version of a bundle's layout: several review sheets in one workbook ([`bundle`]).
pub const BUNDLE_SCHEMA_VERSION: u32 = 2;

/// The sheet the reviewer fills in.
pub const REVIEW_SHEET: &str = "Review";
/// How to fill in the review (from the instruction template).
pub const INSTRUCTIONS_SHEET: &str = "Instructions";
/// Very hidden sheet of provenance key/value pairs.
pub const PROVENANCE_SHEET: &str = "Provenance";
/// Hidden sheet holding the dropdown's rating labels.
pub const RATINGS_SHEET: &str = "Ratings";

/// Defined name (workbook scope) of the ratings range.
pub const RATINGS_NAME: &str = "rungs_ratings";

/// Row (0-based) of the Review sheet's title.
pub const TITLE_ROW: u32 = 0;
/// First row (0-based) of the visible header fields.
pub const HEADER_FIRST_ROW: u32 = 1;
/// Column (0-based) of the header labels.
pub const HEADER_LABEL_COL: u16 = 1;
/// Column (0-based) of the header values.
pub const HEADER_VALUE_COL: u16 = 2;
/// Row (0-based) of the table's column titles.
pub const TABLE_HEADER_ROW: u32 = 10;
/// First row (0-based) holding a competency.
pub const FIRST_DATA_ROW: u32 = 11;

/// Column (0-based) of the hidden competency id.
pub const COL_COMPETENCY_ID: u16 = 0;
/// Column (0-based) of the area title.
pub const COL_AREA: u16 = 1;
/// Column (0-based) of the competency title.
pub const COL_COMPETENCY: u16 = 2;
/// Column (0-based) of the rating dropdown (unlocked).
pub const COL_RATING: u16 = 3;
/// Column (0-based) of the evidence text (unlocked).
pub const COL_EVIDENCE: u16 = 4;
/// Column (0-based) of the lowest level's expectations; level `i` is at `FIRST_LEVEL_COL + i`.
pub const FIRST_LEVEL_COL: u16 = 5;

/// First row (0-based) of key/value pairs on the provenance sheet (row 0 holds titles).
pub const PROVENANCE_FIRST_ROW: u32 = 1;

/// File name of the manifest written beside the workbooks.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Value of [`Manifest::format`].
pub const MANIFEST_FORMAT: &str = "rungs-manifest";

/// Column (0-based) of level `index`'s expectations.
pub fn level_col(index: usize) -> u16 {
    FIRST_LEVEL_COL + index as u16
}

pub const KEY_FORM_ID: &str = "form_id";
pub const KEY_SCHEMA_VERSION: &str = "schema_version";
pub const KEY_LADDER_ID: &str = "ladder_id";
pub const KEY_LADDER_FINGERPRINT: &str = "ladder_fingerprint";
pub const KEY_LADDER_VERSION: &str = "ladder_version";
pub const KEY_EMPLOYEE_ID: &str = "employee_id";
pub const KEY_PERSON_NAME: &str = "person_name";
pub const KEY_CURRENT_LEVEL: &str = "current_level";
pub const KEY_REVIEWER: &str = "reviewer";
pub const KEY_REVIEWER_ROLE: &str = "reviewer_role";
pub const KEY_CYCLE: &str = "cycle";
pub const KEY_DUE_DATE: &str = "due_date";

/// Every provenance key, in the order written.
pub const KEYS: [&str; 12] = [
    KEY_FORM_ID,
    KEY_SCHEMA_VERSION,
    KEY_LADDER_ID,
    KEY_LADDER_FINGERPRINT,
    KEY_LADDER_VERSION,
    KEY_EMPLOYEE_ID,
    KEY_PERSON_NAME,
    KEY_CURRENT_LEVEL,
    KEY_REVIEWER,
    KEY_REVIEWER_ROLE,
    KEY_CYCLE,
    KEY_DUE_DATE,
];

/// The visible header: (key, label), one per row from [`HEADER_FIRST_ROW`].
pub const HEADER_FIELDS: [(&str, &str); 8] = [
    (KEY_PERSON_NAME, "Person"),
    (KEY_EMPLOYEE_ID, "Employee id"),
    (KEY_CURRENT_LEVEL, "Current level"),
    (KEY_REVIEWER, "Reviewer"),
    (KEY_REVIEWER_ROLE, "Reviewer role"),
    (KEY_CYCLE, "Cycle"),
    (KEY_DUE_DATE, "Due date"),
    (KEY_FORM_ID, "Form id"),
];

/// Row (0-based) of a visible header field, if `key` is one.
pub fn header_row(key: &str) -> Option<u32> {
    HEADER_FIELDS
        .iter()
        .position(|(k, _)| *k == key)
        .map(|i| HEADER_FIRST_ROW + i as u32)
}

/// Defined name of a header value cell: `rungs_<key>`.
pub fn defined_name(key: &str) -> String {
    format!("rungs_{key}")
}

/// Custom document property holding `key`: `rungs_<key>`.
pub fn property_name(key: &str) -> String {
    format!("rungs_{key}")
}

/// `Ratings!$A$1:$A$<count>`: the dropdown's source for `count` labels (not observed included).
pub fn ratings_range(count: usize) -> String {
    format!("{RATINGS_SHEET}!$A$1:$A${}", count.max(1))
}
