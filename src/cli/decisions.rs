//! `rungs decisions`: the workbook the calibration meeting fills in, from a tally.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rust_xlsxwriter::ExcelDateTime;

use super::FLAGS;
use crate::decisions::{self, Provenance, SCHEMA_VERSION, decisions_id, write};
use crate::diag::{Diagnostic, Error};
use crate::tally::read;
use crate::util::epoch;
use crate::util::text::count;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "One row per person of the tally: employee id, name, team, current level, suggested \
level, gap, reviews returned of expected and the consensus in a few words, all locked; then \
Proposed level and Agreed level (dropdowns of the ladder's levels), Reason and Decided by, to \
fill in. Filter and sort by level or team with the arrows in the column titles; it prints one \
page wide.\n\n\
The workbook records which tally it was made from (its SHA-256), the ladder and the cycle; \
`rungs outcomes` checks all three when it reads it back.\n\n\
Examples:\n  rungs decisions                              out/tally → out/decisions/decisions.xlsx\n  rungs decisions --level L3 -o meeting-l3     only the people at L3, for one meeting\n  rungs decisions --team Platform --force      replace an earlier decisions.xlsx\n\n\
Then, after the meeting:  rungs outcomes out/decisions/decisions.xlsx\n\n\
Creation date: SOURCE_DATE_EPOCH if set and not empty, else 1980-01-01T00:00:00Z.\n\
Exit status: 0 written; 1 the tally, the ladder or a filter has a problem, or decisions.xlsx \
exists already (nothing written); 3 it could not be written."
)]
pub struct Args {
    /// The tally: the folder `rungs tally` wrote, or its tally.json.
    #[arg(value_name = "TALLY", default_value = "out/tally")]
    pub tally: PathBuf,

    /// Folder to write decisions.xlsx into.
    #[arg(short, long, value_name = "DIR", default_value = "out/decisions")]
    pub output: PathBuf,

    /// Only people currently at this level (repeatable).
    #[arg(long = "level", value_name = "CODE")]
    pub levels: Vec<String>,

    /// Only people of this team.
    #[arg(long, value_name = "NAME")]
    pub team: Option<String>,

    /// Replace an existing decisions.xlsx (it may hold decisions already typed in).
    #[arg(long)]
    pub force: bool,
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Error> {
    let epoch = epoch::from_env()?;
    let loaded = super::load_ladder(ladder)?;
    let ladder = &loaded.ladder;
    let (tally, digest) = read::read_with_digest(&args.tally, ladder, &FLAGS)?;
    let scope = decisions::scope(&tally, ladder, &args.levels, args.team.as_deref(), &FLAGS)?;
    let people = decisions::people(&tally, ladder, &scope);
    if people.is_empty() {
        return Err(Diagnostic::failure(
            "no-people",
            format!("no person of the tally is in {}", scope.describe()),
        )
        .with_hint("check the filters against the tally's people")
        .into());
    }
    let prov = Provenance {
        schema_version: SCHEMA_VERSION,
        decisions_id: decisions_id(&digest, &scope),
        ladder_id: ladder.meta.id.clone(),
        ladder_fingerprint: ladder.meta.fingerprint.clone(),
        ladder_version: ladder.meta.version.clone(),
        cycle: tally.cycles.join(", "),
        tally_sha256: digest,
        scope,
        people: people.len(),
    };
    let created = ExcelDateTime::from_timestamp(epoch).map_err(|e| {
        Error::from(Diagnostic::failure(
            "epoch",
            format!("the creation date cannot be written: {e}"),
        ))
    })?;
    let bytes = write::build(&write::Input {
        ladder,
        tally: &tally,
        prov: &prov,
        people: &people,
        created: &created,
    })
    .map_err(|e| {
        Error::failed(vec![Diagnostic::failure(
            "xlsx",
            format!("cannot build decisions.xlsx: {e}"),
        )])
    })?;
    let path = args.output.join(decisions::FILE);
    super::write_file(&path, &bytes, args.force)?;
    if !quiet {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} to decide ({}), cycle {}, decisions id {}",
            count(people.len(), "person", "people"),
            prov.scope.describe(),
            prov.cycle,
            prov.decisions_id
        );
        let _ = writeln!(out, "wrote {}", path.display());
        super::print_stdout(&out);
    }
    Ok(ExitCode::SUCCESS)
}
