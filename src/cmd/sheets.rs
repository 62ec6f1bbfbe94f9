//! `rungs sheets`: one fillable review workbook per roster row (person × reviewer).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rungs::diag::render_all;
use rungs::sheets::{self, Options, instructions::Instructions, names::NamePattern};

use super::Failure;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rungs sheets --roster examples/roster.csv --cycle 2026-H2\n  rungs sheets --roster team.xlsx --cycle 2026-H2 --due 2026-12-01 -o reviews\n  rungs sheets --roster team.csv --cycle 2026-H2 --name-pattern '{{ name }} {{ form_id }}'\n\nExisting workbooks may hold answers: if any file would be replaced, nothing is written\n(--skip-existing writes only the missing ones, --force replaces them).\nOutput is byte-identical for the same input (SOURCE_DATE_EPOCH sets the creation date)."
)]
pub struct Args {
    /// Roster: CSV or XLSX with columns employee id, name, current level, reviewer
    /// (optional: reviewer role, email, team).
    #[arg(long, value_name = "FILE")]
    pub roster: PathBuf,

    /// Name of the review cycle, e.g. `2026-H2`; recorded in every workbook.
    #[arg(long)]
    pub cycle: String,

    /// Date the reviews are due back (YYYY-MM-DD), shown in every workbook.
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,

    /// Folder to write the workbooks and manifest.json into.
    #[arg(long, short, value_name = "DIR", default_value = "out/reviews")]
    pub out: PathBuf,

    /// Where each workbook goes inside the folder (minijinja). Variables: `cycle`, `reviewer`,
    /// `employee_id`, `name`, `level`, `role`, `team`, `form_id`.
    #[arg(long, value_name = "PATTERN", default_value = sheets::names::DEFAULT_PATTERN)]
    pub name_pattern: String,

    /// Instruction template (minijinja) replacing the built-in text of the Instructions sheet.
    #[arg(long, value_name = "FILE")]
    pub instructions: Option<PathBuf>,

    /// Replace existing workbooks (answers already typed into them are lost).
    #[arg(long, conflicts_with = "skip_existing")]
    pub force: bool,

    /// Leave existing workbooks as they are and write only the missing ones (e.g. after
    /// adding people to the roster).
    #[arg(long)]
    pub skip_existing: bool,
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Failure> {
    let cycle = args.cycle.trim();
    if cycle.is_empty() {
        return Err(Failure::Input(
            "error: --cycle is empty\n  = hint: name the review cycle, e.g. --cycle 2026-H2".into(),
        ));
    }
    if let Some(due) = &args.due {
        sheets::check_date(due.trim()).map_err(|e| {
            Failure::Input(format!(
                "error: --due {e}\n  = hint: write the date as YYYY-MM-DD"
            ))
        })?;
    }
    let epoch = sheets::epoch_from_env().map_err(|e| {
        Failure::Input(format!(
            "error: {e}\n  = hint: unset it or give whole seconds"
        ))
    })?;
    let pattern = NamePattern::new(&args.name_pattern).map_err(|e| {
        Failure::Input(format!(
            "error: --name-pattern is not a valid template: {e}\n  = hint: variables are written like {{{{ name }}}}; available: {}",
            sheets::names::PATTERN_VARS
        ))
    })?;
    let instructions = match &args.instructions {
        Some(p) => Instructions::from_file(p).map_err(|d| Failure::Input(d.to_string()))?,
        None => Instructions::builtin(),
    };

    let loaded = super::load_ladder(ladder)?;
    let ladder = &loaded.ladder;
    let roster = sheets::roster::read(&args.roster, ladder).map_err(|diags| {
        let n = diags.iter().filter(|d| d.is_error()).count();
        Failure::Input(format!(
            "{}error: the roster has {n} problem{}; nothing was written",
            render_all(&diags),
            if n == 1 { "" } else { "s" }
        ))
    })?;
    eprint!("{}", render_all(&roster.warnings));

    let opts = Options {
        roster_name: args.roster.display().to_string(),
        out_dir: args.out.clone(),
        cycle: cycle.to_owned(),
        due: args.due.as_ref().map(|d| d.trim().to_owned()),
        pattern,
        instructions,
        force: args.force,
        skip_existing: args.skip_existing,
        epoch,
    };
    let plan = sheets::plan(ladder, roster.reviews, &opts).map_err(failure)?;
    let total = plan.len();
    let skipped = plan.skipped();
    let unchanged = plan.unchanged();
    let bar = (!quiet && total >= 50 && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} workbooks, {eta} left")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    // Two threads per core: each workbook ends in an fsync, and while one thread waits on the
    // disk another keeps the core busy building the next workbook.
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get) * 2;
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let result = sheets::write(ladder, &plan, &opts, threads, &tick);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    result.map_err(failure)?;
    if !quiet {
        print_summary(&plan, &args.out);
        if skipped > 0 {
            let left = skipped + unchanged;
            println!(
                "left {left} existing workbook{} as {} (--skip-existing)",
                plural(left),
                if left == 1 { "it was" } else { "they were" }
            );
        } else if unchanged > 0 {
            println!(
                "kept {unchanged} workbook{} already written by an earlier run (identical)",
                plural(unchanged)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What this run wrote. Gathers counts by reviewer and the few names printed, not the reviews.
fn print_summary(plan: &sheets::Plan, out: &Path) {
    const SHOWN: usize = 20;
    const NAMES: usize = 6;
    let mut people = std::collections::HashSet::new();
    let mut by_reviewer: BTreeMap<&str, usize> = BTreeMap::new();
    for r in plan.to_write() {
        people.insert(r.employee_id);
        *by_reviewer.entry(r.reviewer).or_default() += 1;
    }
    let written: usize = by_reviewer.values().sum();
    let people = people.len();
    // The first few reviews (in roster order) of the reviewers shown.
    let mut first: BTreeMap<&str, Vec<sheets::roster::Review>> = by_reviewer
        .keys()
        .take(SHOWN)
        .map(|&k| (k, Vec::new()))
        .collect();
    for r in plan.to_write() {
        if let Some(list) = first.get_mut(r.reviewer).filter(|l| l.len() < NAMES) {
            list.push(r);
        }
    }
    println!(
        "wrote {written} review workbook{} for {people} {} ({} reviewer{}) to {}",
        plural(written),
        if people == 1 { "person" } else { "people" },
        by_reviewer.len(),
        plural(by_reviewer.len()),
        out.display()
    );
    for (reviewer, shown) in &first {
        let n = by_reviewer.get(reviewer).copied().unwrap_or(0);
        let mut names: Vec<String> = shown
            .iter()
            .map(|r| format!("{} (as {})", r.name, r.role.as_str()))
            .collect();
        if n > NAMES {
            names.push(format!("and {} more", n - NAMES));
        }
        println!("  {reviewer} reviews {}", names.join(", "));
    }
    if by_reviewer.len() > SHOWN {
        println!("  … and {} more reviewers", by_reviewer.len() - SHOWN);
    }
    println!(
        "manifest: {}",
        out.join(sheets::contract::MANIFEST_FILE).display()
    );
    println!(
        "next: send each reviewer their workbooks; collect the filled-in files for `rungs tally`"
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn failure(e: sheets::Error) -> Failure {
    match e {
        sheets::Error::Input(diags) => {
            Failure::Input(format!("{}error: nothing was written", render_all(&diags)))
        }
        sheets::Error::Exists(paths) => {
            const SHOWN: usize = 10;
            let mut msg = format!(
                "error: {} workbook{} already exist{}; nothing was written\n",
                paths.len(),
                plural(paths.len()),
                if paths.len() == 1 { "s" } else { "" }
            );
            for p in paths.iter().take(SHOWN) {
                let _ = writeln!(msg, "  {}", p.display());
            }
            if paths.len() > SHOWN {
                let _ = writeln!(msg, "  … and {} more", paths.len() - SHOWN);
            }
            msg.push_str("  = hint: they may already hold answers: pass --skip-existing to write only the missing ones, write to another folder with -o, or pass --force to replace them (their answers are lost)");
            Failure::Input(msg)
        }
        sheets::Error::Write(failed) => {
            let mut msg = format!(
                "error: {} file{} could not be written (the others were, and are listed in the manifest)\n",
                failed.len(),
                plural(failed.len())
            );
            for (p, e) in &failed {
                let _ = writeln!(msg, "  {}: {e}", p.display());
            }
            msg.push_str("  = hint: check free space and permissions of the output folder, then run again (add --force only if no workbook holds answers yet)");
            Failure::Failed(msg)
        }
    }
}
