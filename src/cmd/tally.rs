//! `rungs tally`: import the returned review workbooks, verify each, write the tally.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rungs::atomic::{self, Overwrite};
use rungs::diag::render_all;
use rungs::tally::{self, consensus, output};

use super::Failure;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rungs tally returned/\n      tally every workbook under returned/ into out/tally/\n  rungs tally returned/ --manifest out/reviews/manifest.json\n      also list the reviews not returned; check locked text against what was sent\n  rungs tally a.xlsx b.xlsx --prefer b.xlsx\n      b.xlsx wins where both files answer the same review differently\n  rungs tally returned/ --skip-invalid\n      tally what is valid and list what was left out\n\nEvery file is checked before it is parsed (format, size, zip bombs, crafted XML), then\nidentified by its form id, checked against the ladder (fingerprint, locked text, rows found\nby their hidden competency id) and its ratings read as typed values (never formula results).\nBlank ratings make a review incomplete; they never count as zero.\n\nThe suggested level follows a fixed rule, printed at the top of tally.xlsx:\n  consensus per competency = median of the ratings by others (manager, peers), the lower\n  middle value for an even count; the self-rating only when nobody else rated it;\n  suggested level = the highest level that at least 80 % of the competencies with a consensus\n  reach (at least half of them need one).\n\nOutputs (written atomically, byte-identical for the same inputs in any order):\n  tally.xlsx  people, ratings, distribution, disagreement, self vs manager, leniency, problems\n  tally.csv   one row per rating, safe to open in any spreadsheet\n  tally.json  the same data for other tools\n\nExit status: 0 tally written (with --skip-invalid, also when files were left out; they are\nlisted); 1 a file was rejected or two returns of one review conflict, and nothing was\nwritten; 3 output could not be written."
)]
pub struct Args {
    /// Returned workbooks, or folders holding them (searched recursively; lock files such as
    /// `~$x.xlsx` and `.~lock.x.xlsx#` are skipped).
    #[arg(value_name = "INPUTS", required = true)]
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
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Failure> {
    let epoch = rungs::sheets::epoch_from_env().map_err(|e| {
        Failure::Input(format!(
            "error: {e}\n  = hint: unset it or give whole seconds"
        ))
    })?;
    let loaded = super::load_ladder(ladder)?;
    let ladder = &loaded.ladder;
    let manifest = match &args.manifest {
        Some(p) => Some(tally::load_manifest(p).map_err(|d| Failure::Input(d.to_string()))?),
        None => None,
    };
    let found = tally::discover(&args.inputs, Some(&args.out));
    if !found.missing.is_empty() {
        return Err(Failure::Input(render_all(&found.missing)));
    }
    let opts = tally::Options {
        inputs: args.inputs.clone(),
        prefer: args.prefer.clone(),
        cycle: args.cycle.as_ref().map(|c| c.trim().to_owned()),
    };
    let import = tally::import(ladder, manifest.as_ref(), &found.files, &opts).map_err(|e| {
        Failure::Failed(format!(
            "error: cannot set the evidence texts aside in a temporary file: {e}\n  = hint: check that the temporary folder ({}) is writable and has space, or set TMPDIR to one that is",
            std::env::temp_dir().display()
        ))
    })?;
    // The import took what it needs from the manifest (locked-text hashes, reviews not
    // returned); the tally needs only a count per person. At 10,000 reviews the rest is
    // megabytes, so it goes before the tally is built.
    let expected = manifest.as_ref().map(consensus::Expected::from_manifest);
    drop(manifest);

    // Problems first, all of them.
    for (_, diags) in &import.rejected {
        eprint!("{}", render_all(diags));
    }
    eprint!("{}", render_all(&import.conflicts));
    eprint!("{}", render_all(&import.warnings));

    if !import.mixed_cycles.is_empty() {
        return Err(Failure::Input(format!(
            "error: the reviews come from {} cycles ({}); a tally covers one\n  = hint: pick one with --cycle {}",
            import.mixed_cycles.len(),
            import.mixed_cycles.join(", "),
            import.mixed_cycles.last().map_or("", String::as_str)
        )));
    }
    let bad = import.rejected.len() + import.conflicts.len();
    if bad > 0 && !args.skip_invalid {
        return Err(Failure::Input(format!(
            "error: {} file{} rejected and {} conflict{}; no tally was written\n  = hint: fix the files above, or pass --skip-invalid to tally the rest",
            import.rejected.len(),
            plural(import.rejected.len()),
            import.conflicts.len(),
            plural(import.conflicts.len())
        )));
    }
    if import.reviews.is_empty() {
        return Err(Failure::Input(format!(
            "error: no valid review workbook found in {} file{}; nothing to tally\n  = hint: pass the folder the returned .xlsx workbooks are in",
            found.files.len(),
            plural(found.files.len())
        )));
    }

    let t = consensus::compute(ladder, &import.reviews, expected.as_ref());
    // One output at a time, each written to its file as it is produced: memory holds none of
    // them whole, however many reviews there are.
    let [xlsx_name, csv_name, json_name] = tally::OUTPUT_FILES;
    let writes: [(&str, Fill<'_>); 3] = [
        (
            xlsx_name,
            Box::new(|f| {
                output::xlsx(BufWriter::new(f), ladder, &import, &t, epoch)
                    .map_err(io::Error::other)
            }),
        ),
        (
            csv_name,
            Box::new(|f| output::csv(BufWriter::new(f), ladder, &import).map_err(io::Error::other)),
        ),
        (
            json_name,
            Box::new(|f| output::json(BufWriter::new(f), ladder, &import, &t)),
        ),
    ];
    let mut written = Vec::new();
    for (name, fill) in writes {
        let path = args.out.join(name);
        atomic::write_with(&path, Overwrite::Replace, fill).map_err(|e| {
            Failure::Failed(format!(
                "error: cannot write {}: {e}\n  = hint: check that the folder and the temporary folder ({}, where tally.xlsx's long sheets are staged) are writable; files already written are complete",
                path.display(),
                std::env::temp_dir().display()
            ))
        })?;
        written.push(path);
    }

    if !quiet {
        summary(&found, &import, &t, &written);
    }
    // With --skip-invalid the user chose a partial tally; what was left out is listed above.
    Ok(ExitCode::SUCCESS)
}

/// Writes one output file's content into its temporary file.
type Fill<'a> = Box<dyn FnOnce(&mut File) -> io::Result<()> + 'a>;

/// People listed in the summary: the workbook has everyone, the terminal the first screenful.
const SHOWN: usize = 30;

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn summary(
    found: &tally::Found,
    import: &tally::Import,
    t: &consensus::Tally,
    written: &[PathBuf],
) {
    let complete = t
        .people
        .iter()
        .flat_map(|p| &p.reviews)
        .filter(|r| r.complete)
        .count();
    let reviews = import.reviews.len();
    println!(
        "tallied {reviews} review{} of {} people ({complete} complete, {} incomplete) from {} file{}",
        plural(reviews),
        t.people.len(),
        reviews - complete,
        found.files.len(),
        plural(found.files.len())
    );
    if !import.duplicates.is_empty() {
        println!(
            "  {} duplicate file{} counted once",
            import.duplicates.len(),
            plural(import.duplicates.len())
        );
    }
    if !import.overridden.is_empty() {
        println!(
            "  {} file{} left out by --prefer",
            import.overridden.len(),
            plural(import.overridden.len())
        );
    }
    if !import.rejected.is_empty() {
        println!("  left out (--skip-invalid):");
        for (f, d) in &import.rejected {
            println!("    {f}: {}", d.first().map_or("", |d| d.message.as_str()));
        }
    }
    if !found.lock_files.is_empty() {
        println!(
            "  {} Office lock file{} skipped",
            found.lock_files.len(),
            plural(found.lock_files.len())
        );
    }
    if !found.ignored.is_empty() {
        println!(
            "  {} other file{} ignored (not spreadsheets)",
            found.ignored.len(),
            plural(found.ignored.len())
        );
    }
    if !import.not_returned.is_empty() {
        // A rejected file may hold one of these reviews: it has no valid return either way.
        let what = if import.rejected.is_empty() {
            "not returned"
        } else {
            "not returned, or rejected"
        };
        println!("  {what} ({}):", import.not_returned.len());
        for e in &import.not_returned {
            println!(
                "    {} ({}) reviewed by {} ({})",
                e.provenance.person_name,
                e.provenance.employee_id,
                e.provenance.reviewer,
                e.provenance.reviewer_role.as_str()
            );
        }
    }
    for p in t.people.iter().take(SHOWN) {
        let sugg = match (&p.suggested_level, p.gap) {
            (Some(l), Some(g)) => format!("suggested {l} ({g:+})"),
            _ => "no suggestion".to_owned(),
        };
        println!("  {:<24} {:<4} → {sugg}", p.name, p.current_level);
    }
    if t.people.len() > SHOWN {
        println!(
            "  … and {} more people (see tally.xlsx)",
            t.people.len() - SHOWN
        );
    }
    for w in written {
        println!("wrote {}", w.display());
    }
}
