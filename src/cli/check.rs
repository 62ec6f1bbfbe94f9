//! `rungs check`: validate the ladder and summarise it.

use std::path::Path;
use std::process::ExitCode;

use super::report::{count, eprint_all};
use crate::diag::{Diagnostic, Error};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Errors (exit 1) point at file:line:col with the line, a caret and a hint.\nWarnings (exit 0 unless --deny-warnings) flag competencies missing at some level, levels that\nrepeat the level below, and competencies listed in a different order across levels."
)]
pub struct Args {
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Error> {
    let loaded = super::load_ladder_quietly(ladder)?;
    eprint_all(&loaded.warnings);
    if !quiet {
        super::print_stdout(&summary(&loaded));
    }
    let n = loaded.warnings.len();
    if args.deny_warnings && n > 0 {
        return Err(Error::input(vec![Diagnostic::failure(
            "deny-warnings",
            format!(
                "{} and --deny-warnings was given",
                count(n, "warning", "warnings")
            ),
        )]));
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary `rungs check` prints for a ladder that loaded: title, origin, version, counts,
/// rating scale, fingerprint, and the closing `ok:` line.
pub(super) fn summary(loaded: &crate::ladder::Loaded) -> String {
    let l = &loaded.ladder;
    let codes: Vec<&str> = l.levels.iter().map(|v| v.code.as_str()).collect();
    format!(
        "{} — {} ({})\n  levels:       {} ({})\n  areas:        {}\n  competencies: {}\n  expectations: {}\n  rating:       {}\n  fingerprint:  {}\nok: no errors, {}\n",
        l.meta.title,
        loaded.origin,
        l.meta.version,
        l.levels.len(),
        codes.join(", "),
        l.areas.len(),
        l.competencies().count(),
        l.expectation_count(),
        l.rating.labels().join(" / "),
        l.meta.fingerprint,
        count(loaded.warnings.len(), "warning", "warnings"),
    )
}
