//! `rungs tally`: import the returned review workbooks, verify each, write the tally.

use std::fmt::Write as _;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::FLAGS;
use super::report::{count, eprint_all};
use super::sets;
use crate::diag::{Diagnostic, Error};
use crate::model::Ladder;
use crate::tally::discover::{Found, discover};
use crate::tally::output::set::{self, run_digest};
use crate::tally::{self, Import, consensus, history, import, output};
use crate::util::atomic::{self, Fill};
use crate::util::epoch;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rungs tally returned/\n      tally every workbook under returned/ into out/tally/\n  rungs tally returned/ --manifest out/reviews/manifest.json\n      also list the reviews not returned; check locked text against what was sent\n  rungs tally a.xlsx b.xlsx --prefer b.xlsx\n      b.xlsx wins where both files answer the same review differently\n  rungs tally returned/ --skip-invalid\n      tally what is valid and list what was left out\n  rungs tally returned/ --previous 2026-H1/outcomes/outcomes.json\n      add last cycle's levels and consensus, and the change (a History sheet)\n\nEvery file is checked before it is parsed (format, size, zip bombs, crafted XML), then\nidentified by its form id, checked against the ladder (fingerprint, locked text, rows found\nby their hidden competency id) and its ratings read as typed values (never formula results).\nBlank ratings make a review incomplete; they never count as zero.\n\nThe suggested level follows a fixed rule, printed at the top of tally.xlsx:\n  consensus per competency = median of the ratings by others (manager, peers), the lower\n  middle value for an even count; the self-rating only when nobody else rated it;\n  suggested level = the highest level that at least 80 % of the competencies with a consensus\n  reach (at least half of them need one).\n\nOutputs (byte-identical for the same inputs in any order):\n  tally.xlsx  people, ratings, distribution, disagreement, self vs manager, leniency, problems\n  tally.csv   one row per rating, safe to open in any spreadsheet\n  tally.json  the same data for other tools\nAll three carry one run digest and replace the earlier three only once all are written;\n`rungs tally --check-outputs -o DIR` checks that the three in DIR come from one run.\n\nExit status: 0 tally written (with --skip-invalid, also when files were left out; they are\nlisted); 1 a file was rejected or two returns of one review conflict, and nothing was\nwritten; 3 output could not be written, or another run writes into the folder (--no-wait).\nWith --check-outputs: 0 the three files come from one run, 1 they do not or are missing."
)]
pub struct Args {
    /// Returned workbooks, or folders holding them (searched recursively; lock files such as
    /// `~$x.xlsx` and `.~lock.x.xlsx#` are skipped).
    #[arg(value_name = "INPUTS", required_unless_present = "check_outputs")]
    pub inputs: Vec<PathBuf>,

    /// The manifest.json `rungs sheets` wrote: lists reviews sent but not returned, and checks
    /// each workbook's locked text against what was sent.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// Folder to write tally.xlsx, tally.csv and tally.json into.
    #[arg(long, short, value_name = "DIR", default_value = "out/tally")]
    pub out: PathBuf,

    /// When one review was returned twice with different answers, count this file's version.
    #[arg(long, value_name = "FILE")]
    pub prefer: Vec<PathBuf>,

    /// Tally the valid workbooks even if others are rejected; the rejected ones are listed.
    #[arg(long)]
    pub skip_invalid: bool,

    /// Accept only reviews of this cycle (needed when the inputs mix cycles).
    #[arg(long)]
    pub cycle: Option<String>,

    /// Last cycle's tally.json or outcomes.json (or the folder holding it): adds last cycle's
    /// consensus per competency and level per person, and the change, matched by employee id
    /// and competency id (tally.xlsx gets a History sheet).
    #[arg(long, value_name = "PATH")]
    pub previous: Option<PathBuf>,

    /// Read nothing else and write nothing: check that tally.xlsx, tally.csv and tally.json in
    /// the output folder (-o) come from one run (exit 0), or say which do not (exit 1).
    #[arg(long, conflicts_with_all = ["inputs", "manifest", "prefer", "skip_invalid", "cycle", "previous"])]
    pub check_outputs: bool,
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Error> {
    let own = super::OwnFiles::files(&is_tally_file);
    if args.check_outputs {
        return sets::check(&args.out, &own, &KIND, quiet);
    }
    let epoch = epoch::from_env()?;
    let loaded = super::load_ladder(ladder)?;
    let ladder = &loaded.ladder;
    let opts = tally::Options {
        prefer: args.prefer.clone(),
        cycle: args.cycle.as_ref().map(|c| c.trim().to_owned()),
        flags: FLAGS,
    };
    let manifest = match &args.manifest {
        Some(p) => Some(import::load_manifest(p, &opts)?),
        None => None,
    };
    let previous = match &args.previous {
        Some(p) => Some(history::load(p)?),
        None => None,
    };
    let found = discover(&args.inputs, Some(&args.out));
    if !found.missing.is_empty() {
        return Err(Error::input(found.missing));
    }
    // From here to the end of the run, this is the only run writing into the folder.
    // A set an earlier run left mixed is reported; this run replaces it whole.
    let _lock = sets::claim(&args.out, &own, Some(&KIND))?;
    let import = import::import(ladder, manifest.as_ref(), &found.files, &opts).map_err(|e| {
        Error::failed(vec![Diagnostic::failure(
            "evidence-store",
            format!("cannot set the evidence texts aside in a temporary file: {e}"),
        )
        .with_hint(format!(
            "check that the temporary folder ({}) is writable and has space, or set TMPDIR to one that is",
            std::env::temp_dir().display()
        ))])
    })?;
    // The import took what it needs from the manifest (locked-text hashes, reviews not
    // returned); the tally needs only a count per person, and the rest can be large.
    let expected = manifest.as_ref().map(consensus::Expected::from_manifest);
    let digest = run_digest(
        ladder,
        manifest.as_ref(),
        &import,
        epoch,
        &FLAGS,
        previous.as_ref(),
    );
    drop(manifest);

    // Problems first, all of them.
    for (_, diags) in &import.rejected {
        eprint_all(diags);
    }
    eprint_all(&import.conflicts);
    eprint_all(&import.warnings);
    refuse(&import, &found, args)?;

    let t = consensus::compute(ladder, &import, expected.as_ref(), previous.as_ref());
    let written = write_outputs(&args.out, ladder, &import, &t, epoch, &digest)?;
    if !quiet {
        super::print_stdout(&summary(&found, &import, &t, &written));
    }
    // With --skip-invalid the user chose a partial tally; what was left out is listed above.
    Ok(ExitCode::SUCCESS)
}

/// Stops before the tally when the import cannot be tallied as asked.
fn refuse(import: &Import, found: &Found, args: &Args) -> Result<(), Error> {
    if !import.mixed_cycles.is_empty() {
        return Err(Diagnostic::failure(
            "mixed-cycles",
            format!(
                "the reviews come from {} cycles ({}); a tally covers one",
                import.mixed_cycles.len(),
                import.mixed_cycles.join(", ")
            ),
        )
        .with_hint(format!(
            "pick one with --cycle {}",
            import.mixed_cycles.last().map_or("", String::as_str)
        ))
        .into());
    }
    let (rejected, conflicts) = (import.rejected.len(), import.conflicts.len());
    if rejected + conflicts > 0 && !args.skip_invalid {
        let files = rejected - import.rejected_sheets;
        let what = match (files, import.rejected_sheets) {
            (_, 0) => count(files, "file", "files"),
            (0, sheets) => count(sheets, "review sheet", "review sheets"),
            (_, sheets) => format!(
                "{} and {}",
                count(files, "file", "files"),
                count(sheets, "review sheet", "review sheets")
            ),
        };
        return Err(Diagnostic::failure(
            "not-tallied",
            format!(
                "{what} rejected and {}; no tally was written",
                count(conflicts, "conflict", "conflicts")
            ),
        )
        .with_hint("fix the files above, or pass --skip-invalid to tally the rest")
        .into());
    }
    if import.reviews.is_empty() {
        return Err(Diagnostic::failure(
            "nothing-to-tally",
            format!(
                "no valid review workbook found in {}; nothing to tally",
                count(found.files.len(), "file", "files")
            ),
        )
        .with_hint("pass the folder the returned .xlsx workbooks are in")
        .into());
    }
    Ok(())
}

/// Writes the three outputs as one set: each to a temporary file, one at a time as it is
/// produced (memory holds none of them whole), then all renamed into place, `tally.json` last.
fn write_outputs(
    out: &Path,
    ladder: &Ladder,
    import: &Import,
    t: &consensus::Tally,
    epoch: i64,
    digest: &str,
) -> Result<Vec<PathBuf>, Error> {
    let [xlsx_name, csv_name, json_name] = output::OUTPUT_FILES;
    let files: Vec<(PathBuf, Fill<'_>)> = vec![
        (
            out.join(xlsx_name),
            Box::new(|f| {
                output::xlsx(BufWriter::new(f), ladder, import, t, epoch, &FLAGS, digest)
                    .map_err(io::Error::other)
            }),
        ),
        (
            out.join(csv_name),
            Box::new(|f| {
                output::csv(BufWriter::new(f), ladder, import, digest).map_err(io::Error::other)
            }),
        ),
        (
            out.join(json_name),
            Box::new(|f| output::json(BufWriter::new(f), ladder, import, t, &FLAGS, digest)),
        ),
    ];
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    atomic::write_set(files).map_err(|e| {
        super::set_not_written(
            &e,
            &format!("the tally in {}", out.display()),
            &format!(
                "check that the folder and the temporary folder ({}, where tally.xlsx's long sheets are staged) are writable and have space; the earlier tally, if any, is as it was",
                std::env::temp_dir().display()
            ),
            "fix the cause and run the tally again: it writes all three anew",
        )
    })?;
    Ok(paths)
}

/// The tally's own files, whose conflict copies and Office lock files its folder may hold.
fn is_tally_file(name: &str) -> bool {
    output::OUTPUT_FILES.contains(&name)
}

/// The tally's files as a set.
const KIND: sets::Kind = sets::Kind {
    words: &set::WORDING,
    read: &set::read,
};

/// People listed in the summary: the workbook has everyone, the terminal the first screenful.
const SHOWN: usize = 30;

fn summary(found: &Found, import: &Import, t: &consensus::Tally, written: &[PathBuf]) -> String {
    let mut out = String::new();
    let complete = t
        .people
        .iter()
        .flat_map(|p| &p.reviews)
        .filter(|r| r.complete)
        .count();
    let reviews = import.reviews.len();
    let _ = writeln!(
        out,
        "tallied {} of {} ({complete} complete, {} incomplete) from {}",
        count(reviews, "review", "reviews"),
        count(t.people.len(), "person", "people"),
        reviews - complete,
        count(found.files.len(), "file", "files")
    );
    left_out(&mut out, found, import);
    for p in t.people.iter().take(SHOWN) {
        let sugg = match (&p.suggested_level, p.gap) {
            (Some(l), Some(g)) => format!("suggested {l} ({g:+})"),
            _ if p.reviews.is_empty() => "no reviews returned".to_owned(),
            _ => "no suggestion".to_owned(),
        };
        let _ = writeln!(out, "  {:<24} {:<4} → {sugg}", p.name, p.current_level);
    }
    if t.people.len() > SHOWN {
        let _ = writeln!(
            out,
            "  … and {} more people (see tally.xlsx)",
            t.people.len() - SHOWN
        );
    }
    for w in written {
        let _ = writeln!(out, "wrote {}", w.display());
    }
    out
}

/// The files not counted, and the reviews not returned.
fn left_out(out: &mut String, found: &Found, import: &Import) {
    // (count, noun, its plural, what happened to them); listed when there are any.
    let counted = |n: usize, one: &str, many: &str, what: &str| {
        (n > 0).then(|| format!("  {} {what}\n", count(n, one, many)))
    };
    out.extend(counted(
        import.duplicate_files.len(),
        "duplicate file",
        "duplicate files",
        "counted once",
    ));
    out.extend(counted(
        import.overridden.len(),
        "file",
        "files",
        "left out by --prefer",
    ));
    if !import.rejected.is_empty() {
        let _ = writeln!(out, "  left out (--skip-invalid):");
        for (f, d) in &import.rejected {
            let _ = writeln!(
                out,
                "    {f}: {}",
                d.first().map_or("", |d| d.message.as_str())
            );
        }
    }
    out.extend(counted(
        found.lock_files.len(),
        "Office lock file",
        "Office lock files",
        "skipped",
    ));
    out.extend(counted(
        found.ignored.len(),
        "other file",
        "other files",
        "ignored (not spreadsheets)",
    ));
    if !import.not_returned.is_empty() {
        // A rejected file may hold one of these reviews: it has no valid return either way.
        let what = if import.rejected.is_empty() {
            "not returned"
        } else {
            "not returned, or rejected"
        };
        let _ = writeln!(out, "  {what} ({}):", import.not_returned.len());
        for e in &import.not_returned {
            let p = &e.provenance;
            let _ = writeln!(
                out,
                "    {} ({}) reviewed by {} ({})",
                p.person_name,
                p.employee_id,
                p.reviewer,
                p.reviewer_role.as_str()
            );
        }
    }
}
