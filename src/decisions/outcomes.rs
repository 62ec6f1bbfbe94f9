//! `rungs outcomes`: the returned decisions workbooks read and verified ([`read`](super::read)),
//! merged into one decision per person, and written as the record HR keeps: `outcomes.csv`,
//! `outcomes.json` and `audit.csv`. Two versions of one workbook that differ are a conflict
//! (unless `--prefer` picks one); workbooks that split the people merge; a person decided twice
//! differently is a conflict. Same files in any order, same bytes. The three files are one
//! set: each carries the run's digest ([`run_digest`]), so a folder holding files of two runs
//! is told from one holding a whole set ([`read_set`]).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::read::{Context, Decision, Returned, read};
use crate::diag::{Diagnostic, Error, Flags, Location};
use crate::model::Ladder;
use crate::tally::import::same_path;
use crate::tally::output::{JsonLadder, csv_safe};
use crate::tally::read::TallyFile;
use crate::util::set::{self, Carried, DIGEST_FIELD, RunDigest, Set, Wording};
use crate::util::text::count;
use crate::util::to_i32;
use crate::workbook::precheck;
use crate::workbook::read::cell_ref;

/// The files `rungs outcomes` writes, in the order they replace the earlier ones:
/// `outcomes.json`, which tools read, last.
pub const OUTPUT_FILES: [&str; 3] = ["outcomes.csv", "audit.csv", "outcomes.json"];
/// `outcomes.json`'s format name and version.
pub const JSON_FORMAT: &str = "rungs-outcomes";
pub const JSON_FORMAT_VERSION: u32 = 1;

/// Settings of one import.
#[derive(Debug, Clone)]
pub struct Options {
    /// Files whose version wins a conflict.
    pub prefer: Vec<PathBuf>,
    pub flags: Flags,
}

/// The merged decisions.
#[derive(Debug)]
pub struct Outcomes {
    /// One per person of the workbooks, in tally order.
    pub people: Vec<Outcome>,
    /// The workbooks counted, by file name.
    pub sources: Vec<Returned>,
    /// (file left out, file kept): identical versions of one workbook.
    pub duplicates: Vec<(String, String)>,
    /// (file left out, file kept): versions `--prefer` overruled.
    pub overridden: Vec<(String, String)>,
    pub warnings: Vec<Diagnostic>,
    /// People of the tally in none of the workbooks.
    pub uncovered: usize,
}

/// One person's decision and where it came from.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub decision: Decision,
    pub file: String,
}

/// Reads every file, then merges. Every problem of every file, and every conflict, at once.
pub fn import(ctx: &Context<'_>, files: &[String], opts: &Options) -> Result<Outcomes, Error> {
    let mut problems = Vec::new();
    let mut valid = Vec::new();
    for file in files {
        match read_one(file, ctx) {
            Ok(r) => valid.push(r),
            Err(d) => problems.extend(d),
        }
    }
    if !problems.is_empty() {
        let n = problems.iter().filter(|d| d.is_error()).count();
        return Err(Error::input(problems).and(not_written(n, "problem", "problems")));
    }
    valid.sort_by(|a, b| a.file.cmp(&b.file));
    let mut out = Outcomes {
        people: Vec::new(),
        sources: Vec::new(),
        duplicates: Vec::new(),
        overridden: Vec::new(),
        warnings: Vec::new(),
        uncovered: 0,
    };
    let mut conflicts = Vec::new();
    let mut by_id: BTreeMap<String, Vec<Returned>> = BTreeMap::new();
    for r in valid {
        by_id
            .entry(r.prov.decisions_id.clone())
            .or_default()
            .push(r);
    }
    for (_, versions) in by_id {
        match settle_versions(versions, opts, &mut out) {
            Ok(kept) => out.sources.push(kept),
            Err(d) => conflicts.push(d),
        }
    }
    out.sources.sort_by(|a, b| a.file.cmp(&b.file));
    merge_people(ctx, opts, &mut out, &mut conflicts);
    if !conflicts.is_empty() {
        let n = conflicts.len();
        return Err(Error::input(conflicts).and(not_written(n, "conflict", "conflicts")));
    }
    for s in &out.sources {
        out.warnings.extend(s.warnings.iter().cloned());
    }
    let covered = out.people.len();
    out.uncovered = ctx.tally.tally.people.len().saturating_sub(covered);
    Ok(out)
}

/// The closing line when nothing is written.
fn not_written(n: usize, one: &str, many: &str) -> Diagnostic {
    Diagnostic::failure(
        "not-imported",
        format!("{}; no outcomes were written", count(n, one, many)),
    )
    .with_hint("fix the workbooks where shown and run `rungs outcomes` again")
}

/// Pre-check and read one file.
fn read_one(file: &str, ctx: &Context<'_>) -> Result<Returned, Vec<Diagnostic>> {
    let path = Path::new(file);
    let bytes = precheck::read_bounded(path, file, &precheck::LIMITS).map_err(|d| vec![d])?;
    precheck::check(&bytes, file, &precheck::LIMITS).map_err(|d| vec![d])?;
    read(file, bytes, ctx)
}

/// The digest of one run, carried by its three files: 16 hex digits of SHA-256 over what they
/// are made from — the rungs version, the ladder (fingerprint, id, title, version, level
/// codes), the tally (its SHA-256), each workbook counted (its name as given and its bytes'
/// SHA-256; a copy counted once and a version `--prefer` overruled do not count) and the files
/// `--prefer` names. Two runs that would write different bytes have different digests.
pub fn run_digest(ladder: &Ladder, tally_sha256: &str, out: &Outcomes, opts: &Options) -> String {
    let mut d = RunDigest::new("rungs outcomes run 1");
    let meta = &ladder.meta;
    for text in [
        env!("CARGO_PKG_VERSION"),
        &meta.fingerprint,
        &meta.id,
        &meta.title,
        &meta.version,
        tally_sha256,
    ]
    .into_iter()
    .chain(ladder.levels.iter().map(|l| l.code.as_str()))
    {
        d.field(text.as_bytes());
    }
    d.count(out.sources.len());
    for s in &out.sources {
        d.field(s.file.as_bytes()).raw(&s.sha256);
    }
    let mut prefer: Vec<String> = opts
        .prefer
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    prefer.sort();
    prefer.dedup();
    d.count(prefer.len());
    for p in &prefer {
        d.field(p.as_bytes());
    }
    d.finish()
}

/// The words of the outcomes' messages.
pub const WORDING: Wording = Wording {
    mixed_code: "outcomes-mixed",
    incomplete_code: "outcomes-incomplete",
    none_code: "no-outcomes",
    unchecked_code: "outcomes-unchecked",
    noun: "outcomes",
    plural: true,
    unit: ("file", "files"),
    what: "rungs outcomes",
    hint: "a run was cut short while replacing them: a complete `rungs outcomes` run writes all three anew",
    again: "run `rungs outcomes` again to write a set that can be checked",
};

/// Reads the digest each file of the outcomes in `dir` carries, in [`OUTPUT_FILES`] order:
/// the CSVs' header and first row, the JSON's first fields.
pub fn read_set(dir: &Path) -> Set {
    Set::named(dir, &OUTPUT_FILES, |path, name| -> Carried {
        if name == OUTPUT_FILES[2] {
            set::from_json(path, JSON_FORMAT)
        } else {
            set::from_csv(path)
        }
    })
}

fn same_content(a: &Returned, b: &Returned) -> bool {
    a.decisions.len() == b.decisions.len()
        && a.decisions.iter().zip(&b.decisions).all(|(x, y)| x.same(y))
}

/// One version of a workbook returned (maybe) several times: the only one, the identical
/// ones counted once, or the one `--prefer` names; else a conflict showing the differing cells.
fn settle_versions(
    mut versions: Vec<Returned>,
    opts: &Options,
    out: &mut Outcomes,
) -> Result<Returned, Diagnostic> {
    let first = versions.remove(0);
    if versions.iter().all(|v| same_content(&first, v)) {
        out.duplicates.extend(
            versions
                .iter()
                .map(|v| (v.file.clone(), first.file.clone())),
        );
        return Ok(first);
    }
    versions.insert(0, first);
    let preferred: Vec<usize> = (0..versions.len())
        .filter(|&i| is_preferred(opts, &versions[i].file))
        .collect();
    if let Some(&p) = preferred.first()
        && preferred
            .iter()
            .all(|&i| same_content(&versions[p], &versions[i]))
    {
        let kept = versions.swap_remove(p);
        for v in &versions {
            if same_content(&kept, v) {
                out.duplicates.push((v.file.clone(), kept.file.clone()));
            } else {
                out.overridden.push((v.file.clone(), kept.file.clone()));
            }
        }
        return Ok(kept);
    }
    Err(version_conflict(&versions, opts))
}

fn is_preferred(opts: &Options, file: &str) -> bool {
    opts.prefer.iter().any(|p| same_path(p, file))
}

/// Two versions of one workbook that differ: the files and each differing cell.
fn version_conflict(versions: &[Returned], opts: &Options) -> Diagnostic {
    let first = &versions[0];
    let mut lines = Vec::new();
    for other in &versions[1..] {
        let theirs: BTreeMap<usize, &Decision> =
            other.decisions.iter().map(|d| (d.person, d)).collect();
        for a in &first.decisions {
            if let Some(b) = theirs.get(&a.person)
                && !a.same(b)
            {
                lines.push(format!(
                    "{} row {} in '{}', row {} in '{}'",
                    differing(a, b),
                    a.row + 1,
                    first.file,
                    b.row + 1,
                    other.file
                ));
            }
        }
    }
    let files: Vec<String> = versions.iter().map(|r| format!("'{}'", r.file)).collect();
    Diagnostic::error(
        "conflicting-versions",
        format!(
            "the decisions workbook {} ({}) was returned {} times with different content: {}",
            first.prov.decisions_id,
            first.prov.scope.describe(),
            versions.len(),
            files.join(", ")
        ),
        Location::File {
            file: first.file.clone(),
        },
    )
    .with_details(lines)
    .with_hint(format!(
        "keep the final version and remove the other, or pick one with {} {}",
        opts.flags.prefer,
        versions.last().map_or("FILE", |r| r.file.as_str())
    ))
}

/// Which input columns of two versions of a row differ, e.g. `agreed level, reason`.
fn differing(a: &Decision, b: &Decision) -> String {
    let mut cols = Vec::new();
    if a.proposed != b.proposed {
        cols.push("proposed level");
    }
    if a.agreed != b.agreed {
        cols.push("agreed level");
    }
    if a.reason != b.reason {
        cols.push("reason");
    }
    if a.decided_by != b.decided_by {
        cols.push("decided by");
    }
    cols.join(", ")
}

/// One decision per person across the kept workbooks: a recorded decision wins over a blank
/// row; two different recorded decisions are a conflict unless `--prefer` picks one.
fn merge_people(
    ctx: &Context<'_>,
    opts: &Options,
    out: &mut Outcomes,
    conflicts: &mut Vec<Diagnostic>,
) {
    let mut by_person: BTreeMap<usize, Vec<(&Decision, &str)>> = BTreeMap::new();
    for s in &out.sources {
        for d in &s.decisions {
            by_person
                .entry(d.person)
                .or_default()
                .push((d, s.file.as_str()));
        }
    }
    let mut people = Vec::new();
    for (person, entries) in by_person {
        let decided: Vec<&(&Decision, &str)> =
            entries.iter().filter(|(d, _)| d.decided()).collect();
        let pick = match decided.as_slice() {
            [] => Some(entries[0]),
            [one, rest @ ..] if rest.iter().all(|(d, _)| d.same(one.0)) => Some(**one),
            several => {
                let preferred: Vec<_> = several
                    .iter()
                    .filter(|(_, f)| is_preferred(opts, f))
                    .collect();
                match preferred.as_slice() {
                    [p, rest @ ..] if rest.iter().all(|(d, _)| d.same(p.0)) => Some(***p),
                    _ => {
                        conflicts.push(decided_twice(ctx, person, several, opts));
                        None
                    }
                }
            }
        };
        if let Some((d, f)) = pick {
            people.push(Outcome {
                decision: d.clone(),
                file: f.to_owned(),
            });
        }
    }
    out.people = people;
}

fn decided_twice(
    ctx: &Context<'_>,
    person: usize,
    entries: &[&(&Decision, &str)],
    opts: &Options,
) -> Diagnostic {
    let p = &ctx.tally.tally.people[person];
    let lines: Vec<String> = entries
        .iter()
        .map(|(d, f)| {
            format!(
                "'{f}' {}: agreed {}, reason '{}', decided by '{}'",
                cell_ref(d.row, u32::from(super::COL_AGREED)),
                d.agreed
                    .map_or("(blank)", |i| ctx.ladder.levels[i].code.as_str()),
                d.reason,
                d.decided_by
            )
        })
        .collect();
    Diagnostic::error(
        "decided-twice",
        format!(
            "{} ({}) was decided differently in {}",
            p.name,
            p.employee_id,
            count(entries.len(), "workbook", "workbooks")
        ),
        Location::File {
            file: entries[0].1.to_owned(),
        },
    )
    .with_details(lines)
    .with_hint(format!(
        "settle it in one workbook and clear the other row, or pick one with {} FILE",
        opts.flags.prefer
    ))
}

/// One row of `outcomes.csv` / `outcomes.json`.
#[derive(Debug, Serialize)]
struct Row<'a> {
    employee_id: &'a str,
    name: &'a str,
    team: Option<&'a str>,
    current_level: &'a str,
    suggested_level: Option<&'a str>,
    proposed_level: Option<&'a str>,
    agreed_level: Option<&'a str>,
    /// Agreed minus current, in levels.
    change: Option<i32>,
    /// Agreed minus suggested, in levels.
    versus_suggested: Option<i32>,
    reason: &'a str,
    decided_by: &'a str,
    file: &'a str,
    cell: String,
    /// This cycle's consensus per competency, so that next cycle's `rungs tally --previous`
    /// can compare with it (JSON only).
    consensus: Vec<ConsensusOf<'a>>,
}

/// One competency's consensus, as the tally has it.
#[derive(Debug, Serialize)]
struct ConsensusOf<'a> {
    id: &'a str,
    consensus: Option<i32>,
    consensus_label: Option<&'a str>,
}

/// The last columns of both CSVs, filled by [`Row::tail`]: the run's digest last, the same on
/// every row (so a sorted or filtered copy still tells its run).
const TAIL_COLUMNS: [&str; 5] = ["reason", "decided_by", "file", "cell", DIGEST_FIELD];

impl Row<'_> {
    /// The last fields of both CSVs: reason, decided by, file, cell (CSV-safe), the digest.
    fn tail(&self, digest: &str) -> [String; 5] {
        [
            csv_safe(self.reason),
            csv_safe(self.decided_by),
            csv_safe(self.file),
            self.cell.clone(),
            digest.to_owned(),
        ]
    }
}

fn rows<'a>(ladder: &'a Ladder, tally: &'a TallyFile, out: &'a Outcomes) -> Vec<Row<'a>> {
    let index = |code: &str| ladder.level(code).map(|l| to_i32(l.index));
    out.people
        .iter()
        .map(|o| {
            let d = &o.decision;
            let p = &tally.tally.people[d.person];
            let code = |i: Option<usize>| i.map(|i| ladder.levels[i].code.as_str());
            let agreed = d.agreed.map(to_i32);
            Row {
                employee_id: &p.employee_id,
                name: &p.name,
                team: p.team.as_deref(),
                current_level: &p.current_level,
                suggested_level: p.suggested_level.as_deref(),
                proposed_level: code(d.proposed),
                agreed_level: code(d.agreed),
                change: agreed.zip(index(&p.current_level)).map(|(a, c)| a - c),
                versus_suggested: agreed
                    .zip(p.suggested_level.as_deref().and_then(index))
                    .map(|(a, s)| a - s),
                reason: &d.reason,
                decided_by: &d.decided_by,
                file: &o.file,
                cell: cell_ref(d.row, u32::from(super::COL_AGREED)),
                consensus: p
                    .competencies
                    .iter()
                    .map(|c| ConsensusOf {
                        id: &c.id,
                        consensus: c.consensus,
                        consensus_label: c.consensus_label.as_deref(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn opt(s: Option<&str>) -> String {
    csv_safe(s.unwrap_or(""))
}

fn num(n: Option<i32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// What the three outputs are written from.
pub struct Record<'a> {
    pub ladder: &'a Ladder,
    pub tally: &'a TallyFile,
    /// SHA-256 (hex) of the tally's file.
    pub tally_sha256: &'a str,
    pub out: &'a Outcomes,
    /// The run's digest ([`run_digest`]).
    pub digest: &'a str,
}

impl Record<'_> {
    fn rows(&self) -> Vec<Row<'_>> {
        rows(self.ladder, self.tally, self.out)
    }
}

/// `outcomes.csv`: one row per person, text fields safe against formula injection.
pub fn csv<W: Write>(w: W, rec: &Record) -> io::Result<()> {
    let mut w = ::csv::Writer::from_writer(w);
    let cycle = rec.tally.cycles.join(", ");
    w.write_record(
        [
            "cycle",
            "employee_id",
            "name",
            "team",
            "current_level",
            "suggested_level",
            "proposed_level",
            "agreed_level",
            "change",
        ]
        .into_iter()
        .chain(TAIL_COLUMNS),
    )?;
    for r in rec.rows() {
        let head = [
            csv_safe(&cycle),
            csv_safe(r.employee_id),
            csv_safe(r.name),
            opt(r.team),
            csv_safe(r.current_level),
            opt(r.suggested_level),
            opt(r.proposed_level),
            opt(r.agreed_level),
            num(r.change),
        ];
        w.write_record(head.into_iter().chain(r.tail(rec.digest)))?;
    }
    w.flush()
}

/// `audit.csv`: every person agreed at another level than suggested, and every undecided row.
pub fn audit<W: Write>(w: W, rec: &Record) -> io::Result<()> {
    let mut w = ::csv::Writer::from_writer(w);
    w.write_record(
        [
            "employee_id",
            "name",
            "team",
            "current_level",
            "suggested_level",
            "agreed_level",
            "versus_suggested",
            "issue",
        ]
        .into_iter()
        .chain(TAIL_COLUMNS),
    )?;
    for r in rec.rows() {
        let issue = match (r.agreed_level, r.suggested_level, r.versus_suggested) {
            (None, _, _) => "undecided",
            (Some(_), None, _) => "no suggestion to compare",
            (Some(_), Some(_), Some(0)) => continue,
            (Some(_), Some(_), _) => "differs from suggestion",
        };
        let head = [
            csv_safe(r.employee_id),
            csv_safe(r.name),
            opt(r.team),
            csv_safe(r.current_level),
            opt(r.suggested_level),
            opt(r.agreed_level),
            num(r.versus_suggested),
            issue.to_owned(),
        ];
        w.write_record(head.into_iter().chain(r.tail(rec.digest)))?;
    }
    w.flush()
}

#[derive(Serialize)]
struct JsonSource<'a> {
    file: &'a str,
    decisions_id: &'a str,
    levels: &'a [String],
    team: Option<&'a str>,
    people: usize,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    format: &'static str,
    format_version: u32,
    /// The run's digest, shared by the set's three files; early, so it is read without
    /// parsing the whole file.
    run_digest: &'a str,
    ladder: JsonLadder<'a>,
    cycles: &'a [String],
    tally_sha256: &'a str,
    sources: Vec<JsonSource<'a>>,
    decided: usize,
    undecided: usize,
    outcomes: Vec<Row<'a>>,
}

/// `outcomes.json`: the same rows, with the ladder, the tally and the workbooks they came from.
pub fn json<W: Write>(mut w: W, rec: &Record) -> io::Result<()> {
    let out = rec.out;
    let decided = out.people.iter().filter(|o| o.decision.decided()).count();
    let doc = JsonOut {
        format: JSON_FORMAT,
        format_version: JSON_FORMAT_VERSION,
        run_digest: rec.digest,
        ladder: JsonLadder::of(rec.ladder),
        cycles: &rec.tally.cycles,
        tally_sha256: rec.tally_sha256,
        sources: out
            .sources
            .iter()
            .map(|s| JsonSource {
                file: &s.file,
                decisions_id: &s.prov.decisions_id,
                levels: &s.prov.scope.levels,
                team: s.prov.scope.team.as_deref(),
                people: s.decisions.len(),
            })
            .collect(),
        decided,
        undecided: out.people.len() - decided,
        outcomes: rec.rows(),
    };
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.write_all(b"\n")?;
    w.flush()
}
