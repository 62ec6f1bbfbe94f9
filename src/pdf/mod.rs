//! Printable PDFs of a ladder, typeset by Typst built into rungs: the competency × level matrix
//! and one document per level, compiled in one process on all cores with shared fonts.
//!
//! The ladder reaches the layouts only as data (`/data.json`, the `rungs export json` output, and
//! `sys.inputs`), never as markup, so nothing in a ladder can run as Typst code.

mod coverage;
mod diagnostics;
mod fonts;
pub mod layouts;
mod options;
mod world;

use std::collections::HashSet;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

use typst::foundations::Smart;
use typst::text::{Lang, Locale, Region};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandards, Timestamp};

use crate::diag::{Diagnostic, Error, Flags};
use crate::model::Ladder;
use crate::util::parallel;
use crate::util::text::io_reason;
use diagnostics::Stage;
pub use options::{Paper, Standard};
use world::{DocWorld, Shared};

/// What to print and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folder whose files override the built-in layouts.
    pub layouts: Option<PathBuf>,
    /// Folders of extra fonts.
    pub font_paths: Vec<PathBuf>,
    pub paper: Paper,
    /// PDF standards to conform to (PDF/A-2b, PDF/UA-1, …); empty for plain PDF 1.7.
    pub standards: Vec<Standard>,
    /// Print the matrix.
    pub matrix: bool,
    /// Print the matrix as one document per area.
    pub matrix_by_area: bool,
    /// Show only these adjacent levels in the matrix (indexes, both ends included).
    pub window: Option<(usize, usize)>,
    /// Level codes to print a document for.
    pub levels: Vec<String>,
    /// Creation date written into every PDF (seconds since 1970, UTC).
    pub timestamp: i64,
    pub flags: Flags,
}

/// One finished PDF.
#[derive(Debug)]
pub struct Document {
    /// File name, e.g. `L3-senior-sre.pdf`.
    pub file_name: String,
    pub pages: usize,
    pub bytes: Vec<u8>,
}

/// Where each finished PDF goes (e.g. written to a file). It is called as soon as the PDF is
/// made, on the thread that made it, while the others are still being typeset; an `Err` says
/// why it could not take it.
pub type Deliver<'a> = dyn Fn(&Document) -> Result<(), Diagnostic> + Sync + 'a;

/// The outcome of a run: the PDFs that were made and delivered, and every warning and error.
#[derive(Debug)]
pub struct Rendered {
    /// Delivered documents (file name, pages), in the order they were asked for.
    pub documents: Vec<(String, usize)>,
    /// Documents that could not be made (their file names); errors are in `diagnostics`.
    pub failed: Vec<String>,
    /// Why documents that were made could not be delivered.
    pub undelivered: Vec<Diagnostic>,
    /// Warnings and errors, deduplicated (a broken `level.typ` fails the same way for every level).
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone)]
enum Job {
    /// The matrix, or the part of it showing one area (its index).
    Matrix(Option<usize>),
    Level(usize),
}

/// Typesets the selected documents and hands each to `deliver`. `Err` is a setup problem (fonts,
/// layouts folder, options); problems inside layouts come back in [`Rendered::diagnostics`].
pub fn render(ladder: &Ladder, opts: &Options, deliver: &Deliver) -> Result<Rendered, Error> {
    let jobs = select(ladder, opts)?;
    let standards = options::standards(&opts.standards, &opts.flags)?;
    // The fonts are parsed while the ladder becomes JSON: both come before any typesetting.
    let (fonts, json) = rayon::join(
        || fonts::Fonts::load(&opts.font_paths, &opts.flags),
        || ladder.to_compact_json(),
    );
    let fonts = fonts?;
    let layouts = match &opts.layouts {
        None => layouts::Layouts::built_in(),
        Some(dir) => layouts::Layouts::with_dir(dir).map_err(|e| {
            Diagnostic::failure(
                "layouts-folder",
                format!(
                    "cannot use {} as the layouts folder: {}",
                    dir.display(),
                    io_reason(&e)
                ),
            )
            .with_hint("give a folder holding matrix.typ and/or level.typ; `rungs layouts init DIR` makes one")
        })?,
    };
    let (warning, missing_glyphs) = coverage::check(ladder, &fonts, &opts.flags);
    let mut diagnostics: Vec<Diagnostic> = warning.into_iter().collect();
    let date = options::datetime(opts.timestamp)?;
    // Glyph composition is skipped only where it provably has nothing to do: the bundled font,
    // the built-in layouts, and ladder text without combining marks (see `coverage`).
    let marks = if opts.layouts.is_none()
        && opts.font_paths.is_empty()
        && !coverage::may_need_composition(&json)
    {
        "none"
    } else {
        "maybe"
    };
    let inputs = [("paper", opts.paper.name()), ("marks", marks)];
    let shared = Shared::new(fonts, layouts, json, date, &inputs);
    let names = file_names(ladder, &jobs, opts.window);

    let context = Context {
        ladder,
        shared: &shared,
        inputs,
        own_library: opts.layouts.is_some(),
        standards: &standards,
        timestamp: Timestamp::new_utc(date),
        missing_glyphs: &missing_glyphs,
        deliver,
        flags: &opts.flags,
        window: opts.window,
    };
    let results = context.compile_all(&jobs, &names);

    let mut documents = Vec::new();
    let mut failed = Vec::new();
    let mut undelivered = Vec::new();
    let mut seen = HashSet::new();
    for (compiled, name) in results.into_iter().zip(names) {
        for d in compiled.diagnostics {
            if seen.insert(d.clone()) {
                diagnostics.push(d);
            }
        }
        match compiled.outcome {
            Outcome::Delivered(pages) => documents.push((name, pages)),
            Outcome::Undelivered(why) => undelivered.push(why),
            Outcome::Failed | Outcome::Made(_) => failed.push(name),
        }
    }
    Ok(Rendered {
        documents,
        failed,
        undelivered,
        diagnostics,
    })
}

/// The documents to make, matrix first (the longest job starts first).
fn select(ladder: &Ladder, opts: &Options) -> Result<Vec<Job>, Diagnostic> {
    let mut jobs = Vec::new();
    if opts.matrix {
        if opts.matrix_by_area {
            jobs.extend((0..ladder.areas.len()).map(|a| Job::Matrix(Some(a))));
        } else {
            jobs.push(Job::Matrix(None));
        }
    }
    let mut unknown = Vec::new();
    for code in &opts.levels {
        match find_level(ladder, code) {
            Some(i) if !jobs.iter().any(|j| matches!(j, Job::Level(k) if *k == i)) => {
                jobs.push(Job::Level(i));
            }
            Some(_) => {}
            None => unknown.push(format!("`{code}`")),
        }
    }
    if !unknown.is_empty() {
        let codes: Vec<&str> = ladder.levels.iter().map(|l| l.code.as_str()).collect();
        return Err(Diagnostic::failure(
            "unknown-level",
            format!("the ladder has no level {}", unknown.join(", ")),
        )
        .with_hint(format!("its levels are {}", codes.join(", "))));
    }
    Ok(jobs)
}

/// `matrix.pdf` (`matrix-AREA.pdf` for one area, `…-L3-L5.pdf` for a window of levels) and
/// `CODE-title-slug.pdf`, made safe as file names and unique even on case-insensitive file
/// systems.
fn file_names(ladder: &Ladder, jobs: &[Job], window: Option<(usize, usize)>) -> Vec<String> {
    let mut taken = HashSet::new();
    jobs.iter()
        .map(|job| {
            let stem = match job {
                Job::Matrix(area) => {
                    let mut stem = "matrix".to_owned();
                    if let Some(a) = area {
                        let id = crate::ladder::slug(&ladder.areas[*a].id);
                        stem = format!(
                            "{stem}-{}",
                            if id.is_empty() {
                                format!("area-{}", a + 1)
                            } else {
                                id
                            }
                        );
                    }
                    if let Some((from, to)) = window {
                        let code = |i: usize| safe_code(&ladder.levels[i].code);
                        stem = if from == to {
                            format!("{stem}-{}", code(from))
                        } else {
                            format!("{stem}-{}-{}", code(from), code(to))
                        };
                    }
                    stem
                }
                Job::Level(i) => {
                    let level = &ladder.levels[*i];
                    let code = safe_code(&level.code);
                    let title = crate::ladder::slug(&level.title);
                    match (code.is_empty(), title.is_empty()) {
                        (false, false) => format!("{code}-{title}"),
                        (false, true) => code,
                        (true, false) => title,
                        (true, true) => format!("level-{}", i + 1),
                    }
                }
            };
            let mut name = format!("{stem}.pdf");
            let mut n = 2;
            while !taken.insert(name.to_lowercase()) {
                name = format!("{stem}-{n}.pdf");
                n += 1;
            }
            name
        })
        .collect()
}

/// A level code as part of a file name: letters, digits, `_ . - +`; no leading or trailing `-`
/// or `.` (no hidden files, no `..`, no leading dash read as an option).
fn safe_code(code: &str) -> String {
    let code: String = code
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+') {
                c
            } else {
                '-'
            }
        })
        .collect();
    code.trim_matches(['-', '.']).to_owned()
}

/// The level window `FROM..TO` (or one code) as indexes, lowest first; codes are matched as
/// `--level` matches them.
pub fn window(ladder: &Ladder, spec: &str, flags: &Flags) -> Result<(usize, usize), Diagnostic> {
    let flag = flags.window;
    let (from, to) = spec.split_once("..").unwrap_or((spec, spec));
    let find = |code: &str| find_level(ladder, code.trim());
    let codes: Vec<&str> = ladder.levels.iter().map(|l| l.code.as_str()).collect();
    match (find(from), find(to)) {
        (Some(a), Some(b)) => Ok((a.min(b), a.max(b))),
        _ => Err(Diagnostic::failure(
            "unknown-level",
            format!("{flag} {spec}: give two level codes of the ladder as FROM..TO"),
        )
        .with_hint(format!(
            "its levels are {}, e.g. `{flag} {}..{}`",
            codes.join(", "),
            codes.first().copied().unwrap_or("L1"),
            codes.get(2).or(codes.last()).copied().unwrap_or("L3")
        ))),
    }
}

/// A level's index by its code; `l3` finds `L3` unless the ladder has both spellings.
fn find_level(ladder: &Ladder, code: &str) -> Option<usize> {
    let exact = ladder.levels.iter().position(|l| l.code == code);
    let loose = || {
        let mut matching =
            (0..ladder.levels.len()).filter(|&i| ladder.levels[i].code.eq_ignore_ascii_case(code));
        match (matching.next(), matching.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    };
    exact.or_else(loose)
}

/// What every compile reads; shared by the worker threads.
struct Context<'a> {
    ladder: &'a Ladder,
    shared: &'a Shared,
    /// The `sys.inputs` every document gets: `paper`, and `marks` (`none` when glyph
    /// composition has nothing to do, else `maybe`).
    inputs: [(&'static str, &'a str); 2],
    /// Whether each document gets a library of its own with the level code in `sys.inputs`,
    /// as layouts made before `/data.json` had `job` expect. The built-in layouts read the
    /// level from `job`, so all their documents share one library.
    own_library: bool,
    standards: &'a PdfStandards,
    timestamp: Timestamp,
    /// Characters of the ladder no font has (reported once, before typesetting).
    missing_glyphs: &'a HashSet<char>,
    deliver: &'a Deliver<'a>,
    flags: &'a Flags,
    /// The levels the matrix shows, when not all.
    window: Option<(usize, usize)>,
}

/// One document's outcome, and its warnings and errors.
struct Compiled {
    outcome: Outcome,
    diagnostics: Vec<Diagnostic>,
}

enum Outcome {
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
                    crate::diag::Location::File {
                        file: file_name.to_owned(),
                    },
                )
                .with_hint(
                    "this is a bug: please report it with the ladder and layouts that cause it",
                ),
            ],
        }
    }
}

impl Context<'_> {
    /// Compiles every job on all cores, each thread taking the next job in order when it is
    /// done (so the long matrix runs beside the level documents), and hands each finished PDF
    /// to `deliver` at once. Results are in job order.
    fn compile_all(&self, jobs: &[Job], names: &[String]) -> Vec<Compiled> {
        let slots: Vec<Mutex<Option<Compiled>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
        parallel::queue(jobs.len(), |i| {
            let compiled = self.make(&jobs[i], &names[i]);
            *slots[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(compiled);
            // Drop cached results unused since the previous document finished. Not 0: the
            // cache is global, and a document still compiling on another thread reuses its
            // own results between layout passes.
            typst::comemo::evict(1);
        });
        typst::comemo::evict(0);
        slots
            .into_iter()
            .zip(names)
            .map(|(slot, name)| {
                slot.into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    // Every job fills its slot before the scope ends.
                    .unwrap_or_else(|| Compiled::crashed(name))
            })
            .collect()
    }

    /// Compiles one document and delivers it. A panic in typst or in `deliver` is caught: a bug
    /// must not take the other documents down with it.
    fn make(&self, job: &Job, name: &str) -> Compiled {
        let mut compiled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.compile(job, name)))
                .unwrap_or_else(|_| Compiled::crashed(name));
        if let Outcome::Made(doc) = compiled.outcome {
            let delivered =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.deliver)(&doc)));
            compiled.outcome = match delivered {
                Ok(Ok(())) => Outcome::Delivered(doc.pages),
                Ok(Err(why)) => Outcome::Undelivered(why),
                // `deliver` panicked: the file may not have been written.
                Err(_) => Outcome::Undelivered(Diagnostic::failure(
                    "write-failed",
                    format!("{name} was made but could not be written"),
                )),
            };
        }
        compiled
    }

    fn compile(&self, job: &Job, file_name: &str) -> Compiled {
        let (main, level, data) = match job {
            Job::Matrix(area) => {
                let mut data = serde_json::json!({ "document": "matrix" });
                if let Some(a) = area {
                    data["area"] = self.ladder.areas[*a].id.clone().into();
                }
                if let Some((from, to)) = self.window {
                    let codes: Vec<&str> = self.ladder.levels[from..=to]
                        .iter()
                        .map(|l| l.code.as_str())
                        .collect();
                    data["levels"] = codes.into();
                }
                (layouts::MATRIX, None, data)
            }
            Job::Level(i) => {
                let code = self.ladder.levels[*i].code.as_str();
                (
                    layouts::LEVEL,
                    Some(code),
                    serde_json::json!({ "document": "level", "level": code }),
                )
            }
        };
        let id = Shared::id(main).expect("a valid built-in path");
        // A library of its own only where the level must be in `sys.inputs` (see `own_library`).
        let own_inputs = self.own_library.then(|| {
            self.inputs
                .iter()
                .copied()
                .chain(level.map(|code| ("level", code)))
                .collect::<Vec<_>>()
        });
        let world = DocWorld::new(
            self.shared,
            id,
            self.shared.data_for(&data),
            own_inputs.as_deref(),
        );
        let warned = typst::compile::<PagedDocument>(&world);
        let mut diagnostics = diagnostics::convert(&world, Stage::Layout, &warned.warnings);
        let mut doc = match warned.output {
            Ok(doc) => doc,
            Err(errors) => {
                diagnostics.extend(diagnostics::convert(&world, Stage::Layout, &errors));
                return Compiled {
                    outcome: Outcome::Failed,
                    diagnostics,
                };
            }
        };
        self.fill_metadata(&mut doc, level);
        for (span, chars) in coverage::in_document(&doc, self.missing_glyphs) {
            diagnostics.push(diagnostics::missing_glyphs(
                &world, span, &chars, file_name, self.flags,
            ));
        }
        let pdf_options = PdfOptions {
            ident: Smart::Custom(format!(
                "rungs/{}/{file_name}",
                self.ladder.meta.fingerprint
            )),
            creator: Smart::Custom(Some(format!(
                "rungs {} (Typst 0.15)",
                env!("CARGO_PKG_VERSION")
            ))),
            timestamp: Some(self.timestamp),
            standards: self.standards.clone(),
            ..PdfOptions::default()
        };
        match typst_pdf::pdf(&doc, &pdf_options) {
            Ok(bytes) => {
                let pages = doc.pages().len();
                // The laid-out document is not needed any more: free it before writing.
                drop(doc);
                Compiled {
                    outcome: Outcome::Made(Document {
                        file_name: file_name.to_owned(),
                        pages,
                        bytes,
                    }),
                    diagnostics,
                }
            }
            Err(errors) => {
                diagnostics.extend(diagnostics::convert(&world, Stage::Export, &errors));
                Compiled {
                    outcome: Outcome::Failed,
                    diagnostics,
                }
            }
        }
    }

    /// Title, author and language from the ladder where the layout did not set them.
    fn fill_metadata(&self, doc: &mut PagedDocument, level: Option<&str>) {
        let meta = &self.ladder.meta;
        let info = doc.info_mut();
        if info.title.is_none() {
            let title = match level.and_then(|code| self.ladder.level(code)) {
                Some(l) => format!("{} — {} ({})", meta.title, l.title, l.code),
                None => meta.title.clone(),
            };
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
    }
}

/// A Typst locale from a BCP 47 tag (`en`, `pt-BR`, `zh-Hant-TW`); `None` if typst has no such
/// language code.
fn locale(tag: &str) -> Option<Locale> {
    let mut parts = tag.split(['-', '_']);
    let lang = Lang::from_str(&parts.next()?.to_ascii_lowercase()).ok()?;
    let region = parts
        .find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
        .and_then(|p| Region::from_str(p).ok());
    Some(Locale::new(lang, region))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder(md: &str) -> Ladder {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("l.md");
        std::fs::write(&path, md).expect("write");
        crate::ladder::load(Some(&path), "--ladder")
            .expect("a valid ladder")
            .ladder
    }

    #[test]
    fn file_names_are_safe_and_unique() {
        let level = |title: &str, code: &str| {
            format!("## {title} ({code})\n\n### A\n\n#### C\n\n- {title} {code}\n\n")
        };
        let md = [
            "# T\n\n".to_owned(),
            level("Senior SRE", "L3"),
            level("Also", "L.1"),
            level("東京", "matrix"),
            level("Lead", "IC+3"),
            level("Lead", ".5"),
            level("Lead", "ic+3"),
        ]
        .concat();
        let l = ladder(&md);
        let mut jobs = vec![Job::Matrix(None)];
        jobs.extend((0..l.levels.len()).map(Job::Level));
        assert_eq!(
            file_names(&l, &jobs, None),
            [
                "matrix.pdf",
                "L3-senior-sre.pdf",
                "L.1-also.pdf",
                "matrix-東京.pdf",
                "IC+3-lead.pdf",
                "5-lead.pdf",
                // Differs from IC+3 only in case: unique on case-insensitive file systems too.
                "ic+3-lead-2.pdf",
            ]
        );
    }

    #[test]
    fn level_codes_match_regardless_of_case() {
        let l = ladder(
            "# T\n\n## One (L1)\n\n### A\n\n#### C\n\n- a\n\n## Two (L2)\n\n### A\n\n#### C\n\n- b\n",
        );
        let opts = |levels: &[&str]| Options {
            layouts: None,
            font_paths: Vec::new(),
            paper: Paper::default(),
            standards: Vec::new(),
            matrix: false,
            matrix_by_area: false,
            window: None,
            levels: levels.iter().map(|s| (*s).to_owned()).collect(),
            timestamp: crate::util::epoch::DEFAULT,
            flags: crate::cli::FLAGS,
        };
        let jobs = select(&l, &opts(&["l2", "L2", "L1"])).expect("known levels");
        assert!(
            matches!(jobs[..], [Job::Level(1), Job::Level(0)]),
            "{jobs:?}"
        );
        let err = select(&l, &opts(&["L9", "x"])).expect_err("unknown");
        assert!(err.message.contains("no level `L9`, `x`"), "{err:?}");
        assert!(err.hints[0].contains("L1, L2"), "{err:?}");
    }

    #[test]
    fn locales_from_bcp47_tags() {
        assert!(locale("en").is_some());
        let pt = locale("pt-BR").expect("pt-BR");
        assert_eq!(pt.rfc_3066().as_str(), "pt-BR");
        let zh = locale("zh-Hant-TW").expect("zh");
        assert_eq!(zh.rfc_3066().as_str(), "zh-TW");
        assert!(locale("english").is_none());
    }
}
