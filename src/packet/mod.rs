//! `rungs packet`: the calibration packet, printed from a tally. It reads only `tally.json`
//! (through `tally::read`, which checks it against the ladder) and the ladder, picks the people
//! to print ([`select`]), decides the documents (one packet, one per group, one per person) and
//! builds each one's data ([`data`]); `pdf` typesets them with `layouts/packet.typ`.

pub mod data;
pub mod set;

use std::collections::{BTreeMap, HashSet};

use crate::diag::{Diagnostic, Error, Flags};
use crate::ladder::slug;
use crate::model::Ladder;
use crate::sheets::names::sanitize_component;
use crate::tally::read::{Person, TallyFile};
use crate::util::text::{count, shorten};
use data::{Group, Job, PacketData, Scope};

/// Folder of the per-person PDFs (`--split`), inside the output folder.
pub const PEOPLE_DIR: &str = "people";
/// The packet of everyone selected.
pub const PACKET_FILE: &str = "packet.pdf";

/// What to print and for whom.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only people currently at these levels (codes, any case).
    pub levels: Vec<String>,
    /// Only people of this team (any case).
    pub team: Option<String>,
    /// Only these people (employee ids).
    pub people: Vec<String>,
    /// Also one PDF per person.
    pub split: bool,
    /// One packet per group instead of one for everyone.
    pub group_by: Option<GroupBy>,
    /// Peers named `Peer 1`, `Peer 2`, … per person.
    pub anonymous_peers: bool,
    /// Evidence texts printed.
    pub evidence: bool,
    /// The tally's file name, printed where the packet points to the full texts.
    pub source: String,
    pub flags: Flags,
}

/// How `--group-by` splits the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Team,
    Level,
}

/// One document to make: its path inside the output folder and its data.
#[derive(Debug)]
pub struct Planned {
    pub file: String,
    pub data: PacketData,
}

/// The documents of a run, and warnings about the selection.
#[derive(Debug)]
pub struct Plan {
    pub documents: Vec<Planned>,
    /// People selected.
    pub people: usize,
    pub warnings: Vec<Diagnostic>,
}

/// Picks the people and plans the documents. Every problem with the selection (an unknown
/// level, team or person) is reported at once.
pub fn plan(tally: &TallyFile, ladder: &Ladder, opts: &Options) -> Result<Plan, Error> {
    let chosen = select(tally, ladder, opts)?;
    let mut warnings = Vec::new();
    let filtered = !opts.levels.is_empty() || opts.team.is_some() || !opts.people.is_empty();
    if chosen.is_empty() && filtered {
        warnings.push(Diagnostic::note(
            "packet-empty",
            "no person of the tally matches all the filters given; the packet lists nobody",
        ));
    }
    let mut names = Names::default();
    let mut documents = Vec::new();
    let mut add = |file: String, document: &'static str, group: Option<Group>, people: &[usize]| {
        let job = Job {
            document,
            file: file.clone(),
            group,
            part: "all",
            first: true,
            continues: false,
            page: 0,
            pages: 0,
            total: 0,
        };
        let data = data::build(tally, ladder, opts, Scope { people, job });
        documents.push(Planned { file, data });
    };
    match opts.group_by {
        None => add(names.unique(PACKET_FILE), "packet", None, &chosen),
        Some(by) => {
            for (value, people) in groups(tally, ladder, &chosen, by) {
                let file = names.unique(&group_file(by, value.as_deref(), ladder));
                let by = match by {
                    GroupBy::Team => "team",
                    GroupBy::Level => "level",
                };
                add(file, "packet", Some(Group { by, value }), &people);
            }
        }
    }
    if opts.split {
        for &i in &chosen {
            let p = &tally.tally.people[i];
            let file = names.unique(&person_file(p));
            add(file, "person", None, &[i]);
        }
    }
    Ok(Plan {
        documents,
        people: chosen.len(),
        warnings,
    })
}

/// The people selected (indexes into the tally), in print order: by current level, then name
/// and employee id.
fn select(tally: &TallyFile, ladder: &Ladder, opts: &Options) -> Result<Vec<usize>, Error> {
    let people = &tally.tally.people;
    let mut problems = Vec::new();
    let levels: Vec<&str> = opts
        .levels
        .iter()
        .filter_map(|code| {
            let found = level_code(ladder, code);
            if found.is_none() {
                let codes: Vec<&str> = ladder.levels.iter().map(|l| l.code.as_str()).collect();
                problems.push(
                    Diagnostic::failure(
                        "unknown-level",
                        format!("the ladder has no level `{}`", shorten(code, 40)),
                    )
                    .with_hint(format!("its levels are {}", codes.join(", "))),
                );
            }
            found
        })
        .collect();
    if let Some(team) = &opts.team
        && let Some(d) = unknown_team(people, team, &opts.flags)
    {
        problems.push(d);
    }
    let ids: HashSet<&str> = people.iter().map(|p| p.employee_id.as_str()).collect();
    let unknown: Vec<String> = opts
        .people
        .iter()
        .filter(|id| !ids.contains(id.trim()))
        .map(|id| format!("`{}`", shorten(id, 40)))
        .collect();
    if !unknown.is_empty() {
        let some: Vec<&str> = people
            .iter()
            .take(3)
            .map(|p| p.employee_id.as_str())
            .collect();
        problems.push(
            Diagnostic::failure(
                "unknown-person",
                format!(
                    "the tally has no person with the employee id {}",
                    unknown.join(", ")
                ),
            )
            .with_hint(format!(
                "give employee ids as the tally lists them (of {}: {}{})",
                count(people.len(), "person", "people"),
                some.join(", "),
                if people.len() > 3 { ", …" } else { "" }
            )),
        );
    }
    if !problems.is_empty() {
        return Err(Error::input(problems));
    }
    let wanted: HashSet<&str> = opts.people.iter().map(|s| s.trim()).collect();
    let mut chosen: Vec<usize> = (0..people.len())
        .filter(|&i| {
            let p = &people[i];
            (levels.is_empty() || levels.contains(&p.current_level.as_str()))
                && opts.team.as_ref().is_none_or(|t| same_team(p, t))
                && (wanted.is_empty() || wanted.contains(p.employee_id.as_str()))
        })
        .collect();
    chosen.sort_by_key(|&i| {
        let p = &people[i];
        let level = ladder.level(&p.current_level).map_or(0, |l| l.index);
        (level, p.name.as_str(), p.employee_id.as_str())
    });
    Ok(chosen)
}

/// The ladder's code for `code`: exactly, or ignoring case when that finds one level.
pub(crate) fn level_code<'l>(ladder: &'l Ladder, code: &str) -> Option<&'l str> {
    let code = code.trim();
    if let Some(l) = ladder.level(code) {
        return Some(&l.code);
    }
    let mut loose = ladder
        .levels
        .iter()
        .filter(|l| l.code.eq_ignore_ascii_case(code));
    match (loose.next(), loose.next()) {
        (Some(l), None) => Some(&l.code),
        _ => None,
    }
}

pub(crate) fn same_team(p: &Person, team: &str) -> bool {
    p.team
        .as_deref()
        .is_some_and(|t| t.trim().to_lowercase() == team.trim().to_lowercase())
}

/// Why `--team` cannot match: the tally has no teams, or not this one.
pub(crate) fn unknown_team(people: &[Person], team: &str, flags: &Flags) -> Option<Diagnostic> {
    if people.iter().any(|p| same_team(p, team)) {
        return None;
    }
    let teams = teams(people);
    let d = if teams.is_empty() {
        Diagnostic::failure(
            "no-teams",
            "the tally has no teams: it records a person's team only when it was made with the manifest of a roster with a team column",
        )
        .with_hint(format!(
            "run `rungs tally` with {} (the manifest `rungs sheets` wrote from a roster with a team column), then print the packet again",
            flags.manifest
        ))
    } else {
        Diagnostic::failure(
            "unknown-team",
            format!(
                "no person of the tally is in the team `{}`",
                shorten(team, 40)
            ),
        )
        .with_hint(format!("its teams are {}", teams.join(", ")))
    };
    Some(d)
}

/// The teams of the tally, sorted.
fn teams(people: &[Person]) -> Vec<String> {
    let mut teams: Vec<String> = people.iter().filter_map(|p| p.team.clone()).collect();
    teams.sort();
    teams.dedup();
    teams
}

/// The selected people by group, in order (levels lowest first; teams by name, people
/// without a team last), each group in print order.
fn groups(
    tally: &TallyFile,
    ladder: &Ladder,
    chosen: &[usize],
    by: GroupBy,
) -> Vec<(Option<String>, Vec<usize>)> {
    // (order, value) → people
    let mut groups: BTreeMap<(usize, Option<String>), Vec<usize>> = BTreeMap::new();
    for &i in chosen {
        let p = &tally.tally.people[i];
        let key = match by {
            GroupBy::Level => (
                ladder.level(&p.current_level).map_or(0, |l| l.index),
                Some(p.current_level.clone()),
            ),
            GroupBy::Team => match &p.team {
                Some(t) => (0, Some(t.clone())),
                None => (1, None),
            },
        };
        groups.entry(key).or_default().push(i);
    }
    groups
        .into_iter()
        .map(|((_, value), people)| (value, people))
        .collect()
}

/// `packet-L3-senior-sre.pdf`, `packet-platform.pdf`, `packet-no-team.pdf`.
fn group_file(by: GroupBy, value: Option<&str>, ladder: &Ladder) -> String {
    let stem = match (by, value) {
        (GroupBy::Level, Some(code)) => {
            let title = ladder
                .level(code)
                .map_or_else(String::new, |l| slug(&l.title));
            join_slugs(code, &title)
        }
        (GroupBy::Team, Some(team)) => readable(team),
        (_, None) => "no-team".to_owned(),
    };
    sanitize_component(&format!("packet-{stem}.pdf"))
}

/// `people/E1001-amara-okafor.pdf`.
fn person_file(p: &Person) -> String {
    let name = join_slugs(&p.employee_id, &slug(&p.name));
    format!(
        "{PEOPLE_DIR}/{}",
        sanitize_component(&format!("{name}.pdf"))
    )
}

/// `a-b`, or whichever is not empty.
fn join_slugs(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (false, false) => format!("{a}-{b}"),
        (false, true) => a.to_owned(),
        _ => b.to_owned(),
    }
}

/// The slug of `s`, or `s` itself when it has no letters or digits.
fn readable(s: &str) -> String {
    let slugged = slug(s);
    if slugged.is_empty() {
        s.to_owned()
    } else {
        slugged
    }
}

/// File names given so far, so that none repeats (compared ignoring case, for file systems
/// that do): a repeat gets `-2`, `-3`, … before its extension.
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    fn unique(&mut self, name: &str) -> String {
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let mut candidate = name.to_owned();
        let mut n = 2;
        while !self.0.insert(candidate.to_lowercase()) {
            candidate = format!("{stem}-{n}.{ext}");
            n += 1;
        }
        candidate
    }
}

#[cfg(test)]
mod tests;
