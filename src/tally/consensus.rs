//! The tally: per person each reviewer's ratings, a consensus per competency and a suggested
//! level by the rule in [`RULE`]; and the calibration views (distribution, disagreement,
//! self-vs-manager gaps, reviewer leniency).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::read::{self, Rating, Returned};
use crate::model::{Ladder, ScaleKind};
use crate::sheets::contract::{Manifest, ReviewerRole};

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
/// Spread (highest minus lowest rating, in steps of the scale) that counts as disagreement.
pub const DISAGREEMENT_SPREAD: i32 = 2;

/// The rule, as printed in the workbook and the README.
pub const RULE: &str = "Consensus per competency: the median of the ratings by reviewers other than the person (manager and peers; the lower middle value when their number is even). Only when no one else rated it does the self-rating count, marked \"self only\". Blank and \"not observed\" ratings are never counted, never as zero. Suggested level: the highest level that at least 80 % of the competencies with a consensus reach (on a relative scale: the current level plus the highest step that 80 % reach), given only when at least half the competencies have a consensus. Gap: suggested level minus current level, in levels.";

/// One rating in the tally, as the outputs show it (built when shown, never stored: see
/// [`Person::competencies`]).
#[derive(Debug, Clone, Serialize)]
pub struct Given<'a> {
    pub reviewer: &'a str,
    pub role: &'static str,
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
    pub role: &'static str,
    pub file: &'a str,
    pub rated: usize,
    pub not_observed: usize,
    pub blank: usize,
    pub complete: bool,
}

/// What the tally keeps of one person's competency: 12 bytes rather than a [`CompetencyTally`]
/// with its ratings, which at 10,000 reviews took ~10 MB. The rest is read from the reviews
/// when shown.
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
    /// One per competency in ladder order ([`read::in_order`]).
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

/// A competency of a person that the calibration views list (disagreement, self vs manager):
/// stored as indexes, shown as [`Disagreement`] or [`SelfGap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flagged {
    /// Index into [`Tally::people`].
    pub person: u32,
    /// Index of the competency in ladder order.
    pub competency: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Disagreement<'a> {
    pub employee_id: &'a str,
    pub person: &'a str,
    pub competency: &'a str,
    pub spread: i32,
    pub ratings: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SelfGap<'a> {
    pub employee_id: &'a str,
    pub person: &'a str,
    pub competency: &'a str,
    pub self_label: &'a str,
    pub manager_label: &'a str,
    /// Self minus manager, in steps of the scale.
    pub gap: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leniency<'a> {
    pub reviewer: &'a str,
    pub ratings: usize,
    /// Mean of (rating − consensus) over the competencies they rated that have a consensus.
    pub mean_offset: f64,
}

/// The tally. Serialised by hand so that the long lists are built one entry at a time.
#[derive(Debug, Clone)]
pub struct Tally<'a> {
    pub scale: &'static str,
    pub people: Vec<Person<'a>>,
    /// Rows: current level code; columns: suggested level code (or `none`) → count.
    pub distribution: Vec<(&'a str, Vec<(&'a str, usize)>)>,
    /// Competencies rated two steps or more apart; see [`Tally::disagreements`].
    disagreements: Vec<Flagged>,
    /// Competencies where self and manager differ; see [`Tally::self_gaps`].
    self_gaps: Vec<Flagged>,
    pub leniency: Vec<Leniency<'a>>,
}

impl<'a> Person<'a> {
    /// The person's competencies with every reviewer's rating, in ladder order.
    pub fn competencies(&self) -> impl Iterator<Item = CompetencyTally<'a>> + '_ {
        let n = self.consensus.len();
        read::in_order(self.ladder)
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
                role: r.prov.reviewer_role.as_str(),
                label,
                value,
            })
        })
    }

    /// Competencies with a consensus.
    pub fn with_consensus(&self) -> usize {
        self.consensus.iter().filter(|c| c.value.is_some()).count()
    }

    fn competency_title(&self, k: usize) -> &'a str {
        read::in_order(self.ladder)
            .nth(k)
            .map_or("", |(_, c)| c.title.as_str())
    }
}

impl<'a> Tally<'a> {
    /// Competencies rated two steps or more apart ([`DISAGREEMENT_SPREAD`]).
    pub fn disagreements(&self) -> impl ExactSizeIterator<Item = Disagreement<'a>> + '_ {
        self.disagreements.iter().map(|f| {
            let p = &self.people[f.person as usize];
            let k = f.competency as usize;
            Disagreement {
                employee_id: p.employee_id,
                person: p.name,
                competency: p.competency_title(k),
                spread: spread(p, k).unwrap_or(0),
                ratings: p
                    .ratings(k)
                    .filter(|g| g.value.is_some())
                    .map(|g| format!("{} ({}): {}", g.reviewer, g.role, g.label))
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        })
    }

    /// Competencies where the self-rating and the manager's differ.
    pub fn self_gaps(&self) -> impl ExactSizeIterator<Item = SelfGap<'a>> + '_ {
        self.self_gaps.iter().map(|f| {
            let p = &self.people[f.person as usize];
            let k = f.competency as usize;
            let (s, m) = self_and_manager(p, k).unwrap_or_default();
            SelfGap {
                employee_id: p.employee_id,
                person: p.name,
                competency: p.competency_title(k),
                self_label: s.0,
                manager_label: m.0,
                gap: s.1 - m.1,
            }
        })
    }
}

/// Highest minus lowest rating of competency `k`, when anyone rated it.
fn spread(p: &Person<'_>, k: usize) -> Option<i32> {
    let (lo, hi) = p
        .ratings(k)
        .filter_map(|g| g.value)
        .fold((i32::MAX, i32::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (lo <= hi).then(|| hi - lo)
}

/// A rating given: its label and value.
type Rated<'a> = (&'a str, i32);

/// The first self-rating and the first manager rating of competency `k`, when both rated it.
fn self_and_manager<'a>(p: &Person<'a>, k: usize) -> Option<(Rated<'a>, Rated<'a>)> {
    let find = |role: &str| {
        p.ratings(k)
            .find(|g| g.role == role && g.value.is_some())
            .map(|g| (g.label, g.value.unwrap_or(0)))
    };
    Some((find("self")?, find("manager")?))
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

/// Level indexes are tiny; saturate rather than wrap if one were not.
fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
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
    reviews: &'a [Returned],
    expected: Option<&Expected>,
) -> Tally<'a> {
    let mut by_person: BTreeMap<(&str, &str), Vec<&Returned>> = BTreeMap::new();
    for r in reviews {
        by_person
            .entry((&r.prov.person_name, &r.prov.employee_id))
            .or_default()
            .push(r);
    }
    let n_competencies = read::in_order(ladder).count();
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
                    role: r.prov.reviewer_role.as_str(),
                    file: &r.file,
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
                    if g.role == ReviewerRole::SelfReview.as_str() {
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
        distribution: distribution(ladder, &people),
        disagreements: disagreements(&people),
        self_gaps: self_gaps(&people),
        leniency: leniency(&people),
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

fn distribution<'a>(
    ladder: &'a Ladder,
    people: &[Person<'_>],
) -> Vec<(&'a str, Vec<(&'a str, usize)>)> {
    ladder
        .levels
        .iter()
        .map(|cur| {
            let row = ladder
                .levels
                .iter()
                .map(|s| {
                    let n = people
                        .iter()
                        .filter(|p| {
                            p.current_level == cur.code
                                && p.suggested_level == Some(s.code.as_str())
                        })
                        .count();
                    (s.code.as_str(), n)
                })
                .chain(std::iter::once((
                    "none",
                    people
                        .iter()
                        .filter(|p| p.current_level == cur.code && p.suggested_level.is_none())
                        .count(),
                )))
                .collect();
            (cur.code.as_str(), row)
        })
        .collect()
}

/// Competencies whose ratings are [`DISAGREEMENT_SPREAD`] steps or more apart.
fn disagreements(people: &[Person<'_>]) -> Vec<Flagged> {
    let mut out = Vec::new();
    for (i, p) in people.iter().enumerate() {
        for k in 0..p.consensus.len() {
            if spread(p, k).is_some_and(|s| s >= DISAGREEMENT_SPREAD) {
                out.push(Flagged {
                    person: read::index_u32(i),
                    competency: read::index_u32(k),
                });
            }
        }
    }
    out
}

/// Competencies where the self-rating and the manager's differ.
fn self_gaps(people: &[Person<'_>]) -> Vec<Flagged> {
    let mut out = Vec::new();
    for (i, p) in people.iter().enumerate() {
        for k in 0..p.consensus.len() {
            if let Some((s, m)) = self_and_manager(p, k)
                && s.1 != m.1
            {
                out.push(Flagged {
                    person: read::index_u32(i),
                    competency: read::index_u32(k),
                });
            }
        }
    }
    out
}

fn leniency<'a>(people: &[Person<'a>]) -> Vec<Leniency<'a>> {
    let mut sums: BTreeMap<&'a str, (i64, usize)> = BTreeMap::new();
    for p in people {
        for (k, c) in p.consensus.iter().enumerate() {
            let Some(consensus) = c.value else {
                continue;
            };
            for g in p.ratings(k) {
                if g.role == "self" {
                    continue;
                }
                if let Some(v) = g.value {
                    let e = sums.entry(g.reviewer).or_default();
                    e.0 += i64::from(v - consensus);
                    e.1 += 1;
                }
            }
        }
    }
    sums.into_iter()
        .map(|(reviewer, (sum, n))| Leniency {
            reviewer,
            ratings: n,
            mean_offset: (sum as f64 / n as f64 * 100.0).round() / 100.0,
        })
        .collect()
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
