//! The command line: argument definitions (clap derive; doc comments become `--help`), one
//! module per subcommand that loads its inputs and calls the library, and [`report`], the one
//! place where diagnostics become text. Nothing below this layer prints or names a flag.

mod check;
mod export;
mod layouts;
mod pdf;
pub mod report;
mod sheets;
mod tally;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diag::{Diagnostic, Error, ErrorKind, Flags};
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
    after_help = "A review cycle, start to finish:\n  rungs check                                       validate the ladder, see its summary\n  rungs pdf                                         out/matrix.pdf and one PDF per level\n  rungs sheets --roster team.csv --cycle 2026-H2    one review workbook per person and reviewer\n  rungs tally out/reviews --manifest out/reviews/manifest.json\n                                                    check the returned workbooks, write the tally\n\nOther ladders: rungs --ladder my-ladder.md check\nLayout work:   rungs layouts init my-layouts; rungs pdf --layouts my-layouts\n\nExit status: 0 ok, 1 problems in the input, 2 wrong command line, 3 could not write output."
)]
pub struct Cli {
    /// Ladder to read: a `.md` file, or a folder holding exactly one.
    #[arg(long, global = true, value_name = "PATH")]
    pub ladder: Option<PathBuf>,

    /// Print only errors and warnings, no summaries or progress.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the ladder and print a summary, or every problem with where and how to fix it.
    Check(check::Args),
    /// Export the ladder model (the data contract for layouts and other tools).
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
    let ladder = cli.ladder.as_deref();
    match cli.command {
        Command::Check(args) => check::run(ladder, cli.quiet, &args),
        Command::Export(format) => export::run(ladder, &format),
        Command::Pdf(args) => pdf::run(ladder, cli.quiet, &args),
        Command::Layouts(action) => layouts::run(ladder, cli.quiet, &action),
        Command::Sheets(args) => sheets::run(ladder, cli.quiet, &args),
        Command::Tally(args) => tally::run(ladder, cli.quiet, &args),
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

/// The diagnostic for an output file that could not be written.
fn cannot_write(path: &std::path::Path, e: &std::io::Error, hint: &str) -> Diagnostic {
    Diagnostic::failure(
        "write-failed",
        format!("cannot write {}: {e}", path.display()),
    )
    .with_hint(hint)
}
