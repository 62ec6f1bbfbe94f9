//! Bundles (`--bundle reviewer`): the reviews of one reviewer in one workbook, one review sheet
//! each, with one Instructions sheet. The workbook's layout is `crate::workbook`'s; here the
//! reviews are grouped, and each bundle named, described and built.

use sha2::{Digest, Sha256};

use super::batch::{cannot_build, ladder_ctx, person_ctx};
use super::instructions::{Context, ReviewCtx, ReviewerCtx};
use super::names::BundleVars;
use super::plan::manifest_file;
use super::roster::{Review, Reviews};
use super::{Options, provenance};
use crate::diag::Diagnostic;
use crate::model::Ladder;
use crate::util::text::hex;
use crate::workbook::{Provenance, bundle, write};

/// How reviews are put into workbooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bundle {
    /// One workbook per reviewer.
    Reviewer,
}

/// Who a review's bundle belongs to: the reviewer's employee id when the roster lists them
/// as a person, else their name ignoring case.
fn key(review: Review<'_>) -> String {
    review
        .reviewer_id
        .map_or_else(|| review.reviewer.to_lowercase(), |id| format!("id:{id}"))
}

/// The reviews of each reviewer (indexes into `reviews`), in the order of their first review
/// in the roster, each in roster order.
pub(super) fn group(reviews: &Reviews) -> Vec<Box<[u32]>> {
    let mut by_key: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for (i, review) in reviews.iter().enumerate() {
        let g = *by_key.entry(key(review)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(crate::util::to_u32(i));
    }
    groups.into_iter().map(Vec::into_boxed_slice).collect()
}

/// A bundle's id: `rb-` and 12 hex digits of SHA-256 over the cycle and the reviewer's key
/// (so reruns give the same id, and two reviewers of one name different ones).
pub(super) fn bundle_id(cycle: &str, first: Review<'_>) -> String {
    let mut h = Sha256::new();
    for part in [cycle.trim(), key(first).as_str()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("rb-{}", &hex(&h.finalize())[..12])
}

/// The reviews of a bundle.
pub(super) fn members<'a>(reviews: &'a Reviews, members: &[u32]) -> Vec<Review<'a>> {
    members
        .iter()
        .filter_map(|&i| reviews.get(i as usize))
        .collect()
}

/// The manifest's name of a bundle's workbook: its path in the output folder, `/`-separated.
pub(super) fn file_name(first: Review<'_>, opts: &Options) -> Result<String, Diagnostic> {
    let id = bundle_id(&opts.cycle, first);
    let vars = BundleVars {
        cycle: &opts.cycle,
        reviewer: first.reviewer,
        reviewer_id: first.reviewer_id.unwrap_or(""),
        bundle_id: &id,
    };
    opts.pattern.render_bundle(&vars).map(|p| manifest_file(&p))
}

/// The provenance of each review of a bundle, in order.
pub(super) fn provenances(
    ladder: &Ladder,
    reviews: &[Review<'_>],
    opts: &Options,
) -> Vec<Provenance> {
    reviews
        .iter()
        .map(|r| provenance(ladder, *r, opts))
        .collect()
}

/// The one instruction text of a bundle.
pub(super) fn render_instructions(
    ladder: &Ladder,
    reviews: &[Review<'_>],
    provs: &[Provenance],
    opts: &Options,
) -> Result<String, Diagnostic> {
    let sheets = bundle::sheet_names(
        provs
            .iter()
            .map(|p| (p.person_name.as_str(), p.employee_id.as_str())),
    );
    let items = reviews
        .iter()
        .zip(provs)
        .zip(&sheets)
        .map(|((r, p), sheet)| ReviewCtx {
            person: person_ctx(ladder, *r),
            role: r.role.as_str(),
            form_id: &p.form_id,
            sheet,
        })
        .collect();
    let ctx = Context {
        ladder: ladder_ctx(ladder),
        rating: &ladder.rating,
        person: None,
        reviewer: ReviewerCtx {
            name: reviews.first().map_or("", |r| r.reviewer),
            role: None,
        },
        cycle: &opts.cycle,
        due_date: opts.due.as_deref(),
        form_id: None,
        competencies: ladder.competencies().count(),
        bundle: true,
        reviews: items,
    };
    opts.instructions.render(&ctx)
}

/// A bundle's workbook, in memory.
pub(super) fn build(
    ladder: &Ladder,
    reviews: &[Review<'_>],
    opts: &Options,
    created: &rust_xlsxwriter::ExcelDateTime,
) -> Result<write::BuiltBundle, Diagnostic> {
    let provs = provenances(ladder, reviews, opts);
    let text = render_instructions(ladder, reviews, &provs, opts)?;
    write::build_bundle(&write::BundleInput {
        ladder,
        reviews: &provs,
        instructions: &text,
        created,
    })
    .map_err(|e| cannot_build(&e))
}
