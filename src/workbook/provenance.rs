//! Provenance: what identifies one review workbook (form id, ladder, person, reviewer, cycle),
//! written in three copies and read back from whichever survive; and the reviewer's role.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    KEY_CURRENT_LEVEL, KEY_CYCLE, KEY_DUE_DATE, KEY_EMPLOYEE_ID, KEY_FORM_ID,
    KEY_LADDER_FINGERPRINT, KEY_LADDER_ID, KEY_LADDER_VERSION, KEY_PERSON_NAME, KEY_REVIEWER,
    KEY_REVIEWER_ROLE, KEY_SCHEMA_VERSION, KEYS,
};
use crate::diag::Diagnostic;
use crate::util::text::hex;

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

    /// Why pairs lack a required key.
    pub(crate) fn missing(key: &'static str) -> Diagnostic {
        Diagnostic::failure(
            "provenance-missing",
            format!("provenance key `{key}` is missing or empty"),
        )
    }

    /// Why a key's value cannot be read.
    fn invalid(key: &'static str, value: &str) -> Diagnostic {
        Diagnostic::failure(
            "provenance-invalid",
            format!("provenance key `{key}` has an unreadable value `{value}`"),
        )
    }

    /// Reads pairs back (order free, unknown keys ignored, values trimmed). Reports the first
    /// problem; `due_date` may be absent or empty.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, Diagnostic>
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
        let req = |key: &'static str| -> Result<String, Diagnostic> {
            map.get(key)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| Self::missing(key))
        };
        let version = req(KEY_SCHEMA_VERSION)?;
        let schema_version =
            parse_version(&version).ok_or_else(|| Self::invalid(KEY_SCHEMA_VERSION, &version))?;
        let role = req(KEY_REVIEWER_ROLE)?;
        let reviewer_role =
            ReviewerRole::parse(&role).ok_or_else(|| Self::invalid(KEY_REVIEWER_ROLE, &role))?;
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
