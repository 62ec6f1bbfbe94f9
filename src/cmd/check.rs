//! `rungs check`: validate the ladder and summarise it.

use std::path::Path;
use std::process::ExitCode;

use super::Failure;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Errors (exit 1) point at file:line:col with the line, a caret and a hint.\nWarnings (exit 0 unless --deny-warnings) flag competencies missing at some level, levels that\nrepeat the level below, and competencies listed in a different order across levels."
)]
pub struct Args {
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Failure> {
    let loaded = rungs::ladder::load(ladder)?;
    eprint!("{}", rungs::diag::render_all(&loaded.warnings));
    let l = &loaded.ladder;
    if !quiet {
        let comps = l.competencies().count();
        println!("{} — {} ({})", l.meta.title, loaded.origin, l.meta.version);
        println!(
            "  levels:       {} ({})",
            l.levels.len(),
            l.levels
                .iter()
                .map(|v| v.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("  areas:        {}", l.areas.len());
        println!("  competencies: {comps}");
        println!("  expectations: {}", l.expectation_count());
        println!("  rating:       {}", l.rating.labels().join(" / "));
        println!("  fingerprint:  {}", l.meta.fingerprint);
        let n = loaded.warnings.len();
        println!(
            "ok: no errors, {n} warning{}",
            if n == 1 { "" } else { "s" }
        );
    }
    if args.deny_warnings && !loaded.warnings.is_empty() {
        return Err(Failure::Input(format!(
            "error: {} warning(s) and --deny-warnings was given",
            loaded.warnings.len()
        )));
    }
    Ok(ExitCode::SUCCESS)
}
