//! Last cycle, for `rungs tally --previous`: a previous `tally.json` or `outcomes.json` read
//! (only what the comparison needs), matched with this cycle by employee id and competency id.
//! Competencies added, removed or renamed between the two ladders are listed, never matched by
//! position; people who left are listed too.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::output::{JSON_FORMAT, JSON_FORMAT_VERSION};
use crate::decisions::outcomes::{
    JSON_FORMAT as OUTCOMES_FORMAT, JSON_FORMAT_VERSION as OUTCOMES_VERSION,
};
use crate::diag::{Diagnostic, Error, Location};
use crate::model::Ladder;
use crate::util::text::{hex, io_reason, shorten};
use sha2::{Digest, Sha256};

/// `tally.json` versions a previous cycle may come in: the people and consensus fields read
/// here are the same in both.
const TALLY_VERSIONS: [u32; 2] = [2, JSON_FORMAT_VERSION];

/// Where last cycle's level comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LevelSource {
    /// The level the calibration meeting agreed (`outcomes.json`).
    Agreed,
    /// The level the tally suggested (`tally.json`, or no agreed level recorded).
    Suggested,
}

/// One person of last cycle.
#[derive(Debug, Clone)]
pub struct PrevPerson {
    pub name: String,
    /// Agreed (or suggested) level code, as last cycle's ladder spells it.
    pub level: Option<String>,
    pub source: LevelSource,
    /// Competency id → consensus value and label.
    pub consensus: HashMap<String, (Option<i32>, Option<String>)>,
}

/// Last cycle, as read.
#[derive(Debug, Clone)]
pub struct Previous {
    /// The file's name (no folders), as shown in the outputs.
    pub file: String,
    /// SHA-256 (hex) of the file's bytes: part of the run digest.
    pub sha256: String,
    /// `rungs-tally` or `rungs-outcomes`.
    pub format: &'static str,
    pub cycles: Vec<String>,
    pub ladder_fingerprint: String,
    /// Competency ids of last cycle, in its order.
    pub competencies: Vec<String>,
    pub people: HashMap<String, PrevPerson>,
    /// Employee ids in the file's order.
    pub order: Vec<String>,
}

#[derive(Deserialize)]
struct Head {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct LadderRef {
    fingerprint: String,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
    consensus: Option<i32>,
    #[serde(alias = "label")]
    consensus_label: Option<String>,
}

/// Either kind of file, in one pass: the fields of both, each optional.
#[derive(Deserialize)]
struct AnyDoc {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
    ladder: Option<LadderRef>,
    #[serde(default)]
    cycles: Vec<String>,
    tally: Option<TallyPeople>,
    outcomes: Option<Vec<OutcomePerson>>,
}

#[derive(Deserialize)]
struct TallyPeople {
    people: Vec<TallyPerson>,
}

#[derive(Deserialize)]
struct TallyPerson {
    employee_id: String,
    name: String,
    suggested_level: Option<String>,
    competencies: Vec<Entry>,
}

#[derive(Deserialize)]
struct OutcomePerson {
    employee_id: String,
    name: String,
    suggested_level: Option<String>,
    agreed_level: Option<String>,
    consensus: Vec<Entry>,
}

/// The file `--previous` names: a `tally.json` or `outcomes.json`, or a folder holding one
/// (`outcomes.json` first: it has the agreed levels).
fn file_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        let outcomes = path.join("outcomes.json");
        if outcomes.exists() {
            return outcomes;
        }
        return path.join("tally.json");
    }
    path.to_path_buf()
}

/// Reads last cycle from `path`. Format and version are checked first, so a file of another
/// kind gets that message rather than one about a missing field.
pub fn load(path: &Path) -> Result<Previous, Error> {
    let file = file_of(path);
    let shown = file.display().to_string();
    let loc = || Location::File {
        file: shown.clone(),
    };
    let unreadable = |e: &std::io::Error| {
        Diagnostic::error(
            "previous-unreadable",
            format!("cannot read last cycle's tally or outcomes: {}", io_reason(e)),
            loc(),
        )
        .with_hint("give last cycle's tally.json (from `rungs tally`) or outcomes.json (from `rungs outcomes`), or the folder holding it")
    };
    // Read whole and parsed from memory: several times faster than parsing from a reader, for
    // a transient copy of the file (the tally's own memory holds only what is kept).
    let bytes = std::fs::read(&file).map_err(|e| unreadable(&e))?;
    let parsed: Result<AnyDoc, _> = serde_json::from_slice(&bytes);
    let head = match &parsed {
        Ok(doc) => (doc.format.clone(), doc.format_version.clone()),
        // Which format a file that does not parse claims to be decides the message.
        Err(_) => serde_json::from_slice::<Head>(&bytes)
            .map(|h| (h.format, h.format_version))
            .unwrap_or_default(),
    };
    let format = head.0.as_ref().and_then(|v| v.as_str()).unwrap_or("");
    let version = head.1.as_ref().and_then(serde_json::Value::as_u64);
    let known = match format {
        JSON_FORMAT => version.is_some_and(|v| TALLY_VERSIONS.iter().any(|&ok| u64::from(ok) == v)),
        OUTCOMES_FORMAT => version == Some(u64::from(OUTCOMES_VERSION)),
        _ => false,
    };
    if !known {
        return Err(Diagnostic::error(
            "previous-format",
            format!(
                "last cycle's file is `{}` version {}, not a rungs tally (`{JSON_FORMAT}` 2 or {JSON_FORMAT_VERSION}) or outcomes (`{OUTCOMES_FORMAT}` {OUTCOMES_VERSION})",
                shorten(format, 40),
                version.map_or_else(|| "none".to_owned(), |v| v.to_string())
            ),
            loc(),
        )
        .with_hint("give last cycle's tally.json or outcomes.json as rungs wrote it")
        .into());
    }
    let shape = |what: String| {
        Diagnostic::error(
            "previous-json",
            format!("last cycle's file cannot be read: {what}"),
            loc(),
        )
        .with_hint("give the tally.json or outcomes.json as rungs wrote it")
    };
    let doc = parsed.map_err(|e| shape(e.to_string()))?;
    let name = file
        .file_name()
        .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let ladder = doc.ladder.ok_or_else(|| shape("no `ladder`".into()))?;
    let mut prev = if format == JSON_FORMAT {
        let tally = doc.tally.ok_or_else(|| shape("no `tally`".into()))?;
        from_tally(name, doc.cycles, ladder, tally)
    } else {
        let outcomes = doc.outcomes.ok_or_else(|| shape("no `outcomes`".into()))?;
        from_outcomes(name, doc.cycles, ladder, outcomes)
    };
    prev.sha256 = hex(&Sha256::digest(&bytes));
    Ok(prev)
}

fn consensus_map(list: Vec<Entry>) -> HashMap<String, (Option<i32>, Option<String>)> {
    list.into_iter()
        .map(|c| (c.id, (c.consensus, c.consensus_label)))
        .collect()
}

fn from_tally(
    file: String,
    cycles: Vec<String>,
    ladder: LadderRef,
    tally: TallyPeople,
) -> Previous {
    let competencies = tally
        .people
        .first()
        .map(|p| p.competencies.iter().map(|c| c.id.clone()).collect())
        .unwrap_or_default();
    let mut prev = empty(file, JSON_FORMAT, cycles, ladder.fingerprint, competencies);
    for p in tally.people {
        prev.add(
            p.employee_id,
            PrevPerson {
                name: p.name,
                level: p.suggested_level,
                source: LevelSource::Suggested,
                consensus: consensus_map(p.competencies),
            },
        );
    }
    prev
}

fn from_outcomes(
    file: String,
    cycles: Vec<String>,
    ladder: LadderRef,
    outcomes: Vec<OutcomePerson>,
) -> Previous {
    let competencies = outcomes
        .first()
        .map(|p| p.consensus.iter().map(|c| c.id.clone()).collect())
        .unwrap_or_default();
    let mut prev = empty(
        file,
        OUTCOMES_FORMAT,
        cycles,
        ladder.fingerprint,
        competencies,
    );
    for p in outcomes {
        let (level, source) = match p.agreed_level {
            Some(l) => (Some(l), LevelSource::Agreed),
            None => (p.suggested_level, LevelSource::Suggested),
        };
        prev.add(
            p.employee_id,
            PrevPerson {
                name: p.name,
                level,
                source,
                consensus: consensus_map(p.consensus),
            },
        );
    }
    prev
}

fn empty(
    file: String,
    format: &'static str,
    cycles: Vec<String>,
    ladder_fingerprint: String,
    competencies: Vec<String>,
) -> Previous {
    Previous {
        file,
        sha256: String::new(),
        format,
        cycles,
        ladder_fingerprint,
        competencies,
        people: HashMap::new(),
        order: Vec::new(),
    }
}

impl Previous {
    /// Adds a person; the first entry of an employee id wins.
    fn add(&mut self, id: String, p: PrevPerson) {
        if !self.people.contains_key(&id) {
            self.order.push(id.clone());
            self.people.insert(id, p);
        }
    }
}

/// What changed between the two cycles, beyond the per-person values: the `history` object of
/// `tally.json` and the head of the History sheet.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Last cycle's file name.
    pub source: String,
    pub format: &'static str,
    pub cycles: Vec<String>,
    pub ladder_fingerprint: String,
    /// People of this tally found last cycle.
    pub people_matched: usize,
    /// Employee ids of this tally not found last cycle.
    pub people_new: Vec<String>,
    /// People of last cycle not in this tally.
    pub people_left: Vec<Left>,
    /// Competency ids of this ladder that last cycle did not have (new, or renamed without an
    /// explicit id): never matched by position.
    pub competencies_added: Vec<String>,
    /// Competency ids of last cycle this ladder does not have.
    pub competencies_removed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Left {
    pub employee_id: String,
    pub name: String,
}

/// Compares last cycle with this tally's people (employee ids) on `ladder`.
pub fn summary<'p>(
    prev: &Previous,
    ladder: &Ladder,
    people: impl Iterator<Item = &'p str>,
) -> Summary {
    let now: BTreeSet<&str> = people.collect();
    let ids: Vec<&str> = ladder.competencies().map(|c| c.id.as_str()).collect();
    let before: BTreeSet<&str> = prev.competencies.iter().map(String::as_str).collect();
    Summary {
        source: prev.file.clone(),
        format: prev.format,
        cycles: prev.cycles.clone(),
        ladder_fingerprint: prev.ladder_fingerprint.clone(),
        people_matched: now
            .iter()
            .filter(|id| prev.people.contains_key(**id))
            .count(),
        people_new: now
            .iter()
            .filter(|id| !prev.people.contains_key(**id))
            .map(|id| (*id).to_owned())
            .collect(),
        people_left: prev
            .order
            .iter()
            .filter(|id| !now.contains(id.as_str()))
            .map(|id| Left {
                employee_id: id.clone(),
                name: prev.people[id].name.clone(),
            })
            .collect(),
        competencies_added: ids
            .iter()
            .filter(|id| !before.contains(**id))
            .map(|id| (*id).to_owned())
            .collect(),
        competencies_removed: prev
            .competencies
            .iter()
            .filter(|id| !ids.contains(&id.as_str()))
            .cloned()
            .collect(),
    }
}

/// A person's level last cycle, as `tally.json` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PreviousLevel<'a> {
    pub level: Option<&'a str>,
    pub source: LevelSource,
    /// This cycle's suggested level minus last cycle's level, in levels of this ladder, when
    /// both are known and on it.
    pub change: Option<i32>,
}

impl PrevPerson {
    /// Last cycle's level and the change to `suggested` (this cycle) on `ladder`.
    pub fn level_on<'a>(&'a self, ladder: &Ladder, suggested: Option<&str>) -> PreviousLevel<'a> {
        let index = |code: &str| ladder.level(code).map(|l| crate::util::to_i32(l.index));
        PreviousLevel {
            level: self.level.as_deref(),
            source: self.source,
            change: suggested
                .and_then(index)
                .zip(self.level.as_deref().and_then(index))
                .map(|(now, then)| now - then),
        }
    }

    /// Last cycle's consensus of a competency (value, label).
    pub fn consensus_of(&self, id: &str) -> (Option<i32>, Option<&str>) {
        self.consensus
            .get(id)
            .map_or((None, None), |(v, l)| (*v, l.as_deref()))
    }
}
