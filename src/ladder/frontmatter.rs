//! Optional TOML front matter (between `+++` lines): what Markdown headings cannot say.
//!
//! Every key is documented in README.md ("Front matter"); unknown keys are errors so typos
//! do not pass silently.

use std::ops::Range;

use serde::Deserialize;

/// Settings from the front matter; every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrontMatter {
    /// Stable ladder id; default: slug of the `#` title.
    pub id: Option<String>,
    /// Overrides the `#` title.
    pub title: Option<String>,
    /// Version shown in footers and recorded in review sheets.
    pub version: Option<String>,
    /// Owner of the ladder; PDF author.
    pub organisation: Option<String>,
    /// BCP 47 language tag; default `en`.
    pub language: Option<String>,
    /// `lowest-first` (default) or `highest-first`: the order levels are written in.
    pub levels_order: Option<LevelsOrder>,
    /// The rating scale reviewers use.
    pub rating: Option<RatingConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LevelsOrder {
    LowestFirst,
    HighestFirst,
}

/// `[rating]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RatingConfig {
    /// `levels` (default) or `relative`.
    pub scale: Option<crate::model::ScaleKind>,
    /// Label of the "no evidence" choice; default `Not observed`.
    pub not_observed: Option<String>,
    /// Choices of a `relative` scale, lowest first.
    pub options: Option<Vec<OptionConfig>>,
}

/// One `[[rating.options]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionConfig {
    pub label: String,
    /// Offset from the person's current level (e.g. -1, 0, 1).
    pub value: i32,
    pub description: Option<String>,
}

/// Parses the front matter body; on error returns the message and the byte range within `body`.
pub(crate) fn parse(body: &str) -> Result<FrontMatter, (String, Option<Range<usize>>)> {
    toml::from_str(body).map_err(|e| (e.message().trim().to_owned(), e.span()))
}
