//! `rungs packet`: print the calibration packet from a tally.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use typst::foundations::Bytes;

use super::pdf::{PrintArgs, SetOf, finish, summary, write_into};
use super::report::eprint_all;
use super::sets;
use crate::diag::{Diagnostic, Error};
use crate::model::Ladder;
use crate::packet::{self, GroupBy, Plan, set};
use crate::pdf::{self, layouts};
use crate::tally::read;
use crate::util::atomic::{self, Overwrite, Staged};
use crate::util::epoch;

#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools)] // switches of the command line, each a flag of its own
#[command(
    after_help = "The packet holds, in this order: a cover (ladder, cycle, counts, the rule, what is left \
out); the level-fit grid (current level × suggested gap); the distribution of suggested levels \
(a chart); per level, its people side by side; one page per person (ratings by reviewer, \
consensus, disagreements, evidence, what the next level asks); reviewer leniency (a chart) and \
the list of disagreements. Pages are numbered \"N of M\", the footer names the cycle and the \
ladder's fingerprint, and the PDF has a bookmark per person.\n\n\
It reads only the tally's tally.json and the ladder (--ladder must be the ladder the tally was \
made with). Peer names and evidence are printed unless --anonymous-peers or --no-evidence; the \
cover says which.\n\n\
Examples:\n  rungs packet                                  out/tally → out/packet/packet.pdf\n  rungs packet --group-by level                 one packet per level (packet-L3-senior-sre.pdf, …)\n  rungs packet --level L3 --team Platform       only L3 people of the Platform team\n  rungs packet --person E1001 --person E1002    only these two people\n  rungs packet --split                          also people/E1001-amara-okafor.pdf, one per person\n  rungs packet --anonymous-peers --no-evidence  for readers beyond HR\n  rungs packet calibration/tally.json -o print  another tally, into print/\n  rungs packet --export-data my-layouts         also the data, for `typst watch my-layouts/packet.typ`\n  rungs packet --check-outputs -o out/packet    do the PDFs there come from one run?\n\n\
The PDFs of a run are one set: each carries the run's digest in its keywords \
(rungs-run-0123456789abcdef, rungs-set-7-pdfs), and none replaces an earlier PDF until all are \
made and written. PDFs of earlier runs under other names stay: --check-outputs names them.\n\n\
Creation date: SOURCE_DATE_EPOCH if set and not empty, else 1980-01-01T00:00:00Z.\n\
Exit status: 0 written; 1 the tally or the ladder has a problem or a layout error (no PDF \
written); 3 a PDF could not be written (none replaced), or another run writes into the folder \
(--no-wait). With --check-outputs: 0 the PDFs come from one run, 1 they do not, or none is there."
)]
pub struct Args {
    /// The tally to print: the folder `rungs tally` wrote, or its tally.json.
    #[arg(value_name = "TALLY", default_value = "out/tally")]
    pub tally: PathBuf,

    /// Folder to write the PDFs to (created if missing; PDFs of the same name are replaced).
    #[arg(short, long, value_name = "DIR", default_value = "out/packet")]
    pub output: PathBuf,

    /// Only people currently at this level (repeatable).
    #[arg(long = "level", value_name = "CODE")]
    pub levels: Vec<String>,

    /// Only people of this team (the roster's team column, through the manifest given to
    /// `rungs tally`).
    #[arg(long, value_name = "NAME")]
    pub team: Option<String>,

    /// Only this person, by employee id (repeatable).
    #[arg(long = "person", value_name = "ID")]
    pub people: Vec<String>,

    /// Also write one PDF per person into people/ (e.g. people/E1001-amara-okafor.pdf).
    #[arg(long)]
    pub split: bool,

    /// One packet per team or per level instead of one for everyone.
    #[arg(long, value_name = "BY")]
    pub group_by: Option<Grouping>,

    /// Name peers "Peer 1", "Peer 2", … per person: no peer's name is anywhere in the PDFs.
    #[arg(long)]
    pub anonymous_peers: bool,

    /// Leave the evidence texts out.
    #[arg(long)]
    pub no_evidence: bool,

    /// Also write the data each packet is made from into DIR (data.json, and packet.json or
    /// one JSON per PDF), to design the layout with `typst watch`.
    #[arg(long, value_name = "DIR")]
    pub export_data: Option<PathBuf>,

    #[command(flatten)]
    pub print: PrintArgs,

    /// Read nothing else and write nothing: check that the PDFs in the output folder (-o) and
    /// its people/ come from one run, all of them (exit 0), or say which do not (exit 1).
    #[arg(long, conflicts_with_all = [
        "tally", "levels", "team", "people", "split", "group_by", "anonymous_peers",
        "no_evidence", "export_data", "layouts", "font_paths", "standards",
    ])]
    pub check_outputs: bool,
}

/// A packet's PDFs as a set.
const KIND: sets::Kind = sets::Kind {
    words: &set::WORDING,
    read: &set::read_set,
};

/// How `--group-by` splits the packet.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Grouping {
    /// One packet per team (people without a team in packet-no-team.pdf).
    Team,
    /// One packet per current level.
    Level,
}

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Error> {
    let own = super::OwnFiles {
        tree: true,
        named: &set::is_pdf,
        notes: &[],
    };
    if args.check_outputs {
        return sets::check(&args.output, &own, &KIND, quiet);
    }
    let timestamp = epoch::from_env()?;
    let loaded = super::load_ladder(ladder)?;
    let ladder = &loaded.ladder;
    let (tally, tally_sha256) = read::read_with_digest(&args.tally, ladder, &super::FLAGS)?;
    let source = read::path_of(&args.tally);
    let opts = packet::Options {
        levels: args.levels.clone(),
        team: args.team.clone(),
        people: args.people.clone(),
        split: args.split,
        group_by: args.group_by.map(|g| match g {
            Grouping::Team => GroupBy::Team,
            Grouping::Level => GroupBy::Level,
        }),
        anonymous_peers: args.anonymous_peers,
        evidence: !args.no_evidence,
        source: source
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        flags: super::FLAGS,
    };
    let plan = packet::plan(&tally, ladder, &opts)?;
    drop(tally);
    eprint_all(&plan.warnings);
    let setup = args.print.setup(timestamp);
    let digest = set::run_digest(ladder, &tally_sha256, &opts, &setup);
    let keywords = set::keywords(&digest, plan.documents.len());
    let docs = documents(&plan, ladder, &keywords)?;
    // Everything is read and checked: now the output folders are taken, one run at a time.
    // An earlier run's PDFs under other names are not this run's to judge: no warning here.
    let _lock = sets::claim(&args.output, &own, None)?;
    if let Some(dir) = &args.export_data {
        let _lock = super::lock_output(dir)?;
        export_data(dir, ladder, &plan)?;
    }
    let texts = pdf::Texts {
        subject: pdf::Subject {
            what: "the ladder and the tally".into(),
            file: source.display().to_string(),
        },
        source: &|scan| {
            pdf::ladder_texts(ladder, scan);
            // Each person once: the per-person PDFs repeat the packets' pages.
            for planned in plan
                .documents
                .iter()
                .filter(|d| d.data.job.document == "packet")
            {
                planned.data.scan(ladder, scan);
            }
        },
    };
    let started = std::time::Instant::now();
    let bar = super::progress(docs.len(), 20, quiet, "PDFs");
    let tick = |_: &pdf::Document| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let staged = staged(&plan, &args.output);
    let write = write_into(&args.output, Some(&staged), &tick);
    let rendered = pdf::typeset(ladder, &setup, &docs, &texts, &write)?;
    drop(write);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let elapsed = started.elapsed();
    let people = plan.people;
    let set = SetOf {
        staged,
        dir: &args.output,
    };
    finish(rendered, quiet, Some(set), |documents| {
        let mut text = format!(
            "{} in the packet\n",
            super::report::count(people, "person", "people")
        );
        text.push_str(&summary(
            documents,
            &args.output,
            &args.print.paper,
            elapsed,
            SHOWN,
        ));
        text
    })
}

/// The run's PDFs as one set, renamed into place once all are made: the per-person PDFs,
/// then the packets (the documents people open first, last).
fn staged(plan: &Plan, dir: &Path) -> Staged {
    let is_packet = |d: &&packet::Planned| d.data.job.document == "packet";
    let (packets, people): (Vec<_>, Vec<_>) = plan.documents.iter().partition(is_packet);
    Staged::new(
        people
            .into_iter()
            .chain(packets)
            .map(|d| dir.join(&d.file))
            .collect(),
    )
}

/// PDFs listed in the summary; the rest are counted.
const SHOWN: usize = 30;

/// The documents to typeset: a packet in parts (joined, with footers), a person's PDF whole;
/// each with the run's `keywords`.
fn documents<'p>(
    plan: &'p Plan,
    ladder: &Ladder,
    keywords: &[String],
) -> Result<Vec<pdf::Doc<'p>>, Error> {
    plan.documents
        .iter()
        .map(|planned| {
            let cannot = |e: serde_json::Error| {
                Error::failed(vec![Diagnostic::failure(
                    "packet-data",
                    format!("cannot write the data of {}: {e}", planned.file),
                )])
            };
            let data = &planned.data;
            // A part's data is in proportion to what it prints: its size is its cost.
            let source = |json: String, continues_outline: bool| pdf::Source {
                main: layouts::PACKET,
                cost: json.len(),
                data: Bytes::from_string(json),
                served_at: layouts::PACKET_DATA,
                level: None,
                continues_outline,
            };
            let person = data
                .people
                .first()
                .filter(|_| data.job.document == "person");
            let (title, parts, footers): (String, Vec<pdf::Source>, Option<pdf::Footers>) =
                if let Some(p) = person {
                    (
                        format!("{} — {} — {}", p.name, ladder.meta.title, data.tally.cycle),
                        vec![source(serde_json::to_string(data).map_err(cannot)?, false)],
                        None,
                    )
                } else {
                    let parts = data.parts().map_err(cannot)?;
                    let make: pdf::Footers = Box::new(move |page, pages, total| {
                        let json = data
                            .footers(page, pages, total)
                            .map_err(|e| e.to_string())?;
                        Ok(source(json, false))
                    });
                    (
                        format!("{} — {}", ladder.meta.title, data.tally.cycle),
                        parts.into_iter().map(|(j, c)| source(j, c)).collect(),
                        Some(make),
                    )
                };
            Ok(pdf::Doc {
                file_name: planned.file.clone(),
                title,
                parts,
                footers,
                keywords: keywords.to_vec(),
            })
        })
        .collect()
}

/// Writes `data.json` (the ladder) and each document's whole data (`packet.json` for
/// `packet.pdf`, `people/E1001-….json` for its PDF) into `dir`.
fn export_data(dir: &Path, ladder: &Ladder, plan: &Plan) -> Result<(), Error> {
    let mut files = vec![(dir.join(layouts::DATA), ladder.to_json().into_bytes())];
    for planned in &plan.documents {
        let stem = planned.file.strip_suffix(".pdf").unwrap_or(&planned.file);
        let json = serde_json::to_vec_pretty(&planned.data).map_err(|e| {
            Error::failed(vec![Diagnostic::failure(
                "packet-data",
                format!("cannot write the data of {}: {e}", planned.file),
            )])
        })?;
        files.push((dir.join(format!("{stem}.json")), json));
    }
    for (path, bytes) in files {
        atomic::write(&path, &bytes, Overwrite::Replace).map_err(|e| {
            Error::failed(vec![super::cannot_write(
                &path,
                &e,
                "check that the folder given to --export-data is writable",
            )])
        })?;
    }
    Ok(())
}
