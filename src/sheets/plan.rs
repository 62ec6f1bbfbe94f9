//! Everything `rungs sheets` checks before it writes a byte: every workbook's file name, that
//! no two reviews share a file, that no workbook holding answers would be replaced, that the
//! instruction template renders, and that the manifest of earlier runs can be read.

use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};

use hashbrown::HashTable;
use rust_xlsxwriter::ExcelDateTime;

use super::names::{self, NameVars};
use super::roster::{Review, Reviews};
use super::{Options, batch, provenance};
use crate::diag::{Diagnostic, Error, Location};
use crate::model::Ladder;
use crate::util::text::{count, plural};
use crate::workbook::{
    self as wb, ManifestEntry, ManifestProblem, ManifestRole, form_id, read_manifest,
};

/// What this run does with one review of the roster.
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

/// Everything ready to write: the roster and one byte a review. File names and provenance are
/// derived again where they are needed, so a long run's memory stays flat.
#[derive(Debug)]
pub struct Plan {
    pub(super) reviews: Reviews,
    /// One per review, in roster order (the manifest's order).
    pub(super) status: Box<[Status]>,
    /// Entries of an earlier manifest in the same folder that this run does not replace, as
    /// they were listed; the manifest lists them first.
    pub(super) kept: Vec<ManifestEntry>,
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

    fn count(&self, status: Status) -> usize {
        self.status.iter().filter(|&&s| s == status).count()
    }

    /// The reviews whose workbooks this run writes, in roster order (after a successful
    /// [`batch::write`], the workbooks it wrote).
    pub fn to_write(&self) -> impl Iterator<Item = Review<'_>> {
        self.reviews
            .iter()
            .zip(&self.status)
            .filter(|(_, s)| **s == Status::Write)
            .map(|(r, _)| r)
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
fn manifest_file(rel: &Path) -> String {
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
    opts: &'a Options,
    created: ExcelDateTime,
    earlier: Earlier,
    /// (hash of the case-folded file name, review index): macOS and Windows ignore case. The
    /// earlier name is rendered again to compare, which a full 64-bit hash match alone asks
    /// for, so no name is kept.
    taken: HashTable<(u64, u32)>,
    hasher: RandomState,
    status: Vec<Status>,
    existing: Vec<PathBuf>,
    diags: Vec<Diagnostic>,
}

/// Whether planning goes on after a review.
enum Flow {
    Next,
    /// A problem every later review would repeat.
    Stop,
}

/// Works out every workbook's file name and instruction text, and checks that nothing would
/// be lost: no two reviews share a file, no workbook exists (unless `force`; with
/// `skip_existing` existing ones are left out of the plan), the manifest beside them can be
/// read. Nothing is written here. The plan keeps one byte a review beyond the roster; the
/// collision check's table (16 bytes a review) is dropped before it returns.
pub fn plan(ladder: &Ladder, reviews: Reviews, opts: &Options) -> Result<Plan, Error> {
    let (earlier, manifest_problem) = earlier_manifest(opts);
    let mut p = Planner {
        ladder,
        reviews: &reviews,
        opts,
        created: created_date(opts)?,
        earlier: Earlier::new(earlier),
        taken: HashTable::with_capacity(reviews.len()),
        hasher: RandomState::new(),
        status: Vec::with_capacity(reviews.len()),
        existing: Vec::new(),
        diags: Vec::new(),
    };
    for (index, review) in reviews.iter().enumerate() {
        // Every review gets a status, so that indices agree; with a problem none is used.
        p.status.push(Status::Write);
        if let Flow::Stop = p.review(index, review) {
            break;
        }
    }
    let Planner {
        status,
        existing,
        mut diags,
        earlier,
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
        reviews,
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
    fn review(&mut self, index: usize, review: Review<'_>) -> Flow {
        let opts = self.opts;
        let file = match file_name(review, opts) {
            Ok(f) => f,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(
                        "name-pattern",
                        format!("the file-name pattern failed: {}", e.message),
                        Location::File {
                            file: opts.flags.name_pattern.into(),
                        },
                    )
                    .with_hint(format!("a pattern may use: {}", names::PATTERN_VARS)),
                );
                return Flow::Stop;
            }
        };
        let key = file.to_lowercase();
        let hash = self.hasher.hash_one(key.as_str());
        if let Some(d) = self.collision(hash, &key, review) {
            self.diags.push(d);
            return Flow::Next;
        }
        // Rendered here only to report template errors before anything is written; workers
        // render again so no thread holds every text at once.
        let prov = provenance(self.ladder, review, opts);
        if let Err(d) = batch::render_instructions(self.ladder, review, &prov, opts) {
            self.diags.push(d);
            return Flow::Stop;
        }
        let Ok(index) = u32::try_from(index) else {
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
        if self.skip_if_existing(index as usize, review, &file) {
            return Flow::Next;
        }
        self.earlier.replace(&prov.form_id, &file);
        Flow::Next
    }

    /// The error when an earlier review of the roster has the same file name (ignoring case).
    fn collision(&self, hash: u64, key: &str, review: Review<'_>) -> Option<Diagnostic> {
        let mut first = None;
        self.taken.find(hash, |&(h, j)| {
            h == hash
                && self.reviews.get(j as usize).is_some_and(|r| {
                    let f = file_name(r, self.opts).unwrap_or_default();
                    let same = f.to_lowercase() == key;
                    if same {
                        first = Some((r.row, f));
                    }
                    same
                })
        });
        let (row, first_file) = first?;
        Some(
            Diagnostic::error(
                "name-collision",
                format!(
                    "this review and the one in roster row {row} would both be written to `{}`",
                    first_file.split('/').collect::<PathBuf>().display()
                ),
                Location::Cell {
                    file: self.opts.roster_name.clone(),
                    sheet: None,
                    cell: format!("row {}", review.row),
                },
            )
            .with_hint(format!(
                "put `{{{{ form_id }}}}` in {} so every review gets its own file",
                self.opts.flags.name_pattern
            )),
        )
    }

    /// Notes a workbook already there. One identical to the one this run would write holds no
    /// answers: it is what an interrupted earlier run left, so re-running the same command
    /// completes the batch, and the manifest lists it. True when the review is left out
    /// (`skip_existing`), keeping its earlier manifest entry.
    fn skip_if_existing(&mut self, index: usize, review: Review<'_>, file: &str) -> bool {
        let path = path_of(self.opts, file);
        if self.opts.force || std::fs::symlink_metadata(&path).is_err() {
            return false;
        }
        let same = std::fs::read(&path).ok().is_some_and(|old| {
            batch::build(self.ladder, review, self.opts, &self.created)
                .is_ok_and(|b| b.bytes == old)
        });
        if same {
            self.status[index] = Status::Unchanged;
        } else if self.opts.skip_existing {
            self.status[index] = Status::Skipped;
            return true;
        } else {
            self.existing.push(path);
        }
        false
    }
}
