//! `rungs pdf`: print the ladder as PDFs (the matrix and one document per level).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::report::{count, eprint_all};
use crate::diag::{Diagnostic, Error};
use crate::pdf::{self, Paper, Standard};
use crate::util::atomic::{self, Overwrite, Staged};
use crate::util::epoch;
use crate::util::text::list;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Typst is built into rungs: no typst install, no network, no system fonts. The \
layouts and the Inter font family are compiled in; --layouts DIR overrides the layouts file by \
file (`rungs layouts init DIR` copies them out for editing) and --font-path DIR adds fonts.\n\n\
The matrix is landscape: competencies by area down the side, levels across. Each level's \
document is portrait and marks what is new or changed compared with the level below.\n\n\
Examples:\n  rungs pdf                              matrix.pdf and one PDF per level in out/\n  rungs pdf -o print --paper letter      US Letter, into print/\n  rungs pdf --level L3 --level L4        only the L3 and L4 documents\n  rungs pdf --matrix                     only the matrix\n  rungs pdf --matrix-by area             one matrix per area: matrix-skill.pdf, …\n  rungs pdf --levels L3..L5              levels L3 to L5 only: matrix-L3-L5.pdf and their documents\n  rungs pdf --layouts my-layouts         use my-layouts/*.typ where present\n  rungs pdf --pdf-standard a-2b          archival PDF/A-2b\n  rungs pdf --font-path fonts/noto-cjk   add fonts for characters Inter lacks\n\nFiles: matrix.pdf and CODE-title.pdf (e.g. L3-senior-sre.pdf), each written atomically; parts of the\nmatrix are matrix-AREA.pdf, matrix-L3-L5.pdf, matrix-AREA-L3-L5.pdf.\nCreation date: SOURCE_DATE_EPOCH if set and not empty, else 1980-01-01T00:00:00Z, so reruns give the same bytes.\nA layout error is shown at its file:line:col; that document is not written and rungs exits 1."
)]
pub struct Args {
    /// Folder to write the PDFs to (created if missing; existing PDFs of the same name are replaced).
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub output: PathBuf,

    /// Print only the document of this level (repeatable). Without --level or --matrix, all are printed.
    #[arg(long = "level", value_name = "CODE")]
    pub levels: Vec<String>,

    /// Print the matrix (with --level: the matrix too; alone: only the matrix).
    #[arg(long)]
    pub matrix: bool,

    /// Print the matrix in parts: `area` gives one PDF per area (matrix-<area>.pdf), for ladders too long for one.
    #[arg(long = "matrix-by", value_name = "PART", value_enum)]
    pub matrix_by: Option<MatrixBy>,

    /// Only the adjacent levels FROM..TO (e.g. L3..L5): the matrix shows just their columns (matrix-L3-L5.pdf), and only their documents are printed.
    #[arg(long = "levels", value_name = "FROM..TO")]
    pub window: Option<String>,

    #[command(flatten)]
    pub print: PrintArgs,
}

/// How PDFs are made: the options `rungs pdf` and `rungs packet` share.
#[derive(Debug, clap::Args)]
pub struct PrintArgs {
    /// Paper size: a4, a3, a5, letter, legal, tabloid or any Typst paper name.
    #[arg(long, value_name = "NAME", default_value = "a4")]
    pub paper: Paper,

    /// Folder of layout files that replace the built-in ones of the same name (matrix.typ, level.typ, packet.typ, lib.typ, labels.typ, …).
    #[arg(long, value_name = "DIR")]
    pub layouts: Option<PathBuf>,

    /// Folder of extra fonts (.ttf, .otf, .ttc; searched recursively; repeatable). System fonts are never used.
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<PathBuf>,

    /// Conform to a PDF standard (repeatable): a-1b, a-2b, a-2u, a-3b, a-4, ua-1, … or a PDF version (1.7, 2.0).
    #[arg(long = "pdf-standard", value_name = "STANDARD")]
    pub standards: Vec<Standard>,
}

impl PrintArgs {
    /// The setup every document of the run is made with.
    pub fn setup(&self, timestamp: i64) -> pdf::Setup {
        pdf::Setup {
            layouts: self.layouts.clone(),
            font_paths: self.font_paths.clone(),
            paper: self.paper.clone(),
            standards: self.standards.clone(),
            timestamp,
            flags: super::FLAGS,
        }
    }
}

/// How the matrix is split into several documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MatrixBy {
    /// One matrix per area.
    Area,
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Error> {
    let timestamp = epoch::from_env()?;
    let loaded = super::load_ladder(ladder)?;
    let l = &loaded.ladder;
    let all = args.levels.is_empty() && !args.matrix;
    let window = match &args.window {
        Some(spec) => Some(pdf::window(l, spec, &super::FLAGS)?),
        None => None,
    };
    let options = pdf::Options {
        setup: args.print.setup(timestamp),
        matrix_by_area: args.matrix_by == Some(MatrixBy::Area),
        window,
        matrix: all || args.matrix,
        levels: if all {
            let (from, to) = window.unwrap_or((0, l.levels.len().saturating_sub(1)));
            l.levels[from..=to].iter().map(|v| v.code.clone()).collect()
        } else {
            args.levels.clone()
        },
    };
    let _lock = super::claim_output(
        &args.output,
        &super::OwnFiles::files(&|name| name.to_ascii_lowercase().ends_with(".pdf")),
    )?;
    let started = std::time::Instant::now();
    let write = write_into(&args.output, None, &|_| {});
    let rendered = pdf::render(l, &options, &write)?;
    let elapsed = started.elapsed();
    finish(rendered, quiet, None, |documents| {
        summary(
            documents,
            &args.output,
            &args.print.paper,
            elapsed,
            usize::MAX,
        )
    })
}

/// Writes each PDF into `dir` as soon as it is made, while the others are still being typeset,
/// and tells `done` (a progress bar). With `set`, each is staged (written and synced beside its
/// destination) and replaces nothing until [`finish`] commits the set.
pub(super) fn write_into<'a>(
    dir: &'a Path,
    set: Option<&'a Staged>,
    done: &'a (dyn Fn(&pdf::Document) + Sync),
) -> impl Fn(&pdf::Document) -> Result<(), Diagnostic> + Sync + 'a {
    move |doc: &pdf::Document| {
        let path = dir.join(&doc.file_name);
        let written = match set {
            Some(set) => set.stage(&path, |f| f.write_all(&doc.bytes)),
            None => atomic::write(&path, &doc.bytes, Overwrite::Replace),
        };
        written.map_err(|e| {
            let hint = if set.is_some() {
                "check that the folder is writable and has space, or pick another with -o DIR; no PDF was replaced"
            } else {
                "check that the folder is writable, or pick another with -o DIR"
            };
            super::cannot_write(&path, &e, hint)
        })?;
        done(doc);
        Ok(())
    }
}

/// PDFs staged as one set ([`write_into`]), and the folder they go into.
pub(super) struct SetOf<'a> {
    pub staged: Staged,
    pub dir: &'a Path,
}

/// Prints what a run made (warnings, then the summary), and its exit status: 1 when a layout
/// error kept a document from being made, 3 when one could not be written. A `set` is renamed
/// into place only when every document was made and staged; else none is, and the earlier
/// PDFs stay as they were.
pub(super) fn finish(
    rendered: pdf::Rendered,
    quiet: bool,
    set: Option<SetOf>,
    summary: impl FnOnce(&[(String, usize)]) -> String,
) -> Result<ExitCode, Error> {
    eprint_all(&rendered.diagnostics);
    if !rendered.undelivered.is_empty() {
        return Err(Error::failed(rendered.undelivered));
    }
    if let Some(SetOf { staged, dir }) = set {
        if !rendered.failed.is_empty() {
            let failed: Vec<&str> = rendered.failed.iter().map(String::as_str).collect();
            return Err(Error::input(vec![Diagnostic::failure(
                "not-written",
                format!(
                    "no PDF was written because of the errors above ({} could not be made); the PDFs in {} are as they were",
                    list(&failed),
                    dir.display()
                ),
            )]));
        }
        staged.commit().map_err(|e| {
            super::set_not_written(
                &e,
                &format!("the packet in {}", dir.display()),
                "check that the folder is writable and has space; the earlier PDFs are as they were",
                "fix the cause and run again: it writes every PDF anew",
            )
        })?;
    }
    if !quiet && !rendered.documents.is_empty() {
        super::print_stdout(&summary(&rendered.documents));
    }
    if rendered.failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Error::input(vec![Diagnostic::failure(
            "not-written",
            format!(
                "not written because of the errors above: {}",
                rendered.failed.join(", ")
            ),
        )]))
    }
}

/// What was written: each file and its pages (the first `shown`, then how many more).
pub(super) fn summary(
    written: &[(String, usize)],
    dir: &Path,
    paper: &Paper,
    elapsed: std::time::Duration,
    shown: usize,
) -> String {
    use std::fmt::Write as _;
    let width = written
        .iter()
        .take(shown)
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "wrote {} to {} ({paper}, {:.0} ms):\n",
        count(written.len(), "PDF", "PDFs"),
        dir.display(),
        elapsed.as_secs_f64() * 1000.0
    );
    for (name, pages) in written.iter().take(shown) {
        let _ = writeln!(out, "  {name:width$}  {}", count(*pages, "page", "pages"));
    }
    if written.len() > shown {
        let _ = writeln!(out, "  … and {} more", written.len() - shown);
    }
    out
}
