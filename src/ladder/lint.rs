//! Quality warnings nobody else checks: gaps, levels that repeat the level below, and
//! competencies listed in a different order from one level to the next.

use super::changes::{coverage, coverage_bound};
use super::parse::RawLadder;
use crate::diag::{Diagnostic, LineIndex};
use crate::model::Ladder;

/// Share of a level's words already present at the level below that counts as "repeats it".
const REPEAT_COVERAGE: f32 = 0.9;

pub(crate) fn check(idx: &LineIndex<'_>, raw: &RawLadder, ladder: &Ladder) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    missing(idx, raw, ladder, &mut out);
    repeated(idx, raw, ladder, &mut out);
    order(idx, raw, ladder, &mut out);
    mixed_ids(idx, raw, ladder, &mut out);
    out
}

/// Some competencies with explicit ids and some without: renaming one of the others starts a
/// new history, which is easy to forget once ids are in use.
fn mixed_ids(idx: &LineIndex<'_>, raw: &RawLadder, ladder: &Ladder, out: &mut Vec<Diagnostic>) {
    let total = ladder.competencies().count();
    let implicit: Vec<&str> = ladder
        .competencies()
        .filter(|c| !c.explicit_id)
        .map(|c| c.title.as_str())
        .collect();
    if implicit.is_empty() || implicit.len() == total {
        return;
    }
    let first = raw
        .levels
        .iter()
        .flat_map(|l| l.areas.iter())
        .flat_map(|a| a.competencies.iter())
        .find(|c| !c.explicit);
    let Some(rc) = first else {
        return;
    };
    let named: Vec<String> = implicit.iter().take(3).map(|t| format!("`{t}`")).collect();
    let more = if implicit.len() > 3 { ", …" } else { "" };
    out.push(
        Diagnostic::warning(
            "mixed-ids",
            format!(
                "{} of {total} competencies have no explicit id ({}{more}): renaming one of them gives it a new id, and review history does not follow it",
                implicit.len(),
                named.join(", ")
            ),
            idx.location(rc.span.start, rc.span.end),
        )
        .with_hint(format!(
            "give every competency an id, e.g. `#### {} {{#{}}}`, or none",
            rc.title, rc.id
        )),
    );
}

/// Finds the source span of competency `id` in the raw level with code `code`.
fn comp_span(raw: &RawLadder, code: &str, id: &str) -> Option<std::ops::Range<usize>> {
    let level = raw.levels.iter().find(|l| l.code == code)?;
    level.areas.iter().find_map(|a| {
        a.competencies
            .iter()
            .find(|c| c.model_id(a) == id)
            .map(|c| c.span.clone())
    })
}

fn missing(idx: &LineIndex<'_>, raw: &RawLadder, ladder: &Ladder, out: &mut Vec<Diagnostic>) {
    for comp in ladder.competencies() {
        let gaps: Vec<&str> = comp
            .cells
            .iter()
            .filter(|c| c.items.is_empty())
            .map(|c| c.level.as_str())
            .collect();
        if gaps.is_empty() {
            continue;
        }
        let first = comp.cells.iter().find(|c| !c.items.is_empty());
        let Some(span) = first.and_then(|c| comp_span(raw, &c.level, &comp.id)) else {
            continue;
        };
        let area = ladder
            .areas
            .iter()
            .find(|a| a.id == comp.area)
            .map_or("", |a| a.title.as_str());
        out.push(
            Diagnostic::warning(
                "missing-competency",
                format!(
                    "competency `{area} / {}` is missing at {}",
                    comp.title,
                    gaps.join(", ")
                ),
                idx.location(span.start, span.end),
            )
            .with_hint(format!(
                "add `#### {}` under `### {area}` in those levels, or ignore this if it starts or stops there on purpose",
                comp.title
            )),
        );
    }
}

fn repeated(idx: &LineIndex<'_>, raw: &RawLadder, ladder: &Ladder, out: &mut Vec<Diagnostic>) {
    for comp in ladder.competencies() {
        for pair in comp.cells.windows(2) {
            let (below, here) = (&pair[0], &pair[1]);
            if below.items.is_empty() || here.items.is_empty() {
                continue;
            }
            let join = |c: &crate::model::Cell| {
                c.items
                    .iter()
                    .map(|e| e.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let (old, new) = (join(below), join(here));
            let Some(span) = comp_span(raw, &here.level, &comp.id) else {
                continue;
            };
            let msg = if old == new {
                format!(
                    "`{}` at {} is word for word the same as at {}",
                    comp.title, here.level, below.level
                )
            } else {
                // Most cells differ plainly: the bound settles them without a diff.
                if coverage_bound(&old, &new) < REPEAT_COVERAGE {
                    continue;
                }
                let cov = coverage(&old, &new);
                if cov < REPEAT_COVERAGE {
                    continue;
                }
                format!(
                    "`{}` at {} repeats {}: {:.0}% of its words are already there",
                    comp.title,
                    here.level,
                    below.level,
                    (cov * 100.0).floor()
                )
            };
            out.push(
                Diagnostic::warning(
                    "repeated-expectations",
                    msg,
                    idx.location(span.start, span.end),
                )
                .with_hint(format!(
                    "say what {} adds over {}, so people can see what promotion asks of them",
                    here.level, below.level
                )),
            );
        }
    }
}

fn order(idx: &LineIndex<'_>, raw: &RawLadder, ladder: &Ladder, out: &mut Vec<Diagnostic>) {
    let area_rank = |id: &str| ladder.areas.iter().position(|a| a.id == id);
    let comp_rank = |id: &str| ladder.competencies().position(|c| c.id == id);
    // Warns when `rank` goes backwards; `last` is the highest rank seen so far at this level.
    let mut check = |what: &str,
                     title: &str,
                     code: &str,
                     span: &std::ops::Range<usize>,
                     rank,
                     last: &mut Option<usize>| {
        if rank < *last {
            out.push(
                Diagnostic::warning(
                    "order-differs",
                    format!("{what} `{title}` comes in a different order at {code} than at the levels before"),
                    idx.location(span.start, span.end),
                )
                .with_hint("keep them in the same order at every level; the matrix uses the first order seen"),
            );
        }
        *last = (*last).max(rank);
    };
    for level in &raw.levels {
        let (mut last_area, mut last_comp) = (None, None);
        for area in &level.areas {
            let rank = area_rank(&area.id);
            check(
                "area",
                &area.title,
                &level.code,
                &area.span,
                rank,
                &mut last_area,
            );
            for comp in &area.competencies {
                let rank = comp_rank(&comp.model_id(area));
                check(
                    "competency",
                    &comp.title,
                    &level.code,
                    &comp.span,
                    rank,
                    &mut last_comp,
                );
            }
        }
    }
}
