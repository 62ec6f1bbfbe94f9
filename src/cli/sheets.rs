//! `rungs sheets`: one fillable review workbook per roster row (person × reviewer).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::FLAGS;
use super::report::{count, eprint_all, plural};
use crate::diag::{Diagnostic, Error};
use crate::sheets::instructions::Instructions;
use crate::sheets::names::{self, NamePattern};
use crate::sheets::plan::{self, Plan};
use crate::sheets::roster::{self, ReadAs, ReadOptions, Review, Reviews};
use crate::sheets::{self, Options, batch};
use crate::util::epoch;
use crate::workbook::{MANIFEST_FILE, ReviewerRole};

/// How `--bundle` groups reviews into workbooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BundleBy {
    /// One workbook per reviewer, with one sheet per person they review.
    Reviewer,
}

/// A kind of review `--reviews` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReviewKind {
    /// The person reviews themself.
    #[value(name = "self")]
    Own,
    /// The person's manager reviews them.
    Manager,
    /// Each of the person's peers reviews them.
    #[value(alias = "peer")]
    Peers,
}

impl ReviewKind {
    fn role(self) -> ReviewerRole {
        match self {
            Self::Own => ReviewerRole::SelfReview,
            Self::Manager => ReviewerRole::Manager,
            Self::Peers => ReviewerRole::Peer,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rungs sheets --roster examples/roster.csv --cycle 2026-H2\n  rungs sheets --roster team.xlsx --cycle 2026-H2 --due 2026-12-01 -o reviews\n  rungs sheets --roster people.csv --cycle 2026-H2 --bundle reviewer\n      an HR export (one row per person, with their manager): one workbook per reviewer\n  rungs sheets --roster export.csv --cycle 2026-H2 --reviews manager,peers --encoding windows-1252\n  rungs sheets --roster team.csv --cycle 2026-H2 --name-pattern '{{ name }} {{ form_id }}'\n\nThe roster's shape is told by its columns: a reviewer column means one row per review;\notherwise a manager (or peers) column means one row per person. Accepted header names:\ndocs/rosters.md.\n\nExisting workbooks may hold answers: if any file would be replaced, nothing is written\n(--skip-existing writes only the missing ones, --force replaces them).\nOutput is byte-identical for the same input (SOURCE_DATE_EPOCH sets the creation date)."
)]
pub struct Args {
    /// Roster: CSV or spreadsheet (XLSX, ODS). Either one row per person with their manager
    /// (employee id, name, current level, manager; optional: peers, email, team), as HR
    /// systems export it, or one row per review (employee id, name, current level, reviewer;
    /// optional: reviewer role, email, team). Header names as in docs/rosters.md.
    #[arg(long, value_name = "FILE")]
    pub roster: PathBuf,

    /// Reviews to create, comma-separated: self, manager, peers. Default: for one row per
    /// person, self and manager, plus peers when the roster has a peers column; for one row
    /// per review, every row.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    pub reviews: Vec<ReviewKind>,

    /// Encoding of a CSV roster that has no byte-order mark: windows-1252 (or latin1, as
    /// Excel's "CSV" on Windows), utf-16le, utf-8, … (WHATWG labels). Default: UTF-8; UTF-16
    /// and byte-order marks are recognised.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,

    /// Name of the review cycle, e.g. `2026-H2`; recorded in every workbook.
    #[arg(long)]
    pub cycle: String,

    /// Date the reviews are due back (YYYY-MM-DD), shown in every workbook.
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,

    /// Folder to write the workbooks and manifest.json into.
    #[arg(long, short, value_name = "DIR", default_value = "out/reviews")]
    pub out: PathBuf,

    /// One workbook per reviewer (`reviewer`), holding one Review sheet per person they
    /// review, instead of one workbook per review.
    #[arg(long, value_enum, value_name = "BY")]
    pub bundle: Option<BundleBy>,

    /// Where each workbook goes inside the folder (minijinja). Variables: `cycle`, `reviewer`,
    /// `employee_id`, `name`, `level`, `role`, `team`, `form_id`; with --bundle: `cycle`,
    /// `reviewer`, `reviewer_id`, `bundle_id`. Default:
    /// `{{ cycle }}/{{ reviewer }}/{{ employee_id }}-{{ name }}-{{ form_id }}.xlsx`; with
    /// --bundle: `{{ cycle }}/{{ reviewer }}-{{ bundle_id }}.xlsx`
    #[arg(long, value_name = "PATTERN")]
    pub name_pattern: Option<String>,

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

pub fn run(ladder: Option<&Path>, quiet: bool, args: &Args) -> Result<ExitCode, Error> {
    let opts = options(args)?;
    let loaded = super::load_ladder(ladder)?;
    let ladder = &loaded.ladder;
    let wanted: Vec<ReviewerRole> = args.reviews.iter().map(|k| k.role()).collect();
    let read_opts = ReadOptions {
        reviews: (!wanted.is_empty()).then_some(wanted.as_slice()),
        encoding: encoding(args)?,
        flags: &FLAGS,
    };
    let roster = roster::read(&args.roster, ladder, &read_opts).map_err(|diags| {
        let n = diags.iter().filter(|d| d.is_error()).count();
        Error::input(diags).and(Diagnostic::failure(
            "roster-problems",
            format!(
                "the roster has {}; nothing was written",
                count(n, "problem", "problems")
            ),
        ))
    })?;
    eprint_all(&roster.warnings);
    let read_line = roster_line(&roster.read, &args.roster, &roster.reviews);

    // From here to the end of the run, this is the only run writing into the folder: the plan
    // reads the manifest of earlier runs, and the batch replaces it with the merge.
    let _lock = super::claim_output(
        &args.out,
        &super::OwnFiles {
            tree: true,
            named: &|name| name == MANIFEST_FILE || name.to_ascii_lowercase().ends_with(".xlsx"),
            notes: &[(
                MANIFEST_FILE,
                "a copy of manifest.json may list reviews that manifest.json lacks (another person's run): compare the two and add what is missing before tallying with it",
            )],
        },
    )?;
    let plan = plan::plan(ladder, roster.reviews, &opts)?;
    eprint_all(&plan.warnings);
    let total = plan.len();
    let bar = super::progress(total, 50, quiet, "workbooks");
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let result = batch::write(ladder, &plan, &opts, &tick);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    result?;
    if !quiet {
        let mut text = read_line;
        text.push_str(&summary(&plan, &args.out));
        super::print_stdout(&text);
    }
    Ok(ExitCode::SUCCESS)
}

/// The encoding `--encoding` names, checked.
fn encoding(args: &Args) -> Result<Option<&'static encoding_rs::Encoding>, Error> {
    let Some(label) = &args.encoding else {
        return Ok(None);
    };
    roster::encoding_for_label(label).map(Some).ok_or_else(|| {
        Diagnostic::failure(
            "encoding",
            format!("--encoding `{label}` is not an encoding rungs knows"),
        )
        .with_hint("use windows-1252 (Excel's \"CSV\" on Windows; also latin1), utf-16le, utf-16be or utf-8")
        .into()
    })
}

/// How the roster was read, when it is not the review roster in UTF-8 of earlier versions
/// (whose output stays as it was): its shape, encoding and, for people, the reviews derived.
fn roster_line(read: &ReadAs, path: &Path, reviews: &Reviews) -> String {
    let encoding = read.encoding.map(|e| format!(" ({e})")).unwrap_or_default();
    let mut line = format!("read {}{encoding} as {}", path.display(), read.describe());
    if read.kind == roster::Kind::People {
        let by_role: Vec<String> = ReviewerRole::ALL
            .iter()
            .map(|&role| (role, reviews.iter().filter(|r| r.role == role).count()))
            .filter(|(_, n)| *n > 0)
            .map(|(role, n)| format!("{n} {}", role.as_str()))
            .collect();
        let _ = write!(
            line,
            ": {} → {} ({})",
            count(read.people, "person", "people"),
            count(reviews.len(), "review", "reviews"),
            by_role.join(", ")
        );
        if read.without_manager > 0 {
            let _ = write!(
                line,
                "; {} no manager",
                count(read.without_manager, "person has", "people have")
            );
        }
    } else if read.encoding.is_none() {
        return String::new();
    }
    line.push('\n');
    line
}

/// The run's settings from the command line, each checked.
fn options(args: &Args) -> Result<Options, Error> {
    let cycle = args.cycle.trim();
    if cycle.is_empty() {
        return Err(Diagnostic::failure("empty-cycle", "--cycle is empty")
            .with_hint("name the review cycle, e.g. --cycle 2026-H2")
            .into());
    }
    if let Some(due) = &args.due
        && !sheets::is_date(due.trim())
    {
        return Err(Diagnostic::failure(
            "due-date",
            format!("--due `{}` is not a date like 2026-12-01", due.trim()),
        )
        .with_hint("write the date as YYYY-MM-DD")
        .into());
    }
    let epoch = epoch::from_env()?;
    let pattern_text = args
        .name_pattern
        .as_deref()
        .unwrap_or(if args.bundle.is_some() {
            names::DEFAULT_BUNDLE_PATTERN
        } else {
            names::DEFAULT_PATTERN
        });
    let pattern = NamePattern::new(pattern_text).map_err(|e| {
        Diagnostic::failure(
            "name-pattern",
            format!("--name-pattern is not a valid template: {}", e.message),
        )
        .with_hint(format!(
            "variables are written like {{{{ name }}}}; available: {}",
            if args.bundle.is_some() {
                names::BUNDLE_PATTERN_VARS
            } else {
                names::PATTERN_VARS
            }
        ))
    })?;
    let instructions = match &args.instructions {
        Some(p) => Instructions::from_file(p, FLAGS.instructions)?,
        None => Instructions::builtin(),
    };
    Ok(Options {
        roster_name: args.roster.display().to_string(),
        out_dir: args.out.clone(),
        cycle: cycle.to_owned(),
        due: args.due.as_ref().map(|d| d.trim().to_owned()),
        pattern,
        instructions,
        force: args.force,
        skip_existing: args.skip_existing,
        epoch,
        bundle: args
            .bundle
            .map(|BundleBy::Reviewer| sheets::Bundle::Reviewer),
        flags: FLAGS,
    })
}

/// What this run wrote. Gathers counts by reviewer and the few names printed, not the reviews.
fn summary(plan: &Plan, out: &Path) -> String {
    const SHOWN: usize = 20;
    const NAMES: usize = 6;
    let mut people = std::collections::HashSet::new();
    let mut by_reviewer: BTreeMap<&str, usize> = BTreeMap::new();
    for r in plan.to_write() {
        people.insert(r.employee_id);
        *by_reviewer.entry(r.reviewer).or_default() += 1;
    }
    let written: usize = by_reviewer.values().sum();
    // The first few reviews (in roster order) of the reviewers shown.
    let mut first: BTreeMap<&str, Vec<Review>> = by_reviewer
        .keys()
        .take(SHOWN)
        .map(|&k| (k, Vec::new()))
        .collect();
    for r in plan.to_write() {
        if let Some(list) = first.get_mut(r.reviewer).filter(|l| l.len() < NAMES) {
            list.push(r);
        }
    }
    let mut text = if plan.bundled() {
        format!(
            "wrote {} (one per reviewer) holding {} of {} to {}\n",
            count(
                plan.len() - plan.unchanged(),
                "review workbook",
                "review workbooks"
            ),
            count(written, "review", "reviews"),
            count(people.len(), "person", "people"),
            out.display()
        )
    } else {
        format!(
            "wrote {} for {} ({}) to {}\n",
            count(written, "review workbook", "review workbooks"),
            count(people.len(), "person", "people"),
            count(by_reviewer.len(), "reviewer", "reviewers"),
            out.display()
        )
    };
    for (reviewer, shown) in &first {
        let n = by_reviewer.get(reviewer).copied().unwrap_or(0);
        let mut names: Vec<String> = shown
            .iter()
            .map(|r| format!("{} (as {})", r.name, r.role.as_str()))
            .collect();
        if n > NAMES {
            names.push(format!("and {} more", n - NAMES));
        }
        let _ = writeln!(text, "  {reviewer} reviews {}", names.join(", "));
    }
    if by_reviewer.len() > SHOWN {
        let _ = writeln!(text, "  … and {} more reviewers", by_reviewer.len() - SHOWN);
    }
    let _ = writeln!(text, "manifest: {}", out.join(MANIFEST_FILE).display());
    text.push_str(if plan.bundled() {
        "next: send each reviewer their workbook; collect the filled-in files for `rungs tally`\n"
    } else {
        "next: send each reviewer their workbooks; collect the filled-in files for `rungs tally`\n"
    });
    let (skipped, unchanged) = (plan.skipped(), plan.unchanged());
    if skipped > 0 {
        let left = skipped + unchanged;
        let _ = writeln!(
            text,
            "left {} existing {} as {} (--skip-existing)",
            left,
            plural(left, "workbook", "workbooks"),
            plural(left, "it was", "they were")
        );
    } else if unchanged > 0 {
        let _ = writeln!(
            text,
            "kept {} already written by an earlier run (identical)",
            count(unchanged, "workbook", "workbooks")
        );
    }
    text
}
