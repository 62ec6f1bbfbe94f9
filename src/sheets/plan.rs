//! Everything `rungs sheets` checks before it writes a byte: every workbook's file name, that
//! no two workbooks share a file, that no workbook holding answers would be replaced, that the
//! instruction template renders, that no bundle is too large, and that the manifest of earlier
//! runs can be read. A workbook holds one review, or with `--bundle` a reviewer's reviews.

use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};

use hashbrown::HashTable;
use rust_xlsxwriter::ExcelDateTime;

use super::names::{self, NameVars};
use super::roster::{Review, Reviews};
use super::{Options, batch, bundles, provenance};
use crate::diag::{Diagnostic, Error, Location};
use crate::model::Ladder;
use crate::util::parallel;
use crate::util::text::{count, plural};
use crate::workbook::{
    self as wb, ManifestEntry, ManifestProblem, ManifestRole, form_id, read_manifest,
};

/// What this run does with one workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    /// Build it and write it.
    Write,
    /// The file is already there with exactly these bytes (an interrupted earlier run wrote
    /// it): nothing to write, nothing that could hold answers is touched; it is listed.
    Unchanged,
    /// The file exists and is left as it is (`skip_existing`); not listed by this run.
    Skipped,
}

/// How the reviews are put into workbooks.
#[derive(Debug)]
pub(super) enum Units {
    /// One workbook per review, in roster order.
    Single,
    /// One workbook per reviewer: the indexes of each one's reviews.
    Bundles(Vec<Box<[u32]>>),
}

/// Everything ready to write: the roster, how its reviews are grouped into workbooks, and one
/// byte a workbook. File names and provenance are derived again where they are needed, so a
/// long run's memory stays flat.
#[derive(Debug)]
pub struct Plan {
    pub(super) reviews: Reviews,
    pub(super) units: Units,
    /// One per workbook, in order (the manifest's order).
    pub(super) status: Box<[Status]>,
    /// Entries of an earlier manifest in the same folder that this run does not replace, as
    /// they were listed; the manifest lists them first.
    pub(super) kept: Vec<ManifestEntry>,
    /// Findings that stop nothing (a bundle left as it is that lacks reviews of the roster).
    pub warnings: Vec<Diagnostic>,
}

impl Plan {
    /// Workbooks in the plan (written, or found complete from an earlier run).
    pub fn len(&self) -> usize {
        self.status.len() - self.skipped()
    }

    /// Workbooks found complete from an earlier run (nothing to write).
    pub fn unchanged(&self) -> usize {
        self.count(Status::Unchanged)
    }

    /// Workbooks that exist and are left alone (`skip_existing`).
    pub fn skipped(&self) -> usize {
        self.count(Status::Skipped)
    }

    /// Whether workbooks hold one reviewer's reviews each.
    pub fn bundled(&self) -> bool {
        matches!(self.units, Units::Bundles(_))
    }

    fn count(&self, status: Status) -> usize {
        self.status.iter().filter(|&&s| s == status).count()
    }

    /// The reviews of workbook `u`, in order.
    pub(super) fn members(&self, u: usize) -> Vec<Review<'_>> {
        members(&self.reviews, &self.units, u)
    }

    /// The roster indexes of the reviews of workbook `u`, in order.
    pub(super) fn member_indexes(&self, u: usize) -> Vec<usize> {
        match &self.units {
            Units::Single => vec![u],
            Units::Bundles(b) => b
                .get(u)
                .map(|m| m.iter().map(|&i| i as usize).collect())
                .unwrap_or_default(),
        }
    }

    /// The reviews whose workbooks this run writes, in roster order (by reviewer when
    /// bundled; after a successful [`batch::write`], the reviews it wrote).
    pub fn to_write(&self) -> impl Iterator<Item = Review<'_>> {
        (0..self.status.len())
            .filter(|&u| self.status[u] == Status::Write)
            .flat_map(|u| self.members(u))
    }
}

/// The reviews of workbook `u`.
fn members<'a>(reviews: &'a Reviews, units: &Units, u: usize) -> Vec<Review<'a>> {
    match units {
        Units::Single => reviews.get(u).into_iter().collect(),
        Units::Bundles(b) => b
            .get(u)
            .map(|m| bundles::members(reviews, m))
            .unwrap_or_default(),
    }
}

/// The manifest's name of a workbook holding `members` (one review, or a bundle).
pub(super) fn unit_file(members: &[Review<'_>], opts: &Options) -> Result<String, Diagnostic> {
    match (opts.bundle, members) {
        (Some(_), [first, ..]) => bundles::file_name(*first, opts),
        (None, [one]) => file_name(*one, opts),
        _ => Err(Diagnostic::failure("plan", "a workbook without reviews")),
    }
}

/// The manifest's name of a review's workbook: its path in the output folder, `/`-separated.
pub(super) fn file_name(review: Review<'_>, opts: &Options) -> Result<String, Diagnostic> {
    let form_id = form_id(&opts.cycle, review.employee_id, review.reviewer);
    let vars = NameVars {
        cycle: &opts.cycle,
        reviewer: review.reviewer,
        employee_id: review.employee_id,
        name: review.name,
        level: review.current_level,
        role: review.role.as_str(),
        team: review.team.unwrap_or(""),
        form_id: &form_id,
    };
    opts.pattern.render(&vars).map(|p| manifest_file(&p))
}

/// The manifest's name of a workbook: its path in the output folder, `/`-separated.
pub(super) fn manifest_file(rel: &Path) -> String {
    rel.iter()
        .map(|c| c.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A workbook's path in the output folder from its manifest name (components never hold `/`).
pub(super) fn path_of(opts: &Options, file: &str) -> PathBuf {
    let mut path = opts.out_dir.clone();
    path.extend(file.split('/'));
    path
}

/// The creation date recorded in every workbook.
pub(super) fn created_date(opts: &Options) -> Result<ExcelDateTime, Error> {
    ExcelDateTime::from_timestamp(opts.epoch)
        .or_else(|_| ExcelDateTime::from_timestamp(crate::util::epoch::DEFAULT))
        .map_err(|e| Error::failed(vec![Diagnostic::failure("creation-date", e.to_string())]))
}

/// The earlier manifest's entries, found by form id or by file: an entry is replaced when this
/// run sends the same review, or writes its file (with `force`, a pattern without the cycle or
/// form id can name another cycle's workbook), so the manifest has one entry per file,
/// describing the file as it is. Both lists grow with the earlier manifest, not this roster.
struct Earlier {
    entries: Vec<ManifestEntry>,
    replaced: Vec<bool>,
    /// Indexes of `entries`, sorted by form id and by file.
    by_form: Vec<usize>,
    by_file: Vec<usize>,
}

/// The two ways an earlier entry is found.
#[derive(Clone, Copy)]
enum Index {
    Form,
    File,
}

fn form_of(e: &ManifestEntry) -> &str {
    &e.provenance.form_id
}

fn file_of(e: &ManifestEntry) -> &str {
    &e.file
}

impl Earlier {
    fn new(entries: Vec<ManifestEntry>) -> Self {
        let index = |key: fn(&ManifestEntry) -> &str| {
            let mut v: Vec<usize> = (0..entries.len()).collect();
            v.sort_by(|&a, &b| key(&entries[a]).cmp(key(&entries[b])));
            v
        };
        Self {
            replaced: vec![false; entries.len()],
            by_form: index(form_of),
            by_file: index(file_of),
            entries,
        }
    }

    fn replace(&mut self, form_id: &str, file: &str) {
        self.replace_by(Index::Form, form_id);
        self.replace_by(Index::File, file);
    }

    fn replace_by(&mut self, index: Index, wanted: &str) {
        let (list, key): (&[usize], fn(&ManifestEntry) -> &str) = match index {
            Index::Form => (&self.by_form, form_of),
            Index::File => (&self.by_file, file_of),
        };
        let from = list.partition_point(|&i| key(&self.entries[i]) < wanted);
        for &i in list[from..]
            .iter()
            .take_while(|&&i| key(&self.entries[i]) == wanted)
        {
            self.replaced[i] = true;
        }
    }

    /// Whether an entry lists the review `form_id` in `file`.
    fn holds(&self, form_id: &str, file: &str) -> bool {
        let from = self
            .by_form
            .partition_point(|&i| form_of(&self.entries[i]) < form_id);
        self.by_form[from..]
            .iter()
            .take_while(|&&i| form_of(&self.entries[i]) == form_id)
            .any(|&i| self.entries[i].file == file)
    }

    /// The entries no review of this run replaces, in their order.
    fn kept(self) -> Vec<ManifestEntry> {
        self.entries
            .into_iter()
            .zip(self.replaced)
            .filter_map(|(e, replaced)| (!replaced).then_some(e))
            .collect()
    }
}

/// The manifest of earlier runs in the output folder (none if there is none), or the problem
/// that keeps it from being read.
fn earlier_manifest(opts: &Options) -> (Vec<ManifestEntry>, Option<Diagnostic>) {
    let path = opts.out_dir.join(wb::MANIFEST_FILE);
    match read_manifest(&path) {
        Ok(m) => (m.reviews, None),
        Err(ManifestProblem::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            (Vec::new(), None)
        }
        Err(p) => (
            Vec::new(),
            Some(p.diagnostic(&path, ManifestRole::Earlier, &opts.flags)),
        ),
    }
}

/// What planning found so far.
struct Planner<'a> {
    ladder: &'a Ladder,
    reviews: &'a Reviews,
    units: &'a Units,
    opts: &'a Options,
    earlier: Earlier,
    /// (hash of the case-folded file name, workbook index): macOS and Windows ignore case. The
    /// earlier name is rendered again to compare, which a full 64-bit hash match alone asks
    /// for, so no name is kept.
    taken: HashTable<(u64, u32)>,
    hasher: RandomState,
    status: Vec<Status>,
    /// Per workbook, whether its file holds what this run would write ([`identical_on_disk`]).
    identical: Vec<bool>,
    existing: Vec<PathBuf>,
    diags: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

/// Whether planning goes on after a workbook.
enum Flow {
    Next,
    /// A problem every later workbook would repeat.
    Stop,
}

/// Works out every workbook's file name and instruction text, and checks that nothing would
/// be lost: no two workbooks share a file, no workbook exists (unless `force`; with
/// `skip_existing` existing ones are left out of the plan), the manifest beside them can be
/// read. Nothing is written here. The plan keeps one byte a workbook beyond the roster (and,
/// bundled, four bytes a review for the grouping); the collision check's table (16 bytes a
/// workbook) is dropped before it returns.
pub fn plan(ladder: &Ladder, reviews: Reviews, opts: &Options) -> Result<Plan, Error> {
    let (earlier, manifest_problem) = earlier_manifest(opts);
    let units = match opts.bundle {
        Some(_) => Units::Bundles(bundles::group(&reviews)),
        None => Units::Single,
    };
    let n = match &units {
        Units::Single => reviews.len(),
        Units::Bundles(b) => b.len(),
    };
    let created = created_date(opts)?;
    let identical = identical_on_disk(ladder, (&reviews, &units, n), opts, &created);
    let mut p = Planner {
        ladder,
        reviews: &reviews,
        units: &units,
        opts,
        earlier: Earlier::new(earlier),
        taken: HashTable::with_capacity(n),
        hasher: RandomState::new(),
        status: Vec::with_capacity(n),
        identical,
        existing: Vec::new(),
        diags: Vec::new(),
        warnings: Vec::new(),
    };
    for u in 0..n {
        // Every workbook gets a status, so that indices agree; with a problem none is used.
        p.status.push(Status::Write);
        if let Flow::Stop = p.unit(u) {
            break;
        }
    }
    let Planner {
        status,
        existing,
        mut diags,
        earlier,
        warnings,
        ..
    } = p;
    diags.extend(manifest_problem);
    if !diags.is_empty() {
        return Err(Error::input(diags).and(Diagnostic::failure(
            "nothing-written",
            "nothing was written",
        )));
    }
    if !existing.is_empty() {
        return Err(exists(&existing, opts));
    }
    Ok(Plan {
        status: status.into_boxed_slice(),
        kept: earlier.kept(),
        units,
        reviews,
        warnings,
    })
}

/// Per workbook (of the `n` the reviews make), whether its file is already there holding exactly
/// the bytes this run would write: what an interrupted earlier run left, which holds no answers.
/// Each such check builds the workbook, so the checks run on all cores; a workbook whose file
/// is missing costs one failed open. Empty with `force`, which replaces every file anyway.
fn identical_on_disk(
    ladder: &Ladder,
    (reviews, units, n): (&Reviews, &Units, usize),
    opts: &Options,
    created: &ExcelDateTime,
) -> Vec<bool> {
    if opts.force {
        return Vec::new();
    }
    parallel::map(n, |u| {
        let members = members(reviews, units, u);
        let Ok(file) = unit_file(&members, opts) else {
            return false;
        };
        std::fs::read(path_of(opts, &file)).is_ok_and(|old| {
            batch::build_unit(ladder, &members, opts, created).is_ok_and(|b| b.bytes == old)
        })
    })
}

/// Workbooks are in the way: nothing was written.
fn exists(paths: &[PathBuf], opts: &Options) -> Error {
    let n = paths.len();
    let flags = &opts.flags;
    Error::input(vec![
        Diagnostic::failure(
            "workbooks-exist",
            format!(
                "{} already {}; nothing was written",
                count(n, "workbook", "workbooks"),
                plural(n, "exists", "exist")
            ),
        )
        .with_details(paths.iter().map(|p| p.display().to_string()))
        .with_hint(format!(
            "they may already hold answers: pass {} to write only the missing ones, write to another folder with {}, or pass {} to replace them (their answers are lost)",
            flags.skip_existing, flags.output, flags.force
        )),
    ])
}

impl Planner<'_> {
    fn unit(&mut self, u: usize) -> Flow {
        let opts = self.opts;
        let members = members(self.reviews, self.units, u);
        let Some(&first) = members.first() else {
            return Flow::Next;
        };
        let file = match unit_file(&members, opts) {
            Ok(f) => f,
            Err(e) => {
                let vars = if opts.bundle.is_some() {
                    names::BUNDLE_PATTERN_VARS
                } else {
                    names::PATTERN_VARS
                };
                self.diags.push(
                    Diagnostic::error(
                        "name-pattern",
                        format!("the file-name pattern failed: {}", e.message),
                        Location::File {
                            file: opts.flags.name_pattern.into(),
                        },
                    )
                    .with_hint(format!("a pattern may use: {vars}")),
                );
                return Flow::Stop;
            }
        };
        if members.len() > wb::bundle::MAX_REVIEWS {
            self.diags
                .push(too_many_reviews(first, members.len(), opts));
            return Flow::Next;
        }
        let key = file.to_lowercase();
        let hash = self.hasher.hash_one(key.as_str());
        if let Some(d) = self.collision(hash, &key, first) {
            self.diags.push(d);
            return Flow::Next;
        }
        // Rendered here only to report template errors before anything is written; workers
        // render again so no thread holds every text at once.
        if let Err(d) = self.render_instructions(&members) {
            self.diags.push(d);
            return Flow::Stop;
        }
        let Ok(index) = u32::try_from(u) else {
            self.diags.push(
                Diagnostic::error(
                    "roster-too-large",
                    "the roster has more reviews than rungs can hold",
                    Location::File {
                        file: opts.roster_name.clone(),
                    },
                )
                .with_hint("split the roster into several files and run rungs sheets on each"),
            );
            return Flow::Stop;
        };
        self.taken.insert_unique(hash, (hash, index), |&(h, _)| h);
        if self.skip_if_existing(u, &members, &file) {
            return Flow::Next;
        }
        for review in &members {
            let id = form_id(&opts.cycle, review.employee_id, review.reviewer);
            self.earlier.replace(&id, &file);
        }
        Flow::Next
    }

    /// The instruction text of a workbook (checked, then dropped).
    fn render_instructions(&self, members: &[Review<'_>]) -> Result<String, Diagnostic> {
        let opts = self.opts;
        if opts.bundle.is_some() {
            let provs = bundles::provenances(self.ladder, members, opts);
            bundles::render_instructions(self.ladder, members, &provs, opts)
        } else {
            let review = members[0];
            let prov = provenance(self.ladder, review, opts);
            batch::render_instructions(self.ladder, review, &prov, opts)
        }
    }

    /// The error when an earlier workbook has the same file name (ignoring case).
    fn collision(&self, hash: u64, key: &str, first: Review<'_>) -> Option<Diagnostic> {
        let mut earlier = None;
        self.taken.find(hash, |&(h, j)| {
            h == hash && {
                let m = members(self.reviews, self.units, j as usize);
                let f = unit_file(&m, self.opts).unwrap_or_default();
                let same = f.to_lowercase() == key;
                if same {
                    earlier = m.first().map(|r| (*r, f));
                }
                same
            }
        });
        let (other, first_file) = earlier?;
        let shown = first_file.split('/').collect::<PathBuf>();
        let (message, var) = if self.opts.bundle.is_some() {
            (
                format!(
                    "the workbooks of `{}` and of `{}` (roster row {}) would both be written to `{}`",
                    first.reviewer,
                    other.reviewer,
                    other.row,
                    shown.display()
                ),
                "bundle_id",
            )
        } else {
            (
                format!(
                    "this review and the one in roster row {} would both be written to `{}`",
                    other.row,
                    shown.display()
                ),
                "form_id",
            )
        };
        Some(
            Diagnostic::error(
                "name-collision",
                message,
                Location::Cell {
                    file: self.opts.roster_name.clone(),
                    sheet: None,
                    cell: format!("row {}", first.row),
                },
            )
            .with_hint(format!(
                "put `{{{{ {var} }}}}` in {} so every workbook gets its own file",
                self.opts.flags.name_pattern
            )),
        )
    }

    /// Notes a workbook already there. One identical to the one this run would write holds no
    /// answers: it is what an interrupted earlier run left, so re-running the same command
    /// completes the batch, and the manifest lists it. True when the workbook is left out
    /// (`skip_existing`), keeping its earlier manifest entries.
    fn skip_if_existing(&mut self, u: usize, members: &[Review<'_>], file: &str) -> bool {
        let path = path_of(self.opts, file);
        if self.opts.force || std::fs::symlink_metadata(&path).is_err() {
            return false;
        }
        if self.identical.get(u).copied().unwrap_or(false) {
            self.status[u] = Status::Unchanged;
        } else if self.opts.skip_existing {
            self.status[u] = Status::Skipped;
            self.left_short(members, file);
            return true;
        } else {
            self.existing.push(path);
        }
        false
    }
}

impl Planner<'_> {
    /// A bundle left as it is (`skip_existing`) that the earlier manifest does not list with
    /// every review the roster now gives its reviewer: those reviews are not sent.
    fn left_short(&mut self, members: &[Review<'_>], file: &str) {
        if self.opts.bundle.is_none() {
            return;
        }
        let missing: Vec<String> = members
            .iter()
            .filter(|r| {
                let id = form_id(&self.opts.cycle, r.employee_id, r.reviewer);
                !self.earlier.holds(&id, file)
            })
            .map(|r| format!("{} ({})", r.name, r.role.as_str()))
            .collect();
        let Some(first) = members.first() else {
            return;
        };
        if missing.is_empty() {
            return;
        }
        let flags = &self.opts.flags;
        self.warnings.push(
            Diagnostic::warning(
                "bundle-left-short",
                format!(
                    "`{}`'s workbook exists and was left as it is, without {} of the roster",
                    first.reviewer,
                    count(missing.len(), "review", "reviews")
                ),
                Location::File {
                    file: path_of(self.opts, file).display().to_string(),
                },
            )
            .with_details(missing)
            .with_hint(format!(
                "send those in another workbook (run again with {} and another folder), or rebuild this one with {} (answers typed into it are lost)",
                flags.output, flags.force
            )),
        );
    }
}

/// A reviewer with more reviews than a bundle holds.
fn too_many_reviews(first: Review<'_>, n: usize, opts: &Options) -> Diagnostic {
    Diagnostic::error(
        "bundle-too-large",
        format!(
            "`{}` has {n} reviews, more than one workbook holds ({})",
            first.reviewer,
            wb::bundle::MAX_REVIEWS
        ),
        Location::Cell {
            file: opts.roster_name.clone(),
            sheet: None,
            cell: format!("row {}", first.row),
        },
    )
    .with_hint(format!(
        "leave out {} for this roster, or split the roster",
        opts.flags.bundle
    ))
}
