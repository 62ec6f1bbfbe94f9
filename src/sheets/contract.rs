//! The review-sheet contract: everything `rungs sheets` writes into a review workbook and
//! `rungs tally` reads back. Writer and importer both use this module; nothing about the layout
//! is hard-coded anywhere else.
//!
//! # Workbook layout (schema version [`SCHEMA_VERSION`])
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

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of this layout. Bump on any change an importer must know about.
pub const SCHEMA_VERSION: u32 = 1;

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

/// The reviewer's role, from the roster (`self`, `manager`, `peer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewerRole {
    #[serde(rename = "self")]
    SelfReview,
    Manager,
    Peer,
}

impl ReviewerRole {
    pub const ALL: [Self; 3] = [Self::SelfReview, Self::Manager, Self::Peer];

    /// The word stored in provenance and the roster: `self`, `manager` or `peer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfReview => "self",
            Self::Manager => "manager",
            Self::Peer => "peer",
        }
    }

    /// Parses the stored word (case-insensitive, surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
    }
}

/// Everything that identifies one review sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub form_id: String,
    pub schema_version: u32,
    pub ladder_id: String,
    pub ladder_fingerprint: String,
    pub ladder_version: String,
    pub employee_id: String,
    pub person_name: String,
    /// Level code.
    pub current_level: String,
    pub reviewer: String,
    pub reviewer_role: ReviewerRole,
    pub cycle: String,
    /// As given to `--due` (ISO date), or `None`.
    pub due_date: Option<String>,
}

/// Why key/value pairs are not a valid [`Provenance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvenanceError {
    /// A required key is absent or empty.
    Missing(&'static str),
    /// A key's value cannot be read (e.g. a version that is not a number).
    Invalid { key: &'static str, value: String },
}

impl std::fmt::Display for ProvenanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing(k) => write!(f, "provenance key `{k}` is missing or empty"),
            Self::Invalid { key, value } => {
                write!(
                    f,
                    "provenance key `{key}` has an unreadable value `{value}`"
                )
            }
        }
    }
}

impl std::error::Error for ProvenanceError {}

impl Provenance {
    /// The value of one key as written (empty string for an absent due date).
    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            KEY_FORM_ID => self.form_id.clone(),
            KEY_SCHEMA_VERSION => self.schema_version.to_string(),
            KEY_LADDER_ID => self.ladder_id.clone(),
            KEY_LADDER_FINGERPRINT => self.ladder_fingerprint.clone(),
            KEY_LADDER_VERSION => self.ladder_version.clone(),
            KEY_EMPLOYEE_ID => self.employee_id.clone(),
            KEY_PERSON_NAME => self.person_name.clone(),
            KEY_CURRENT_LEVEL => self.current_level.clone(),
            KEY_REVIEWER => self.reviewer.clone(),
            KEY_REVIEWER_ROLE => self.reviewer_role.as_str().to_owned(),
            KEY_CYCLE => self.cycle.clone(),
            KEY_DUE_DATE => self.due_date.clone().unwrap_or_default(),
            _ => return None,
        })
    }

    /// All pairs in [`KEYS`] order, as written to the provenance sheet and document properties.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        KEYS.iter()
            .map(|k| (*k, self.get(k).unwrap_or_default()))
            .collect()
    }

    /// Reads pairs back (order free, unknown keys ignored, values trimmed). Reports the first
    /// problem; `due_date` may be absent or empty.
    pub fn from_pairs<K, V>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ProvenanceError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut map = std::collections::HashMap::new();
        for (k, v) in pairs {
            if let Some(key) = KEYS.iter().find(|key| **key == k.as_ref().trim()) {
                map.insert(*key, v.as_ref().trim().to_owned());
            }
        }
        let req = |key: &'static str| -> Result<String, ProvenanceError> {
            map.get(key)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or(ProvenanceError::Missing(key))
        };
        let version = req(KEY_SCHEMA_VERSION)?;
        let schema_version = parse_version(&version).ok_or(ProvenanceError::Invalid {
            key: KEY_SCHEMA_VERSION,
            value: version,
        })?;
        let role = req(KEY_REVIEWER_ROLE)?;
        let reviewer_role = ReviewerRole::parse(&role).ok_or(ProvenanceError::Invalid {
            key: KEY_REVIEWER_ROLE,
            value: role,
        })?;
        Ok(Self {
            form_id: req(KEY_FORM_ID)?,
            schema_version,
            ladder_id: req(KEY_LADDER_ID)?,
            ladder_fingerprint: req(KEY_LADDER_FINGERPRINT)?,
            ladder_version: req(KEY_LADDER_VERSION)?,
            employee_id: req(KEY_EMPLOYEE_ID)?,
            person_name: req(KEY_PERSON_NAME)?,
            current_level: req(KEY_CURRENT_LEVEL)?,
            reviewer: req(KEY_REVIEWER)?,
            reviewer_role,
            cycle: req(KEY_CYCLE)?,
            due_date: map.get(KEY_DUE_DATE).filter(|v| !v.is_empty()).cloned(),
        })
    }
}

/// `1`, or `1.0` as `LibreOffice` may rewrite it.
fn parse_version(s: &str) -> Option<u32> {
    s.parse().ok().or_else(|| {
        s.parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u32)
    })
}

/// Stable form id of one review: `rv-` + 12 hex digits of SHA-256 over the cycle, employee id
/// and reviewer (each trimmed, separated by NUL so `a|bc` and `ab|c` differ).
pub fn form_id(cycle: &str, employee_id: &str, reviewer: &str) -> String {
    let mut h = Sha256::new();
    for part in [cycle, employee_id, reviewer] {
        h.update(part.trim().as_bytes());
        h.update([0]);
    }
    format!("rv-{}", &hex(&h.finalize())[..12])
}

/// The locked content of one competency row, as the importer reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedRow {
    pub competency_id: String,
    pub area: String,
    pub competency: String,
    /// Text of each level column, lowest level first.
    pub levels: Vec<String>,
}

/// SHA-256 (hex) of a sheet's locked text: the provenance pairs and every row's locked cells.
///
/// Line endings are normalised (`\r\n` and `\r` → `\n`) and each value trimmed first, because
/// `LibreOffice` and others rewrite them on save; anything else changed changes the hash.
pub fn locked_text_hash(prov: &Provenance, rows: &[LockedRow]) -> String {
    hex(&locked_text_digest(prov, rows))
}

/// The raw SHA-256 behind [`locked_text_hash`].
pub fn locked_text_digest(prov: &Provenance, rows: &[LockedRow]) -> [u8; 32] {
    fn norm(s: &str) -> String {
        s.replace("\r\n", "\n")
            .replace('\r', "\n")
            .trim()
            .to_owned()
    }
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        let n = norm(s);
        h.update((n.len() as u64).to_le_bytes());
        h.update(n.as_bytes());
    };
    for (k, v) in prov.to_pairs() {
        field(k);
        field(&v);
    }
    for r in rows {
        field(&r.competency_id);
        field(&r.area);
        field(&r.competency);
        for l in &r.levels {
            field(l);
        }
        field("\u{1e}");
    }
    h.finalize().into()
}

/// Text of one level cell: each expectation as `• text`, one per line.
pub fn level_cell_text<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|t| format!("• {t}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `manifest.json`: every review sent from one output folder (merged across runs by form id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// [`SCHEMA_VERSION`] of the sheets listed.
    pub schema_version: u32,
    /// `rungs <version>` that wrote it.
    pub generator: String,
    /// The entries kept from earlier runs as they were listed, then the last run's in roster
    /// order. Readers look entries up by form id; the order is for people reading the file.
    pub reviews: Vec<ManifestEntry>,
}

/// One review workbook sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The workbook's provenance (form id, ladder, person, reviewer, cycle, …).
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Path relative to the manifest's folder, `/`-separated.
    pub file: String,
    /// [`locked_text_hash`] of the workbook as sent.
    pub locked_text_sha256: String,
    /// SHA-256 of the workbook file as sent.
    pub file_sha256: String,
    /// Number of competency rows.
    pub competencies: usize,
}

impl Manifest {
    pub fn new(reviews: Vec<ManifestEntry>) -> Self {
        Self {
            format: MANIFEST_FORMAT.to_owned(),
            schema_version: SCHEMA_VERSION,
            generator: format!("rungs {}", env!("CARGO_PKG_VERSION")),
            reviews,
        }
    }
}

/// Writes a [`Manifest`] holding `reviews` as pretty JSON, with the same bytes as
/// `serde_json::to_writer_pretty(&Manifest::new(reviews))`, but taking the entries one at a
/// time: each is built, written and dropped before the next, so a long roster never has all
/// its entries in memory. `reviews` must already be in manifest order.
pub fn write_manifest<W, I>(w: W, reviews: I) -> serde_json::Result<()>
where
    W: std::io::Write,
    I: Iterator,
    I::Item: std::borrow::Borrow<ManifestEntry>,
{
    /// One entry, owned or borrowed.
    struct Entry<T>(T);
    impl<T: std::borrow::Borrow<ManifestEntry>> Serialize for Entry<T> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.borrow().serialize(s)
        }
    }
    /// The entries as a JSON array, drawn from the iterator while serialising.
    struct Lazy<I>(std::cell::Cell<Option<I>>);
    impl<I> Serialize for Lazy<I>
    where
        I: Iterator,
        I::Item: std::borrow::Borrow<ManifestEntry>,
    {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let it = self.0.take().ok_or_else(|| {
                serde::ser::Error::custom("the manifest's entries were already written")
            })?;
            s.collect_seq(it.map(Entry))
        }
    }
    /// [`Manifest`] with borrowed header fields and lazy entries (a unit test checks that
    /// both give the same bytes).
    #[derive(Serialize)]
    #[serde(bound = "Lazy<I>: Serialize")]
    struct Streamed<'a, I> {
        format: &'a str,
        schema_version: u32,
        generator: &'a str,
        reviews: Lazy<I>,
    }
    let head = Manifest::new(Vec::new());
    serde_json::to_writer_pretty(
        w,
        &Streamed {
            format: &head.format,
            schema_version: head.schema_version,
            generator: &head.generator,
            reviews: Lazy(std::cell::Cell::new(Some(reviews))),
        },
    )
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prov() -> Provenance {
        Provenance {
            form_id: form_id("2026-H2", "E1", "Dana"),
            schema_version: SCHEMA_VERSION,
            ladder_id: "titles-for-ops".into(),
            ladder_fingerprint: "0123456789abcdef".into(),
            ladder_version: "1".into(),
            employee_id: "E1".into(),
            person_name: "Ada".into(),
            current_level: "L2".into(),
            reviewer: "Dana".into(),
            reviewer_role: ReviewerRole::Manager,
            cycle: "2026-H2".into(),
            due_date: None,
        }
    }

    #[test]
    fn pairs_round_trip() {
        let p = prov();
        assert_eq!(Provenance::from_pairs(p.to_pairs()), Ok(p.clone()));
        let mut with_due = p;
        with_due.due_date = Some("2026-12-01".into());
        assert_eq!(
            Provenance::from_pairs(with_due.to_pairs()),
            Ok(with_due.clone())
        );
    }

    #[test]
    fn pairs_tolerate_libreoffice_floats_and_report_missing() {
        let mut pairs = prov().to_pairs();
        pairs[1].1 = "1.0".into();
        assert_eq!(Provenance::from_pairs(pairs.clone()), Ok(prov()));
        pairs.retain(|(k, _)| *k != KEY_CYCLE);
        assert_eq!(
            Provenance::from_pairs(pairs),
            Err(ProvenanceError::Missing(KEY_CYCLE))
        );
    }

    #[test]
    fn form_id_is_stable_and_separates_parts() {
        let a = form_id("2026-H2", "E1", "Dana");
        assert_eq!(a, form_id(" 2026-H2", "E1 ", "Dana"));
        assert_eq!(a.len(), 15);
        assert!(a.starts_with("rv-"));
        assert_ne!(form_id("c", "ab", "c"), form_id("c", "a", "bc"));
    }

    #[test]
    fn locked_hash_ignores_line_endings_only() {
        let rows = vec![LockedRow {
            competency_id: "a.b".into(),
            area: "A".into(),
            competency: "B".into(),
            levels: vec!["• x\n• y".into(), String::new()],
        }];
        let h = locked_text_hash(&prov(), &rows);
        let mut crlf = rows.clone();
        crlf[0].levels[0] = "• x\r\n• y".into();
        assert_eq!(h, locked_text_hash(&prov(), &crlf));
        let mut edited = rows;
        edited[0].levels[1] = "• z".into();
        assert_ne!(h, locked_text_hash(&prov(), &edited));
    }

    #[test]
    fn streamed_manifest_has_the_bytes_of_the_manifest() {
        let entry = |i: usize| ManifestEntry {
            provenance: Provenance {
                form_id: form_id("2026-H2", &format!("E{i}"), "Dana"),
                person_name: format!("Zoë “{i}” \\ \u{1e}"),
                due_date: i.is_multiple_of(2).then(|| "2026-12-01".into()),
                ..prov()
            },
            file: format!("2026-H2/Dana/E{i}.xlsx"),
            locked_text_sha256: hex(&[i as u8; 32]),
            file_sha256: hex(&[7; 32]),
            competencies: i,
        };
        for n in [0, 1, 3] {
            let entries: Vec<ManifestEntry> = (0..n).map(entry).collect();
            let mut want = Vec::new();
            serde_json::to_writer_pretty(&mut want, &Manifest::new(entries.clone()))
                .expect("serialises");
            let mut got = Vec::new();
            write_manifest(&mut got, entries.iter()).expect("streams");
            assert_eq!(got, want, "borrowed entries");
            got.clear();
            write_manifest(&mut got, entries.into_iter()).expect("streams");
            assert_eq!(
                String::from_utf8(got).expect("utf-8"),
                String::from_utf8(want).expect("utf-8")
            );
        }
    }

    #[test]
    fn header_rows_and_names() {
        assert_eq!(header_row(KEY_PERSON_NAME), Some(HEADER_FIRST_ROW));
        assert_eq!(header_row(KEY_FORM_ID), Some(HEADER_FIRST_ROW + 7));
        assert!(HEADER_FIRST_ROW + (HEADER_FIELDS.len() as u32) < TABLE_HEADER_ROW);
        assert_eq!(ratings_range(6), "Ratings!$A$1:$A$6");
        assert_eq!(level_col(2), 7);
    }
}
