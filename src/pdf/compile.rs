//! Typesetting the documents of a run on all cores: each document's parts are jobs of one
//! queue (a thread takes the next job when it is done), each part a Typst compile of its own
//! over the shared fonts, layouts and caches. A document of one part is its PDF; the parts of
//! a longer one are exported as they finish and joined ([`super::join`]) once the last is done,
//! with footers typeset for the joined page count. Each finished PDF is handed to `deliver` at
//! once, on the thread that finished it.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, TryLockError};

use sha2::{Digest, Sha256};
use typst::foundations::Smart;
use typst::text::{Lang, Locale, Region};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandards, Timestamp};

use super::diagnostics::{self, Stage};
use super::join::Joiner;
use super::world::{DocWorld, Shared, lock};
use super::{Deliver, Doc, Document, Source, coverage, join};
use crate::diag::{Diagnostic, Flags, Location};
use crate::model::Ladder;
use crate::util::parallel;

/// What every compile reads; shared by the worker threads.
pub(super) struct Context<'a> {
    pub ladder: &'a Ladder,
    pub shared: &'a Shared,
    /// The `sys.inputs` every document gets: `paper`, and `marks` (`none` when glyph
    /// composition has nothing to do, else `maybe`).
    pub inputs: [(&'static str, &'a str); 2],
    /// Whether each level document gets a library of its own with the level code in
    /// `sys.inputs`, as layouts made before `/data.json` had `job` expect. The built-in layouts
    /// read the level from `job`, so all their documents share one library.
    pub own_library: bool,
    pub standards: &'a PdfStandards,
    pub timestamp: Timestamp,
    /// Characters of the data no font has (reported once, before typesetting).
    pub missing_glyphs: &'a HashSet<char>,
    pub deliver: &'a Deliver<'a>,
    pub flags: &'a Flags,
}

/// One document's outcome, and its warnings and errors.
pub(super) struct Compiled {
    pub outcome: Outcome,
    pub diagnostics: Vec<Diagnostic>,
}

pub(super) enum Outcome {
    /// Made, not yet handed to `deliver`.
    Made(Document),
    /// Made and delivered: its page count.
    Delivered(usize),
    /// Made, but `deliver` said why it could not take it.
    Undelivered(Diagnostic),
    /// Not made: an error is among the diagnostics.
    Failed,
}

impl Compiled {
    fn crashed(file_name: &str) -> Self {
        Self {
            outcome: Outcome::Failed,
            diagnostics: vec![
                Diagnostic::error(
                    "typst-crash",
                    format!("typst stopped with an internal error while making {file_name}"),
                    Location::File {
                        file: file_name.to_owned(),
                    },
                )
                .with_hint(
                    "this is a bug: please report it with the ladder and layouts that cause it",
                ),
            ],
        }
    }

    fn failed(diagnostics: Vec<Diagnostic>) -> Self {
        Self {
            outcome: Outcome::Failed,
            diagnostics,
        }
    }
}

/// A part of a document, once compiled.
enum Part {
    Pending,
    Made(Document),
    Failed,
    /// Made and handed to the document's [`Joiner`].
    Joined,
}

/// Pages whose footers one Typst compile sets.
const FOOTER_PAGES: usize = 200;

/// The parts of one document made so far.
#[derive(Default)]
struct Progress {
    /// One per part, in order.
    parts: Vec<Part>,
    diagnostics: Vec<Diagnostic>,
    /// The parts before this one are joined.
    joined: usize,
}

impl Progress {
    /// Whether the next part to join is made.
    fn ready(&self) -> bool {
        matches!(self.parts.get(self.joined), Some(Part::Made(_)))
    }

    /// The made parts next in order, taken to be joined (of `doc`, whose parts these are).
    fn take_ready(&mut self, doc: &Doc) -> Vec<join::Part> {
        let mut ready = Vec::new();
        while self.ready() {
            let at = self.joined;
            if let Part::Made(m) = std::mem::replace(&mut self.parts[at], Part::Joined) {
                ready.push(join::Part {
                    bytes: m.bytes,
                    continues_outline: doc.parts[at].continues_outline,
                });
            }
            self.joined += 1;
        }
        ready
    }
}

impl Context<'_> {
    /// Compiles every document on all cores and hands each finished PDF to `deliver` as soon as
    /// it is made. Results are in the order of `docs`.
    pub fn compile_all(&self, docs: &[Doc]) -> Vec<Compiled> {
        let mut jobs: Vec<(usize, usize)> = docs
            .iter()
            .enumerate()
            .flat_map(|(d, doc)| (0..doc.parts.len()).map(move |p| (d, p)))
            .collect();
        // Longest first: the jobs that end the run are short ones, and no core idles while
        // another ends a long one. Costs within a factor of four count as equal and keep their
        // order (the sort is stable), so the parts of a document are mostly made in order and
        // joined as they come.
        jobs.sort_by_key(|&(d, p)| {
            std::cmp::Reverse(docs[d].parts[p].cost.checked_ilog2().unwrap_or(0) / 2)
        });
        let progress: Vec<Mutex<Progress>> = docs
            .iter()
            .map(|doc| {
                Mutex::new(Progress {
                    parts: doc.parts.iter().map(|_| Part::Pending).collect(),
                    ..Progress::default()
                })
            })
            .collect();
        let joiners: Vec<Mutex<Option<Joiner>>> = docs
            .iter()
            .map(|doc| {
                Mutex::new((doc.parts.len() > 1).then(|| Joiner::new(doc.footers.is_some())))
            })
            .collect();
        let left: Vec<AtomicUsize> = docs
            .iter()
            .map(|d| AtomicUsize::new(d.parts.len()))
            .collect();
        let slots: Vec<Mutex<Option<Compiled>>> = docs.iter().map(|_| Mutex::new(None)).collect();
        parallel::queue(jobs.len(), |j| {
            let (d, p) = jobs[j];
            let doc = &docs[d];
            let made = guarded(&doc.file_name, || self.compile(doc, p));
            {
                let mut pr = lock(&progress[d]);
                pr.diagnostics.extend(made.diagnostics);
                pr.parts[p] = match made.outcome {
                    Outcome::Made(m) => Part::Made(m),
                    _ => Part::Failed,
                };
            }
            join_ready(doc, &progress[d], &joiners[d]);
            // The thread that made a document's last part finishes and delivers it.
            if left[d].fetch_sub(1, Ordering::AcqRel) == 1 {
                let done = std::mem::take(&mut *lock(&progress[d]));
                let joiner = lock(&joiners[d]).take();
                *lock(&slots[d]) = Some(self.finish(doc, done, joiner));
            }
            // Drop cached results unused since the previous part finished. Not 0: the cache
            // is global, and a part still compiling on another thread reuses its own results
            // between layout passes.
            typst::comemo::evict(1);
        });
        typst::comemo::evict(0);
        slots
            .into_iter()
            .zip(docs)
            .map(|(slot, doc)| {
                slot.into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    // Every document fills its slot before the queue ends.
                    .unwrap_or_else(|| Compiled::crashed(&doc.file_name))
            })
            .collect()
    }

    /// A document whose parts are all made: the one part's PDF, or the parts joined (the rest
    /// of them, if `joiner` has some) with their footers; then delivered.
    fn finish(&self, doc: &Doc, mut done: Progress, joiner: Option<Joiner>) -> Compiled {
        let mut diagnostics = std::mem::take(&mut done.diagnostics);
        let failed = |p: &Part| matches!(p, Part::Pending | Part::Failed);
        if done.parts.iter().any(failed) {
            return Compiled::failed(diagnostics);
        }
        let made = if let Some(joiner) = joiner {
            // Every part is made: the rest are all ready.
            let rest = done.take_ready(doc);
            let outcome = guarded(&doc.file_name, || self.join(doc, joiner, rest));
            diagnostics.extend(outcome.diagnostics);
            match outcome.outcome {
                Outcome::Made(m) => m,
                _ => return Compiled::failed(diagnostics),
            }
        } else {
            match done.parts.into_iter().next() {
                Some(Part::Made(m)) if doc.parts.len() == 1 => m,
                // Several parts and no joiner: joining failed (its error is recorded).
                _ => return Compiled::failed(diagnostics),
            }
        };
        let name = doc.file_name.as_str();
        let delivered =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.deliver)(&made)));
        let outcome = match delivered {
            Ok(Ok(())) => Outcome::Delivered(made.pages),
            Ok(Err(why)) => Outcome::Undelivered(why),
            // `deliver` panicked: the file may not have been written.
            Err(_) => Outcome::Undelivered(Diagnostic::failure(
                "write-failed",
                format!("{name} was made but could not be written"),
            )),
        };
        Compiled {
            outcome,
            diagnostics,
        }
    }

    /// The parts of `doc` as one PDF: `rest` joined after those `joiner` has, and the footers
    /// typeset for the page count.
    fn join(&self, doc: &Doc, mut joiner: Joiner, rest: Vec<join::Part>) -> Compiled {
        for part in rest {
            if let Err(why) = joiner.add(part) {
                return Compiled::failed(vec![join_error(&doc.file_name, &why)]);
            }
        }
        let pages = joiner.pages();
        let mut diagnostics = Vec::new();
        // The footers of [`FOOTER_PAGES`] pages a compile: few compiles however many parts, and
        // memory for the layout of that many footers at a time, however long the document;
        // the compiles run on the cores that are free.
        let mut footers = Vec::new();
        if let Some(make) = &doc.footers {
            let made = parallel::map(pages.div_ceil(FOOTER_PAGES), |i| {
                let first = i * FOOTER_PAGES;
                let count = FOOTER_PAGES.min(pages - first);
                self.footers(doc, make, (first + 1, count, pages))
            });
            for footer in made {
                match footer {
                    Ok((bytes, mut d)) => {
                        diagnostics.append(&mut d);
                        footers.push(bytes);
                    }
                    Err(failed) => return *failed,
                }
            }
            typst::comemo::evict(1);
        }
        let id: [u8; 32] = Sha256::digest(self.ident(&doc.file_name)).into();
        let mut file_id = [0; 16];
        file_id.copy_from_slice(&id[..16]);
        match joiner.finish(footers, &file_id) {
            Ok(bytes) => Compiled {
                outcome: Outcome::Made(Document {
                    file_name: doc.file_name.clone(),
                    pages,
                    bytes,
                }),
                diagnostics,
            },
            Err(why) => Compiled::failed(vec![join_error(&doc.file_name, &why)]),
        }
    }

    /// The footers of pages `first`… (`count` of them, 1-based) of the `total` pages of `doc`,
    /// as a PDF of `count` pages.
    fn footers(
        &self,
        doc: &Doc,
        make: &super::Footers,
        (first, count, total): (usize, usize, usize),
    ) -> Result<(Vec<u8>, Vec<Diagnostic>), Box<Compiled>> {
        let source = make(first, count, total).map_err(|why| {
            Box::new(Compiled::failed(vec![Diagnostic::failure(
                "footers",
                format!("cannot make the footers of {}: {why}", doc.file_name),
            )]))
        })?;
        let ident = format!("{}#footers{first}", self.ident(&doc.file_name));
        let compiled = self.compile_source(&source, doc, ident);
        match compiled.outcome {
            Outcome::Made(m) => Ok((m.bytes, compiled.diagnostics)),
            _ => Err(Box::new(compiled)),
        }
    }

    fn ident(&self, file_name: &str) -> String {
        format!("rungs/{}/{file_name}", self.ladder.meta.fingerprint)
    }

    /// Compiles part `p` of `doc` to a PDF. The first part has the document's own identifier
    /// (which a joined PDF's metadata keeps).
    fn compile(&self, doc: &Doc, p: usize) -> Compiled {
        let ident = match p {
            0 => self.ident(&doc.file_name),
            p => format!("{}#part{p}", self.ident(&doc.file_name)),
        };
        self.compile_source(&doc.parts[p], doc, ident)
    }

    /// Compiles one source of `doc` to a PDF with the identifier `ident`.
    fn compile_source(&self, source: &Source, doc: &Doc, ident: String) -> Compiled {
        let file_name = doc.file_name.as_str();
        let id = Shared::id(source.main).expect("a valid built-in path");
        // A library of its own only where the level must be in `sys.inputs` (see `own_library`).
        let own_inputs = source
            .level
            .as_deref()
            .filter(|_| self.own_library)
            .map(|code| {
                self.inputs
                    .iter()
                    .copied()
                    .chain(std::iter::once(("level", code)))
                    .collect::<Vec<_>>()
            });
        let world = DocWorld::new(
            self.shared,
            id,
            (source.served_at, source.data.clone()),
            own_inputs.as_deref(),
        );
        let warned = typst::compile::<PagedDocument>(&world);
        let mut diagnostics = diagnostics::convert(&world, Stage::Layout, &warned.warnings);
        let mut paged = match warned.output {
            Ok(paged) => paged,
            Err(errors) => {
                diagnostics.extend(diagnostics::convert(&world, Stage::Layout, &errors));
                return Compiled::failed(diagnostics);
            }
        };
        self.fill_metadata(&mut paged, &doc.title, &doc.keywords);
        for (span, chars) in coverage::in_document(&paged, self.missing_glyphs) {
            diagnostics.push(diagnostics::missing_glyphs(
                &world, span, &chars, file_name, self.flags,
            ));
        }
        let pdf_options = PdfOptions {
            ident: Smart::Custom(ident),
            creator: Smart::Custom(Some(format!(
                "rungs {} (Typst 0.15)",
                env!("CARGO_PKG_VERSION")
            ))),
            timestamp: Some(self.timestamp),
            standards: self.standards.clone(),
            ..PdfOptions::default()
        };
        match typst_pdf::pdf(&paged, &pdf_options) {
            Ok(bytes) => {
                let page_count = paged.pages().len();
                // The laid-out document is not needed any more: free it before writing.
                drop(paged);
                Compiled {
                    outcome: Outcome::Made(Document {
                        file_name: file_name.to_owned(),
                        pages: page_count,
                        bytes,
                    }),
                    diagnostics,
                }
            }
            Err(errors) => {
                diagnostics.extend(diagnostics::convert(&world, Stage::Export, &errors));
                Compiled::failed(diagnostics)
            }
        }
    }

    /// Title, author and language (from the ladder) where the layout did not set them, and
    /// `keywords` after the layout's.
    fn fill_metadata(&self, doc: &mut PagedDocument, title: &str, keywords: &[String]) {
        let meta = &self.ladder.meta;
        let info = doc.info_mut();
        if info.title.is_none() {
            info.title = Some(title.into());
        }
        if info.author.is_empty() {
            let author = meta.organisation.as_ref().unwrap_or(&meta.title);
            info.author.push(author.as_str().into());
        }
        if info.locale.is_auto()
            && let Some(locale) = locale(&meta.language)
        {
            info.locale = Smart::Custom(locale);
        }
        info.keywords
            .extend(keywords.iter().map(|k| k.as_str().into()));
    }
}

/// Joins the parts of `doc` that are made and next in order, unless another thread is joining
/// them (which then joins these too: it looks again once it lets the joiner go). Parts are
/// taken from `progress` only while the joiner is held, so they are added in order.
fn join_ready(doc: &Doc, progress: &Mutex<Progress>, joiner: &Mutex<Option<Joiner>>) {
    loop {
        let mut held = match joiner.try_lock() {
            Ok(held) => held,
            Err(TryLockError::WouldBlock) => return,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
        };
        loop {
            // None: a single part, taken by the thread that finishes the document, or failed.
            if held.is_none() {
                return;
            }
            let batch = lock(progress).take_ready(doc);
            if batch.is_empty() {
                break;
            }
            for part in batch {
                let added = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    held.as_mut().map(|j| j.add(part))
                }));
                let why = match added {
                    Ok(Some(Ok(()))) => continue,
                    Ok(Some(Err(why))) => why,
                    Ok(None) => return,
                    Err(_) => "joining stopped with an internal error".to_owned(),
                };
                lock(progress)
                    .diagnostics
                    .push(join_error(&doc.file_name, &why));
                *held = None;
                return;
            }
        }
        drop(held);
        if !lock(progress).ready() {
            return;
        }
    }
}

/// A joining error: a bug, or a layout that writes what joining does not keep.
fn join_error(file_name: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "pdf-join",
        format!("the parts of {file_name} could not be joined into one PDF: {why}"),
        Location::File {
            file: file_name.to_owned(),
        },
    )
    .with_hint("this is a bug: please report it with the ladder and layouts that cause it")
}

/// Runs `f`; a panic in typst is caught, so a bug does not take the other documents down.
fn guarded(file_name: &str, f: impl FnOnce() -> Compiled) -> Compiled {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Compiled::crashed(file_name))
}

/// A Typst locale from a BCP 47 tag (`en`, `pt-BR`, `zh-Hant-TW`); `None` if typst has no such
/// language code.
pub(super) fn locale(tag: &str) -> Option<Locale> {
    let mut parts = tag.split(['-', '_']);
    let lang = Lang::from_str(&parts.next()?.to_ascii_lowercase()).ok()?;
    let region = parts
        .find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
        .and_then(|p| Region::from_str(p).ok());
    Some(Locale::new(lang, region))
}
