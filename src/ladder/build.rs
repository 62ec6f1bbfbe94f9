//! Folds a parsed ladder into the model: levels in order, areas and competencies in order of
//! first appearance, each level compared with the one below, the rating scale, the ladder's id
//! and its fingerprint. Reports what makes the ladder unusable.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::changes;
use super::frontmatter::LevelsOrder;
use super::parse::{self, RawLadder, RawLevel, slug};
use crate::diag::{Diagnostic, LineIndex, Location};
use crate::model::{
    Area, Cell, Competency, JSON_FORMAT_VERSION, Ladder, Level, Meta, RatingOption, RatingScale,
    ScaleKind,
};
use crate::util::text::hex;

/// Folds the document into the model; reports what makes it unusable.
pub(super) fn build(
    idx: &LineIndex<'_>,
    file: &str,
    raw: &RawLadder,
    diags: &mut Vec<Diagnostic>,
) -> Option<Ladder> {
    let front = &raw.front;
    let whole = || Location::File {
        file: idx.file().to_owned(),
    };
    let title = front.title.clone().or_else(|| raw.title.clone());
    let Some(title) = title.filter(|t| !t.trim().is_empty()) else {
        diags.push(
            Diagnostic::error("no-title", "the ladder has no `#` title", whole())
                .with_hint("start the file with `# Your ladder's name`"),
        );
        return None;
    };
    if raw.levels.is_empty() {
        diags.push(
            Diagnostic::error("empty-ladder", "the ladder has no levels", whole()).with_hint(
                "add levels as `## Level title (CODE)`, each with `### Area`, `#### Competency` and `- expectation` bullets",
            ),
        );
        return None;
    }
    let mut raw_levels: Vec<&RawLevel> = raw.levels.iter().collect();
    if front.levels_order == Some(LevelsOrder::HighestFirst) {
        raw_levels.reverse();
    }
    let levels: Vec<Level> = raw_levels
        .iter()
        .enumerate()
        .map(|(i, l)| Level {
            code: l.code.clone(),
            title: l.title.clone(),
            index: i,
            summary: l.summary.clone(),
        })
        .collect();
    let mut areas = areas(idx, &raw_levels, &levels, diags);
    compare_levels(&mut areas);
    let rating = rating_scale(raw, &levels, idx, diags);
    let id = ladder_id(idx, raw, &title, diags);
    let source = Path::new(file)
        .file_name()
        .map_or_else(|| file.to_owned(), |n| n.to_string_lossy().into_owned());
    let mut ladder = Ladder {
        format: "rungs-ladder".into(),
        format_version: JSON_FORMAT_VERSION,
        meta: Meta {
            id,
            title,
            version: front
                .version
                .clone()
                .unwrap_or_else(|| "unversioned".into()),
            fingerprint: String::new(),
            organisation: front.organisation.clone(),
            language: front.language.clone().unwrap_or_else(|| "en".into()),
            description: raw.description.clone(),
            source,
        },
        levels,
        rating,
        areas,
    };
    ladder.meta.fingerprint = fingerprint(&ladder);
    Some(ladder)
}

/// Areas and competencies in order of first appearance, lowest level first, each competency
/// with one cell per level.
fn areas(
    idx: &LineIndex<'_>,
    raw_levels: &[&RawLevel],
    levels: &[Level],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Area> {
    let mut areas: Vec<Area> = Vec::new();
    let mut comp_pos: HashMap<String, (usize, usize)> = HashMap::new();
    for (li, level) in raw_levels.iter().enumerate() {
        for ra in &level.areas {
            let ai = if let Some(i) = areas.iter().position(|a| a.id == ra.id) {
                i
            } else {
                areas.push(Area {
                    id: ra.id.clone(),
                    title: ra.title.clone(),
                    competencies: Vec::new(),
                });
                areas.len() - 1
            };
            for rc in &ra.competencies {
                let id = format!("{}.{}", ra.id, rc.id);
                let (ai, ci) = *comp_pos.entry(id.clone()).or_insert_with(|| {
                    let comps = &mut areas[ai].competencies;
                    comps.push(Competency {
                        id: id.clone(),
                        title: rc.title.clone(),
                        area: ra.id.clone(),
                        cells: levels
                            .iter()
                            .map(|l| Cell {
                                level: l.code.clone(),
                                items: Vec::new(),
                                change: changes::compare(None, &[]),
                            })
                            .collect(),
                    });
                    (ai, comps.len() - 1)
                });
                let cell = &mut areas[ai].competencies[ci].cells[li];
                cell.items.extend(rc.items.iter().cloned());
                if rc.items.is_empty() {
                    diags.push(empty_competency(idx, rc, &level.code));
                }
            }
        }
    }
    areas
}

fn empty_competency(idx: &LineIndex<'_>, rc: &parse::RawCompetency, code: &str) -> Diagnostic {
    Diagnostic::warning(
        "empty-competency",
        format!("competency `{}` has no expectations at {code}", rc.title),
        idx.location(rc.span.start, rc.span.end),
    )
    .with_hint("add `- ` bullets under the heading, or remove the heading")
}

/// Each cell compared with the same competency one level below. The word diffs are most of the
/// work of loading a ladder, and every command waits for them: competencies are compared on
/// all cores.
fn compare_levels(areas: &mut [Area]) {
    let comps: Vec<&mut Competency> = areas
        .iter_mut()
        .flat_map(|a| a.competencies.iter_mut())
        .collect();
    comps.into_par_iter().for_each(|comp| {
        for li in 0..comp.cells.len() {
            let (lower, rest) = comp.cells.split_at_mut(li);
            let below = lower.last().map(|b| b.items.as_slice());
            rest[0].change = changes::compare(below, &rest[0].items);
        }
    });
}

/// The front matter's `id`, else the title's slug; it must be a slug itself.
fn ladder_id(
    idx: &LineIndex<'_>,
    raw: &RawLadder,
    title: &str,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let id = raw.front.id.clone().unwrap_or_else(|| slug(title));
    if id.is_empty() || id != slug(&id) {
        diags.push(
            Diagnostic::error(
                "bad-ladder-id",
                format!("ladder id `{id}` must be lowercase letters, digits and `-`"),
                raw.front_span.as_ref().map_or_else(
                    || Location::File {
                        file: idx.file().to_owned(),
                    },
                    |s| idx.location(s.start, s.end),
                ),
            )
            .with_hint(format!(
                "set `id = \"{}\"` in the front matter",
                slug(title)
            )),
        );
    }
    id
}

fn rating_scale(
    raw: &RawLadder,
    levels: &[Level],
    idx: &LineIndex<'_>,
    diags: &mut Vec<Diagnostic>,
) -> RatingScale {
    let mut scale = RatingScale::levels(levels);
    let Some(cfg) = &raw.front.rating else {
        return scale;
    };
    let loc = || {
        raw.front_span.as_ref().map_or_else(
            || Location::File {
                file: idx.file().to_owned(),
            },
            |s| idx.location(s.start, s.end),
        )
    };
    if let Some(label) = &cfg.not_observed {
        label.trim().clone_into(&mut scale.not_observed);
    }
    match (cfg.scale.unwrap_or(ScaleKind::Levels), &cfg.options) {
        (ScaleKind::Levels, Some(_)) => diags.push(
            Diagnostic::error(
                "bad-rating",
                "`rating.options` only goes with `scale = \"relative\"`",
                loc(),
            )
            .with_hint("the `levels` scale takes its options from the level codes; add `scale = \"relative\"` or remove the options"),
        ),
        (ScaleKind::Levels, None) => {}
        (ScaleKind::Relative, None) => diags.push(
            Diagnostic::error("bad-rating", "a `relative` rating scale needs options", loc())
                .with_hint("add e.g. `options = [{ label = \"Not yet\", value = -1 }, { label = \"Meets\", value = 0 }, { label = \"Exceeds\", value = 1 }]` under `[rating]`"),
        ),
        (ScaleKind::Relative, Some(opts)) => {
            scale.kind = ScaleKind::Relative;
            scale.options = opts
                .iter()
                .map(|o| RatingOption {
                    label: o.label.trim().to_owned(),
                    value: o.value,
                    description: o.description.clone(),
                })
                .collect();
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for label in scale.labels() {
        let key = label.to_lowercase();
        if label.is_empty() {
            diags.push(
                Diagnostic::error("bad-rating", "a rating label is empty", loc())
                    .with_hint("give every rating option a label"),
            );
        } else if label.chars().count() > 100 {
            diags.push(
                Diagnostic::error(
                    "bad-rating",
                    format!("rating label `{label}` is longer than 100 characters"),
                    loc(),
                )
                .with_hint("keep labels short; put the explanation in `description`"),
            );
        } else if seen.contains(&key) {
            diags.push(
                Diagnostic::error(
                    "bad-rating",
                    format!(
                        "rating label `{label}` is used twice (labels are compared ignoring case)"
                    ),
                    loc(),
                )
                .with_hint("give every option, and `not_observed`, its own label"),
            );
        }
        seen.push(key);
    }
    scale
}

/// SHA-256 over the ladder's content (levels, rating scale, competencies and their text),
/// not over its formatting, title or version: review sheets carry it to prove which content
/// they were made from.
fn fingerprint(l: &Ladder) -> String {
    let content = serde_json::json!({
        "levels": l.levels.iter().map(|v| (&v.code, &v.title)).collect::<Vec<_>>(),
        "rating": &l.rating,
        "competencies": l.competencies().map(|c| serde_json::json!({
            "id": c.id,
            "title": c.title,
            "cells": c.cells.iter().map(|cell| cell.items.iter().map(|e| &e.inlines).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let digest = Sha256::digest(content.to_string().as_bytes());
    hex(&digest[..8])
}
