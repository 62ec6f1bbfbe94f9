//! `rungs outcomes`: import the returned decisions workbooks and write the record of the
//! meeting.

use std::fmt::Write as _;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::report::eprint_all;
use super::{FLAGS, sets};
use crate::decisions::outcomes::{self, OUTPUT_FILES, Outcomes};
use crate::decisions::read::Context;
use crate::diag::Error;
use crate::tally::read;
use crate::util::atomic::{self, Fill};
use crate::util::text::count;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each workbook is checked before it is parsed (as review workbooks are), must come from \
the tally given (its SHA-256) and the ladder, and is read row by row by employee id: edited \
locked cells, deleted, added or duplicated rows, formulas in the filled-in cells and levels that \
are not on the ladder are errors, each at its cell, all at once, and nothing is written. A \
blank agreed level is listed as undecided, never guessed.\n\n\
Several workbooks that split the people (made with --level or --team) merge. Two versions of \
the same workbook that differ, or a person decided differently in two workbooks, are a conflict \
unless --prefer names the file that wins.\n\n\
Examples:\n  rungs outcomes out/decisions/decisions.xlsx\n  rungs outcomes l3/decisions.xlsx l4/decisions.xlsx      two meetings, one record\n  rungs outcomes a.xlsx b.xlsx --prefer b.xlsx           b.xlsx wins where they differ\n  rungs outcomes decisions.xlsx --tally 2026-H2/tally    the tally the workbook was made from\n  rungs outcomes --check-outputs -o out/outcomes         do the three files come from one run?\n\n\
Outputs (byte-identical for the same files in any order):\n  outcomes.csv   one row per person: levels, change, reason, who decided, the file and cell\n  outcomes.json  the same for other tools, with the ladder, tally and workbooks\n  audit.csv      every person agreed at another level than suggested, every undecided row\n\
All three carry one run digest and replace the earlier three only once all are written.\n\n\
Exit status: 0 written; 1 a workbook was refused or decisions conflict (nothing written); 3 an \
output could not be written, or another run writes into the folder (--no-wait).\n\
With --check-outputs: 0 the three files come from one run, 1 they do not or are missing."
)]
pub struct Args {
    /// The returned decisions workbooks.
    #[arg(value_name = "FILE", required_unless_present = "check_outputs")]
    pub files: Vec<PathBuf>,

    /// The tally the workbooks were made from: the folder `rungs tally` wrote, or its tally.json.
    #[arg(long, value_name = "TALLY", default_value = "out/tally")]
    pub tally: PathBuf,

    /// Folder to write outcomes.csv, outcomes.json and audit.csv into.
    #[arg(short, long, value_name = "DIR", default_value = "out/outcomes")]
    pub output: PathBuf,

    /// Where two workbooks disagree, this file's decisions win (repeatable).
    #[arg(long, value_name = "FILE")]
    pub prefer: Vec<PathBuf>,

    /// Read nothing else and write nothing: check that outcomes.csv, audit.csv and
    /// outcomes.json in the output folder (-o) come from one run (exit 0), or say which do not
    /// (exit 1).
    #[arg(long, conflicts_with_all = ["files", "tally", "prefer"])]
    pub check_outputs: bool,
}

/// The outcomes' files as a set.
const KIND: sets::Kind = sets::Kind {
    words: &outcomes::WORDING,
    read: &outcomes::read_set,
};

/// The outcomes' own files, whose conflict copies and Office lock files the folder may hold.
fn is_outcomes_file(name: &str) -> bool {
    OUTPUT_FILES.contains(&name)
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Error> {
    let own = super::OwnFiles::files(&is_outcomes_file);
    if args.check_outputs {
        return sets::check(&args.output, &own, &KIND, quiet);
    }
    let loaded = super::load_ladder(ladder)?;
    let ladder = &loaded.ladder;
    let (tally, digest) = read::read_with_digest(&args.tally, ladder, &FLAGS)?;
    let ctx = Context::new(ladder, &tally, &digest, &FLAGS);
    let mut files: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    files.sort();
    files.dedup();
    let opts = outcomes::Options {
        prefer: args.prefer.clone(),
        flags: FLAGS,
    };
    let out = outcomes::import(&ctx, &files, &opts)?;
    eprint_all(&out.warnings);
    let run = outcomes::run_digest(ladder, &digest, &out, &opts);
    let rec = outcomes::Record {
        ladder,
        tally: &tally,
        tally_sha256: &digest,
        out: &out,
        digest: &run,
    };
    // A set an earlier run left mixed is reported; this run replaces it whole.
    let _lock = sets::claim(&args.output, &own, Some(&KIND))?;
    let [csv_name, audit_name, json_name] = OUTPUT_FILES;
    let files: Vec<(PathBuf, Fill<'_>)> = vec![
        (
            args.output.join(csv_name),
            Box::new(|f| outcomes::csv(BufWriter::new(f), &rec)),
        ),
        (
            args.output.join(audit_name),
            Box::new(|f| outcomes::audit(BufWriter::new(f), &rec)),
        ),
        (
            args.output.join(json_name),
            Box::new(|f| outcomes::json(BufWriter::new(f), &rec)),
        ),
    ];
    let written: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    atomic::write_set(files).map_err(|e| {
        super::set_not_written(
            &e,
            &format!("the set of outcomes in {}", args.output.display()),
            "check that the folder is writable and has space; the earlier outcomes, if any, are as they were",
            "fix the cause and run `rungs outcomes` again: it writes all three anew",
        )
    })?;
    if !quiet {
        super::print_stdout(&summary(&out, &written));
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(out: &Outcomes, written: &[PathBuf]) -> String {
    let mut s = String::new();
    let decided = out.people.iter().filter(|o| o.decision.decided()).count();
    let _ = writeln!(
        s,
        "{} decided, {} undecided, from {}",
        count(decided, "person", "people"),
        out.people.len() - decided,
        count(out.sources.len(), "workbook", "workbooks")
    );
    for (left, kept) in &out.duplicates {
        let _ = writeln!(s, "  {left}: the same as {kept}, counted once");
    }
    for (left, kept) in &out.overridden {
        let _ = writeln!(s, "  {left}: left out, --prefer picked {kept}");
    }
    if out.uncovered > 0 {
        let _ = writeln!(
            s,
            "  {} of the tally in none of these workbooks",
            count(out.uncovered, "person", "people")
        );
    }
    for w in written {
        let _ = writeln!(s, "wrote {}", w.display());
    }
    s
}
