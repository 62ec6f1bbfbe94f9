//! Whose review a workbook is, from the provenance copies that survived the reviewer's
//! application (the hidden sheet, the document properties, the visible header), which must
//! agree; and whether this tally can count it (layout version, ladder, cycle, manifest).

use super::cells::Cells;
use super::{Context, Report, not_a_review};
use crate::diag::{Diagnostic, Location};
use crate::workbook::{self as c, Provenance, ReviewerRole, bundle, form_id, rating};

/// Where a workbook format keeps its provenance copies: the keys (also the custom properties'
/// names, `rungs_<key>`), the visible header's fields and cells, the key/value sheet, and
/// whether the format has bundles (whose properties are named per review).
#[derive(Debug)]
pub(crate) struct CopyLayout {
    pub(crate) keys: &'static [&'static str],
    /// (key, label) of the visible header, one per row from `header_first_row`.
    pub(crate) header: &'static [(&'static str, &'static str)],
    pub(crate) header_first_row: u32,
    pub(crate) header_value_col: u16,
    pub(crate) provenance_sheet: &'static str,
    pub(crate) bundles: bool,
}

/// The review workbook's copies.
pub(crate) const REVIEW_COPIES: CopyLayout = CopyLayout {
    keys: &c::KEYS,
    header: &c::HEADER_FIELDS,
    header_first_row: c::HEADER_FIRST_ROW,
    header_value_col: c::HEADER_VALUE_COL,
    provenance_sheet: c::PROVENANCE_SHEET,
    bundles: true,
};

/// One pair of the hidden `Provenance` sheet, with the cell holding its value.
#[derive(Debug, Clone)]
pub(crate) struct Hidden {
    pub(crate) key: String,
    pub(crate) value: String,
    /// The value's cell (0-based).
    pub(crate) at: (u32, u32),
}

/// The pairs of a single workbook's `Provenance` sheet: key in column A, value in column B.
pub(crate) fn provenance_pairs(cells: &Cells) -> Vec<Hidden> {
    let mut pairs = Vec::new();
    for ((row, col), key) in cells {
        if *col != 0 || *row < c::PROVENANCE_FIRST_ROW {
            continue;
        }
        pairs.push(Hidden {
            key: key.value.display().trim().to_owned(),
            value: text_at(cells, *row, 1),
            at: (*row, 1),
        });
    }
    pairs
}

/// Whether a `Provenance` sheet has a bundle's layout (`sheet` / `key` / `value`).
pub(super) fn is_bundle_layout(cells: &Cells) -> bool {
    (0..3).all(|col| text_at(cells, 0, col).trim() == bundle::PROVENANCE_COLUMNS[col as usize])
}

/// The blocks of a bundle's `Provenance` sheet: (sheet, its pairs), in order of first row.
pub(super) fn provenance_blocks(cells: &Cells) -> Vec<(String, Vec<Hidden>)> {
    let mut blocks: Vec<(String, Vec<Hidden>)> = Vec::new();
    for ((row, col), sheet) in cells {
        if *col != 0 || *row < c::PROVENANCE_FIRST_ROW {
            continue;
        }
        let sheet = sheet.value.display();
        let pair = Hidden {
            key: text_at(cells, *row, 1).trim().to_owned(),
            value: text_at(cells, *row, 2),
            at: (*row, 2),
        };
        match blocks.iter_mut().find(|(s, _)| *s == sheet) {
            Some((_, pairs)) => pairs.push(pair),
            None => blocks.push((sheet, vec![pair])),
        }
    }
    blocks
}

fn text_at(cells: &Cells, row: u32, col: u32) -> String {
    cells
        .get(&(row, col))
        .map(|v| v.value.display())
        .unwrap_or_default()
}

/// The visible header's fields that hold a value: (key, value, row).
pub(crate) fn visible_header(cells: &Cells, layout: &CopyLayout) -> Vec<(String, String, u32)> {
    layout
        .header
        .iter()
        .zip(layout.header_first_row..)
        .filter_map(|((k, _), row)| {
            let v = cells.get(&(row, u32::from(layout.header_value_col)))?;
            Some(((*k).to_owned(), v.value.display().trim().to_owned(), row))
        })
        .filter(|(_, v, _)| !v.is_empty())
        .collect()
}

/// The provenance copies of one sheet that survived.
pub(crate) struct Copies<'a> {
    pub(crate) layout: &'a CopyLayout,
    /// The name of the sheet with the visible header.
    pub(crate) sheet: &'a str,
    /// The schema version of the workbook's layout (single or bundle).
    pub(crate) version: u32,
    pub(crate) hidden: Option<&'a [Hidden]>,
    pub(crate) props: Option<&'a [(String, String)]>,
    /// The visible header: (key, value, row).
    pub(crate) visible: Vec<(String, String, u32)>,
}

impl Copies<'_> {
    /// The provenance each full copy gives: the hidden sheet's, then the properties'.
    fn full_copies(&self) -> impl Iterator<Item = Result<Provenance, Diagnostic>> + '_ {
        let hidden = self.hidden.map(|pairs| {
            Provenance::from_pairs(pairs.iter().map(|h| (h.key.as_str(), h.value.as_str())))
        });
        let props = self.props.map(|pairs| {
            Provenance::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        });
        hidden.into_iter().chain(props)
    }

    /// Builds the provenance from whichever copies survive and checks that they agree.
    pub(super) fn provenance(&self, rep: &mut Report<'_>, ctx: &Context<'_>) -> Option<Provenance> {
        if !self.agree(rep) {
            return None;
        }
        // A full copy: the hidden sheet, else the properties.
        let full = self.full_copies().find_map(Result::ok);
        if let Some(p) = full {
            return Some(p);
        }
        if let Some(p) = self.header_only(rep, ctx) {
            return Some(p);
        }
        if self.hidden.is_none() && self.props.is_none() && self.visible.is_empty() {
            rep.error(not_a_review(rep));
            return None;
        }
        let problem = self
            .full_copies()
            .find_map(Result::err)
            .unwrap_or_else(|| Provenance::missing(c::KEY_FORM_ID));
        rep.error(
            Diagnostic::error(
                "provenance-incomplete",
                format!("cannot tell whose review this is: {}", problem.message),
                rep.file_loc(),
            )
            .with_hint(format!("the hidden provenance was damaged; pass {} (the manifest.json written by `rungs sheets`) or ask for the original workbook", ctx.flags.manifest)),
        );
        None
    }

    /// Whether every copy agrees, key by key; each disagreement is reported at its cell.
    pub(crate) fn agree(&self, rep: &mut Report<'_>) -> bool {
        // The cell of a key's first pair; its value from the last, should a key repeat.
        fn lookup<'p>(pairs: Option<&'p [Hidden]>, key: &str) -> Option<((u32, u32), &'p str)> {
            let pairs = pairs.unwrap_or_default();
            let first = pairs.iter().position(|h| h.key == key)?;
            let last = pairs.iter().rposition(|h| h.key == key)?;
            Some((pairs[first].at, pairs[last].value.trim()))
        }
        fn prop<'p>(pairs: Option<&'p [(String, String)]>, key: &str) -> Option<&'p str> {
            let pairs = pairs.unwrap_or_default();
            let last = pairs.iter().rposition(|(k, _)| k == key)?;
            Some(pairs[last].1.trim())
        }
        let layout = self.layout;
        let mut agree = true;
        for &key in layout.keys {
            let mut seen: Vec<(String, String, Location)> = Vec::new();
            if let Some(((row, col), v)) = lookup(self.hidden, key).filter(|(_, v)| !v.is_empty()) {
                seen.push((
                    format!("the hidden '{}' sheet", layout.provenance_sheet),
                    normalise_number(key, v),
                    rep.at(layout.provenance_sheet, row, col),
                ));
            }
            if let Some(v) = prop(self.props, key).filter(|v| !v.is_empty()) {
                let name = if layout.bundles && self.version == c::BUNDLE_SCHEMA_VERSION {
                    let form = prop(self.props, c::KEY_FORM_ID).unwrap_or_default();
                    bundle::property_name(form, key)
                } else {
                    c::property_name(key)
                };
                seen.push((
                    format!("the document property '{name}'"),
                    normalise_number(key, v),
                    rep.file_loc(),
                ));
            }
            if let Some((_, v, row)) = self.visible.iter().find(|(k, _, _)| k == key) {
                seen.push((
                    "the visible header".to_owned(),
                    v.clone(),
                    rep.at(self.sheet, *row, u32::from(layout.header_value_col)),
                ));
            }
            let Some((first_where, first, _)) = seen.first() else {
                continue;
            };
            for (place, v, loc) in &seen[1..] {
                if v != first {
                    agree = false;
                    rep.error(
                        Diagnostic::error(
                            "provenance-mismatch",
                            format!(
                                "the {} is '{v}' in {place} but '{first}' in {first_where}: the copies that identify this review disagree",
                                field_name(layout, key)
                            ),
                            loc.clone(),
                        )
                        .with_hint("the header was edited, or cells were pasted from another review; restore the original value or ask the reviewer to fill in their own workbook"),
                    );
                }
            }
        }
        agree
    }

    /// Only the visible header survived (some applications drop hidden sheets and custom
    /// properties): the form id is a hash of cycle, employee and reviewer, so it proves itself;
    /// the manifest, when given, supplies the rest.
    fn header_only(&self, rep: &mut Report<'_>, ctx: &Context<'_>) -> Option<Provenance> {
        let get = |k: &str| {
            self.visible
                .iter()
                .find(|(key, _, _)| key == k)
                .map(|(_, v, _)| v.clone())
        };
        let id = get(c::KEY_FORM_ID)?;
        if let Some(entry) = ctx.entry(&id) {
            rep.warnings.push(
                Diagnostic::warning(
                    "provenance-from-manifest",
                    "the hidden provenance copies are gone (an application dropped them); the review was identified by its visible form id and the manifest",
                    rep.file_loc(),
                )
                .with_hint("nothing to do"),
            );
            return Some(entry.provenance.clone());
        }
        let (cycle, emp, reviewer) = (
            get(c::KEY_CYCLE).unwrap_or_default(),
            get(c::KEY_EMPLOYEE_ID).unwrap_or_default(),
            get(c::KEY_REVIEWER).unwrap_or_default(),
        );
        if form_id(&cycle, &emp, &reviewer) != id {
            return None;
        }
        let reviewer_role = get(c::KEY_REVIEWER_ROLE).and_then(|r| ReviewerRole::parse(&r))?;
        rep.warnings.push(
            Diagnostic::warning(
                "provenance-from-header",
                "the hidden provenance copies are gone (an application dropped them); the review was identified by its visible header and checked against the ladder",
                rep.file_loc(),
            )
            .with_hint(format!("pass {} to check it against what was sent", ctx.flags.manifest)),
        );
        Some(Provenance {
            form_id: id,
            schema_version: self.version,
            ladder_id: ctx.ladder.meta.id.clone(),
            ladder_fingerprint: ctx.ladder.meta.fingerprint.clone(),
            ladder_version: ctx.ladder.meta.version.clone(),
            employee_id: emp,
            person_name: get(c::KEY_PERSON_NAME).unwrap_or_default(),
            current_level: get(c::KEY_CURRENT_LEVEL).unwrap_or_default(),
            reviewer,
            reviewer_role,
            cycle,
            due_date: get(c::KEY_DUE_DATE),
        })
    }
}

/// A provenance key as people read it: the header's label (`Person`), else the key.
fn field_name(layout: &CopyLayout, key: &str) -> String {
    layout
        .header
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| key.replace('_', " "), |(_, label)| label.to_lowercase())
}

/// `LibreOffice` rewrites a numeric property as a float: `1` comes back as `1.0`.
fn normalise_number(key: &str, v: &str) -> String {
    if key == c::KEY_SCHEMA_VERSION
        && let Ok(f) = v.parse::<f64>()
    {
        return rating::format_number(f);
    }
    v.to_owned()
}

/// Schema version, ladder, cycle, level: is this review one this tally can count? `version`
/// is the version of the layout the review was found in (one review, or a bundle).
pub(super) fn check_identity(
    rep: &mut Report<'_>,
    ctx: &Context<'_>,
    prov: &Provenance,
    version: u32,
) {
    let meta = &ctx.ladder.meta;
    let flags = ctx.flags;
    if prov.schema_version != version {
        let message = if [c::SCHEMA_VERSION, c::BUNDLE_SCHEMA_VERSION]
            .contains(&prov.schema_version)
        {
            format!(
                "the review says layout version {}, but it was found in a workbook laid out as version {version} ({})",
                prov.schema_version,
                if version == c::BUNDLE_SCHEMA_VERSION {
                    "several reviews in one workbook"
                } else {
                    "one review per workbook"
                }
            )
        } else {
            format!(
                "the review form has layout version {}, but this rungs reads versions {} (one review per workbook) and {} (several)",
                prov.schema_version,
                c::SCHEMA_VERSION,
                c::BUNDLE_SCHEMA_VERSION
            )
        };
        rep.error(
            Diagnostic::error("schema-version", message, rep.file_loc())
                .with_hint("tally it with the rungs version that wrote the sheets, or ask for the original workbook"),
        );
    }
    if prov.ladder_fingerprint != meta.fingerprint {
        rep.error(
            Diagnostic::error(
                "other-ladder",
                format!(
                    "the review was made from another ladder ('{}' version {}, fingerprint {}), not the one loaded ('{}' version {}, fingerprint {})",
                    prov.ladder_id, prov.ladder_version, prov.ladder_fingerprint, meta.id, meta.version, meta.fingerprint
                ),
                rep.file_loc(),
            )
            .with_hint(format!("pass {} the ladder the sheets were made from, or tally this cycle's reviews separately", flags.ladder)),
        );
    }
    if let Some(cycle) = ctx.cycle
        && prov.cycle != cycle
    {
        rep.error(
            Diagnostic::error(
                "other-cycle",
                format!(
                    "the review belongs to the cycle '{}', not '{cycle}'",
                    prov.cycle
                ),
                rep.file_loc(),
            )
            .with_hint(format!(
                "move it out of the folder, or drop {}",
                flags.cycle
            )),
        );
    }
    if ctx.ladder.level(&prov.current_level).is_none() {
        rep.error(
            Diagnostic::error(
                "unknown-level",
                format!(
                    "the person's current level '{}' is not a level of the ladder ({})",
                    prov.current_level,
                    ctx.ladder.levels.iter().map(|l| l.code.as_str()).collect::<Vec<_>>().join(", ")
                ),
                rep.file_loc(),
            )
            .with_hint(format!("the sheet was made from another ladder: pass {} the ladder the sheets were made from", flags.ladder)),
        );
    }
    if ctx.manifest.is_some() {
        check_sent(rep, ctx, prov);
    }
}

/// With a manifest: the review must be listed, with the same provenance.
fn check_sent(rep: &mut Report<'_>, ctx: &Context<'_>, prov: &Provenance) {
    match ctx.entry(&prov.form_id) {
        None => rep.error(
            Diagnostic::error(
                "not-in-manifest",
                format!(
                    "the review {} ({} reviewed by {}) is not in the manifest",
                    prov.form_id, prov.person_name, prov.reviewer
                ),
                rep.file_loc(),
            )
            .with_hint("pass the manifest.json written with these sheets, or move this file out"),
        ),
        Some(e) if e.provenance != *prov => rep.error(
            Diagnostic::error(
                "manifest-mismatch",
                format!(
                    "the review {} differs from what the manifest says was sent: {}",
                    prov.form_id,
                    describe_diff(&e.provenance, prov)
                ),
                rep.file_loc(),
            )
            .with_hint("the provenance was edited; ask for the original workbook"),
        ),
        Some(_) => {}
    }
}

fn describe_diff(sent: &Provenance, got: &Provenance) -> String {
    sent.to_pairs()
        .into_iter()
        .zip(got.to_pairs())
        .filter(|(a, b)| a.1 != b.1)
        .map(|((k, a), (_, b))| format!("{k} '{b}' (sent '{a}')"))
        .collect::<Vec<_>>()
        .join(", ")
}
