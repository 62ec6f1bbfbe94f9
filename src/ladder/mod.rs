//! Loading a ladder: finds the file, decodes it, parses the Markdown, folds it into the model,
//! validates it and checks its quality. All problems are returned together.

mod changes;
mod frontmatter;
mod lint;
mod parse;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

pub use changes::{coverage, marked_runs, similarity, word_diff};
pub use parse::{plain_text, slug};

use crate::diag::{Diagnostic, Error, LineIndex, Location};
use crate::model::{
    Area, Cell, Competency, JSON_FORMAT_VERSION, Ladder, Level, Meta, RatingOption, RatingScale,
    ScaleKind,
};
use crate::util::text::io_reason;
use frontmatter::LevelsOrder;

/// The ladder shipped in `ladder/`, compiled in so rungs works from any folder.
pub const BUNDLED_LADDER: &str = include_str!("../../ladder/titles-for-ops.md");
/// File name of [`BUNDLED_LADDER`].
pub const BUNDLED_LADDER_NAME: &str = "titles-for-ops.md";

/// A ladder that loaded, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub ladder: Ladder,
    pub warnings: Vec<Diagnostic>,
    /// Where it came from, as shown to the user.
    pub origin: String,
}

/// Where to read the ladder from: the `--ladder` argument, or the default.
///
/// A folder must hold exactly one `.md` ladder (a `README.md` is ignored). With no argument,
/// `./ladder/` is used when it exists, and otherwise the bundled ladder compiled into rungs.
/// `flag` names the setting that gives the path.
fn resolve(path: Option<&Path>, flag: &str) -> Result<Option<PathBuf>, Error> {
    let (dir, explicit) = match path {
        Some(p) if p.is_dir() => (p.to_path_buf(), true),
        Some(p) => return Ok(Some(p.to_path_buf())),
        None if Path::new("ladder").is_dir() => (PathBuf::from("ladder"), false),
        None => return Ok(None),
    };
    let file_loc = |msg: String, hint: String| {
        Error::from(
            Diagnostic::error(
                "ladder-folder",
                msg,
                Location::File {
                    file: dir.display().to_string(),
                },
            )
            .with_hint(hint),
        )
    };
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        file_loc(
            format!("cannot read the folder: {e}"),
            "check the path".into(),
        )
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
                && !p
                    .file_name()
                    .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"))
                && p.is_file()
        })
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.pop()),
        0 if !explicit => Ok(None),
        0 => Err(file_loc(
            "the folder holds no `.md` ladder".into(),
            format!("pass the ladder file itself with `{flag} FILE.md`"),
        )),
        _ => Err(file_loc(
            format!(
                "the folder holds {} ladders: {}",
                found.len(),
                found
                    .iter()
                    .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("pick one with `{flag} FOLDER/NAME.md`"),
        )),
    }
}

/// Loads the ladder at `path` (or the default: see [`resolve`]) and validates it. `flag` names
/// the setting that gives the path, for hints.
pub fn load(path: Option<&Path>, flag: &str) -> Result<Loaded, Error> {
    match resolve(path, flag)? {
        Some(p) => load_file(&p, flag),
        None => load_str(
            BUNDLED_LADDER_NAME,
            BUNDLED_LADDER.as_bytes(),
            "bundled ladder",
        ),
    }
}

/// Loads one ladder file.
fn load_file(path: &Path, flag: &str) -> Result<Loaded, Error> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Error::from(
            Diagnostic::error(
                "unreadable-ladder",
                format!("cannot read the ladder: {}", ladder_io_reason(&e)),
                Location::File {
                    file: shown.clone(),
                },
            )
            .with_hint(format!(
                "check the path given to `{flag}` (a `.md` file or a folder holding one)"
            )),
        )
    })?;
    load_str(&shown, &bytes, &shown)
}

/// Why a ladder file could not be read; a ladder is always a file, so a missing one is "no
/// such file".
fn ladder_io_reason(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "no such file".into()
    } else {
        io_reason(e)
    }
}

/// Parses and validates a ladder from bytes. `file` is the name used in messages.
pub fn load_str(file: &str, bytes: &[u8], origin: &str) -> Result<Loaded, Error> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            // Decoding up to the bad byte is valid UTF-8 by construction.
            let good = std::str::from_utf8(good).unwrap_or("");
            let idx = LineIndex::new(file, good);
            let mut loc = idx.location(good.len(), good.len());
            if let Location::Text { width, .. } = &mut loc {
                *width = 1;
            }
            return Err(Error::from(
                Diagnostic::error(
                    "invalid-utf8",
                    format!(
                        "the file is not valid UTF-8 (byte 0x{:02X} at offset {})",
                        bytes[e.valid_up_to()],
                        e.valid_up_to()
                    ),
                    loc,
                )
                .with_hint("save the file as UTF-8 (most editors: \"Save with encoding\")"),
            ));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let idx = LineIndex::new(file, text);
    let (raw, mut diags) = parse::parse(&idx, text);
    let ladder = build(&idx, file, &raw, &mut diags);
    if let Some(l) = &ladder {
        diags.extend(lint::check(&idx, &raw, l));
    }
    diags.sort_by_key(|d| match &d.location {
        Some(Location::Text { line, col, .. }) => (*line, *col),
        _ => (0, 0),
    });
    match ladder {
        Some(ladder) if !diags.iter().any(Diagnostic::is_error) => Ok(Loaded {
            ladder,
            warnings: diags,
            origin: origin.to_owned(),
        }),
        // Every problem found, warnings included.
        _ => Err(Error::input(diags)),
    }
}

/// Folds the document into the model; reports what makes it unusable.
fn build(
    idx: &LineIndex<'_>,
    file: &str,
    raw: &parse::RawLadder,
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
    let mut raw_levels: Vec<&parse::RawLevel> = raw.levels.iter().collect();
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

    // Areas and competencies in order of first appearance, lowest level first.
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
                    diags.push(
                        Diagnostic::warning(
                            "empty-competency",
                            format!(
                                "competency `{}` has no expectations at {}",
                                rc.title, level.code
                            ),
                            idx.location(rc.span.start, rc.span.end),
                        )
                        .with_hint("add `- ` bullets under the heading, or remove the heading"),
                    );
                }
            }
        }
    }
    // The word diffs are most of the work of loading a ladder, and every command waits for
    // them: competencies are compared on all cores.
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

    let rating = rating_scale(raw, &levels, idx, diags);
    let id = front.id.clone().unwrap_or_else(|| slug(&title));
    if id.is_empty() || id != slug(&id) {
        diags.push(
            Diagnostic::error(
                "bad-ladder-id",
                format!("ladder id `{id}` must be lowercase letters, digits and `-`"),
                raw.front_span
                    .as_ref()
                    .map_or_else(whole, |s| idx.location(s.start, s.end)),
            )
            .with_hint(format!(
                "set `id = \"{}\"` in the front matter",
                slug(&title)
            )),
        );
    }
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

fn rating_scale(
    raw: &parse::RawLadder,
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
    use std::fmt::Write;
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
    digest[..8].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
