//! The packet's data: what `layouts/packet.typ` reads as `/packet.json` (beside the ladder's
//! `/data.json`), documented in `docs/packet.md`. Built from a read `tally.json` for the people
//! one document covers, with the privacy options already applied: an anonymised peer's name is
//! nowhere in it, and left-out evidence is not in it.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::Options;
use crate::model::{Ladder, ScaleKind};
use crate::pdf::Scan;
use crate::tally::read::{Person, TallyFile};
use crate::tally::views::DISAGREEMENT_SPREAD;
use crate::util::text::truncate;
use crate::workbook::ReviewerRole;

/// `format` of the packet data.
pub const FORMAT: &str = "rungs-packet";
/// Version of the packet data's shape; raised on a breaking change.
pub const FORMAT_VERSION: u32 = 1;
/// Longest evidence text printed, in bytes; a longer one is cut there, and the page says so
/// and points to `tally.csv`.
pub const EVIDENCE_LIMIT: usize = 3000;

/// The whole data of one document.
#[derive(Debug, Clone, Serialize)]
pub struct PacketData {
    pub format: &'static str,
    pub format_version: u32,
    pub job: Job,
    pub options: Shown,
    pub tally: TallyInfo,
    pub counts: Counts,
    pub grid: Vec<GridRow>,
    pub distribution: Vec<DistributionRow>,
    pub levels: Vec<LevelTable>,
    pub people: Vec<PersonPage>,
    pub leniency: Vec<LeniencyBar>,
    pub disagreements: Vec<Disagreement>,
}

/// Which document this is.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// `packet` (cover, overviews, person pages) or `person` (one person's pages, for `--split`).
    pub document: &'static str,
    /// The PDF's file name, relative to the output folder.
    pub file: String,
    /// The group a `--group-by` packet covers.
    pub group: Option<Group>,
    /// Which part of the document the data is for: `all`, or the part rungs compiles on its
    /// own (`front`, `people`, `back`, `footers`; see [`PacketData::parts`]).
    pub part: &'static str,
    /// For a `people` or `back` part: whether it is the first (which opens its section).
    pub first: bool,
    /// For a `back` part: its first rows go on with the level of the part before, so they
    /// get no heading of their own.
    pub continues: bool,
    /// For a `footers` part: the footers of pages `page`… (`pages` of them) of `total`.
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

/// People per part of a packet: each part is typeset and exported on its own, so memory holds
/// a part's people, not the whole packet's.
pub const PEOPLE_PER_PART: usize = 10;

/// Rows of the disagreements list per part of a packet at most, for the same reason: a list
/// of thousands of rows laid out as one table holds them all in memory, on one core. The list
/// is grouped by current level, and parts end where a level ends when they can
/// ([`Disagreement::new_page`]).
pub const DISAGREEMENTS_PER_PART: usize = 500;

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// `team` or `level`.
    pub by: &'static str,
    /// The team's name or the level's code; `null` for people without a team.
    pub value: Option<String>,
}

/// The choices the packet was made with, to be stated on it.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub anonymous_peers: bool,
    pub evidence: bool,
    pub evidence_limit: usize,
    pub filters: Filters,
}

#[derive(Debug, Clone, Serialize)]
pub struct Filters {
    pub levels: Vec<String>,
    pub team: Option<String>,
    pub people: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TallyInfo {
    /// The review cycle (cycles joined by `, ` in a tally of several).
    pub cycle: String,
    pub rule: String,
    /// `levels` or `relative`.
    pub scale: &'static str,
    /// The tally file's name, where the full evidence texts are (`tally.csv` beside it).
    pub source: String,
    /// The run that wrote the tally (its `run_digest`), when it says.
    pub run_digest: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub people: usize,
    pub reviews_returned: usize,
    /// `null` when the tally was made without a manifest.
    pub reviews_expected: Option<usize>,
    pub reviews_incomplete: usize,
    pub people_without_reviews: usize,
}

/// A level as the layout names it.
#[derive(Debug, Clone, Serialize)]
pub struct LevelRef {
    pub code: String,
    pub title: String,
    pub index: usize,
}

/// One row of the level-fit grid: the people at a current level, by suggested gap.
#[derive(Debug, Clone, Serialize)]
pub struct GridRow {
    pub level: LevelRef,
    /// Gap ≤ −2, −1, 0, +1, ≥ +2: the names in each.
    pub cells: [Vec<String>; 5],
    /// No suggestion.
    pub none: Vec<String>,
}

/// Suggested levels of the people at one current level.
#[derive(Debug, Clone, Serialize)]
pub struct DistributionRow {
    pub level: LevelRef,
    pub total: usize,
    /// One bar per suggested level with people (lowest first), then people without one.
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    /// The suggested level's code; `null` for no suggestion.
    pub level: Option<String>,
    pub count: usize,
    /// `below`, `same` or `above` the current level, or `none`.
    pub relation: &'static str,
}

/// The people at one level side by side: their consensus per competency.
#[derive(Debug, Clone, Serialize)]
pub struct LevelTable {
    pub level: LevelRef,
    pub people: Vec<SideBySide>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideBySide {
    pub shown: String,
    pub employee_id: String,
    pub suggested: Option<String>,
    /// One per competency, in ladder order.
    pub cells: Vec<Mark>,
}

/// A consensus, and where it sits against the person's current level.
#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    pub label: Option<String>,
    /// `below`, `at` or `above` the current level; `null` without a consensus.
    pub relation: Option<&'static str>,
    pub self_only: bool,
}

/// One person's pages.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    pub employee_id: String,
    pub name: String,
    /// The name as printed in lists: with the employee id when another person has the name.
    pub shown: String,
    pub team: Option<String>,
    pub current: LevelRef,
    pub suggested: Option<LevelRef>,
    pub gap: Option<i32>,
    pub no_suggestion: Option<String>,
    pub reviews: Reviews,
    /// The reviewers, one column each: self, managers, peers.
    pub columns: Vec<Who>,
    /// One per competency, in ladder order.
    pub rows: Vec<Row>,
    /// Competencies with evidence, in ladder order (empty with `--no-evidence`).
    pub evidence: Vec<EvidenceBlock>,
    /// What the next level asks, where the consensus is below it; `null` at the top level.
    pub next: Option<Next>,
    /// Last cycle's level, when the tally was made with last cycle's (`rungs tally --previous`).
    pub last_cycle: LastCycle,
}

/// A person against last cycle: `none` without a previous cycle in the tally, `new` for a
/// person not in it, else last cycle's level, where it came from and the change since.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LastCycle {
    None,
    New,
    Known {
        level: String,
        title: Option<String>,
        source: String,
        change: Option<i32>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Reviews {
    pub received: usize,
    pub expected: Option<usize>,
    pub complete: usize,
    pub not_returned: Vec<Who>,
}

/// A reviewer: their role and how they are named (`Peer 1` when peers are anonymous).
#[derive(Debug, Clone, Serialize)]
pub struct Who {
    pub role: ReviewerRole,
    pub who: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Index of the competency in ladder order (areas, then their competencies).
    pub competency: usize,
    /// One per column: the label picked, `not_observed`, or `blank`.
    pub ratings: Vec<Rated>,
    pub consensus: Mark,
    /// Ratings two steps or more apart.
    pub disagreement: bool,
    pub spread: Option<i32>,
    /// Self minus manager, in steps, when both rated and they differ.
    pub self_vs_manager: Option<i32>,
    /// Last cycle's consensus and the change since, in steps (with a previous cycle).
    pub last_cycle: Option<String>,
    pub change: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rated {
    pub label: String,
    /// `rated`, `not_observed` or `blank`.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceBlock {
    pub competency: usize,
    pub quotes: Vec<Quote>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    /// Index into the person's `columns`.
    pub column: usize,
    pub text: String,
    /// The text was longer than `evidence_limit` and is cut.
    pub cut: bool,
    /// Length of the whole text, in characters.
    pub length: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Next {
    pub level: LevelRef,
    /// Competencies (ladder order indexes) whose consensus is below the next level.
    pub competencies: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeniencyBar {
    pub who: String,
    pub ratings: usize,
    pub mean_offset: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub shown: String,
    /// The person's current level: the list is grouped by it.
    pub level: LevelRef,
    /// The list goes on from a new page here (and a packet typeset in parts, with a new part):
    /// at the first row of a level when the part before is full, and every
    /// [`DISAGREEMENTS_PER_PART`] rows within a level that has more.
    pub new_page: bool,
    pub employee_id: String,
    pub competency: usize,
    pub spread: i32,
    pub ratings: Vec<WhoSaid>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhoSaid {
    pub who: Who,
    pub label: String,
}

/// What a document is made of: the people it covers (indexes into the tally's people, in
/// print order) and which document it is.
pub struct Scope<'a> {
    pub people: &'a [usize],
    pub job: Job,
}

/// Builds the data of one document.
pub fn build(tally: &TallyFile, ladder: &Ladder, opts: &Options, scope: Scope) -> PacketData {
    let people: Vec<&Person> = scope
        .people
        .iter()
        .map(|&i| &tally.tally.people[i])
        .collect();
    let shown = shown_names(&people);
    let pages: Vec<PersonPage> = people
        .iter()
        .zip(&shown)
        .map(|(p, s)| page(p, s, ladder, opts, tally.tally.history.is_some()))
        .collect();
    PacketData {
        format: FORMAT,
        format_version: FORMAT_VERSION,
        job: scope.job,
        options: Shown {
            anonymous_peers: opts.anonymous_peers,
            evidence: opts.evidence,
            evidence_limit: EVIDENCE_LIMIT,
            filters: Filters {
                levels: opts.levels.clone(),
                team: opts.team.clone(),
                people: opts.people.clone(),
            },
        },
        tally: TallyInfo {
            cycle: tally.cycles.join(", "),
            rule: tally.rule.clone(),
            scale: scale(ladder),
            source: opts.source.clone(),
            run_digest: tally.run_digest.clone(),
        },
        counts: counts(&people),
        grid: grid(ladder, &pages),
        distribution: distribution(ladder, &pages),
        levels: side_by_side(ladder, &pages),
        leniency: leniency(tally, &people, opts),
        disagreements: disagreements(&pages),
        people: pages,
    }
}

fn scale(ladder: &Ladder) -> &'static str {
    match ladder.rating.kind {
        ScaleKind::Levels => "levels",
        ScaleKind::Relative => "relative",
    }
}

/// Names as printed in lists: with the employee id where two people share a name.
fn shown_names(people: &[&Person]) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for p in people {
        *seen.entry(p.name.as_str()).or_default() += 1;
    }
    people
        .iter()
        .map(|p| {
            if seen[p.name.as_str()] > 1 {
                format!("{} ({})", p.name, p.employee_id)
            } else {
                p.name.clone()
            }
        })
        .collect()
}

fn counts(people: &[&Person]) -> Counts {
    let expected: Option<Vec<usize>> = people.iter().map(|p| p.reviews_expected).collect();
    Counts {
        people: people.len(),
        reviews_returned: people.iter().map(|p| p.reviews.len()).sum(),
        reviews_expected: expected.map(|e| e.iter().sum()),
        reviews_incomplete: people
            .iter()
            .flat_map(|p| &p.reviews)
            .filter(|r| !r.complete)
            .count(),
        people_without_reviews: people.iter().filter(|p| p.reviews.is_empty()).count(),
    }
}

fn level_ref(ladder: &Ladder, code: &str) -> LevelRef {
    let level = ladder.level(code);
    LevelRef {
        code: code.to_owned(),
        title: level.map_or_else(String::new, |l| l.title.clone()),
        index: level.map_or(0, |l| l.index),
    }
}

/// Where a consensus value sits against the current level: on a levels scale values are level
/// indexes, on a relative scale offsets from the current level.
fn relation(ladder: &Ladder, current: usize, value: i32) -> &'static str {
    let offset = match ladder.rating.kind {
        ScaleKind::Levels => value - crate::util::to_i32(current),
        ScaleKind::Relative => value,
    };
    match offset {
        ..0 => "below",
        0 => "at",
        _ => "above",
    }
}

/// One person's page: columns of reviewers, a row per competency, evidence, the next level.
fn page(p: &Person, shown: &str, ladder: &Ladder, opts: &Options, history: bool) -> PersonPage {
    let current = level_ref(ladder, &p.current_level);
    let (order, columns) = columns(p, opts);
    let rows: Vec<Row> = p
        .competencies
        .iter()
        .enumerate()
        .map(|(k, c)| Row {
            competency: k,
            ratings: order
                .iter()
                .map(|&r| {
                    let g = &c.ratings[r];
                    let kind = match (g.value, g.label.is_empty()) {
                        (Some(_), _) => "rated",
                        (None, true) => "blank",
                        (None, false) => "not_observed",
                    };
                    Rated {
                        label: g.label.clone(),
                        kind,
                    }
                })
                .collect(),
            consensus: Mark {
                label: c.consensus_label.clone(),
                relation: c.consensus.map(|v| relation(ladder, current.index, v)),
                self_only: c.self_only,
            },
            disagreement: c.spread.is_some_and(|s| s >= DISAGREEMENT_SPREAD),
            spread: c.spread,
            self_vs_manager: c.self_minus_manager.filter(|d| *d != 0),
            last_cycle: c.previous_consensus_label.clone(),
            change: c.consensus_change,
        })
        .collect();
    let evidence = if opts.evidence {
        evidence(p, &order)
    } else {
        Vec::new()
    };
    let next = ladder.levels.get(current.index + 1).map(|l| Next {
        level: level_ref(ladder, &l.code),
        competencies: p
            .competencies
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.consensus
                    .is_some_and(|v| relation(ladder, current.index, v) != "above")
            })
            .map(|(k, _)| k)
            .collect(),
    });
    PersonPage {
        employee_id: p.employee_id.clone(),
        name: p.name.clone(),
        shown: shown.to_owned(),
        team: p.team.clone(),
        suggested: p.suggested_level.as_deref().map(|c| level_ref(ladder, c)),
        current,
        gap: p.gap,
        no_suggestion: p.no_suggestion.clone(),
        reviews: Reviews {
            received: p.reviews.len(),
            expected: p.reviews_expected,
            complete: p.reviews.iter().filter(|r| r.complete).count(),
            not_returned: p
                .not_returned
                .iter()
                .map(|m| named(m.role, &m.reviewer, None, opts))
                .collect(),
        },
        columns,
        rows,
        evidence,
        next,
        last_cycle: match (&p.previous, history) {
            (Some(prev), _) => LastCycle::Known {
                level: prev.level.clone(),
                title: ladder.level(&prev.level).map(|l| l.title.clone()),
                source: prev.source.clone(),
                change: prev.change,
            },
            (None, true) => LastCycle::New,
            (None, false) => LastCycle::None,
        },
    }
}

/// How a reviewer is named: by name, or, for a peer when peers are anonymous, `Peer N` (`n`
/// given) or `Peer` (a peer whose review is not in the tally).
fn named(role: ReviewerRole, name: &str, n: Option<usize>, opts: &Options) -> Who {
    let who = if opts.anonymous_peers && role == ReviewerRole::Peer {
        n.map_or_else(|| "Peer".to_owned(), |n| format!("Peer {n}"))
    } else {
        name.to_owned()
    };
    Who { role, who }
}

/// The order of the person's reviews as columns (self, managers, peers; peers by name, or by
/// form id when anonymous, which says nothing about who they are), and the columns.
fn columns(p: &Person, opts: &Options) -> (Vec<usize>, Vec<Who>) {
    let rank = |r: ReviewerRole| match r {
        ReviewerRole::SelfReview => 0,
        ReviewerRole::Manager => 1,
        ReviewerRole::Peer => 2,
    };
    let mut order: Vec<usize> = (0..p.reviews.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&p.reviews[a], &p.reviews[b]);
        let key = |r: &crate::tally::read::Review| {
            let by = if opts.anonymous_peers && r.role == ReviewerRole::Peer {
                r.form_id.clone()
            } else {
                r.reviewer.clone()
            };
            (rank(r.role), by)
        };
        key(ra).cmp(&key(rb))
    });
    let mut peers = 0;
    let columns = order
        .iter()
        .map(|&i| {
            let r = &p.reviews[i];
            let n = (r.role == ReviewerRole::Peer).then(|| {
                peers += 1;
                peers
            });
            named(r.role, &r.reviewer, n, opts)
        })
        .collect();
    (order, columns)
}

/// The evidence of each competency, quoted in column order; long texts cut at
/// [`EVIDENCE_LIMIT`] and marked.
fn evidence(p: &Person, order: &[usize]) -> Vec<EvidenceBlock> {
    p.competencies
        .iter()
        .enumerate()
        .filter_map(|(k, c)| {
            let quotes: Vec<Quote> = order
                .iter()
                .enumerate()
                .filter_map(|(column, &r)| {
                    let text = c.ratings[r].evidence.trim();
                    (!text.is_empty()).then(|| {
                        let kept = truncate(text, EVIDENCE_LIMIT);
                        Quote {
                            column,
                            text: kept.to_owned(),
                            cut: kept.len() < text.len(),
                            length: text.chars().count(),
                        }
                    })
                })
                .collect();
            (!quotes.is_empty()).then_some(EvidenceBlock {
                competency: k,
                quotes,
            })
        })
        .collect()
}

/// The levels that have people, lowest first, each with its people (in print order).
fn by_level<'p>(ladder: &Ladder, pages: &'p [PersonPage]) -> Vec<(LevelRef, Vec<&'p PersonPage>)> {
    let mut rows: BTreeMap<usize, Vec<&PersonPage>> = BTreeMap::new();
    for p in pages {
        rows.entry(p.current.index).or_default().push(p);
    }
    rows.into_values()
        .map(|people| (level_ref(ladder, &people[0].current.code), people))
        .collect()
}

fn grid(ladder: &Ladder, pages: &[PersonPage]) -> Vec<GridRow> {
    by_level(ladder, pages)
        .into_iter()
        .map(|(level, people)| {
            let mut cells: [Vec<String>; 5] = Default::default();
            let mut none = Vec::new();
            for p in people {
                match p.gap {
                    Some(g) => cells[(g.clamp(-2, 2) + 2) as usize].push(p.shown.clone()),
                    None => none.push(p.shown.clone()),
                }
            }
            GridRow { level, cells, none }
        })
        .collect()
}

fn distribution(ladder: &Ladder, pages: &[PersonPage]) -> Vec<DistributionRow> {
    by_level(ladder, pages)
        .into_iter()
        .map(|(level, people)| {
            let mut bars: Vec<Bar> = ladder
                .levels
                .iter()
                .filter_map(|l| {
                    let count = people
                        .iter()
                        .filter(|p| p.suggested.as_ref().is_some_and(|s| s.code == l.code))
                        .count();
                    (count > 0).then(|| Bar {
                        level: Some(l.code.clone()),
                        count,
                        relation: match l.index.cmp(&level.index) {
                            std::cmp::Ordering::Less => "below",
                            std::cmp::Ordering::Equal => "same",
                            std::cmp::Ordering::Greater => "above",
                        },
                    })
                })
                .collect();
            let none = people.iter().filter(|p| p.suggested.is_none()).count();
            if none > 0 {
                bars.push(Bar {
                    level: None,
                    count: none,
                    relation: "none",
                });
            }
            DistributionRow {
                total: people.len(),
                level,
                bars,
            }
        })
        .collect()
}

fn side_by_side(ladder: &Ladder, pages: &[PersonPage]) -> Vec<LevelTable> {
    by_level(ladder, pages)
        .into_iter()
        .map(|(level, people)| LevelTable {
            level,
            people: people
                .into_iter()
                .map(|p| SideBySide {
                    shown: p.shown.clone(),
                    employee_id: p.employee_id.clone(),
                    suggested: p.suggested.as_ref().map(|s| s.code.clone()),
                    cells: p.rows.iter().map(|r| r.consensus.clone()).collect(),
                })
                .collect(),
        })
        .collect()
}

/// The tally's leniency of each reviewer who reviewed someone in this document (measured over
/// the whole tally). With anonymous peers, a reviewer who rated anyone as a peer is `Peer
/// reviewer N`, numbered in order of their offset, never by name.
fn leniency(tally: &TallyFile, people: &[&Person], opts: &Options) -> Vec<LeniencyBar> {
    let here: HashSet<&str> = people
        .iter()
        .flat_map(|p| &p.reviews)
        .filter(|r| r.role != ReviewerRole::SelfReview)
        .map(|r| r.reviewer.as_str())
        .collect();
    let mut named = Vec::new();
    let mut hidden = Vec::new();
    for l in tally
        .tally
        .leniency
        .iter()
        .filter(|l| here.contains(l.reviewer.as_str()))
    {
        if opts.anonymous_peers && l.roles.contains(&ReviewerRole::Peer) {
            hidden.push(l);
        } else {
            named.push(LeniencyBar {
                who: l.reviewer.clone(),
                ratings: l.ratings,
                mean_offset: l.mean_offset,
            });
        }
    }
    hidden.sort_by(|a, b| {
        a.mean_offset
            .total_cmp(&b.mean_offset)
            .then(a.ratings.cmp(&b.ratings))
    });
    named.extend(hidden.iter().enumerate().map(|(i, l)| LeniencyBar {
        who: format!("Peer reviewer {}", i + 1),
        ratings: l.ratings,
        mean_offset: l.mean_offset,
    }));
    named
}

fn disagreements(pages: &[PersonPage]) -> Vec<Disagreement> {
    let mut out = Vec::new();
    for p in pages {
        for r in p.rows.iter().filter(|r| r.disagreement) {
            out.push(Disagreement {
                shown: p.shown.clone(),
                level: p.current.clone(),
                new_page: false,
                employee_id: p.employee_id.clone(),
                competency: r.competency,
                spread: r.spread.unwrap_or(0),
                ratings: r
                    .ratings
                    .iter()
                    .zip(&p.columns)
                    .filter(|(g, _)| g.kind == "rated")
                    .map(|(g, who)| WhoSaid {
                        who: who.clone(),
                        label: g.label.clone(),
                    })
                    .collect(),
            });
        }
    }
    break_pages(&mut out);
    out
}

/// Marks where the list of disagreements goes on from a new page ([`Disagreement::new_page`]):
/// levels are packed in order into pieces of at most [`DISAGREEMENTS_PER_PART`] rows, a level
/// with more rows than that alone, in pieces of that many.
fn break_pages(rows: &mut [Disagreement]) {
    let mut in_piece = 0;
    for level in rows.chunk_by_mut(|a, b| a.level.code == b.level.code) {
        if in_piece > 0 && in_piece + level.len() > DISAGREEMENTS_PER_PART {
            level[0].new_page = true;
            in_piece = 0;
        }
        for (i, row) in level.iter_mut().enumerate() {
            if i > 0 && i % DISAGREEMENTS_PER_PART == 0 {
                row.new_page = true;
                in_piece = 0;
            }
            in_piece += 1;
        }
    }
}

/// The pieces of a list, or one empty piece when there are none: a section is printed even
/// when empty (it says so).
fn at_least_one<'a, T: 'a>(pieces: impl Iterator<Item = &'a [T]>) -> impl Iterator<Item = &'a [T]> {
    let mut pieces = pieces.peekable();
    let empty = pieces.peek().is_none().then_some(&[][..]);
    empty.into_iter().chain(pieces)
}

/// The data of one part: the document's data with the lists the part does not print left out.
#[derive(Serialize)]
struct PartView<'a> {
    format: &'static str,
    format_version: u32,
    job: Job,
    options: &'a Shown,
    tally: &'a TallyInfo,
    counts: &'a Counts,
    grid: &'a [GridRow],
    distribution: &'a [DistributionRow],
    levels: &'a [LevelTable],
    people: &'a [PersonPage],
    leniency: &'a [LeniencyBar],
    disagreements: &'a [Disagreement],
}

impl PacketData {
    /// The data of a part: `front`; `people` (these `people`); `back` (the leniency chart when
    /// `first`, and these `disagreements`); `footers` (for `pages`).
    fn part<'a>(
        &'a self,
        part: &'static str,
        (people, disagreements): (&'a [PersonPage], &'a [Disagreement]),
        first: bool,
    ) -> PartView<'a> {
        let front = part == "front";
        let opens_back = part == "back" && first;
        PartView {
            format: self.format,
            format_version: self.format_version,
            job: Job {
                part,
                first,
                ..self.job.clone()
            },
            options: &self.options,
            tally: &self.tally,
            counts: &self.counts,
            grid: if front { &self.grid } else { &[] },
            distribution: if front { &self.distribution } else { &[] },
            levels: if front { &self.levels } else { &[] },
            people,
            leniency: if opens_back { &self.leniency } else { &[] },
            disagreements,
        }
    }

    /// The data of the parts a packet is made of, in order, as JSON: the front matter, the
    /// people [`PEOPLE_PER_PART`] at a time, the back matter with the disagreements in pieces
    /// that start on a new page ([`Disagreement::new_page`]; at least one part of each, which
    /// says when there is nobody or no disagreement). With each, whether its outline entries continue the part
    /// before (the people after the first part continue "People").
    pub fn parts(&self) -> serde_json::Result<Vec<(String, bool)>> {
        let mut out = vec![(
            serde_json::to_string(&self.part("front", (&[], &[]), false))?,
            false,
        )];
        for (i, people) in at_least_one(self.people.chunks(PEOPLE_PER_PART)).enumerate() {
            out.push((
                serde_json::to_string(&self.part("people", (people, &[]), i == 0))?,
                i > 0,
            ));
        }
        // A part from each row that starts a new page; it goes on with the level before when
        // its first row's level is the previous row's.
        let pieces = self.disagreements.chunk_by(|_, next| !next.new_page);
        let mut before: Option<&Disagreement> = None;
        for (i, rows) in at_least_one(pieces).enumerate() {
            let mut view = self.part("back", (&[], rows), i == 0);
            view.job.continues = matches!(
                (before, rows.first()),
                (Some(b), Some(r)) if b.level.code == r.level.code
            );
            before = rows.last();
            out.push((serde_json::to_string(&view)?, i > 0));
        }
        Ok(out)
    }

    /// The data of the footers of pages `page`… (`pages` of them) of a packet of `total`.
    pub fn footers(&self, page: usize, pages: usize, total: usize) -> serde_json::Result<String> {
        let mut view = self.part("footers", (&[], &[]), false);
        view.job.page = page;
        view.job.pages = pages;
        view.job.total = total;
        serde_json::to_string(&view)
    }

    /// Hands every text the packet prints from its data to the missing-glyph check, naming the
    /// person and field it belongs to.
    pub fn scan(&self, ladder: &Ladder, scan: &mut Scan) {
        let titles: Vec<&str> = ladder.competencies().map(|c| c.title.as_str()).collect();
        scan.text(&self.tally.cycle, &|| "the cycle".into());
        for p in &self.people {
            let id = &p.employee_id;
            scan.text(&p.name, &|| format!("{id}: name"));
            scan.text(id, &|| format!("{id}: employee id"));
            if let Some(team) = &p.team {
                scan.text(team, &|| format!("{id}: team"));
            }
            for c in p.columns.iter().chain(&p.reviews.not_returned) {
                scan.text(&c.who, &|| format!("{id}: reviewer ({})", c.role.as_str()));
            }
            for e in &p.evidence {
                for q in &e.quotes {
                    let role = p.columns.get(q.column).map_or("", |c| c.role.as_str());
                    let title = titles.get(e.competency).copied().unwrap_or("");
                    scan.text(&q.text, &|| format!("{id}: evidence by {role} on {title}"));
                }
            }
        }
        for l in &self.leniency {
            scan.text(&l.who, &|| "the leniency chart: reviewer".into());
        }
    }
}
