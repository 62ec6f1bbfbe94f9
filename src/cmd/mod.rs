//! Argument definitions (clap derive; doc comments become `--help`) and dispatch to subcommands.

mod check;
mod export;
mod layouts;
mod pdf;
mod sheets;
mod tally;

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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

/// A failure that ends the command, with the exit status it maps to.
#[derive(Debug)]
pub enum Failure {
    /// Problems in the user's input; already explained in the message.
    Input(String),
    /// Output could not be written, or another operational failure.
    Failed(String),
}

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Input(_) => ExitCode::from(EXIT_INPUT),
            Self::Failed(_) => ExitCode::from(EXIT_FAILURE),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Input(m) | Self::Failed(m) => f.write_str(m.trim_end()),
        }
    }
}

impl From<rungs::ladder::LoadError> for Failure {
    fn from(e: rungs::ladder::LoadError) -> Self {
        Self::Input(e.to_string())
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let _ = EXIT_USAGE;
    match cli.command {
        Command::Check(args) => check::run(cli.ladder.as_deref(), cli.quiet, &args),
        Command::Export(format) => export::run(cli.ladder.as_deref(), &format),
        Command::Pdf(args) => pdf::run(cli.ladder.as_deref(), cli.quiet, &args),
        Command::Layouts(action) => layouts::run(cli.ladder.as_deref(), cli.quiet, &action),
        Command::Sheets(args) => sheets::run(cli.ladder.as_deref(), cli.quiet, &args),
        Command::Tally(args) => tally::run(cli.ladder.as_deref(), cli.quiet, &args),
    }
}

/// Loads the ladder for a command that uses it. Quality warnings are `rungs check`'s business:
/// other commands mention how many there are in one line, so their own output stays readable.
pub fn load_ladder(path: Option<&std::path::Path>) -> Result<rungs::ladder::Loaded, Failure> {
    let loaded = rungs::ladder::load(path)?;
    let n = loaded.warnings.len();
    if n > 0 {
        eprintln!(
            "note: the ladder has {n} quality warning{}; `rungs check` shows {}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        );
    }
    Ok(loaded)
}

/// Prints to stdout; a closed pipe (`rungs export json | head`) is not an error.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
