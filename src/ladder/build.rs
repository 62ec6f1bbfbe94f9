//! Folds a parsed ladder into the model: levels in order, areas and competencies in order of
//! first appearance, each level compared with the one below, the rating scale, the ladder's id
//! and its fingerprint. Reports what makes the ladder unusable.

use std::collections::{HashMap, HashSet};
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
/// with one cell per level. A competency is the same from level to level when its id is: its
/// explicit id, or its area's id and its title's slug.
fn areas(
    idx: &LineIndex<'_>,
    raw_levels: &[&RawLevel],
    levels: &[Level],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Area> {
    let mut areas: Vec<Area> = Vec::new();
    let mut comp_pos: HashMap<String, (usize, usize)> = HashMap::new();
    for (li, level) in raw_levels.iter().enumerate() {
        let mut in_level: HashMap<String, &parse::RawCompetency> = HashMap::new();
        for ra in &level.areas {
            let ai = area_index(&mut areas, ra);
            for rc in &ra.competencies {
                let id = rc.model_id(ra);
                if let Some(first) = in_level.insert(id.clone(), rc) {
                    diags.push(twice_in_level(idx, rc, first, &id, &level.code));
                    continue;
                }
                let (ai, ci) = *comp_pos.entry(id.clone()).or_insert_with(|| {
                    let comps = &mut areas[ai].competencies;
                    comps.push(new_competency(id.clone(), rc, &ra.id, levels));
                    (ai, comps.len() - 1)
                });
                let comp = &mut areas[ai].competencies[ci];
                comp.explicit_id &= rc.explicit;
                if comp.area != ra.id {
                    diags.push(other_area(idx, rc, comp, &ra.title, &level.code));
                    continue;
                }
                if rc.explicit && comp.title != rc.title {
                    diags.push(other_title(idx, rc, comp, &level.code));
                }
                let cell = &mut comp.cells[li];
                cell.items.extend(rc.items.iter().cloned());
                if rc.items.is_empty() {
                    diags.push(empty_competency(idx, rc, &level.code));
                }
            }
        }
    }
    missing_ids(idx, raw_levels, &areas, diags);
    areas
}

/// The index of the area `ra` belongs to, added when it is new. An area is explicit only when
/// every heading of it gives the id.
fn area_index(areas: &mut Vec<Area>, ra: &parse::RawArea) -> usize {
    if let Some(i) = areas.iter().position(|a| a.id == ra.id) {
        areas[i].explicit_id &= ra.explicit;
        return i;
    }
    areas.push(Area {
        id: ra.id.clone(),
        title: ra.title.clone(),
        explicit_id: ra.explicit,
        competencies: Vec::new(),
    });
    areas.len() - 1
}

fn new_competency(
    id: String,
    rc: &parse::RawCompetency,
    area: &str,
    levels: &[Level],
) -> Competency {
    Competency {
        id,
        title: rc.title.clone(),
        explicit_id: rc.explicit,
        area: area.to_owned(),
        cells: levels
            .iter()
            .map(|l| Cell {
                level: l.code.clone(),
                items: Vec::new(),
                change: changes::compare(None, &[]),
            })
            .collect(),
    }
}

/// Two headings of one level with one id (an explicit id equal to another heading's id).
fn twice_in_level(
    idx: &LineIndex<'_>,
    rc: &parse::RawCompetency,
    first: &parse::RawCompetency,
    id: &str,
    code: &str,
) -> Diagnostic {
    Diagnostic::error(
        "duplicate-id",
        format!(
            "competency `{}` has the id `{id}`, which `{}` on line {} already has in level {code}",
            rc.title,
            first.title,
            idx.line_of(first.span.start)
        ),
        idx.location(rc.span.start, rc.span.end),
    )
    .with_hint("give every competency its own id")
}

/// An explicit competency id under two different areas.
fn other_area(
    idx: &LineIndex<'_>,
    rc: &parse::RawCompetency,
    comp: &Competency,
    area: &str,
    code: &str,
) -> Diagnostic {
    Diagnostic::error(
        "duplicate-id",
        format!(
            "the id `{}` of `{}` in area `{area}` at {code} belongs to a competency of the area `{}`",
            comp.id, rc.title, comp.area
        ),
        idx.location(rc.span.start, rc.span.end),
    )
    .with_hint("an id names one competency in one area: give this one its own id, or move it under the same area at every level")
}

/// An explicit id whose title differs from the one at a lower level.
fn other_title(
    idx: &LineIndex<'_>,
    rc: &parse::RawCompetency,
    comp: &Competency,
    code: &str,
) -> Diagnostic {
    Diagnostic::warning(
        "title-differs",
        format!(
            "competency `{}` is titled `{}` at {code}; the matrix and review workbooks use the title of its lowest level, `{}`",
            comp.id, rc.title, comp.title
        ),
        idx.location(rc.span.start, rc.span.end),
    )
    .with_hint("use one title at every level (renaming it everywhere keeps its id and history)")
}

/// A heading without an id titled like a competency of the same area that has one: the
/// id was written at some levels and forgotten at others, which would make two competencies.
fn missing_ids(
    idx: &LineIndex<'_>,
    raw_levels: &[&RawLevel],
    areas: &[Area],
    diags: &mut Vec<Diagnostic>,
) {
    let explicit: HashSet<String> = raw_levels
        .iter()
        .flat_map(|l| l.areas.iter())
        .flat_map(|a| a.competencies.iter())
        .filter(|c| c.explicit)
        .map(|c| c.id.clone())
        .collect();
    if explicit.is_empty() {
        return;
    }
    for ra in raw_levels.iter().flat_map(|l| l.areas.iter()) {
        let Some(area) = areas.iter().find(|a| a.id == ra.id) else {
            continue;
        };
        for rc in ra.competencies.iter().filter(|c| !c.explicit) {
            let Some(named) = area
                .competencies
                .iter()
                .find(|c| explicit.contains(&c.id) && slug(&c.title) == rc.id)
            else {
                continue;
            };
            diags.push(
                Diagnostic::error(
                    "missing-id",
                    format!(
                        "competency `{}` has no id here, but the id `{}` at other levels",
                        rc.title, named.id
                    ),
                    idx.location(rc.span.start, rc.span.end),
                )
                .with_hint(format!(
                    "write `#### {} {{#{}}}`: a competency's id goes on its heading at every level",
                    rc.title, named.id
                )),
            );
        }
    }
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
/// they were made from. A competency counts with its id and expectations (text and inline
/// structure), and with its title only when the title makes its id: a competency with an
/// explicit id can be renamed without changing the fingerprint. Area titles count only through
/// the ids they make.
fn fingerprint(l: &Ladder) -> String {
    let content = serde_json::json!({
        "levels": l.levels.iter().map(|v| (&v.code, &v.title)).collect::<Vec<_>>(),
        "rating": &l.rating,
        "competencies": l.competencies().map(|c| {
            let cells: Vec<Vec<_>> = c.cells.iter().map(|cell| cell.items.iter().map(|e| &e.inlines).collect()).collect();
            if c.explicit_id {
                serde_json::json!({ "id": c.id, "cells": cells })
            } else {
                serde_json::json!({ "id": c.id, "title": c.title, "cells": cells })
            }
        }).collect::<Vec<_>>(),
    });
    let digest = Sha256::digest(content.to_string().as_bytes());
    hex(&digest[..8])
}
