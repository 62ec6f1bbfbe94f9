//! The command line: argument definitions (clap derive; doc comments become `--help`), one
//! module per subcommand that loads its inputs and calls the library, and [`report`], the one
//! place where diagnostics become text. Nothing below this layer prints or names a flag.

mod check;
mod decisions;
mod export;
mod import;
mod layouts;
mod outcomes;
mod packet;
mod pdf;
pub mod report;
mod sets;
mod sheets;
mod tally;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};

use crate::diag::{Diagnostic, Error, ErrorKind, Flags, Location};
use crate::util::lock::{self, FolderLock, LockError, Wait};
use crate::util::strays;
use crate::util::text::{count, plural};

/// Exit status when the input (ladder, roster, workbooks) has problems.
pub const EXIT_INPUT: u8 = 1;
/// Exit status for a wrong command line (clap's own).
pub const EXIT_USAGE: u8 = 2;
/// Exit status when output could not be written or something else failed.
pub const EXIT_FAILURE: u8 = 3;

/// Turn a career ladder into the documents a review cycle runs on.
///
/// rungs reads a ladder written in Markdown (`## Level (CODE)`, `### Area`,
/// `#### Competency`, `- expectation`) and prints it as PDFs for calibration
/// meetings, writes fillable review workbooks for managers, and tallies the
/// returned workbooks. Everything runs offline and gives the same bytes for
/// the same input.
///
/// The ladder is read from `./ladder/` by default (the bundled one when that
/// folder does not exist); `--ladder` picks another file or folder.
#[derive(Debug, Parser)]
#[command(name = "rungs", version, max_term_width = 100)]
#[command(
    after_help = "A review cycle, start to finish:\n  rungs check                                       validate the ladder, see its summary\n  rungs pdf                                         out/matrix.pdf and one PDF per level\n  rungs sheets --roster team.csv --cycle 2026-H2    one review workbook per person and reviewer\n  rungs tally out/reviews --manifest out/reviews/manifest.json\n                                                    check the returned workbooks, write the tally\n  rungs packet --group-by level                     print the calibration packet, one per level\n  rungs decisions                                   the workbook the calibration meeting fills in\n  rungs outcomes out/decisions/decisions.xlsx       check it and write the record of the decisions\n\nOther ladders: rungs --ladder my-ladder.md check\nFrom a sheet:  rungs import ladder.xlsx -o ladder/ladder.md   (rungs export xlsx writes one)\nLayout work:   rungs layouts init my-layouts; rungs pdf --layouts my-layouts\n\nOne run writes into a folder at a time: a second waits for the first (--no-wait: exit 3).\n\nExit status: 0 ok, 1 problems in the input, 2 wrong command line, 3 could not write output."
)]
pub struct Cli {
    /// Ladder to read: a `.md` file, or a folder holding exactly one.
    #[arg(long, global = true, value_name = "PATH")]
    pub ladder: Option<PathBuf>,

    /// Print only errors and warnings, no summaries or progress.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// When another rungs run is writing into the same output folder, stop at once (exit 3)
    /// instead of waiting for it to finish.
    #[arg(long, global = true)]
    pub no_wait: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the ladder and print a summary, or every problem with where and how to fix it.
    Check(check::Args),
    /// Write a ladder kept in a spreadsheet (.xlsx, .ods, .csv) as rungs Markdown, and check it.
    Import(import::Args),
    /// Export the ladder: JSON (the data contract), a matrix workbook (.xlsx) or a long table (.csv).
    #[command(subcommand)]
    Export(export::Format),
    /// Print the ladder as PDFs: the competency × level matrix and one document per level.
    Pdf(pdf::Args),
    /// Copy the built-in Typst layouts out for editing (`rungs pdf --layouts DIR` uses them).
    #[command(subcommand)]
    Layouts(layouts::Action),
    /// Write one fillable review workbook per person and reviewer from a roster.
    Sheets(sheets::Args),
    /// Import the returned review workbooks, verify each, and write the tally for calibration.
    Tally(tally::Args),
    /// Print the calibration packet from a tally: grid, distribution, people side by side, a
    /// page per person with ratings, evidence and what the next level asks.
    Packet(packet::Args),
    /// Write the workbook the calibration meeting fills in: one row per person, the tally's
    /// facts locked, the proposed and agreed levels, reason and who decided to fill in.
    Decisions(decisions::Args),
    /// Import the returned decisions workbooks, verify each, and write outcomes.csv,
    /// outcomes.json and audit.csv.
    Outcomes(outcomes::Args),
}

/// How this command line spells the settings the library's hints point to.
pub const FLAGS: Flags = Flags {
    ladder: "--ladder",
    output: "-o",
    force: "--force",
    skip_existing: "--skip-existing",
    roster: "--roster",
    instructions: "--instructions",
    name_pattern: "--name-pattern",
    manifest: "--manifest",
    prefer: "--prefer",
    cycle: "--cycle",
    font_path: "--font-path",
    pdf_standard: "--pdf-standard",
    reviews: "--reviews",
    encoding: "--encoding",
    bundle: "--bundle",
    sheet: "--sheet",
    window: "--levels",
};

/// The exit status of a failure.
fn exit_code(kind: ErrorKind) -> ExitCode {
    ExitCode::from(match kind {
        ErrorKind::Input => EXIT_INPUT,
        ErrorKind::Failed => EXIT_FAILURE,
    })
}

/// Runs rungs with the process's arguments: what `src/main.rs` calls.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprint!("{}", report::render_error(&err));
            exit_code(err.kind)
        }
    }
}

/// Runs the parsed command line.
fn run(cli: Cli) -> Result<ExitCode, Error> {
    let _ = EXIT_USAGE;
    NO_WAIT.store(cli.no_wait, Ordering::Relaxed);
    let ladder = cli.ladder.as_deref();
    match cli.command {
        Command::Check(args) => check::run(ladder, cli.quiet, &args),
        Command::Import(args) => import::run(cli.quiet, &args),
        Command::Export(format) => export::run(ladder, cli.quiet, &format),
        Command::Pdf(args) => pdf::run(ladder, cli.quiet, &args),
        Command::Layouts(action) => layouts::run(ladder, cli.quiet, &action),
        Command::Sheets(args) => sheets::run(ladder, cli.quiet, &args),
        Command::Tally(args) => tally::run(ladder, cli.quiet, &args),
        Command::Packet(args) => packet::run(ladder, cli.quiet, &args),
        Command::Decisions(args) => decisions::run(ladder, cli.quiet, &args),
        Command::Outcomes(args) => outcomes::run(ladder, cli.quiet, &args),
    }
}

/// Loads the ladder, or every problem with a closing count.
fn load_ladder_quietly(path: Option<&std::path::Path>) -> Result<crate::ladder::Loaded, Error> {
    crate::ladder::load(path, FLAGS.ladder).map_err(|e| {
        let n = e.errors();
        e.and(Diagnostic::failure(
            "ladder-errors",
            format!("the ladder has {}", count(n, "error", "errors")),
        ))
    })
}

/// Loads the ladder for a command that uses it. Quality warnings are `rungs check`'s business:
/// other commands mention how many there are in one line, so their own output stays readable.
fn load_ladder(path: Option<&std::path::Path>) -> Result<crate::ladder::Loaded, Error> {
    let loaded = load_ladder_quietly(path)?;
    let n = loaded.warnings.len();
    if n > 0 {
        let note = Diagnostic::note(
            "ladder-warnings",
            format!(
                "the ladder has {} quality {}; `rungs check` shows {}",
                n,
                plural(n, "warning", "warnings"),
                plural(n, "it", "them")
            ),
        );
        eprint!("{}", report::render(&note));
    }
    Ok(loaded)
}

/// Prints to stdout; a closed pipe (`rungs export json | head`) is not an error.
fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// A progress bar for a batch of `total` items (`what`: "workbooks", "PDFs"), shown only on a
/// terminal, not with `--quiet`, and only for batches of at least `from`.
fn progress(total: usize, from: usize, quiet: bool, what: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal as _;
    (!quiet && total >= from && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {what}, {{eta}} left"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    })
}

/// Writes one output file atomically. `replace`: an existing file may be replaced (`--force`);
/// otherwise it is kept, since it may hold edits, and nothing is written.
fn write_file(path: &std::path::Path, bytes: &[u8], replace: bool) -> Result<(), Error> {
    use crate::util::atomic::{self, Overwrite};
    let dir = atomic::folder_of(path);
    let name = path.file_name().unwrap_or_default();
    let _lock = claim_output(&dir, &OwnFiles::files(&|n| std::ffi::OsStr::new(n) == name))?;
    let mode = if replace {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    atomic::write(path, bytes, mode).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            output_exists(path)
        } else {
            Error::failed(vec![cannot_write(
                path,
                &e,
                "check that the folder is writable, or write elsewhere with -o",
            )])
        }
    })
}

/// An output file is in the way: nothing was written.
fn output_exists(path: &std::path::Path) -> Error {
    Error::input(vec![
        Diagnostic::failure(
            "output-exists",
            format!("{} already exists; nothing was written", path.display()),
        )
        .with_hint("it may hold edits: pass --force to replace it, or write elsewhere with -o"),
    ])
}

/// The diagnostic for an output file that could not be written.
fn cannot_write(path: &std::path::Path, e: &std::io::Error, hint: &str) -> Diagnostic {
    Diagnostic::failure(
        "write-failed",
        format!("cannot write {}: {e}", path.display()),
    )
    .with_hint(hint)
}

/// A set of files that [`atomic::write_set`](crate::util::atomic::write_set) could not write
/// whole. Before any file was replaced the earlier set stands (`before`: how to fix the
/// cause); after, the files already replaced are named and `set` (what the files are, and
/// where) is said to mix two runs (`after`: how to mend it).
fn set_not_written(
    e: &crate::util::atomic::SetError,
    set: &str,
    before: &str,
    after: &str,
) -> Error {
    let d = if e.replaced.is_empty() {
        cannot_write(&e.file, &e.error, before)
    } else {
        let shown: Vec<String> = e.replaced.iter().map(|p| p.display().to_string()).collect();
        let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
        Diagnostic::failure(
            "write-failed",
            format!(
                "cannot replace {}: {}; {} already replaced, so {set} now mixes two runs",
                e.file.display(),
                e.error,
                crate::util::text::list(&shown),
            ),
        )
        .with_hint(after)
    };
    Error::failed(vec![d])
}

/// `--no-wait`, for [`lock_output`]: set once from the command line.
static NO_WAIT: AtomicBool = AtomicBool::new(false);

/// Takes the lock of the output folder `dir` (created if missing) for as long as the returned
/// guard lives: call it once, before reading anything in the folder that the run will merge or
/// replace, and keep the guard to the end of the run (`let _lock = super::lock_output(dir)?;`
/// — not `let _ =`, which would release it at once). Another run into the same folder waits
/// for this one, or with `--no-wait` stops with exit 3. Where the file system cannot lock,
/// warns once and goes on. Every command that writes into a folder calls it, most through
/// [`claim_output`].
pub(crate) fn lock_output(dir: &Path) -> Result<FolderLock, Error> {
    take_lock(dir).map_err(|d| Error::failed(vec![d]))
}

/// The lock, or the diagnostic of why not.
fn take_lock(dir: &Path) -> Result<FolderLock, Diagnostic> {
    let wait = if NO_WAIT.load(Ordering::Relaxed) {
        Wait::Fail
    } else {
        Wait::Block
    };
    let shown = dir.display();
    let by = |pid: Option<u32>| pid.map_or_else(String::new, |p| format!(" (process {p})"));
    let mut waiting = |pid| {
        let note = Diagnostic::note(
            "waiting",
            format!(
                "{shown} is in use by another rungs run{}; waiting for it to finish",
                by(pid)
            ),
        );
        eprint!("{}", report::render(&note));
    };
    let held = lock::lock(dir, wait, &mut waiting).map_err(|e| match e {
        LockError::Busy(pid) => Diagnostic::failure(
            "output-in-use",
            format!(
                "{shown} is in use by another rungs run{}; nothing was done",
                by(pid)
            ),
        )
        .with_hint("run again when it has finished, or without --no-wait to wait for it"),
        LockError::Io(e) => {
            Diagnostic::failure("output-folder", format!("cannot write into {shown}: {e}"))
                .with_hint("check that the folder is writable, or pick another output folder")
        }
    })?;
    if let Some(e) = held.unlocked() {
        static WARNED: AtomicBool = AtomicBool::new(false);
        if !WARNED.swap(true, Ordering::Relaxed) {
            let w = Diagnostic::warning(
                "no-folder-lock",
                format!("cannot lock the folder ({e}); going on without"),
                Location::File {
                    file: shown.to_string(),
                },
            )
            .with_hint("make sure no other rungs run writes into this folder at the same time: their files could mix");
            eprint!("{}", report::render(&w));
        }
    }
    Ok(held)
}

/// What a command writes into its output folder, for [`claim_output`]: `named` tells a file
/// name it writes, `tree` whether sub-folders hold them too, and `notes` adds a hint for a copy of a
/// given file (what it may hold).
pub(crate) struct OwnFiles<'a> {
    pub tree: bool,
    pub named: &'a dyn Fn(&str) -> bool,
    pub notes: &'a [(&'a str, &'a str)],
}

impl<'a> OwnFiles<'a> {
    /// Files `named`, in the folder itself, with no notes.
    pub fn files(named: &'a dyn Fn(&str) -> bool) -> Self {
        OwnFiles {
            tree: false,
            named,
            notes: &[],
        }
    }
}

/// Takes the output folder `dir` for this run ([`lock_output`]) and, once it holds it, warns
/// about sync-client conflict copies and Office lock files of the run's own files there: the
/// one way a command that writes files into a folder starts writing.
pub(crate) fn claim_output(dir: &Path, what: &OwnFiles<'_>) -> Result<FolderLock, Error> {
    let lock = lock_output(dir)?;
    let found = strays::find(dir, what.tree, what.named);
    report::eprint_all(&strays::diagnostics(dir, &found, what.notes));
    Ok(lock)
}
