//! The decisions workbook: what the calibration meeting agreed, person by person. `rungs
//! decisions` writes it from a tally ([`write`]); `rungs outcomes` reads the returned copies
//! back ([`read`]), merges them and writes the record HR keeps ([`outcomes`]). This file holds
//! the layout, the provenance and the facts each row shows; `docs/decisions.md` describes the
//! format for people.
//!
//! # Layout (schema version [`SCHEMA_VERSION`])
//!
//! | sheet | visibility | content |
//! |---|---|---|
//! | [`DECISIONS_SHEET`] `Decisions` | visible, active, protected, autofilter | header, one row per person |
//! | `Provenance` | very hidden | key/value pairs ([`KEYS`]), as in review workbooks |
//! | [`LEVELS_SHEET`] `Levels` | hidden | the ladder's level codes (the dropdowns' source) |
//!
//! The Decisions sheet: a title in A1; the visible header from row 2, one field a row
//! ([`HEADER_FIELDS`], label in column A, value in column B); a note; the column titles in
//! row [`TABLE_HEADER_ROW`] + 1 (the autofilter's row, repeated on printed pages); from row
//! [`FIRST_DATA_ROW`] + 1 one row per person, found again by the employee id in column A.
//! Columns A–H ([`LOCKED_COLUMNS`]) are the tally's facts, locked; I–L are filled in.
//!
//! Provenance has three copies, as review workbooks have: the visible header, the hidden
//! `Provenance` sheet and the custom document properties `rungs_<key>`.

pub mod outcomes;
pub mod read;
pub mod write;

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Error, Flags};
use crate::model::Ladder;
use crate::packet::{level_code, same_team, unknown_team};
use crate::tally::read::{Person, TallyFile};
use crate::util::text::hex;
use crate::workbook::read::copies::CopyLayout;

/// Version of this layout. Bump on any change an importer must know about.
pub const SCHEMA_VERSION: u32 = 1;
/// Value of the `format` key: what tells a decisions workbook from a review workbook.
pub const FORMAT: &str = "rungs-decisions";
/// The file `rungs decisions` writes.
pub const FILE: &str = "decisions.xlsx";

pub const DECISIONS_SHEET: &str = "Decisions";
pub const LEVELS_SHEET: &str = "Levels";
/// Defined name (workbook scope) of the level codes' range.
pub const LEVELS_NAME: &str = "rungs_levels";

pub const KEY_FORMAT: &str = "format";
pub const KEY_SCHEMA_VERSION: &str = "schema_version";
pub const KEY_DECISIONS_ID: &str = "decisions_id";
pub const KEY_LADDER_ID: &str = "ladder_id";
pub const KEY_LADDER_FINGERPRINT: &str = "ladder_fingerprint";
pub const KEY_LADDER_VERSION: &str = "ladder_version";
pub const KEY_CYCLE: &str = "cycle";
pub const KEY_TALLY_SHA256: &str = "tally_sha256";
pub const KEY_LEVELS: &str = "levels";
pub const KEY_TEAM: &str = "team";
pub const KEY_PEOPLE: &str = "people";

/// Every provenance key, in the order written.
pub const KEYS: [&str; 11] = [
    KEY_FORMAT,
    KEY_SCHEMA_VERSION,
    KEY_DECISIONS_ID,
    KEY_LADDER_ID,
    KEY_LADDER_FINGERPRINT,
    KEY_LADDER_VERSION,
    KEY_CYCLE,
    KEY_TALLY_SHA256,
    KEY_LEVELS,
    KEY_TEAM,
    KEY_PEOPLE,
];

/// The visible header: (key, label), one per row from [`HEADER_FIRST_ROW`].
pub const HEADER_FIELDS: [(&str, &str); 7] = [
    (KEY_CYCLE, "Cycle"),
    (KEY_LEVELS, "Levels (empty: all)"),
    (KEY_TEAM, "Team (empty: all)"),
    (KEY_LADDER_FINGERPRINT, "Ladder fingerprint"),
    (KEY_TALLY_SHA256, "Tally (SHA-256)"),
    (KEY_DECISIONS_ID, "Decisions id"),
    (KEY_SCHEMA_VERSION, "Format version"),
];

/// Row (0-based) of the first header field.
pub const HEADER_FIRST_ROW: u32 = 1;
/// Columns (0-based) of the header's labels and values.
pub const HEADER_LABEL_COL: u16 = 0;
pub const HEADER_VALUE_COL: u16 = 1;
/// Row (0-based) of the column titles (the autofilter's row).
pub const TABLE_HEADER_ROW: u32 = 9;
/// First row (0-based) holding a person.
pub const FIRST_DATA_ROW: u32 = 10;

pub const COL_EMPLOYEE_ID: u16 = 0;
pub const COL_NAME: u16 = 1;
pub const COL_TEAM: u16 = 2;
pub const COL_CURRENT: u16 = 3;
pub const COL_SUGGESTED: u16 = 4;
pub const COL_GAP: u16 = 5;
pub const COL_REVIEWS: u16 = 6;
pub const COL_CONSENSUS: u16 = 7;
pub const COL_PROPOSED: u16 = 8;
pub const COL_AGREED: u16 = 9;
pub const COL_REASON: u16 = 10;
pub const COL_DECIDED_BY: u16 = 11;
/// The last column of the table.
pub const LAST_COL: u16 = COL_DECIDED_BY;

/// The locked facts of a row, in column order from A: the tally's, never edited.
pub const LOCKED_COLUMNS: [(u16, &str); 8] = [
    (COL_EMPLOYEE_ID, "Employee id"),
    (COL_NAME, "Name"),
    (COL_TEAM, "Team"),
    (COL_CURRENT, "Current level"),
    (COL_SUGGESTED, "Suggested level"),
    (COL_GAP, "Gap"),
    (COL_REVIEWS, "Reviews"),
    (COL_CONSENSUS, "Consensus"),
];

/// The cells the meeting fills in.
pub const INPUT_COLUMNS: [(u16, &str); 4] = [
    (COL_PROPOSED, "Proposed level"),
    (COL_AGREED, "Agreed level"),
    (COL_REASON, "Reason"),
    (COL_DECIDED_BY, "Decided by"),
];

/// Where the provenance copies are, for the shared copy reader.
pub(crate) const COPIES: CopyLayout = CopyLayout {
    keys: &KEYS,
    header: &HEADER_FIELDS,
    header_first_row: HEADER_FIRST_ROW,
    header_value_col: HEADER_VALUE_COL,
    provenance_sheet: crate::workbook::PROVENANCE_SHEET,
    bundles: false,
};

/// `Levels!$A$1:$A$<count>`: the dropdowns' source.
pub fn levels_range(count: usize) -> String {
    format!("{LEVELS_SHEET}!$A$1:$A${}", count.max(1))
}

/// What identifies one decisions workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub schema_version: u32,
    pub decisions_id: String,
    pub ladder_id: String,
    pub ladder_fingerprint: String,
    pub ladder_version: String,
    pub cycle: String,
    /// SHA-256 (hex) of the `tally.json` the workbook was made from.
    pub tally_sha256: String,
    pub scope: Scope,
    /// Rows written.
    pub people: usize,
}

/// Which people of the tally a workbook holds: those at one of `levels` (all when empty) and
/// in `team` (any when `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Scope {
    /// Level codes as the ladder spells them, in ladder order.
    pub levels: Vec<String>,
    pub team: Option<String>,
}

impl Scope {
    /// The levels as written: codes joined by `, `.
    pub fn levels_text(&self) -> String {
        self.levels.join(", ")
    }

    /// Whether `p` belongs in the workbook.
    pub fn holds(&self, p: &Person) -> bool {
        (self.levels.is_empty() || self.levels.contains(&p.current_level))
            && self.team.as_deref().is_none_or(|t| same_team(p, t))
    }

    /// In words, for messages: `everyone`, `level L3, team Platform`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.levels.is_empty() {
            parts.push(format!("level {}", self.levels.join(" or ")));
        }
        if let Some(t) = &self.team {
            parts.push(format!("team {t}"));
        }
        if parts.is_empty() {
            "everyone".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// `dc-` + 12 hex digits of SHA-256 over the tally's digest, the levels and the team (each
/// followed by NUL): the same tally and filters give the same id, so two returned versions of
/// one workbook are recognised, and the visible header alone proves which workbook it is.
pub fn decisions_id(tally_sha256: &str, scope: &Scope) -> String {
    let mut h = Sha256::new();
    for part in [
        tally_sha256,
        &scope.levels_text(),
        scope.team.as_deref().unwrap_or(""),
    ] {
        h.update(part.trim().as_bytes());
        h.update([0]);
    }
    format!("dc-{}", &hex(&h.finalize())[..12])
}

impl Provenance {
    /// All pairs in [`KEYS`] order, as written to the three copies.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            (KEY_FORMAT, FORMAT.to_owned()),
            (KEY_SCHEMA_VERSION, self.schema_version.to_string()),
            (KEY_DECISIONS_ID, self.decisions_id.clone()),
            (KEY_LADDER_ID, self.ladder_id.clone()),
            (KEY_LADDER_FINGERPRINT, self.ladder_fingerprint.clone()),
            (KEY_LADDER_VERSION, self.ladder_version.clone()),
            (KEY_CYCLE, self.cycle.clone()),
            (KEY_TALLY_SHA256, self.tally_sha256.clone()),
            (KEY_LEVELS, self.scope.levels_text()),
            (KEY_TEAM, self.scope.team.clone().unwrap_or_default()),
            (KEY_PEOPLE, self.people.to_string()),
        ]
    }

    /// Reads pairs back (order free, unknown keys ignored, values trimmed); the levels, the
    /// team and the count may be empty. `Err` names the first key missing or unreadable.
    pub fn from_pairs<'p>(
        pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) -> Result<Self, String> {
        let mut map = std::collections::BTreeMap::new();
        for (k, v) in pairs {
            map.insert(k.trim(), v.trim());
        }
        let get = |k: &str| map.get(k).copied().unwrap_or("");
        let req = |k: &'static str| -> Result<String, String> {
            Some(get(k))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("provenance key `{k}` is missing or empty"))
        };
        if get(KEY_FORMAT) != FORMAT {
            return Err(format!("provenance key `{KEY_FORMAT}` is not `{FORMAT}`"));
        }
        let version = req(KEY_SCHEMA_VERSION)?;
        let schema_version = version
            .parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && (0.0..1e6).contains(f))
            .map(|f| f as u32)
            .ok_or_else(|| format!("provenance key `{KEY_SCHEMA_VERSION}` is `{version}`"))?;
        let levels = get(KEY_LEVELS)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let team = Some(get(KEY_TEAM))
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        Ok(Self {
            schema_version,
            decisions_id: req(KEY_DECISIONS_ID)?,
            ladder_id: req(KEY_LADDER_ID)?,
            ladder_fingerprint: req(KEY_LADDER_FINGERPRINT)?,
            ladder_version: req(KEY_LADDER_VERSION)?,
            cycle: req(KEY_CYCLE)?,
            tally_sha256: req(KEY_TALLY_SHA256)?,
            scope: Scope { levels, team },
            people: get(KEY_PEOPLE).parse::<f64>().map_or(0, |f| f as usize),
        })
    }
}

/// The scope the filters name: level codes checked against the ladder (any case), the team
/// against the tally's teams. Every problem at once.
pub fn scope(
    tally: &TallyFile,
    ladder: &Ladder,
    levels: &[String],
    team: Option<&str>,
    flags: &Flags,
) -> Result<Scope, Error> {
    let mut problems = Vec::new();
    let mut codes = Vec::new();
    for code in levels {
        match level_code(ladder, code) {
            Some(c) => codes.push(c.to_owned()),
            None => problems.push(
                Diagnostic::failure(
                    "unknown-level",
                    format!(
                        "the ladder has no level `{}`",
                        crate::util::text::shorten(code, 40)
                    ),
                )
                .with_hint(format!("its levels are {}", level_codes(ladder).join(", "))),
            ),
        }
    }
    if let Some(t) = team
        && let Some(d) = unknown_team(&tally.tally.people, t, flags)
    {
        problems.push(d);
    }
    if !problems.is_empty() {
        return Err(Error::input(problems));
    }
    codes.sort_by_key(|c| ladder.level(c).map_or(0, |l| l.index));
    codes.dedup();
    Ok(Scope {
        levels: codes,
        team: team.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
    })
}

/// The ladder's level codes, lowest first.
pub fn level_codes(ladder: &Ladder) -> Vec<&str> {
    ladder.levels.iter().map(|l| l.code.as_str()).collect()
}

/// The people of `scope` (indexes into the tally) in row order: by current level, team, name,
/// employee id.
pub fn people(tally: &TallyFile, ladder: &Ladder, scope: &Scope) -> Vec<usize> {
    let people = &tally.tally.people;
    let mut chosen: Vec<usize> = (0..people.len())
        .filter(|&i| scope.holds(&people[i]))
        .collect();
    chosen.sort_by_key(|&i| {
        let p = &people[i];
        let level = ladder.level(&p.current_level).map_or(0, |l| l.index);
        (
            level,
            p.team.as_deref().unwrap_or("\u{10ffff}"),
            p.name.as_str(),
            p.employee_id.as_str(),
        )
    });
    chosen
}

/// The locked facts of one person's row, as written and as compared when read back, in the
/// order of [`LOCKED_COLUMNS`]. The gap is a number in the workbook; here it is its text.
pub fn facts(p: &Person, ladder: &Ladder) -> [String; 8] {
    let reviews = match p.reviews_expected {
        Some(n) => format!("{} of {n}", p.reviews.len()),
        None => p.reviews.len().to_string(),
    };
    [
        p.employee_id.clone(),
        p.name.clone(),
        p.team.clone().unwrap_or_default(),
        p.current_level.clone(),
        p.suggested_level.clone().unwrap_or_default(),
        p.gap.map(|g| g.to_string()).unwrap_or_default(),
        reviews,
        consensus_summary(p, ladder),
    ]
}

/// The consensus in a few words: how many competencies reached each level or rating, e.g.
/// `L3 ×6, L4 ×3; 1 without`; with the reason when there is no suggestion.
pub fn consensus_summary(p: &Person, ladder: &Ladder) -> String {
    let mut counts: Vec<(String, usize)> = ladder
        .rating
        .options
        .iter()
        .map(|o| (o.label.clone(), 0))
        .collect();
    let mut without = 0;
    for c in &p.competencies {
        match c
            .consensus_label
            .as_ref()
            .and_then(|l| counts.iter_mut().find(|(label, _)| label == l))
        {
            Some((_, n)) => *n += 1,
            None => without += 1,
        }
    }
    let mut parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{l} ×{n}"))
        .collect();
    if parts.is_empty() {
        parts.push("no consensus".to_owned());
    }
    let mut out = parts.join(", ");
    if without > 0 && without < p.competencies.len() {
        let _ = write!(out, "; {without} without");
    }
    if p.suggested_level.is_none()
        && let Some(why) = &p.no_suggestion
    {
        let _ = write!(out, " (no suggestion: {why})");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_round_trips() {
        let scope = Scope {
            levels: vec!["L3".into(), "L4".into()],
            team: Some("Platform".into()),
        };
        let p = Provenance {
            schema_version: SCHEMA_VERSION,
            decisions_id: decisions_id("abc", &scope),
            ladder_id: "x".into(),
            ladder_fingerprint: "0123456789abcdef".into(),
            ladder_version: "unversioned".into(),
            cycle: "2026-H2".into(),
            tally_sha256: "abc".into(),
            scope,
            people: 12,
        };
        let pairs = p.to_pairs();
        let back = Provenance::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, Ok(p));
    }

    #[test]
    fn ids_depend_on_tally_and_scope() {
        let all = Scope::default();
        let l3 = Scope {
            levels: vec!["L3".into()],
            team: None,
        };
        assert_eq!(decisions_id("a", &all), decisions_id("a", &all));
        assert_ne!(decisions_id("a", &all), decisions_id("b", &all));
        assert_ne!(decisions_id("a", &all), decisions_id("a", &l3));
        assert!(decisions_id("a", &all).starts_with("dc-"));
    }
}
