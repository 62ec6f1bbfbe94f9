//! The ladder model: the one data structure every backend (PDF, workbooks, tally) reads.
//!
//! It serialises to the JSON contract documented in `docs/json-contract.md`
//! (`rungs export json`), which is also what the Typst layouts read.

use serde::{Deserialize, Serialize};

/// Version of the JSON contract. Bump on any breaking change to its shape.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// A whole career ladder: levels in order, areas, competencies and their expectations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ladder {
    /// Always `"rungs-ladder"`, so a reader can tell what the JSON is.
    pub format: String,
    /// [`JSON_FORMAT_VERSION`].
    pub format_version: u32,
    pub meta: Meta,
    /// Levels, lowest first.
    pub levels: Vec<Level>,
    /// What reviewers pick from for each competency.
    pub rating: RatingScale,
    /// Areas in order of first appearance; each holds its competencies.
    pub areas: Vec<Area>,
}

/// Facts about the ladder as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Stable identifier (front matter `id`, else derived from the title).
    pub id: String,
    pub title: String,
    /// Front matter `version`; `"unversioned"` when absent.
    pub version: String,
    /// 16 hex digits of SHA-256 over the normalised content; identifies the ladder in review sheets.
    pub fingerprint: String,
    /// Who owns the ladder (front matter `organisation`), shown as PDF author.
    pub organisation: Option<String>,
    /// BCP 47 language tag of the text (front matter `language`, default `en`).
    pub language: String,
    /// Paragraph(s) under the `#` title, if any.
    pub description: Option<String>,
    /// File name the ladder was read from (no directories).
    pub source: String,
}

/// One rung of the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// Short code from the heading, e.g. `L3` in `## Senior SRE (L3)`.
    pub code: String,
    pub title: String,
    /// 0-based position, lowest level first.
    pub index: usize,
    /// Paragraph(s) under the level heading, if any.
    pub summary: Option<String>,
}

/// A group of competencies (`### Area`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// The heading's explicit id (`### Engagement {#engagement}`), else the slug of the title,
    /// e.g. `engagement`.
    pub id: String,
    pub title: String,
    /// Whether the heading gave the id: the title can then change without changing the id.
    #[serde(default)]
    pub explicit_id: bool,
    pub competencies: Vec<Competency>,
}

/// One competency (`#### Competency`) and what each level expects of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Competency {
    /// The heading's explicit id (`#### Ownership {#ownership}` → `ownership`), stable across
    /// renames; else `area-id.competency-slug`, e.g. `engagement.ownership-manager-of-one`,
    /// stable while the area's id and the competency's title stay the same. Review sheets key
    /// their rows on it.
    pub id: String,
    pub title: String,
    /// Whether the heading gave the id: the title can then change without changing the id, the
    /// fingerprint, or how review workbooks are read.
    #[serde(default)]
    pub explicit_id: bool,
    /// Id of the area it belongs to.
    pub area: String,
    /// One entry per ladder level, in level order (same length as `Ladder::levels`).
    pub cells: Vec<Cell>,
}

/// The expectations of one competency at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Level code.
    pub level: String,
    /// Expectation bullets in source order; empty when the level does not mention the competency.
    pub items: Vec<Expectation>,
    /// How this cell differs from the same competency one level below.
    pub change: Change,
}

/// One expectation bullet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// Plain text with all markup removed, whitespace collapsed.
    pub text: String,
    /// The same text with inline structure (emphasis, code, links) kept.
    pub inlines: Vec<Inline>,
}

/// Inline content of an expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inline {
    Text { text: String },
    Emphasis { children: Vec<Inline> },
    Strong { children: Vec<Inline> },
    Strikethrough { children: Vec<Inline> },
    Code { text: String },
    Link { url: String, children: Vec<Inline> },
}

/// Change of a competency's cell relative to the level below ("what do I need to get promoted").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub status: ChangeStatus,
    /// Per expectation of this cell, in order (empty for `first`, `absent` and `dropped`).
    pub items: Vec<ItemChange>,
    /// Expectations of the level below that no expectation here matches.
    pub removed: Vec<String>,
}

/// Summary status of a cell compared with the level below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    /// The lowest level: nothing to compare with.
    First,
    /// The level below has no expectations for this competency; all of these are new.
    New,
    /// Word for word the same as the level below.
    Unchanged,
    /// Some expectations are new or reworded.
    Changed,
    /// Neither this level nor the one below mention the competency.
    Absent,
    /// The level below mentions it, this level does not.
    Dropped,
}

/// How one expectation compares with the closest expectation of the level below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemChange {
    /// `same`, `reworded` (a close match below, words added or removed) or `new`.
    pub status: ItemStatus,
    /// The expectation's words as a word diff against the matched text below: runs kept, added
    /// at this level, or removed from the text below. Reading only `same` and `added` runs gives
    /// this level's text.
    pub segments: Vec<Segment>,
    /// For `reworded`: the text it was matched with at the level below.
    pub previous: Option<String>,
    /// The expectation's text as runs to print, `added` where the words are new at this level:
    /// the word diff read for display (see `ladder::marked_runs`). Empty only if the diff does not
    /// line up with the text.
    #[serde(default)]
    pub runs: Vec<Run>,
}

/// A run of an expectation's text as printed, marked (`added`) or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub text: String,
    pub added: bool,
}

/// Status of one expectation relative to the level below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Same,
    Reworded,
    New,
}

/// A run of words in a compared expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub text: String,
    pub kind: SegmentKind,
}

/// Whether a run of words is kept from the level below, added at this level or dropped from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    Same,
    Added,
    Removed,
}

/// The rating scale reviewers use for each competency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingScale {
    /// `levels`: reviewers pick the level the person demonstrates (option values are level
    /// indexes). `relative`: reviewers rate against the person's current level (option values are
    /// offsets from it, e.g. -1 / 0 / +1).
    pub kind: ScaleKind,
    /// Choices in the dropdown, lowest first.
    pub options: Vec<RatingOption>,
    /// Extra choice meaning "no evidence either way"; never counted as a rating.
    pub not_observed: String,
}

/// Kind of rating scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    Levels,
    Relative,
}

/// One choice of the rating scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingOption {
    /// What the reviewer sees and picks.
    pub label: String,
    /// Level index (`levels` scale) or offset from the current level (`relative` scale).
    pub value: i32,
    /// Optional longer explanation shown in the instructions.
    pub description: Option<String>,
}

impl Ladder {
    /// Iterates over all competencies in display order (area by area).
    pub fn competencies(&self) -> impl Iterator<Item = &Competency> {
        self.areas.iter().flat_map(|a| a.competencies.iter())
    }

    /// Every competency with its area, in display order: the order review sheets list them,
    /// and what a competency's index means wherever rungs keeps one.
    pub fn competencies_by_area(&self) -> impl Iterator<Item = (&Area, &Competency)> {
        self.areas
            .iter()
            .flat_map(|a| a.competencies.iter().map(move |c| (a, c)))
    }

    /// Finds a level by its code.
    pub fn level(&self, code: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.code == code)
    }

    /// Finds a competency by its id.
    pub fn competency(&self, id: &str) -> Option<&Competency> {
        self.competencies().find(|c| c.id == id)
    }

    /// Number of expectation bullets in the whole ladder.
    pub fn expectation_count(&self) -> usize {
        self.competencies()
            .flat_map(|c| c.cells.iter())
            .map(|cell| cell.items.len())
            .sum()
    }

    /// The model as pretty JSON (the data contract), for people to read.
    pub fn to_json(&self) -> String {
        // Serialising plain structs with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The same JSON without whitespace, for programs: the layouts parse about half the bytes.
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl RatingScale {
    /// The default scale: one option per level code, plus "Not observed".
    pub fn levels(levels: &[Level]) -> Self {
        Self {
            kind: ScaleKind::Levels,
            options: levels
                .iter()
                .map(|l| RatingOption {
                    label: l.code.clone(),
                    value: i32::try_from(l.index).unwrap_or(i32::MAX),
                    description: Some(l.title.clone()),
                })
                .collect(),
            not_observed: "Not observed".to_owned(),
        }
    }

    /// All labels a reviewer may pick, in dropdown order (`not_observed` last).
    pub fn labels(&self) -> Vec<&str> {
        self.options
            .iter()
            .map(|o| o.label.as_str())
            .chain(std::iter::once(self.not_observed.as_str()))
            .collect()
    }
}
