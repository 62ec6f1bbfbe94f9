//! The tally: per person each reviewer's ratings, a consensus per competency and a suggested
//! level by the rule in [`RULE`]; and the calibration views (distribution, disagreement,
//! self-vs-manager gaps, reviewer leniency).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::read::{self, Rating, Returned};
use crate::model::{Ladder, ScaleKind};
use crate::sheets::contract::{Manifest, ReviewerRole};

/// Share of the rated competencies that must reach a level for it to be suggested.
pub const REACH_PERCENT: usize = 80;
/// Share of the competencies that need a consensus before a level is suggested at all.
pub const COVERAGE_PERCENT: usize = 50;
/// Spread (highest minus lowest rating, in steps of the scale) that counts as disagreement.
pub const DISAGREEMENT_SPREAD: i32 = 2;

/// The rule, as printed in the workbook and the README.
pub const RULE: &str = "Consensus per competency: the median of the ratings by reviewers other than the person (manager and peers; the lower middle value when their number is even). Only when no one else rated it does the self-rating count, marked \"self only\". Blank and \"not observed\" ratings are never counted, never as zero. Suggested level: the highest level that at least 80 % of the competencies with a consensus reach (on a relative scale: the current level plus the highest step that 80 % reach), given only when at least half the competencies have a consensus. Gap: suggested level minus current level, in levels.";

/// One rating in the tally.
#[derive(Debug, Clone, Serialize)]
pub struct Given<'a> {
    pub reviewer: &'a str,
    pub role: &'static str,
    /// Label as on the scale, `not observed` text, or empty for blank.
    pub label: &'a str,
    /// Option value (level index, or offset on a relative scale) when rated.
    pub value: Option<i32>,
}

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

#[derive(Debug, Clone, Serialize)]
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
    pub competencies: Vec<CompetencyTally<'a>>,
    pub suggested_level: Option<&'a str>,
    pub suggested_index: Option<usize>,
    /// Why there is no suggestion.
    pub no_suggestion: Option<String>,
    /// Suggested minus current, in levels.
    pub gap: Option<i32>,
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

#[derive(Debug, Clone, Serialize)]
pub struct Tally<'a> {
    pub scale: &'static str,
    pub people: Vec<Person<'a>>,
    /// Rows: current level code; columns: suggested level code (or `none`) → count.
    pub distribution: Vec<(&'a str, Vec<(&'a str, usize)>)>,
    pub disagreements: Vec<Disagreement<'a>>,
    pub self_gaps: Vec<SelfGap<'a>>,
    pub leniency: Vec<Leniency<'a>>,
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
/// borrowed from the ladder and the reviews, never copied per person × competency.
pub fn compute<'a>(
    ladder: &'a Ladder,
    reviews: &'a [Returned],
    manifest: Option<&Manifest>,
) -> Tally<'a> {
    let scale = &ladder.rating;
    let label_of = |v: i32| {
        scale
            .options
            .iter()
            .find(|o| o.value == v)
            .map(|o| o.label.as_str())
    };
    // Reviews expected per (employee id, cycle), counted once rather than per person.
    let mut expected: HashMap<(&str, &str), usize> = HashMap::new();
    for e in manifest.map_or(&[][..], |m| m.reviews.as_slice()) {
        *expected
            .entry((&e.provenance.employee_id, &e.provenance.cycle))
            .or_default() += 1;
    }
    let mut by_person: BTreeMap<(&str, &str), Vec<&Returned>> = BTreeMap::new();
    for r in reviews {
        by_person
            .entry((&r.prov.person_name, &r.prov.employee_id))
            .or_default()
            .push(r);
    }
    let mut people = Vec::new();
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
        let mut competencies = Vec::new();
        for (k, (area, comp)) in read::in_order(ladder).enumerate() {
            let mut ratings = Vec::with_capacity(rs.len());
            let mut others = Vec::new();
            let mut selfs = Vec::new();
            for r in &rs {
                let Some(a) = r.answers.iter().find(|a| a.competency == k) else {
                    continue;
                };
                let (label, value) = match a.rating {
                    Rating::Blank => ("", None),
                    Rating::NotObserved => (scale.not_observed.as_str(), None),
                    Rating::Option(i) => (
                        scale.options[i].label.as_str(),
                        Some(scale.options[i].value),
                    ),
                };
                if let Some(v) = value {
                    if r.prov.reviewer_role == ReviewerRole::SelfReview {
                        selfs.push(v);
                    } else {
                        others.push(v);
                    }
                }
                ratings.push(Given {
                    reviewer: &r.prov.reviewer,
                    role: r.prov.reviewer_role.as_str(),
                    label,
                    value,
                });
            }
            let (consensus, self_only) = match median(&mut others) {
                Some(m) => (Some(m), false),
                None => (median(&mut selfs), !selfs.is_empty()),
            };
            competencies.push(CompetencyTally {
                id: &comp.id,
                area: &area.title,
                title: &comp.title,
                ratings,
                consensus,
                consensus_label: consensus.and_then(label_of),
                self_only,
            });
        }
        let (suggested_index, no_suggestion) = suggest(ladder, current_index, &competencies);
        let reviews_expected = manifest.map(|_| {
            expected
                .get(&(employee_id, rs[0].prov.cycle.as_str()))
                .copied()
                .unwrap_or(0)
        });
        people.push(Person {
            employee_id,
            name,
            current_level,
            current_index,
            reviews_complete: reviews.iter().filter(|r| r.complete).count(),
            reviews,
            reviews_expected,
            competencies,
            suggested_level: suggested_index.map(|i| ladder.levels[i].code.as_str()),
            suggested_index,
            no_suggestion,
            gap: suggested_index.map(|s| to_i32(s) - to_i32(current_index)),
        });
    }

    Tally {
        scale: match scale.kind {
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
    comps: &[CompetencyTally<'_>],
) -> (Option<usize>, Option<String>) {
    let mut values: Vec<i32> = comps.iter().filter_map(|c| c.consensus).collect();
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

fn disagreements<'a>(people: &[Person<'a>]) -> Vec<Disagreement<'a>> {
    let mut out = Vec::new();
    for p in people {
        for c in &p.competencies {
            let values: Vec<i32> = c.ratings.iter().filter_map(|g| g.value).collect();
            let (Some(lo), Some(hi)) = (values.iter().min(), values.iter().max()) else {
                continue;
            };
            if hi - lo >= DISAGREEMENT_SPREAD {
                out.push(Disagreement {
                    employee_id: p.employee_id,
                    person: p.name,
                    competency: c.title,
                    spread: hi - lo,
                    ratings: c
                        .ratings
                        .iter()
                        .filter(|g| g.value.is_some())
                        .map(|g| format!("{} ({}): {}", g.reviewer, g.role, g.label))
                        .collect::<Vec<_>>()
                        .join("; "),
                });
            }
        }
    }
    out
}

fn self_gaps<'a>(people: &[Person<'a>]) -> Vec<SelfGap<'a>> {
    let mut out = Vec::new();
    for p in people {
        for c in &p.competencies {
            let find = |role: &str| {
                c.ratings
                    .iter()
                    .find(|g| g.role == role && g.value.is_some())
            };
            if let (Some(s), Some(m)) = (find("self"), find("manager")) {
                let gap = s.value.unwrap_or(0) - m.value.unwrap_or(0);
                if gap != 0 {
                    out.push(SelfGap {
                        employee_id: p.employee_id,
                        person: p.name,
                        competency: c.title,
                        self_label: s.label,
                        manager_label: m.label,
                        gap,
                    });
                }
            }
        }
    }
    out
}

fn leniency<'a>(people: &[Person<'a>]) -> Vec<Leniency<'a>> {
    let mut sums: BTreeMap<&'a str, (i64, usize)> = BTreeMap::new();
    for p in people {
        for c in &p.competencies {
            let Some(consensus) = c.consensus else {
                continue;
            };
            for g in &c.ratings {
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
