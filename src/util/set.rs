//! Output files that belong together (one run's set: the tally's three files, the outcomes'
//! three, a packet's PDFs): the run digest each file carries in its own metadata, and a
//! folder's set read back and judged whole, incomplete (files missing, the rest of one run) or
//! mixed (files of different runs), with the message that says which file is from which run.
//! Each set brings its own words ([`Wording`]) and the readers of its formats; the CSV and JSON
//! readers are here, shared.
//!
//! The sets are written by [`super::atomic::write_set`] or [`super::atomic::Staged`]: every
//! file complete and synced before the first rename, so only a run stopped during the renames
//! can leave a set that is not whole.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, ErrorKind};
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use sha2::{Digest as _, Sha256};

use crate::diag::{Diagnostic, Location};
use crate::util::text::{count, hex, list, plural};

/// Where a CSV keeps the digest (a column, the same on every row) and a JSON file (a top-level
/// field, early in the file).
pub const DIGEST_FIELD: &str = "run_digest";

/// A run's digest being made: 16 hex digits of SHA-256 over the fields given, each
/// length-prefixed (so no two sequences of fields hash alike), and raw bytes where their
/// length is fixed.
pub struct RunDigest {
    hasher: Sha256,
    /// Bytes not yet hashed: many small fields are hashed in few calls.
    pending: Vec<u8>,
}

impl RunDigest {
    /// A digest whose first field, `kind`, names what it is a digest of and its layout
    /// (`rungs tally run 1`), so that digests of different sets never meet.
    pub fn new(kind: &str) -> Self {
        let mut d = Self {
            hasher: Sha256::new(),
            pending: Vec::with_capacity(4096),
        };
        d.field(kind.as_bytes());
        d
    }

    /// Adds one field, length-prefixed.
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.raw(&(bytes.len() as u64).to_le_bytes()).raw(bytes)
    }

    /// Adds a count (of the items of a list that follows, so that where it ends is known).
    pub fn count(&mut self, n: usize) -> &mut Self {
        self.field(&(n as u64).to_le_bytes())
    }

    /// Adds bytes as they are (for values of a fixed length).
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= 4096 {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
        self
    }

    /// The digest: 16 hex digits.
    pub fn finish(mut self) -> String {
        self.hasher.update(&self.pending);
        hex(&self.hasher.finalize()[..8])
    }
}

/// What one file of a set says about its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    /// The file is not there.
    Missing,
    /// It carries this digest.
    Digest(String),
    /// It is a file of the set with no place to carry the digest (a CSV with a header and no
    /// rows): it fits any run.
    Blank,
    /// It is a file of the set without a digest (an older rungs wrote it, or it was re-saved).
    NoDigest,
    /// It cannot be read as that file of the set: why.
    Unreadable(String),
}

/// The words a set's messages use.
#[derive(Debug)]
pub struct Wording {
    /// Codes: the set's files come from different runs; some are missing and the others agree;
    /// no file of the set is there; none carries a digest.
    pub mixed_code: &'static str,
    pub incomplete_code: &'static str,
    pub none_code: &'static str,
    pub unchecked_code: &'static str,
    /// What the set is called: `tally`, `outcomes`, `packet`.
    pub noun: &'static str,
    /// Whether the noun takes a plural verb (`the outcomes are`).
    pub plural: bool,
    /// Its files: (`file`, `files`), (`PDF`, `PDFs`).
    pub unit: (&'static str, &'static str),
    /// What a file that cannot be read was expected to be: `a rungs tally`.
    pub what: &'static str,
    /// How to mend a set that is not whole.
    pub hint: &'static str,
    /// How to get a set that can be checked, when none of its files carries a digest.
    pub again: &'static str,
}

impl Wording {
    /// `the tally is`, `the outcomes are`.
    fn is(&self) -> String {
        format!(
            "the {} {}",
            self.noun,
            if self.plural { "are" } else { "is" }
        )
    }

    /// `tally's`, `outcomes'`.
    pub fn owner(&self) -> String {
        if self.plural {
            format!("{}'", self.noun)
        } else {
            format!("{}'s", self.noun)
        }
    }

    /// `the tally in DIR carries no run digest …`: a set none of whose files can be told.
    pub fn unchecked(&self, dir: &Path) -> String {
        format!(
            "the {} in {} {} no run digest (an older rungs wrote it): whether {} files belong together cannot be told",
            self.noun,
            dir.display(),
            if self.plural { "carry" } else { "carries" },
            if self.plural { "their" } else { "its" }
        )
    }
}

/// The set in a folder: what each file carries.
#[derive(Debug)]
pub struct Set {
    /// Each file (its path inside the folder, e.g. `tally.csv` or `people/E1.pdf`) and what it
    /// carries, in the set's order.
    pub files: Vec<(String, Carried)>,
    /// For a set found in the folder rather than named in advance (a packet's PDFs): how many
    /// files each run wrote, by digest, as its files say. Empty for a named set.
    sizes: BTreeMap<String, usize>,
}

impl Set {
    /// The files `names` in `dir`, each read by `read` (given its path and name) when it is
    /// there.
    pub fn named(dir: &Path, names: &[&str], read: impl Fn(&Path, &str) -> Carried) -> Self {
        let files = names
            .iter()
            .map(|&name| {
                let path = dir.join(name);
                let carried = match std::fs::metadata(&path) {
                    Err(e) if e.kind() == ErrorKind::NotFound => Carried::Missing,
                    Err(e) => Carried::Unreadable(e.to_string()),
                    Ok(_) => read(&path, name),
                };
                (name.to_owned(), carried)
            })
            .collect();
        Self {
            files,
            sizes: BTreeMap::new(),
        }
    }

    /// The files found in a folder, each with what it carries and, with a digest, how many
    /// files its run wrote.
    pub fn found(found: Vec<(String, Carried, Option<usize>)>) -> Self {
        let mut sizes = BTreeMap::new();
        let files = found
            .into_iter()
            .map(|(name, carried, size)| {
                if let (Carried::Digest(d), Some(n)) = (&carried, size) {
                    sizes.entry(d.clone()).or_insert(n);
                }
                (name, carried)
            })
            .collect();
        Self { files, sizes }
    }

    /// The digest all the files carry, when they form one whole set.
    pub fn whole(&self) -> Option<&str> {
        let mut run: Option<&str> = None;
        for (_, c) in &self.files {
            match c {
                Carried::Digest(d) if run.is_none_or(|r| r == d) => run = Some(d),
                Carried::Blank => {}
                _ => return None,
            }
        }
        let run = run?;
        let size = self.sizes.get(run).copied().unwrap_or(0);
        (self.files.len() >= size).then_some(run)
    }

    /// Whether no file of the set is there.
    pub fn is_empty(&self) -> bool {
        self.files.iter().all(|(_, c)| *c == Carried::Missing)
    }

    /// What the files are: `tally.xlsx, tally.csv, tally.json`, or `5 PDFs` for a set found.
    pub fn members(&self, words: &Wording) -> String {
        if self.sizes.is_empty() {
            let names: Vec<&str> = self.files.iter().map(|(n, _)| n.as_str()).collect();
            names.join(", ")
        } else {
            count(self.files.len(), words.unit.0, words.unit.1)
        }
    }

    /// What is wrong with the set in `dir`, as a warning; `None` when it is whole, absent, or
    /// written by a rungs without digests (nothing to compare).
    pub fn problem(&self, dir: &Path, words: &Wording) -> Option<Diagnostic> {
        if self.whole().is_some() || self.is_empty() {
            return None;
        }
        let at = Location::File {
            file: dir.display().to_string(),
        };
        let unreadable: Vec<String> = self
            .files
            .iter()
            .filter_map(|(n, c)| match c {
                Carried::Unreadable(why) => Some(format!("{n}: {why}")),
                _ => None,
            })
            .collect();
        if self.with(|c| matches!(c, Carried::Digest(_))).is_empty() && unreadable.is_empty() {
            // Only files an older rungs wrote (or re-saved ones): nothing tells their runs.
            return None;
        }
        let (code, message) = if unreadable.is_empty() && self.distinct() <= 1 {
            (
                words.incomplete_code,
                format!("{} incomplete: {}", words.is(), self.missing(words)),
            )
        } else {
            (
                words.mixed_code,
                format!(
                    "the {} {} come from different runs: {}",
                    words.owner(),
                    words.unit.1,
                    self.runs(words)
                ),
            )
        };
        Some(
            Diagnostic::warning(code, message, at)
                .with_details(unreadable)
                .with_hint(words.hint),
        )
    }

    /// The names of the files whose carried value passes `f`.
    fn with(&self, f: impl Fn(&Carried) -> bool) -> Vec<&str> {
        self.files
            .iter()
            .filter(|(_, c)| f(c))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// How many different things the present files carry (a digest each, or none).
    fn distinct(&self) -> usize {
        let mut seen: Vec<&Carried> = Vec::new();
        for (_, c) in &self.files {
            if !matches!(c, Carried::Missing | Carried::Blank) && !seen.contains(&c) {
                seen.push(c);
            }
        }
        seen.len()
    }

    /// What is missing of a set whose present files agree: `tally.csv is missing`, or `2 of the
    /// 5 PDFs of run 0123… are missing`.
    fn missing(&self, words: &Wording) -> String {
        let run = self.files.iter().find_map(|(_, c)| match c {
            Carried::Digest(d) => self.sizes.get(d).map(|n| (d, *n)),
            _ => None,
        });
        if let Some((run, size)) = run {
            let gone = size.saturating_sub(self.files.len());
            return format!(
                "{gone} of the {} of run {run} {} missing",
                count(size, words.unit.0, words.unit.1),
                plural(gone, "is", "are")
            );
        }
        let missing = self.with(|c| *c == Carried::Missing);
        format!(
            "{} {} missing",
            list(&missing),
            plural(missing.len(), "is", "are")
        )
    }

    /// The present files grouped by run: `tally.xlsx is from run A; tally.csv and tally.json
    /// are from run B`, each run's share of its set when the files say it.
    fn runs(&self, words: &Wording) -> String {
        let mut groups: Vec<(&Carried, Vec<&str>)> = Vec::new();
        for (name, c) in &self.files {
            if matches!(c, Carried::Missing | Carried::Unreadable(_)) {
                continue;
            }
            match groups.iter_mut().find(|(g, _)| *g == c) {
                Some((_, names)) => names.push(name),
                None => groups.push((c, vec![name])),
            }
        }
        let mut parts: Vec<String> = groups
            .iter()
            .map(|(c, names)| {
                let n = names.len();
                let (is, has) = (plural(n, "is", "are"), plural(n, "has", "have"));
                match c {
                    Carried::Digest(d) => {
                        let share = self.sizes.get(d).map_or_else(String::new, |&size| {
                            if n >= size {
                                " (its whole set)".to_owned()
                            } else {
                                format!(" ({n} of its {})", count(size, words.unit.0, words.unit.1))
                            }
                        });
                        format!("{} {is} from run {d}{share}", list(names))
                    }
                    Carried::Blank => {
                        format!("{} {has} no row to carry a run digest", list(names))
                    }
                    _ => format!(
                        "{} {has} no run digest (an older rungs or another application wrote it)",
                        list(names)
                    ),
                }
            })
            .collect();
        let unreadable = self.with(|c| matches!(c, Carried::Unreadable(_)));
        if !unreadable.is_empty() {
            parts.push(format!(
                "{} cannot be read as {}",
                list(&unreadable),
                words.what
            ));
        }
        let missing = self.with(|c| *c == Carried::Missing);
        if !missing.is_empty() {
            let is = plural(missing.len(), "is", "are");
            parts.push(format!("{} {is} missing", list(&missing)));
        }
        parts.join("; ")
    }
}

/// The digest a CSV of a set carries: the [`DIGEST_FIELD`] column of its first row.
pub fn from_csv(path: &Path) -> Carried {
    let mut r = match csv::Reader::from_path(path) {
        Ok(r) => r,
        Err(e) => return Carried::Unreadable(e.to_string()),
    };
    let column = match r.headers() {
        Ok(h) => h.iter().position(|c| c == DIGEST_FIELD),
        Err(e) => return Carried::Unreadable(e.to_string()),
    };
    let Some(column) = column else {
        return Carried::NoDigest;
    };
    match r.records().next() {
        Some(Ok(row)) => row
            .get(column)
            .map_or(Carried::NoDigest, |d| Carried::Digest(d.to_owned())),
        Some(Err(e)) => Carried::Unreadable(e.to_string()),
        None => Carried::Blank,
    }
}

/// The digest a JSON file of a set carries, after its `format` (which must be `format`), read
/// from its first fields only: the visitor stops at the digest, so a large file is not parsed
/// whole (`serde_json` then reports the unread rest, which is expected and ignored).
pub fn from_json(path: &Path, format: &str) -> Carried {
    #[derive(Default)]
    struct Head {
        format: Option<String>,
        digest: Option<String>,
    }
    struct Seed<'a>(&'a mut Head);
    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "format" => self.0.format = Some(map.next_value()?),
                    DIGEST_FIELD => {
                        self.0.digest = Some(map.next_value()?);
                        return Ok(());
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return Carried::Unreadable(e.to_string()),
    };
    let mut head = Head::default();
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let parsed: Result<(), serde_json::Error> = Seed(&mut head).deserialize(&mut de);
    let no_format = || "it has no `format` field".to_owned();
    match (head.format.as_deref(), head.digest) {
        (Some(f), Some(d)) if f == format => Carried::Digest(d),
        (Some(f), None) if f == format => parsed.map_or_else(
            |e| Carried::Unreadable(e.to_string()),
            |()| Carried::NoDigest,
        ),
        (Some(other), _) => Carried::Unreadable(format!("its format is '{other}', not '{format}'")),
        (None, Some(_)) => Carried::Unreadable(no_format()),
        (None, None) => Carried::Unreadable(parsed.err().map_or_else(no_format, |e| e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: Wording = Wording {
        mixed_code: "x-mixed",
        incomplete_code: "x-incomplete",
        none_code: "no-x",
        unchecked_code: "x-unchecked",
        noun: "packet",
        plural: false,
        unit: ("PDF", "PDFs"),
        what: "a PDF",
        hint: "run it again",
        again: "run it again",
    };

    fn found(files: &[(&str, Option<&str>, usize)]) -> Set {
        Set::found(
            files
                .iter()
                .map(|&(name, d, n)| {
                    let c = d.map_or(Carried::NoDigest, |d| Carried::Digest(d.to_owned()));
                    (name.to_owned(), c, Some(n))
                })
                .collect(),
        )
    }

    fn message(set: &Set) -> Option<String> {
        set.problem(Path::new("out"), &WORDS)
            .map(|d| format!("{}: {}", d.code, d.message))
    }

    #[test]
    fn a_found_set_is_whole_incomplete_or_mixed_by_its_runs_sizes() {
        let whole = found(&[("a.pdf", Some("r1"), 2), ("b.pdf", Some("r1"), 2)]);
        assert_eq!(whole.whole(), Some("r1"));
        assert_eq!(message(&whole), None);
        assert_eq!(whole.members(&WORDS), "2 PDFs");

        let short = found(&[("a.pdf", Some("r1"), 3), ("b.pdf", Some("r1"), 3)]);
        assert_eq!(short.whole(), None);
        assert_eq!(
            message(&short).as_deref(),
            Some("x-incomplete: the packet is incomplete: 1 of the 3 PDFs of run r1 is missing")
        );

        let mixed = found(&[
            ("a.pdf", Some("r1"), 1),
            ("b.pdf", Some("r2"), 3),
            ("c.pdf", Some("r2"), 3),
            ("d.pdf", None, 0),
        ]);
        assert_eq!(
            message(&mixed).as_deref(),
            Some(
                "x-mixed: the packet's PDFs come from different runs: a.pdf is from run r1 (its whole set); b.pdf and c.pdf are from run r2 (2 of its 3 PDFs); d.pdf has no run digest (an older rungs or another application wrote it)"
            )
        );
    }

    #[test]
    fn a_named_set_tells_missing_files_and_blank_ones_fit_any_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.csv"), "x,run_digest\n1,r1\n").expect("write");
        std::fs::write(dir.path().join("b.csv"), "x,run_digest\n").expect("write");
        let names = ["a.csv", "b.csv", "c.csv"];
        let set = Set::named(dir.path(), &names, |p, _| from_csv(p));
        assert_eq!(set.files[1].1, Carried::Blank);
        assert_eq!(
            message(&set).as_deref(),
            Some("x-incomplete: the packet is incomplete: c.csv is missing")
        );
        std::fs::write(dir.path().join("c.csv"), "x,run_digest\n2,r1\n").expect("write");
        let set = Set::named(dir.path(), &names, |p, _| from_csv(p));
        assert_eq!(set.whole(), Some("r1"));
        assert_eq!(set.members(&WORDS), "a.csv, b.csv, c.csv");
    }

    #[test]
    fn a_digest_hashes_length_prefixed_fields() {
        let digest = |fields: &[&str]| {
            let mut d = RunDigest::new("t");
            for f in fields {
                d.field(f.as_bytes());
            }
            d.finish()
        };
        assert_ne!(digest(&["ab", "c"]), digest(&["a", "bc"]));
        assert_eq!(digest(&["ab", "c"]).len(), 16);
        let long = "x".repeat(10_000);
        assert_eq!(digest(&[&long]), digest(&[&long]));
    }
}
