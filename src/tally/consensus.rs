//! The tally: per person each reviewer's ratings, a consensus per competency and a suggested
//! level by the rule in [`RULE`]. The calibration views are computed from it in `views`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::import::Kept;
use super::views::{self, Flagged, Leniency};
use crate::model::{Ladder, ScaleKind};
use crate::util::to_i32;
use crate::workbook::read::{Rating, Returned};
use crate::workbook::{Manifest, ReviewerRole};

/// Reviews sent per person, from the manifest: (employee id, cycle) → count. Small (one entry a
/// person), so the manifest itself can be dropped before the tally is built.
#[derive(Debug, Clone, Default)]
pub struct Expected(HashMap<(String, String), usize>);

impl Expected {
    /// Counts the reviews the manifest lists, per person and cycle.
    pub fn from_manifest(manifest: &Manifest) -> Self {
        let mut counts: HashMap<(String, String), usize> = HashMap::new();
        for e in &manifest.reviews {
            let key = (e.provenance.employee_id.clone(), e.provenance.cycle.clone());
            *counts.entry(key).or_default() += 1;
        }
        Self(counts)
    }

    fn get(&self, employee_id: &str, cycle: &str) -> usize {
        // Keyed by owned pairs; a lookup builds one pair a person, not one a review.
        self.0
            .get(&(employee_id.to_owned(), cycle.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

/// Share of the rated competencies that must reach a level for it to be suggested.
pub const REACH_PERCENT: usize = 80;
/// Share of the competencies that need a consensus before a level is suggested at all.
pub const COVERAGE_PERCENT: usize = 50;

/// The rule, as printed in the workbook and the README.
pub const RULE: &str = "Consensus per competency: the median of the ratings by reviewers other than the person (manager and peers; the lower middle value when their number is even). Only when no one else rated it does the self-rating count, marked \"self only\". Blank and \"not observed\" ratings are never counted, never as zero. Suggested level: the highest level that at least 80 % of the competencies with a consensus reach (on a relative scale: the current level plus the highest step that 80 % reach), given only when at least half the competencies have a consensus. Gap: suggested level minus current level, in levels.";

/// One rating in the tally, as the outputs show it (built when shown, never stored: see
/// [`Person::competencies`]).
#[derive(Debug, Clone, Serialize)]
pub struct Given<'a> {
    pub reviewer: &'a str,
    pub role: ReviewerRole,
    /// Label as on the scale, `not observed` text, or empty for blank.
    pub label: &'a str,
    /// Option value (level index, or offset on a relative scale) when rated.
    pub value: Option<i32>,
}

/// One competency of one person, as the outputs show it (built when shown).
#[derive(Debug, Clone, Serialize)]
pub struct CompetencyTally<'a> {
    pub id: &'a str,
    pub area: &'a str,
    pub title: &'a str,
    pub ratings: Vec<Given<'a>>,
    /// Consensus value (a level index, or an offset on a relative scale).
    pub consensus: Option<i32>,
    /// The consensus as a label of the scale.
    pub consensus_label: Option<&'a str>,
    /// The consensus rests on the self-rating alone.
    pub self_only: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewSummary<'a> {
    pub form_id: &'a str,
    pub reviewer: &'a str,
    pub role: ReviewerRole,
    pub file: &'a str,
    /// The review's sheet, for a review returned in a bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<&'a str>,
    pub rated: usize,
    pub not_observed: usize,
    pub blank: usize,
    pub complete: bool,
}

/// What the tally keeps of one person's competency: a few bytes, not a [`CompetencyTally`]
/// with its ratings, so the tally's memory does not grow with the ratings. The rest is read
/// from the reviews when shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consensus {
    /// Consensus value (a level index, or an offset on a relative scale).
    pub value: Option<i32>,
    /// The consensus rests on the self-rating alone.
    pub self_only: bool,
}

/// One person in the tally. Serialised by hand, in the field order of its JSON, so that
/// `competencies` are built one at a time from the reviews.
#[derive(Debug, Clone)]
pub struct Person<'a> {
    pub employee_id: &'a str,
    pub name: &'a str,
    pub current_level: &'a str,
    pub current_index: usize,
    pub reviews: Vec<ReviewSummary<'a>>,
    /// From the manifest, when given.
    pub reviews_expected: Option<usize>,
    /// Reviews with every competency answered (a rating or "not observed").
    pub reviews_complete: usize,
    /// One per competency in ladder order ([`Ladder::competencies_by_area`]).
    pub consensus: Vec<Consensus>,
    /// The returns in the order of `reviews`: the ratings are read from them when shown.
    sources: Vec<&'a Returned>,
    ladder: &'a Ladder,
    pub suggested_level: Option<&'a str>,
    pub suggested_index: Option<usize>,
    /// Why there is no suggestion.
    pub no_suggestion: Option<String>,
    /// Suggested minus current, in levels.
    pub gap: Option<i32>,
}

/// The tally. Serialised by hand so that the long lists are built one entry at a time.
#[derive(Debug, Clone)]
pub struct Tally<'a> {
    pub scale: &'static str,
    pub people: Vec<Person<'a>>,
    /// Rows: current level code; columns: suggested level code (or `none`) → count.
    pub distribution: Vec<(&'a str, Vec<(&'a str, usize)>)>,
    /// Competencies rated two steps or more apart; see [`Tally::disagreements`].
    pub(super) disagreements: Vec<Flagged>,
    /// Competencies where self and manager differ; see [`Tally::self_gaps`].
    pub(super) self_gaps: Vec<Flagged>,
    pub leniency: Vec<Leniency<'a>>,
}

impl<'a> Person<'a> {
    /// The person's competencies with every reviewer's rating, in ladder order.
    pub fn competencies(&self) -> impl Iterator<Item = CompetencyTally<'a>> + '_ {
        let n = self.consensus.len();
        self.ladder
            .competencies_by_area()
            .take(n)
            .enumerate()
            .map(|(k, (area, comp))| CompetencyTally {
                id: &comp.id,
                area: &area.title,
                title: &comp.title,
                ratings: self.ratings(k).collect(),
                consensus: self.consensus[k].value,
                consensus_label: self.consensus[k]
                    .value
                    .and_then(|v| label_of(self.ladder, v)),
                self_only: self.consensus[k].self_only,
            })
    }

    /// Every reviewer's rating of competency `k` (ladder order), in the order of the reviews.
    pub fn ratings(&self, k: usize) -> impl Iterator<Item = Given<'a>> + '_ {
        let scale = &self.ladder.rating;
        self.sources.iter().filter_map(move |r| {
            let a = r.answers.iter().find(|a| a.competency as usize == k)?;
            let (label, value) = match a.rating {
                Rating::Blank => ("", None),
                Rating::NotObserved => (scale.not_observed.as_str(), None),
                Rating::Option(i) => {
                    let o = scale.options.get(i as usize)?;
                    (o.label.as_str(), Some(o.value))
                }
            };
            Some(Given {
                reviewer: &r.prov.reviewer,
                role: r.prov.reviewer_role,
                label,
                value,
            })
        })
    }

    /// Competencies with a consensus.
    pub fn with_consensus(&self) -> usize {
        self.consensus.iter().filter(|c| c.value.is_some()).count()
    }

    pub(super) fn competency_title(&self, k: usize) -> &'a str {
        self.ladder
            .competencies_by_area()
            .nth(k)
            .map_or("", |(_, c)| c.title.as_str())
    }
}

/// Serialises the items of an iterator as a sequence, one at a time.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

impl Serialize for Person<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Person", 12)?;
        st.serialize_field("employee_id", self.employee_id)?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("current_level", self.current_level)?;
        st.serialize_field("current_index", &self.current_index)?;
        st.serialize_field("reviews", &self.reviews)?;
        st.serialize_field("reviews_expected", &self.reviews_expected)?;
        st.serialize_field("reviews_complete", &self.reviews_complete)?;
        st.serialize_field("competencies", &Seq(|| self.competencies()))?;
        st.serialize_field("suggested_level", &self.suggested_level)?;
        st.serialize_field("suggested_index", &self.suggested_index)?;
        st.serialize_field("no_suggestion", &self.no_suggestion)?;
        st.serialize_field("gap", &self.gap)?;
        st.end()
    }
}

impl Serialize for Tally<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Tally", 6)?;
        st.serialize_field("scale", self.scale)?;
        st.serialize_field("people", &self.people)?;
        st.serialize_field("distribution", &self.distribution)?;
        st.serialize_field("disagreements", &Seq(|| self.disagreements()))?;
        st.serialize_field("self_gaps", &Seq(|| self.self_gaps()))?;
        st.serialize_field("leniency", &self.leniency)?;
        st.end()
    }
}

/// The label of a scale value.
fn label_of(ladder: &Ladder, v: i32) -> Option<&str> {
    ladder
        .rating
        .options
        .iter()
        .find(|o| o.value == v)
        .map(|o| o.label.as_str())
}

/// The lower median.
fn median(values: &mut [i32]) -> Option<i32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[(values.len() - 1) / 2])
}

/// Computes the tally from the accepted reviews (sorted by person, then reviewer). Text is
/// borrowed from the ladder and the reviews; per person and competency only the consensus is kept.
pub fn compute<'a>(
    ladder: &'a Ladder,
    reviews: &'a [Kept],
    expected: Option<&Expected>,
) -> Tally<'a> {
    let mut by_person: BTreeMap<(&str, &str), Vec<&Returned>> = BTreeMap::new();
    for k in reviews {
        let r = &k.returned;
        by_person
            .entry((&r.prov.person_name, &r.prov.employee_id))
            .or_default()
            .push(r);
    }
    let n_competencies = ladder.competencies().count();
    let mut people = Vec::with_capacity(by_person.len());
    for ((name, employee_id), rs) in by_person {
        let current_level = rs[0].prov.current_level.as_str();
        let current_index = ladder.level(current_level).map_or(0, |l| l.index);
        let reviews: Vec<ReviewSummary> = rs
            .iter()
            .map(|r| {
                let count =
                    |f: fn(&Rating) -> bool| r.answers.iter().filter(|a| f(&a.rating)).count();
                let blank = count(|x| *x == Rating::Blank);
                ReviewSummary {
                    form_id: &r.prov.form_id,
                    reviewer: &r.prov.reviewer,
                    role: r.prov.reviewer_role,
                    file: &r.file,
                    sheet: r.sheet.as_deref(),
                    rated: count(|x| matches!(x, Rating::Option(_))),
                    not_observed: count(|x| *x == Rating::NotObserved),
                    blank,
                    complete: blank == 0,
                }
            })
            .collect();
        let reviews_expected = expected.map(|e| e.get(employee_id, &rs[0].prov.cycle));
        let mut person = Person {
            employee_id,
            name,
            current_level,
            current_index,
            reviews_complete: reviews.iter().filter(|r| r.complete).count(),
            reviews,
            reviews_expected,
            consensus: Vec::with_capacity(n_competencies),
            sources: rs,
            ladder,
            suggested_level: None,
            suggested_index: None,
            no_suggestion: None,
            gap: None,
        };
        for k in 0..n_competencies {
            let mut others = Vec::new();
            let mut selfs = Vec::new();
            for g in person.ratings(k) {
                if let Some(v) = g.value {
                    if g.role == ReviewerRole::SelfReview {
                        selfs.push(v);
                    } else {
                        others.push(v);
                    }
                }
            }
            let (value, self_only) = match median(&mut others) {
                Some(m) => (Some(m), false),
                None => (median(&mut selfs), !selfs.is_empty()),
            };
            person.consensus.push(Consensus { value, self_only });
        }
        let (suggested_index, no_suggestion) = suggest(ladder, current_index, &person.consensus);
        person.suggested_level = suggested_index.map(|i| ladder.levels[i].code.as_str());
        person.suggested_index = suggested_index;
        person.no_suggestion = no_suggestion;
        person.gap = suggested_index.map(|s| to_i32(s) - to_i32(current_index));
        people.push(person);
    }

    Tally {
        scale: match ladder.rating.kind {
            ScaleKind::Levels => "levels",
            ScaleKind::Relative => "relative",
        },
        distribution: views::distribution(ladder, &people),
        disagreements: views::disagreements(&people),
        self_gaps: views::self_gaps(&people),
        leniency: views::leniency(&people),
        people,
    }
}

/// The suggested level index, or why there is none.
fn suggest(
    ladder: &Ladder,
    current: usize,
    comps: &[Consensus],
) -> (Option<usize>, Option<String>) {
    let mut values: Vec<i32> = comps.iter().filter_map(|c| c.value).collect();
    let n = comps.len();
    if values.is_empty() || values.len() * 100 < n * COVERAGE_PERCENT {
        return (
            None,
            Some(format!(
                "only {} of {n} competencies have a consensus (at least {COVERAGE_PERCENT} % needed)",
                values.len()
            )),
        );
    }
    // Highest v such that at least REACH_PERCENT % of the values are ≥ v: sorted descending, the
    // value at position ceil(0.8 n) − 1.
    values.sort_unstable_by(|a, b| b.cmp(a));
    let need = (values.len() * REACH_PERCENT).div_ceil(100).max(1);
    let v = values[need - 1];
    let top = to_i32(ladder.levels.len().saturating_sub(1));
    let index = match ladder.rating.kind {
        ScaleKind::Levels => v.clamp(0, top),
        ScaleKind::Relative => (to_i32(current) + v).clamp(0, top),
    };
    (Some(index as usize), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_median() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3]), Some(3));
        assert_eq!(median(&mut [4, 2]), Some(2));
        assert_eq!(median(&mut [1, 4, 2]), Some(2));
    }
}
