//! Printable PDFs typeset by Typst built into rungs: the ladder's competency × level matrix and
//! one document per level (`rungs pdf`), and the calibration packet (`rungs packet`, whose data
//! `crate::packet` prepares). Every kind of document goes through one machinery: a world per
//! document over shared fonts, layouts and caches, compiled in one process on all cores, with
//! the same diagnostics, missing-glyph checks, PDF options and delivery.
//!
//! Data reaches the layouts only as JSON files served from memory (`/data.json`, the ladder;
//! `/packet.json`, a packet) and `sys.inputs`, never as markup, so nothing in a ladder or a
//! tally can run as Typst code.

mod compile;
mod coverage;
mod diagnostics;
mod fonts;
mod info;
mod join;
pub mod layouts;
mod options;
mod world;

use std::collections::HashSet;
use std::path::PathBuf;

use typst::foundations::Bytes;
use typst_pdf::Timestamp;

use crate::diag::{Diagnostic, Error, Flags};
use crate::model::Ladder;
use crate::util::text::io_reason;
use compile::{Context, Outcome};
pub(crate) use coverage::{Scan, Subject, ladder_texts};
pub(crate) use info::keywords;
pub use options::{Paper, Standard};
use world::Shared;

/// How every document of a run is made: layouts, fonts, paper, standards, date.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Folder whose files override the built-in layouts.
    pub layouts: Option<PathBuf>,
    /// Folders of extra fonts.
    pub font_paths: Vec<PathBuf>,
    pub paper: Paper,
    /// PDF standards to conform to (PDF/A-2b, PDF/UA-1, …); empty for plain PDF 1.7.
    pub standards: Vec<Standard>,
    /// Creation date written into every PDF (seconds since 1970, UTC).
    pub timestamp: i64,
    pub flags: Flags,
}

/// What `rungs pdf` prints, and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub setup: Setup,
    /// Print the matrix.
    pub matrix: bool,
    /// Print the matrix as one document per area.
    pub matrix_by_area: bool,
    /// Show only these adjacent levels in the matrix (indexes, both ends included).
    pub window: Option<(usize, usize)>,
    /// Level codes to print a document for.
    pub levels: Vec<String>,
}

/// One document to make: its file name and what it is compiled from.
pub(crate) struct Doc<'a> {
    /// File name of the PDF, e.g. `L3-senior-sre.pdf`; also what messages call it.
    pub file_name: String,
    /// PDF title when the layout sets none.
    pub title: String,
    /// What is compiled: one source is the whole document; several are parts, each compiled
    /// and exported on its own (so memory holds one part at a time) and joined in order.
    pub parts: Vec<Source>,
    /// For a document of parts: the source of a part's footers, compiled once every part is
    /// made (the page count known) and drawn over the part's pages.
    pub footers: Option<Footers<'a>>,
    /// Keywords added to the PDF's metadata (its document information and XMP), after those
    /// the layout sets: a packet's run digest.
    pub keywords: Vec<String>,
}

/// Makes the source of the footers of pages `page`… (1-based; `pages` of them) of a document
/// of `total` pages, or says why it cannot.
pub(crate) type Footers<'a> =
    Box<dyn Fn(usize, usize, usize) -> Result<Source, String> + Send + Sync + 'a>;

/// A Typst compile: a layout file and its data.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The layout file (`matrix.typ`, `level.typ`, `packet.typ`).
    pub main: &'static str,
    /// The data, served to the layouts at `served_at`.
    pub data: Bytes,
    /// Where the data is served: [`layouts::DATA`] or [`layouts::PACKET_DATA`].
    pub served_at: &'static str,
    /// The level of a level document: with a `--layouts` folder it is also given as
    /// `sys.inputs.level`, which layouts made before `/data.json` had `job` expect.
    pub level: Option<String>,
    /// Its top-level outline entries continue the section of the part before it.
    pub continues_outline: bool,
    /// How long it takes to typeset, in any unit common to a run's sources (e.g. the bytes
    /// of text it prints): the longest are started first, so that the run ends on short ones.
    /// It orders the work only, never the output.
    pub cost: usize,
}

/// The texts a run's documents print from their data, handed to the missing-glyph check.
pub(crate) struct Texts<'a> {
    pub subject: Subject,
    pub source: &'a dyn Fn(&mut Scan),
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

/// Typesets the selected ladder documents and hands each to `deliver`. `Err` is a setup problem
/// (fonts, layouts folder, options); problems inside layouts come back in
/// [`Rendered::diagnostics`].
pub fn render(ladder: &Ladder, opts: &Options, deliver: &Deliver) -> Result<Rendered, Error> {
    let jobs = select(ladder, opts)?;
    let json = ladder.to_compact_json();
    let names = file_names(ladder, &jobs, opts.window);
    let docs: Vec<Doc> = jobs
        .iter()
        .zip(names)
        .map(|(job, file_name)| {
            let meta = &ladder.meta;
            let (main, level, title, data) = match job {
                Job::Matrix(area) => {
                    let mut data = serde_json::json!({ "document": "matrix" });
                    if let Some(a) = area {
                        data["area"] = ladder.areas[*a].id.clone().into();
                    }
                    if let Some((from, to)) = opts.window {
                        let codes: Vec<&str> = ladder.levels[from..=to]
                            .iter()
                            .map(|l| l.code.as_str())
                            .collect();
                        data["levels"] = codes.into();
                    }
                    (layouts::MATRIX, None, meta.title.clone(), data)
                }
                Job::Level(i) => {
                    let l = &ladder.levels[*i];
                    let title = format!("{} — {} ({})", meta.title, l.title, l.code);
                    let data = serde_json::json!({ "document": "level", "level": l.code });
                    (layouts::LEVEL, Some(l.code.clone()), title, data)
                }
            };
            Doc {
                file_name,
                title,
                parts: vec![Source {
                    main,
                    data: with_job(&json, &data),
                    served_at: layouts::DATA,
                    level,
                    continues_outline: false,
                    cost: cost(ladder, job, opts.window),
                }],
                footers: None,
                keywords: Vec::new(),
            }
        })
        .collect();
    let texts = Texts {
        subject: Subject {
            what: "the ladder".into(),
            file: ladder.meta.source.clone(),
        },
        source: &|scan| coverage::ladder_texts(ladder, scan),
    };
    typeset(ladder, &opts.setup, &docs, &texts, deliver)
}

/// The bytes of expectation text `job` prints: its scope's cells (every level of the window
/// for the matrix, one level for a level document).
fn cost(ladder: &Ladder, job: &Job, window: Option<(usize, usize)>) -> usize {
    let (areas, levels) = match *job {
        Job::Matrix(area) => (
            area.map_or(0..ladder.areas.len(), |a| a..a + 1),
            window.map_or(0..ladder.levels.len(), |(from, to)| from..to + 1),
        ),
        Job::Level(i) => (0..ladder.areas.len(), i..i + 1),
    };
    ladder.areas[areas]
        .iter()
        .flat_map(|a| &a.competencies)
        .flat_map(|c| c.cells.get(levels.clone()).unwrap_or_default())
        .flat_map(|cell| &cell.items)
        .map(|e| e.text.len())
        .sum()
}

/// The `/data.json` of one ladder document: the ladder's JSON with `job` (which document is
/// being made: `{"document": "matrix"}`, with `area` and `levels` when it shows part of the
/// ladder; `{"document": "level", "level": "L3"}`) added first.
fn with_job(json: &str, job: &serde_json::Value) -> Bytes {
    // The ladder's JSON is an object with fields: `{"format":…`.
    match json.strip_prefix('{') {
        Some(rest) => Bytes::from_string(format!("{{\"job\":{job},{rest}")),
        None => Bytes::from_string(json.to_owned()),
    }
}

/// Typesets `docs` (of one ladder) on all cores and hands each finished PDF to `deliver`.
/// `texts` are the data's texts, checked for characters the fonts lack before anything is
/// typeset. `Err` is a setup problem (fonts, layouts folder, options); problems inside layouts
/// come back in [`Rendered::diagnostics`].
pub(crate) fn typeset(
    ladder: &Ladder,
    setup: &Setup,
    docs: &[Doc],
    texts: &Texts,
    deliver: &Deliver,
) -> Result<Rendered, Error> {
    let standards = options::standards(&setup.standards, &setup.flags)?;
    // The fonts are parsed while the ladder becomes JSON: both come before any typesetting.
    let (fonts, json) = rayon::join(
        || fonts::Fonts::load(&setup.font_paths, &setup.flags),
        || ladder.to_compact_json(),
    );
    let fonts = fonts?;
    let layouts = load_layouts(setup)?;
    let (warning, missing_glyphs) =
        coverage::check(&texts.subject, texts.source, &fonts, &setup.flags);
    let mut diagnostics: Vec<Diagnostic> = warning.into_iter().collect();
    let date = options::datetime(setup.timestamp)?;
    // Glyph composition is skipped only where it provably has nothing to do: the bundled font,
    // the built-in layouts, and data without combining marks (see `coverage`).
    let marks = if setup.layouts.is_none()
        && setup.font_paths.is_empty()
        && !coverage::may_need_composition(&json)
        && !docs.iter().flat_map(|d| &d.parts).any(|s| {
            s.served_at != layouts::DATA
                && coverage::may_need_composition(s.data.as_str().unwrap_or("\u{301}"))
        }) {
        "none"
    } else {
        "maybe"
    };
    let inputs = [("paper", setup.paper.name()), ("marks", marks)];
    let shared = Shared::new(fonts, layouts, json, date, &inputs);

    let context = Context {
        ladder,
        shared: &shared,
        inputs,
        own_library: setup.layouts.is_some(),
        standards: &standards,
        timestamp: Timestamp::new_utc(date),
        missing_glyphs: &missing_glyphs,
        deliver,
        flags: &setup.flags,
    };
    let results = context.compile_all(docs);

    let mut documents = Vec::new();
    let mut failed = Vec::new();
    let mut undelivered = Vec::new();
    let mut seen = HashSet::new();
    for (compiled, doc) in results.into_iter().zip(docs) {
        for d in compiled.diagnostics {
            if seen.insert(d.clone()) {
                diagnostics.push(d);
            }
        }
        let name = doc.file_name.clone();
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

/// The built-in layouts, or those overridden by the `--layouts` folder.
fn load_layouts(setup: &Setup) -> Result<layouts::Layouts, Diagnostic> {
    let Some(dir) = &setup.layouts else {
        return Ok(layouts::Layouts::built_in());
    };
    layouts::Layouts::with_dir(dir).map_err(|e| {
        Diagnostic::failure(
            "layouts-folder",
            format!(
                "cannot use {} as the layouts folder: {}",
                dir.display(),
                io_reason(&e)
            ),
        )
        .with_hint("give a folder holding layout files such as matrix.typ, level.typ or packet.typ; `rungs layouts init DIR` makes one")
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
            setup: Setup {
                layouts: None,
                font_paths: Vec::new(),
                paper: Paper::default(),
                standards: Vec::new(),
                timestamp: crate::util::epoch::DEFAULT,
                flags: crate::cli::FLAGS,
            },
            matrix: false,
            matrix_by_area: false,
            window: None,
            levels: levels.iter().map(|s| (*s).to_owned()).collect(),
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
    fn each_ladder_document_gets_the_data_with_its_job_first() {
        let level: serde_json::Value = serde_json::from_slice(
            with_job(
                "{\"x\":1}",
                &serde_json::json!({"document": "level", "level": "L\"3"}),
            )
            .as_slice(),
        )
        .expect("json");
        assert_eq!(
            level,
            serde_json::json!({"job": {"document": "level", "level": "L\"3"}, "x": 1})
        );
        let matrix = with_job("{\"x\":1}", &serde_json::json!({ "document": "matrix" }));
        assert_eq!(
            matrix.as_str().expect("utf-8"),
            "{\"job\":{\"document\":\"matrix\"},\"x\":1}"
        );
    }

    #[test]
    fn locales_from_bcp47_tags() {
        use super::compile::locale;
        assert!(locale("en").is_some());
        let pt = locale("pt-BR").expect("pt-BR");
        assert_eq!(pt.rfc_3066().as_str(), "pt-BR");
        let zh = locale("zh-Hant-TW").expect("zh");
        assert_eq!(zh.rfc_3066().as_str(), "zh-TW");
        assert!(locale("english").is_none());
    }
}
