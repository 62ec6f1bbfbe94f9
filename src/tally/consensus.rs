//! The tally: per person each reviewer's ratings, a consensus per competency and a suggested
//! level by the rule in [`RULE`]. The calibration views are computed from it in `views`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::evidence::{Evidence, Text};
use super::history::{self, PrevPerson, Previous, Summary};
use super::import::{Import, Kept};
use super::views::{self, Flagged, Leniency};
use crate::model::{Ladder, ScaleKind};
use crate::util::to_i32;
use crate::workbook::read::{Rating, Returned};
use crate::workbook::{Manifest, ManifestEntry, ReviewerRole};

/// What the manifest says of each person: (employee id, cycle) → reviews sent and the team.
/// Small (one entry a person), so the manifest itself can be dropped before the tally is built.
#[derive(Debug, Clone, Default)]
pub struct Expected(HashMap<(String, String), Sent>);

/// Reviews sent to one person in one cycle, and their team.
#[derive(Debug, Clone, Default)]
struct Sent {
    reviews: usize,
    /// The first team the manifest names for the person.
    team: Option<String>,
}

impl Expected {
    /// Counts the reviews the manifest lists, per person and cycle, and notes each one's team.
    pub fn from_manifest(manifest: &Manifest) -> Self {
        let mut sent: HashMap<(String, String), Sent> = HashMap::new();
        for e in &manifest.reviews {
            let key = (e.provenance.employee_id.clone(), e.provenance.cycle.clone());
            let s = sent.entry(key).or_default();
            s.reviews += 1;
            if s.team.is_none() {
                s.team.clone_from(&e.team);
            }
        }
        Self(sent)
    }

    fn get(&self, employee_id: &str, cycle: &str) -> Option<&Sent> {
        // Keyed by owned pairs; a lookup builds one pair a person, not one a review.
        self.0.get(&(employee_id.to_owned(), cycle.to_owned()))
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
    /// What the reviewer wrote as evidence (empty when nothing), read from the store only when
    /// serialised.
    pub evidence: Text<'a>,
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
    /// Highest minus lowest rating, in steps of the scale, when anyone rated it; two or more
    /// is a disagreement ([`DISAGREEMENT_SPREAD`](super::views::DISAGREEMENT_SPREAD)).
    pub spread: Option<i32>,
    /// Self-rating minus the manager's, in steps, when both rated it.
    pub self_minus_manager: Option<i32>,
    /// Last cycle's consensus (with `--previous`), matched by competency id.
    pub previous_consensus: Option<i32>,
    pub previous_consensus_label: Option<&'a str>,
    /// Consensus minus last cycle's, in steps of the scale, when both exist.
    pub consensus_change: Option<i32>,
}

/// A review sent to a person (listed in the manifest) that no accepted file answers.
#[derive(Debug, Clone, Serialize)]
pub struct Missing<'a> {
    pub reviewer: &'a str,
    pub role: ReviewerRole,
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
    /// From the manifest, when given and the roster had a team column.
    pub team: Option<&'a str>,
    pub current_level: &'a str,
    pub current_index: usize,
    pub reviews: Vec<ReviewSummary<'a>>,
    /// From the manifest, when given.
    pub reviews_expected: Option<usize>,
    /// Reviews with every competency answered (a rating or "not observed").
    pub reviews_complete: usize,
    /// Reviews sent (in the manifest) that were not returned.
    pub not_returned: Vec<Missing<'a>>,
    /// One per competency in ladder order ([`Ladder::competencies_by_area`]).
    pub consensus: Vec<Consensus>,
    /// The returns in the order of `reviews`: the ratings are read from them when shown.
    sources: Vec<&'a Kept>,
    ladder: &'a Ladder,
    evidence: &'a Evidence,
    pub suggested_level: Option<&'a str>,
    pub suggested_index: Option<usize>,
    /// Why there is no suggestion.
    pub no_suggestion: Option<String>,
    /// Suggested minus current, in levels.
    pub gap: Option<i32>,
    /// The person last cycle (with `--previous`), matched by employee id.
    pub previous: Option<&'a PrevPerson>,
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
    /// What changed since last cycle (with `--previous`).
    pub history: Option<Summary>,
}

impl<'a> Person<'a> {
    /// The person's competencies with every reviewer's rating, in ladder order.
    pub fn competencies(&self) -> impl Iterator<Item = CompetencyTally<'a>> + '_ {
        let n = self.consensus.len();
        self.ladder
            .competencies_by_area()
            .take(n)
            .enumerate()
            .map(|(k, (area, comp))| {
                let (previous_consensus, previous_consensus_label) = self
                    .previous
                    .map_or((None, None), |p| p.consensus_of(&comp.id));
                self.competency(k, area, comp, previous_consensus, previous_consensus_label)
            })
    }

    /// Competency `k` (ladder order) with every reviewer's rating and last cycle's consensus.
    fn competency(
        &self,
        k: usize,
        area: &'a crate::model::Area,
        comp: &'a crate::model::Competency,
        previous_consensus: Option<i32>,
        previous_consensus_label: Option<&'a str>,
    ) -> CompetencyTally<'a> {
        let consensus = self.consensus[k].value;
        CompetencyTally {
            id: &comp.id,
            area: &area.title,
            title: &comp.title,
            ratings: self.ratings(k).collect(),
            consensus: self.consensus[k].value,
            consensus_label: self.consensus[k]
                .value
                .and_then(|v| label_of(self.ladder, v)),
            self_only: self.consensus[k].self_only,
            spread: views::spread(self, k),
            self_minus_manager: views::self_and_manager(self, k).map(|(s, m)| s.1 - m.1),
            previous_consensus,
            previous_consensus_label,
            consensus_change: consensus
                .zip(previous_consensus)
                .map(|(now, then)| now - then),
        }
    }

    /// Every reviewer's rating of competency `k` (ladder order), in the order of the reviews.
    pub fn ratings(&self, k: usize) -> impl Iterator<Item = Given<'a>> + '_ {
        let scale = &self.ladder.rating;
        self.sources.iter().filter_map(move |kept| {
            let ret = &kept.returned;
            let at = ret
                .answers
                .iter()
                .position(|a| a.competency as usize == k)?;
            let (label, value) = match ret.answers[at].rating {
                Rating::Blank => ("", None),
                Rating::NotObserved => (scale.not_observed.as_str(), None),
                Rating::Option(i) => {
                    let o = scale.options.get(i as usize)?;
                    (o.label.as_str(), Some(o.value))
                }
            };
            Some(Given {
                reviewer: &ret.prov.reviewer,
                role: ret.prov.reviewer_role,
                label,
                value,
                evidence: Text::new(
                    self.evidence,
                    kept.evidence.get(at).copied().unwrap_or_default(),
                ),
            })
        })
    }

    /// Competencies with a consensus.
    pub fn with_consensus(&self) -> usize {
        self.consensus.iter().filter(|c| c.value.is_some()).count()
    }

    pub(super) fn competency_id(&self, k: usize) -> &'a str {
        self.ladder
            .competencies_by_area()
            .nth(k)
            .map_or("", |(_, c)| c.id.as_str())
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
        let mut st = s.serialize_struct("Person", 15)?;
        st.serialize_field("employee_id", self.employee_id)?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("team", &self.team)?;
        st.serialize_field("current_level", self.current_level)?;
        st.serialize_field("current_index", &self.current_index)?;
        st.serialize_field("reviews", &self.reviews)?;
        st.serialize_field("reviews_expected", &self.reviews_expected)?;
        st.serialize_field("reviews_complete", &self.reviews_complete)?;
        st.serialize_field("not_returned", &self.not_returned)?;
        st.serialize_field("competencies", &Seq(|| self.competencies()))?;
        st.serialize_field("suggested_level", &self.suggested_level)?;
        st.serialize_field("suggested_index", &self.suggested_index)?;
        st.serialize_field("no_suggestion", &self.no_suggestion)?;
        st.serialize_field("gap", &self.gap)?;
        st.serialize_field(
            "previous",
            &self
                .previous
                .map(|p| p.level_on(self.ladder, self.suggested_level)),
        )?;
        st.end()
    }
}

impl Serialize for Tally<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Tally", 7)?;
        st.serialize_field("scale", self.scale)?;
        st.serialize_field("people", &self.people)?;
        st.serialize_field("distribution", &self.distribution)?;
        st.serialize_field("disagreements", &Seq(|| self.disagreements()))?;
        st.serialize_field("self_gaps", &Seq(|| self.self_gaps()))?;
        st.serialize_field("leniency", &self.leniency)?;
        st.serialize_field("history", &self.history)?;
        st.end()
    }
}

/// The label of a scale value.
pub(crate) fn label_of(ladder: &Ladder, v: i32) -> Option<&str> {
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

/// Everyone the tally covers, by (name, employee id): the reviews returned and the reviews sent
/// but not returned.
#[derive(Default)]
struct Group<'a> {
    kept: Vec<&'a Kept>,
    missing: Vec<&'a ManifestEntry>,
}

/// Computes the tally from the accepted reviews (sorted by person, then reviewer) and, with a
/// manifest, the people of the tally's cycle whose reviews did not all come back (so a person
/// with none returned is listed too). Text is borrowed from the ladder and the import; per
/// person and competency only the consensus is kept.
pub fn compute<'a>(
    ladder: &'a Ladder,
    import: &'a Import,
    expected: Option<&'a Expected>,
    previous: Option<&'a Previous>,
) -> Tally<'a> {
    let cycles = import.cycles();
    let mut groups: BTreeMap<(&str, &str), Group<'a>> = BTreeMap::new();
    for k in &import.reviews {
        let p = &k.returned.prov;
        groups
            .entry((&p.person_name, &p.employee_id))
            .or_default()
            .kept
            .push(k);
    }
    for e in &import.not_returned {
        let p = &e.provenance;
        if cycles.contains(&p.cycle) {
            groups
                .entry((&p.person_name, &p.employee_id))
                .or_default()
                .missing
                .push(e);
        }
    }
    let people: Vec<Person<'a>> = groups
        .into_iter()
        .map(|((name, employee_id), group)| {
            let mut p = person(ladder, &import.evidence, expected, name, employee_id, group);
            p.previous = previous.and_then(|prev| prev.people.get(employee_id));
            p
        })
        .collect();
    let history =
        previous.map(|prev| history::summary(prev, ladder, people.iter().map(|p| p.employee_id)));
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
        history,
    }
}

/// One person of the tally: their reviews, the consensus per competency, the suggestion.
fn person<'a>(
    ladder: &'a Ladder,
    evidence: &'a Evidence,
    expected: Option<&'a Expected>,
    name: &'a str,
    employee_id: &'a str,
    group: Group<'a>,
) -> Person<'a> {
    let first = group
        .kept
        .first()
        .map(|k| &k.returned.prov)
        .or_else(|| group.missing.first().map(|e| &e.provenance))
        .expect("a group holds a review returned or missing");
    let current_level = first.current_level.as_str();
    let current_index = ladder.level(current_level).map_or(0, |l| l.index);
    let sent = expected.and_then(|e| e.get(employee_id, &first.cycle));
    let reviews: Vec<ReviewSummary> = group.kept.iter().map(|k| summary(&k.returned)).collect();
    let n_competencies = ladder.competencies().count();
    let mut person = Person {
        employee_id,
        name,
        team: sent.and_then(|s| s.team.as_deref()),
        current_level,
        current_index,
        reviews_complete: reviews.iter().filter(|r| r.complete).count(),
        reviews,
        reviews_expected: expected.map(|_| sent.map_or(0, |s| s.reviews)),
        not_returned: group
            .missing
            .iter()
            .map(|e| Missing {
                reviewer: &e.provenance.reviewer,
                role: e.provenance.reviewer_role,
            })
            .collect(),
        consensus: Vec::with_capacity(n_competencies),
        sources: group.kept,
        ladder,
        evidence,
        suggested_level: None,
        suggested_index: None,
        no_suggestion: None,
        gap: None,
        previous: None,
    };
    for k in 0..n_competencies {
        let consensus = person.consensus_of(k);
        person.consensus.push(consensus);
    }
    let (suggested_index, no_suggestion) = if person.sources.is_empty() {
        (None, Some("no reviews returned".to_owned()))
    } else {
        suggest(ladder, current_index, &person.consensus)
    };
    person.suggested_level = suggested_index.map(|i| ladder.levels[i].code.as_str());
    person.suggested_index = suggested_index;
    person.no_suggestion = no_suggestion;
    person.gap = suggested_index.map(|s| to_i32(s) - to_i32(current_index));
    person
}

/// What one return holds: ratings, "not observed" and blanks counted.
fn summary(r: &Returned) -> ReviewSummary<'_> {
    let count = |f: fn(&Rating) -> bool| r.answers.iter().filter(|a| f(&a.rating)).count();
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
}

impl Person<'_> {
    /// The consensus of competency `k` by [`RULE`].
    fn consensus_of(&self, k: usize) -> Consensus {
        let mut others = Vec::new();
        let mut selfs = Vec::new();
        for g in self.ratings(k) {
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
        Consensus { value, self_only }
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
