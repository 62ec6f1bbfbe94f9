//! `rungs export`: the ladder as data for layouts and other tools (JSON), as a matrix workbook
//! (XLSX) and as a long table (CSV); the last two read back with `rungs import`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::report::{count, plural};
use crate::diag::{Diagnostic, Error};
use crate::table;
use crate::util::epoch;

#[derive(Debug, clap::Subcommand)]
pub enum Format {
    /// The model as JSON (shape documented in docs/json-contract.md); stdout unless `-o`.
    Json {
        /// Write to this file (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The ladder as a matrix workbook: one competency per row, levels as columns, areas as
    /// grouping rows, set up for printing. `rungs import` reads it back, edits included.
    #[command(
        after_help = "Sheets: Ladder (the matrix; a hidden first column holds explicit ids), About (title,\nversion, rating scale, level summaries) and, when an expectation has emphasis, code or links,\na hidden Markdown sheet that keeps them. The creation date is SOURCE_DATE_EPOCH, else 1980-01-01.\n\nExamples:\n  rungs export xlsx -o ladder.xlsx\n  rungs import ladder.xlsx -o ladder/ladder.md --force    after editing it\n\nFull reference: docs/import-export.md"
    )]
    Xlsx {
        /// The workbook to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Replace the file if it exists (edits made to it are lost).
        #[arg(long)]
        force: bool,
    },
    /// The ladder as a long table: one row per expectation (level, area, competency,
    /// expectation); stdout unless `-o`.
    #[command(
        after_help = "Columns: level (`Senior SRE (L3)`), area, competency, expectation; competency_id and\narea_id when the ladder has explicit ids; markdown where an expectation's plain text loses\nsomething (emphasis, code, links). Text that a spreadsheet would run as a formula starts with '.\n\nExamples:\n  rungs export csv > ladder.csv\n  rungs import ladder.csv -o ladder.md\n\nFull reference: docs/import-export.md"
    )]
    Csv {
        /// Write to this file (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(ladder: Option<&Path>, quiet: bool, format: &Format) -> Result<ExitCode, Error> {
    let timestamp = match format {
        Format::Xlsx { .. } => Some(epoch::from_env()?),
        _ => None,
    };
    let loaded = super::load_ladder(ladder)?;
    let l = &loaded.ladder;
    match format {
        Format::Json { output } => {
            let json = l.to_json();
            match output {
                None => super::print_stdout(&json),
                Some(path) => super::write_file(path, json.as_bytes(), true)?,
            }
        }
        Format::Xlsx { output, force } => {
            let exported =
                table::export_xlsx(l, timestamp.unwrap_or(epoch::DEFAULT)).map_err(|e| {
                    Error::failed(vec![Diagnostic::failure(
                        "xlsx",
                        format!("cannot make the workbook: {e}"),
                    )])
                })?;
            super::write_file(output, &exported.bytes, *force)?;
            finish(quiet, output, exported.flattened, l);
        }
        Format::Csv { output, force } => {
            let exported = table::export_csv(l);
            match output {
                None => super::print_stdout(&String::from_utf8_lossy(&exported.bytes)),
                Some(path) => {
                    super::write_file(path, &exported.bytes, *force)?;
                    finish(quiet, path, exported.flattened, l);
                }
            }
            if output.is_none() {
                warn_flattened(exported.flattened);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn finish(quiet: bool, path: &Path, flattened: usize, l: &crate::model::Ladder) {
    warn_flattened(flattened);
    if !quiet {
        super::print_stdout(&format!(
            "wrote {} ({}, {}, {})\n",
            path.display(),
            count(l.levels.len(), "level", "levels"),
            count(l.competencies().count(), "competency", "competencies"),
            count(l.expectation_count(), "expectation", "expectations"),
        ));
    }
}

fn warn_flattened(n: usize) {
    if n > 0 {
        let d = Diagnostic::note(
            "formatting-lost",
            format!(
                "{} {} nested formatting that Markdown cannot write back the same; {} written as plain text",
                count(n, "expectation", "expectations"),
                plural(n, "has", "have"),
                plural(n, "it is", "they are")
            ),
        );
        eprint!("{}", super::report::render(&d));
    }
}
