//! `rungs import`: a ladder kept in a spreadsheet, written as rungs Markdown and checked as
//! `rungs check` checks a ladder.

use std::path::PathBuf;
use std::process::ExitCode;

use super::report::eprint_all;
use crate::diag::{Diagnostic, Error};
use crate::table;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "What it reads:\n  a matrix      a row (or column) of level labels such as `Senior SRE (L3)`, `L3 Senior SRE`,\n                `IC3` or `Level 3`; one row (or column) per competency, each cell holding\n                that level's expectations; areas in a column of their own or as rows of their\n                own (a merged cell, or a row with only its first cell filled)\n  a long table  columns titled level, area (optional), competency and expectation\nA cell holding several expectations is split on line breaks and on leading •, -, *, – or 1.\nmarkers. Every cell that cannot be placed is reported at once; nothing is written then.\n\nExamples:\n  rungs import ladder.xlsx -o ladder/ladder.md     then `rungs check`, `rungs pdf` read it\n  rungs import levels.ods --sheet Matrix -o ladder.md\n  rungs import long.csv --title \"Platform ladder\" -o ladder.md\n  rungs export xlsx -o ladder.xlsx; (edit it); rungs import ladder.xlsx -o ladder.md --force\n\nFull reference: docs/import-export.md"
)]
pub struct Args {
    /// The spreadsheet holding the ladder: .xlsx, .ods or .csv (UTF-8; `,`, `;` or tab separated).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The Markdown file to write (`-` for standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// The sheet holding the ladder, when the workbook has several.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// The ladder's title (default: the text above the table, else the file's name).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,

    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(quiet: bool, args: &Args) -> Result<ExitCode, Error> {
    let to_stdout = args.output.as_os_str() == "-";
    if !to_stdout && !args.force && args.output.exists() {
        return Err(super::output_exists(&args.output));
    }
    let opts = table::Options {
        sheet: args.sheet.as_deref(),
        title: args.title.as_deref(),
        flags: &super::FLAGS,
    };
    let imported = table::import(&args.file, &opts)?;
    eprint_all(&imported.warnings);
    let shown = if to_stdout {
        "<stdout>".to_owned()
    } else {
        args.output.display().to_string()
    };
    // The checks of `rungs check`, on the text about to be written.
    let loaded =
        crate::ladder::load_str(&shown, imported.markdown.as_bytes(), &shown).map_err(|e| {
            e.and(
                Diagnostic::failure(
                    "import-check",
                    "the imported ladder does not pass the ladder checks; nothing was written",
                )
                .with_hint("this is a bug in rungs import: please report it with the spreadsheet"),
            )
        })?;
    if to_stdout {
        super::print_stdout(&imported.markdown);
    } else {
        super::write_file(&args.output, imported.markdown.as_bytes(), args.force)?;
    }
    eprint_all(&loaded.warnings);
    if !quiet {
        let head = format!(
            "imported {} ({}) into {shown}\n",
            args.file.display(),
            imported.shape
        );
        let text = head + &super::check::summary(&loaded);
        if to_stdout {
            eprint!("{text}");
        } else {
            super::print_stdout(&text);
        }
    }
    Ok(ExitCode::SUCCESS)
}
