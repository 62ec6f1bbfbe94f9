//! A people roster: one row per person, as HR systems export their directory, with the
//! person's manager (by employee id, email or name) and optionally peers. Every row is read
//! first; then each manager and peer is resolved to a person of the roster, and the reviews
//! derived: for each person in roster order, self, manager, then peers in the order listed.
//!
//! A manager who is not in the roster (a director outside the export) is allowed with a
//! warning, and the review goes to the name or email as written. An id that matches nobody, a
//! name or email that matches two people, a person who is their own manager or peer, a peer
//! listed twice or who is also the manager, and an employee id on two rows are errors at their
//! cells. Cycles in the manager chain are fine.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::headers::{Col, Columns, Field, Key, Kind, missing_column};
use super::{Checker, Entry, ReadAs, ReadOptions, Record, Roster, Table};
use crate::diag::Diagnostic;
use crate::sheets::strings::{Strings, Sym};
use crate::util::text::{count, plural};
use crate::workbook::ReviewerRole;

/// Errors for reviews asked for whose column a people roster lacks.
pub(super) fn missing_for_reviews(
    t: &Table<'_>,
    cols: &Columns,
    kind: Kind,
    opts: &ReadOptions<'_>,
) -> Vec<Diagnostic> {
    let (Kind::People, Some(wanted)) = (kind, opts.reviews) else {
        return Vec::new();
    };
    [
        (ReviewerRole::Manager, Field::Manager),
        (ReviewerRole::Peer, Field::Peers),
    ]
    .into_iter()
    .filter(|(role, field)| wanted.contains(role) && !cols.has(*field))
    .map(|(role, field)| {
        let mut d = missing_column(
            t,
            field,
            Some(format!(
                "{} {} reviews were asked for",
                opts.flags.reviews,
                role.as_str()
            )),
        );
        d.message = format!("{}, needed for {} reviews", d.message, role.as_str());
        d
    })
    .collect()
}

/// One row of a people roster, its text interned.
#[derive(Debug, Clone, Copy)]
struct Person {
    row: u32,
    id: Sym,
    name: Sym,
    /// First and last name, when the row has them and they differ from `name`.
    other_name: Sym,
    level: Sym,
    email: Sym,
    team: Sym,
    /// The manager and peers cells as written.
    manager: Sym,
    peers: Sym,
}

/// Which reviews to derive.
#[derive(Debug, Clone, Copy)]
struct Wanted {
    own: bool,
    manager: bool,
    peers: bool,
}

/// Reads every person, then resolves managers and peers and derives the reviews.
pub(super) fn check(
    checker: Checker<'_>,
    records: impl Iterator<Item = Record>,
    opts: &ReadOptions<'_>,
    mut read: ReadAs,
    mut warnings: Vec<Diagnostic>,
) -> Result<Roster, Vec<Diagnostic>> {
    let has = |f| checker.cols.has(f);
    let wanted = match opts.reviews {
        Some(w) => Wanted {
            own: w.contains(&ReviewerRole::SelfReview),
            manager: w.contains(&ReviewerRole::Manager),
            peers: w.contains(&ReviewerRole::Peer),
        },
        None => Wanted {
            own: true,
            manager: has(Field::Manager),
            peers: has(Field::Peers),
        },
    };
    let mut p = People {
        c: checker,
        rows: Vec::new(),
        by_id: HashMap::new(),
    };
    for rec in records {
        let (row, cells) = rec.map_err(|d| vec![d])?;
        if !cells.iter().all(String::is_empty) {
            p.read_row(row, &cells);
        }
    }
    read.people = p.rows.len();
    let index = Index::new(&p.c.strings, &p.rows);
    if wanted.manager {
        read.without_manager = p
            .rows
            .iter()
            .filter(|person| person.manager == Strings::EMPTY)
            .count();
    }
    let mut r = Resolver {
        p: &mut p,
        index: &index,
        wanted,
        entries: Vec::new(),
        external: BTreeMap::new(),
    };
    let managers = r.managers();
    r.derive(&managers);
    let Resolver {
        entries, external, ..
    } = r;
    warnings.extend(external_warnings(&p, external));
    let rows = read.people;
    p.c.finish(entries, (read, rows), warnings, opts)
}

/// The people read so far.
struct People<'t> {
    c: Checker<'t>,
    rows: Vec<Person>,
    /// Employee id → index in `people`.
    by_id: HashMap<Sym, usize>,
}

impl People<'_> {
    /// Reads one person. A row with a problem is reported and still kept (unless its id is
    /// empty or repeats an earlier row's), so that others naming the person as their manager
    /// or peer get no second, misleading error; nothing is written after a problem anyway.
    fn read_row(&mut self, row: usize, r: &[String]) {
        let mut ok = true; // problems are recorded in the checker
        let c = &mut self.c;
        let id = c.required(row, r, Field::EmployeeId, &mut ok);
        let name = c.name(row, r, &mut ok);
        let level = c.required(row, r, Field::Level, &mut ok);
        let level = c.level(row, level, &mut ok);
        let both = [Field::FirstName, Field::LastName].map(|f| c.get(r, f).value);
        let other = both.join(" ");
        let other = other.trim();
        let person = Person {
            row: u32::try_from(row).unwrap_or(u32::MAX),
            id: c.sym(id),
            name: c.sym(&name),
            other_name: if other == name {
                Strings::EMPTY
            } else {
                c.sym(other)
            },
            level: c.sym(level),
            email: c.sym(c.get(r, Field::Email).value),
            team: c.sym(c.get(r, Field::Team).value),
            manager: c.sym(c.get(r, Field::Manager).value),
            peers: c.sym(c.get(r, Field::Peers).value),
        };
        if id.is_empty() {
            return;
        }
        if let Some(&first) = self.by_id.get(&person.id) {
            let first_row = self.rows[first].row;
            self.c.errors.push(
                Diagnostic::error(
                    "roster-duplicate-id",
                    format!("the employee id `{id}` is also in row {first_row}"),
                    self.c.loc(row, Field::EmployeeId),
                )
                .with_hint("a people roster has one row per person: delete the repeated row, or fix the id"),
            );
            return;
        }
        self.by_id.insert(person.id, self.rows.len());
        self.rows.push(person);
    }
}

/// The people of the roster found by id, email and name: every key interned once, and a key
/// maps to the one person it names (a side table lists the people of keys shared by several),
/// so the index costs a few bytes a key, not an allocation.
struct Index {
    /// The shapes of the roster's ids ([`id_shape`]) that hold a digit.
    id_shapes: HashSet<String>,
    keys: Strings,
    /// (how, interned key) → the first person it names.
    first: HashMap<(Lookup, Sym), u32>,
    /// (how, interned key) → every person it names, for keys naming several.
    several: HashMap<(Lookup, Sym), Vec<u32>>,
}

/// The ways a value is looked up, in the order tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Lookup {
    Id,
    Email,
    Name,
    IdFolded,
    NameFolded,
}

impl Lookup {
    const ORDER: [Self; 5] = [
        Self::Id,
        Self::Email,
        Self::Name,
        Self::IdFolded,
        Self::NameFolded,
    ];

    fn by(self) -> By {
        match self {
            Self::Id | Self::IdFolded => By::Id,
            Self::Email => By::Email,
            Self::Name | Self::NameFolded => By::Name,
        }
    }

    /// Whether the lookup compares values ignoring case and repeated spaces.
    fn folded(self) -> bool {
        matches!(self, Self::Email | Self::IdFolded | Self::NameFolded)
    }
}

/// How a value named a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Id,
    Email,
    Name,
}

/// What a value names.
#[derive(Debug)]
enum Found {
    One(usize),
    Several(Vec<usize>, By),
    Nobody,
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Index {
    fn new(s: &Strings, people: &[Person]) -> Self {
        let mut me = Self {
            id_shapes: HashSet::new(),
            keys: Strings::new(),
            first: HashMap::new(),
            several: HashMap::new(),
        };
        for (i, p) in people.iter().enumerate() {
            let i = crate::util::to_u32(i);
            let id = s.get(p.id);
            let shape = id_shape(id);
            if shape.contains('9') {
                me.id_shapes.insert(shape);
            }
            me.add(Lookup::Id, id, i);
            me.add(Lookup::IdFolded, id, i);
            me.add(Lookup::Email, s.get(p.email), i);
            for name in [p.name, p.other_name] {
                me.add(Lookup::Name, s.get(name), i);
                me.add(Lookup::NameFolded, s.get(name), i);
            }
        }
        me
    }

    fn add(&mut self, how: Lookup, value: &str, person: u32) {
        let key = if how.folded() {
            fold(value)
        } else {
            value.to_owned()
        };
        if key.is_empty() {
            return;
        }
        // More distinct keys than a symbol can number: that roster is refused as too large.
        let Some(sym) = self.keys.intern(&key) else {
            return;
        };
        match self.first.get(&(how, sym)) {
            None => {
                self.first.insert((how, sym), person);
            }
            Some(&first) if first != person => {
                let list = self
                    .several
                    .entry((how, sym))
                    .or_insert_with(|| vec![first]);
                if !list.contains(&person) {
                    list.push(person);
                }
            }
            Some(_) => {}
        }
    }

    /// Whether a value reads as one of the roster's employee ids rather than a name or email.
    fn looks_like_id(&self, value: &str) -> bool {
        !value.contains(char::is_whitespace)
            && !value.contains('@')
            && self.id_shapes.contains(&id_shape(value))
    }

    /// The person `value` names, looked up as `key` allows: exact id, email, exact name, then
    /// id and name ignoring case and repeated spaces.
    fn find(&self, value: &str, key: Key) -> Found {
        let folded = fold(value);
        for how in Lookup::ORDER {
            let allowed = match key {
                Key::Any => true,
                Key::Id => how.by() == By::Id,
                Key::Email => how.by() == By::Email,
                Key::Name => how.by() == By::Name,
            };
            let k = if how.folded() { folded.as_str() } else { value };
            let Some(sym) = self.keys.find(k).filter(|_| allowed) else {
                continue;
            };
            if let Some(list) = self.several.get(&(how, sym)) {
                return Found::Several(list.iter().map(|&i| i as usize).collect(), how.by());
            }
            if let Some(&one) = self.first.get(&(how, sym)) {
                return Found::One(one as usize);
            }
        }
        Found::Nobody
    }
}

/// A manager or peer as resolved: a person of the roster, or a reviewer outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Person(usize),
    /// Outside the roster, named by this text.
    Outside(Sym),
}

/// Resolves managers and peers, and derives the reviews.
struct Resolver<'p, 't> {
    p: &'p mut People<'t>,
    index: &'p Index,
    wanted: Wanted,
    entries: Vec<Entry>,
    /// Reviewers outside the roster: (column, text) → rows of the people they review.
    external: BTreeMap<(usize, Sym), Vec<u32>>,
}

impl Resolver<'_, '_> {
    /// Each person's manager (`None`: no manager cell, or manager reviews not asked for).
    fn managers(&mut self) -> Vec<Option<Who>> {
        let Some(col) = self
            .p
            .c
            .cols
            .get(Field::Manager)
            .filter(|_| self.wanted.manager)
        else {
            return vec![None; self.p.rows.len()];
        };
        (0..self.p.rows.len())
            .map(|i| {
                let person = self.p.rows[i];
                let value = self.p.c.strings.get(person.manager).to_owned();
                if value.is_empty() {
                    return None;
                }
                let who = self.resolve(i, &value, col, "manager")?;
                if who == Who::Person(i) {
                    self.error(
                        i,
                        Some(col.index),
                        "roster-self-manager",
                        format!("{} is their own manager", self.quoted_name(i)),
                        "leave the manager empty for a person without one, or fix the cell",
                    );
                    return None;
                }
                Some(who)
            })
            .collect()
    }

    /// The person a manager or peer cell names; errors and reviewers outside the roster are
    /// noted. `None` after an error. A value that names nobody is a mistake when it is an id:
    /// in a column of ids, or shaped like the roster's ids (`E1042` among `E…` ids); otherwise
    /// it is someone outside the roster.
    fn resolve(&mut self, i: usize, value: &str, col: Col, what: &str) -> Option<Who> {
        match self.index.find(value, col.key) {
            Found::One(j) => Some(Who::Person(j)),
            Found::Several(list, by) => {
                let rows: Vec<String> = list
                    .iter()
                    .map(|&j| format!("row {}", self.p.rows[j].row))
                    .collect();
                let by = match by {
                    By::Id => "employee id",
                    By::Email => "email",
                    By::Name => "name",
                };
                self.error(
                    i,
                    Some(col.index),
                    "roster-ambiguous-person",
                    format!(
                        "the {what} `{value}` could be any of {} people with this {by}: {}",
                        list.len(),
                        rows.join(", ")
                    ),
                    "name them by employee id (or a unique email) instead",
                );
                None
            }
            Found::Nobody
                if col.key == Key::Id
                    || (col.key == Key::Any && self.index.looks_like_id(value)) =>
            {
                self.error(
                    i,
                    Some(col.index),
                    "roster-unknown-id",
                    format!(
                        "no person in the roster has the employee id `{value}` (the {what} of {})",
                        self.quoted_name(i)
                    ),
                    "fix the id, or add that person's row to the roster",
                );
                None
            }
            Found::Nobody => {
                let sym = self.p.c.sym(value);
                self.external
                    .entry((col.index, sym))
                    .or_default()
                    .push(self.p.rows[i].row);
                Some(Who::Outside(sym))
            }
        }
    }

    fn quoted_name(&self, i: usize) -> String {
        format!("`{}`", self.p.c.strings.get(self.p.rows[i].name))
    }

    fn error(
        &mut self,
        i: usize,
        col: Option<usize>,
        code: &'static str,
        message: String,
        hint: &str,
    ) {
        let row = self.p.rows[i].row as usize;
        let loc = self.p.c.t.loc(row, col);
        self.p
            .c
            .errors
            .push(Diagnostic::error(code, message, loc).with_hint(hint));
    }

    /// The peers of person `i`, resolved (an empty list after errors).
    fn peers(&mut self, i: usize, manager: Option<Who>) -> Vec<Who> {
        let Some(col) = self
            .p
            .c
            .cols
            .get(Field::Peers)
            .filter(|_| self.wanted.peers)
        else {
            return Vec::new();
        };
        let cell = self.p.c.strings.get(self.p.rows[i].peers).to_owned();
        let mut out: Vec<Who> = Vec::new();
        for value in split_list(&cell) {
            let Some(who) = self.resolve(i, value, col, "peer") else {
                continue;
            };
            let problem = if who == Who::Person(i) {
                Some((
                    "roster-self-peer",
                    format!("{} is listed as their own peer", self.quoted_name(i)),
                    "remove them from their peers",
                ))
            } else if out.contains(&who) {
                Some((
                    "roster-duplicate-review",
                    format!(
                        "`{value}` is listed twice as a peer of {}",
                        self.quoted_name(i)
                    ),
                    "list each peer once: one reviewer gets one review per person",
                ))
            } else if manager == Some(who) && self.wanted.manager {
                Some((
                    "roster-peer-is-manager",
                    format!(
                        "`{value}` is both the manager and a peer of {}",
                        self.quoted_name(i)
                    ),
                    "remove the manager from the peers: the manager review covers them",
                ))
            } else {
                None
            };
            match problem {
                Some((code, message, hint)) => self.error(i, Some(col.index), code, message, hint),
                None => out.push(who),
            }
        }
        out
    }

    /// Every person's reviews, in roster order: self, manager, peers.
    fn derive(&mut self, managers: &[Option<Who>]) {
        for (i, &manager) in managers.iter().enumerate() {
            let mut reviewers: Vec<(Who, ReviewerRole)> = Vec::new();
            if self.wanted.own {
                reviewers.push((Who::Person(i), ReviewerRole::SelfReview));
            }
            if let Some(m) = manager {
                reviewers.push((m, ReviewerRole::Manager));
            }
            let peers = self.peers(i, manager);
            reviewers.extend(peers.into_iter().map(|w| (w, ReviewerRole::Peer)));
            self.add_reviews(i, &reviewers);
        }
    }

    /// The reviews of person `i`. Two reviewers with the same name would share a form id (it
    /// is made from the reviewer's name): an error.
    fn add_reviews(&mut self, i: usize, reviewers: &[(Who, ReviewerRole)]) {
        let person = self.p.rows[i];
        let mut names: Vec<String> = Vec::new();
        for &(who, role) in reviewers {
            let (reviewer, reviewer_id) = match who {
                Who::Person(j) => (self.p.rows[j].name, self.p.rows[j].id),
                Who::Outside(text) => (text, Strings::EMPTY),
            };
            let folded = fold(self.p.c.strings.get(reviewer));
            if names.contains(&folded) {
                let field = if role == ReviewerRole::Peer {
                    Field::Peers
                } else {
                    Field::Manager
                };
                let col = self.p.c.cols.get(field).map(|c| c.index);
                self.error(
                    i,
                    col,
                    "roster-same-reviewer-name",
                    format!(
                        "two reviewers of {} are called `{}`; their workbooks could not be told apart",
                        self.quoted_name(i),
                        self.p.c.strings.get(reviewer)
                    ),
                    "make the names differ in the roster (e.g. add a middle initial), or leave one of them out",
                );
                continue;
            }
            names.push(folded);
            self.entries.push(Entry {
                row: person.row,
                employee_id: person.id,
                name: person.name,
                level: person.level,
                reviewer,
                reviewer_id,
                email: person.email,
                team: person.team,
                role,
            });
        }
    }
}

/// The shape of an id: every run of digits as one `9` (`E1042` → `E9`, `W-17` → `W-9`).
fn id_shape(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('9') {
                out.push('9');
            }
        } else {
            out.push(c.to_ascii_uppercase());
        }
    }
    out
}

/// The items of a list cell: separated by `;` when it has one (so names written `Last, First`
/// keep their comma), else by `,`; line breaks separate too.
fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    let sep: &[char] = if cell.contains(';') {
        &[';', '\n', '\r']
    } else {
        &[',', '\n', '\r']
    };
    cell.split(sep).map(str::trim).filter(|s| !s.is_empty())
}

/// One warning per reviewer outside the roster, naming the people they review.
fn external_warnings(
    p: &People<'_>,
    external: BTreeMap<(usize, Sym), Vec<u32>>,
) -> Vec<Diagnostic> {
    external
        .into_iter()
        .map(|((col, sym), rows)| {
            let text = p.c.strings.get(sym);
            let (code, what) = if p.c.cols.get(Field::Peers).is_some_and(|c| c.index == col) {
                ("roster-outside-peer", ("peer", "peers"))
            } else {
                ("roster-outside-manager", ("manager", "managers"))
            };
            let shown: Vec<String> = rows.iter().take(5).map(u32::to_string).collect();
            let more = if rows.len() > 5 { ", …" } else { "" };
            let rows_word = plural(rows.len(), "row", "rows");
            Diagnostic::warning(
                code,
                format!(
                    "`{text}`, the {} of {} ({rows_word} {}{more}), is not in the roster: their reviews go to `{text}` as written",
                    what.0,
                    count(rows.len(), "person", "people"),
                    shown.join(", ")
                ),
                p.c.t.loc(rows[0] as usize, Some(col)),
            )
            .with_hint(format!(
                "nothing to do for {} outside this export; otherwise add their row, or fix the spelling, so that it names a person of the roster",
                what.1
            ))
        })
        .collect()
}
