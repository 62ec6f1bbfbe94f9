//! The calibration views of a tally: the distribution of suggested levels per current level,
//! competencies the reviewers disagree on, self-ratings that differ from the manager's, and
//! each reviewer's leniency (mean offset from the consensus).

use std::collections::BTreeMap;

use serde::Serialize;

use super::consensus::{Person, Tally};
use crate::model::Ladder;
use crate::util::to_u32;
use crate::workbook::ReviewerRole;

/// Spread (highest minus lowest rating, in steps of the scale) that counts as disagreement.
pub const DISAGREEMENT_SPREAD: i32 = 2;

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
    pub competency_id: &'a str,
    pub competency: &'a str,
    pub spread: i32,
    pub ratings: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SelfGap<'a> {
    pub employee_id: &'a str,
    pub person: &'a str,
    pub competency_id: &'a str,
    pub competency: &'a str,
    pub self_label: &'a str,
    pub manager_label: &'a str,
    /// Self minus manager, in steps of the scale.
    pub gap: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leniency<'a> {
    pub reviewer: &'a str,
    /// The roles in which they rated others (`manager`, `peer`), in that order.
    pub roles: Vec<ReviewerRole>,
    pub ratings: usize,
    /// Mean of (rating − consensus) over the competencies they rated that have a consensus.
    pub mean_offset: f64,
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
                competency_id: p.competency_id(k),
                competency: p.competency_title(k),
                spread: spread(p, k).unwrap_or(0),
                ratings: p
                    .ratings(k)
                    .filter(|g| g.value.is_some())
                    .map(|g| format!("{} ({}): {}", g.reviewer, g.role.as_str(), g.label))
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
                competency_id: p.competency_id(k),
                competency: p.competency_title(k),
                self_label: s.0,
                manager_label: m.0,
                gap: s.1 - m.1,
            }
        })
    }
}

/// Highest minus lowest rating of competency `k`, when anyone rated it.
pub(super) fn spread(p: &Person<'_>, k: usize) -> Option<i32> {
    let (lo, hi) = p
        .ratings(k)
        .filter_map(|g| g.value)
        .fold((i32::MAX, i32::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (lo <= hi).then(|| hi - lo)
}

/// A rating given: its label and value.
type Rated<'a> = (&'a str, i32);

/// The first self-rating and the first manager rating of competency `k`, when both rated it.
pub(super) fn self_and_manager<'a>(p: &Person<'a>, k: usize) -> Option<(Rated<'a>, Rated<'a>)> {
    let find = |role: ReviewerRole| {
        p.ratings(k)
            .find(|g| g.role == role && g.value.is_some())
            .map(|g| (g.label, g.value.unwrap_or(0)))
    };
    Some((
        find(ReviewerRole::SelfReview)?,
        find(ReviewerRole::Manager)?,
    ))
}

pub(super) fn distribution<'a>(
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
pub(super) fn disagreements(people: &[Person<'_>]) -> Vec<Flagged> {
    let mut out = Vec::new();
    for (i, p) in people.iter().enumerate() {
        for k in 0..p.consensus.len() {
            if spread(p, k).is_some_and(|s| s >= DISAGREEMENT_SPREAD) {
                out.push(Flagged {
                    person: to_u32(i),
                    competency: to_u32(k),
                });
            }
        }
    }
    out
}

/// Competencies where the self-rating and the manager's differ.
pub(super) fn self_gaps(people: &[Person<'_>]) -> Vec<Flagged> {
    let mut out = Vec::new();
    for (i, p) in people.iter().enumerate() {
        for k in 0..p.consensus.len() {
            if let Some((s, m)) = self_and_manager(p, k)
                && s.1 != m.1
            {
                out.push(Flagged {
                    person: to_u32(i),
                    competency: to_u32(k),
                });
            }
        }
    }
    out
}

pub(super) fn leniency<'a>(people: &[Person<'a>]) -> Vec<Leniency<'a>> {
    // reviewer → (sum of offsets, ratings, roles)
    let mut sums: BTreeMap<&'a str, (i64, usize, Vec<ReviewerRole>)> = BTreeMap::new();
    for p in people {
        for (k, c) in p.consensus.iter().enumerate() {
            let Some(consensus) = c.value else {
                continue;
            };
            for g in p.ratings(k) {
                if g.role == ReviewerRole::SelfReview {
                    continue;
                }
                if let Some(v) = g.value {
                    let e = sums.entry(g.reviewer).or_default();
                    e.0 += i64::from(v - consensus);
                    e.1 += 1;
                    if !e.2.contains(&g.role) {
                        e.2.push(g.role);
                        e.2.sort();
                    }
                }
            }
        }
    }
    sums.into_iter()
        .map(|(reviewer, (sum, n, roles))| Leniency {
            reviewer,
            roles,
            ratings: n,
            mean_offset: (sum as f64 / n as f64 * 100.0).round() / 100.0,
        })
        .collect()
}
