//! A packet run's PDFs as one set: the run digest every PDF carries in its keywords (in the
//! document information and the XMP metadata), with how many PDFs the run wrote, and the PDFs
//! of a folder read back to tell whether they come from one run.
//!
//! The digest is 16 hex digits of SHA-256 over what the PDFs are made from: the rungs version,
//! the creation date, the tally (its SHA-256 and file name), the ladder (its whole model), the
//! options that choose and shape the documents (levels, team, people, split, group-by,
//! anonymous peers, evidence), the paper, the PDF standards, the content of every file in the
//! layouts folder, and the name and size of every file in the font folders. Two runs that
//! would write different PDFs have different digests (fonts: unless a font file is replaced
//! by another of the same name and size).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::{GroupBy, Options, PEOPLE_DIR};
use crate::model::Ladder;
use crate::pdf::Setup;
use crate::util::set::{Carried, RunDigest, Set, Wording};
use crate::util::strays;

/// The keyword that carries the digest: `rungs-run-0123456789abcdef`.
const RUN: &str = "rungs-run-";
/// The keyword that says how many PDFs the run wrote: `rungs-set-7-pdfs`.
const SIZE: (&str, &str) = ("rungs-set-", "-pdfs");

/// The digest of one packet run (see the module's comment).
pub fn run_digest(ladder: &Ladder, tally_sha256: &str, opts: &Options, setup: &Setup) -> String {
    let mut d = RunDigest::new("rungs packet run 1");
    let flag = |on: bool| if on { "yes" } else { "no" };
    let group_by = match opts.group_by {
        None => "none",
        Some(GroupBy::Team) => "team",
        Some(GroupBy::Level) => "level",
    };
    for text in [
        env!("CARGO_PKG_VERSION"),
        &setup.timestamp.to_string(),
        tally_sha256,
        &opts.source,
        &ladder.to_compact_json(),
        opts.team.as_deref().map_or("\0", str::trim),
        flag(opts.split),
        group_by,
        flag(opts.anonymous_peers),
        flag(opts.evidence),
        setup.paper.name(),
    ] {
        d.field(text.as_bytes());
    }
    for list in [sorted(&opts.levels), sorted(&opts.people)] {
        d.count(list.len());
        for item in list {
            d.field(item.as_bytes());
        }
    }
    d.count(setup.standards.len());
    for s in &setup.standards {
        d.field(format!("{s:?}").as_bytes());
    }
    if let Some(dir) = &setup.layouts {
        d.field(b"layouts");
        tree(&mut d, dir, true);
    }
    for dir in &setup.font_paths {
        d.field(b"fonts");
        tree(&mut d, dir, false);
    }
    d.finish()
}

/// A list of filter values as the digest takes it: trimmed, sorted, each once.
fn sorted(list: &[String]) -> Vec<&str> {
    let mut list: Vec<&str> = list.iter().map(|s| s.trim()).collect();
    list.sort_unstable();
    list.dedup();
    list
}

/// Every file below `dir` into the digest, in path order: its path inside `dir` and its
/// content (`contents`) or its size. What cannot be read goes in as its error.
fn tree(d: &mut RunDigest, dir: &Path, contents: bool) {
    let mut files = Vec::new();
    walk(dir, dir, &mut files, 0);
    files.sort();
    d.count(files.len());
    for (name, path) in files {
        d.field(name.as_bytes());
        let read = if contents {
            fs::read(&path)
        } else {
            fs::metadata(&path).map(|m| m.len().to_le_bytes().to_vec())
        };
        match read {
            Ok(bytes) => d.field(&bytes),
            Err(e) => d.field(e.to_string().as_bytes()),
        };
    }
}

/// Folders nested deeper than this are not followed.
const DEPTH: usize = 16;

/// The files below `dir` (not following links to folders): each one's path from `root`, with
/// `/` between folders, and its path.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>, depth: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            if depth < DEPTH {
                walk(root, &path, out, depth + 1);
            }
        } else if let Ok(rel) = path.strip_prefix(root) {
            let name: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((name.join("/"), path));
        }
    }
}

/// The keywords each PDF of a run of `pdfs` PDFs with this digest carries.
pub fn keywords(digest: &str, pdfs: usize) -> Vec<String> {
    vec![
        format!("{RUN}{digest}"),
        format!("{}{pdfs}{}", SIZE.0, SIZE.1),
    ]
}

/// The words of the packet's messages.
pub const WORDING: Wording = Wording {
    mixed_code: "packet-mixed",
    incomplete_code: "packet-incomplete",
    none_code: "no-packet",
    unchecked_code: "packet-unchecked",
    noun: "packet",
    plural: false,
    unit: ("PDF", "PDFs"),
    what: "a PDF",
    hint: "a run cut short while replacing them leaves some of its PDFs beside older ones, and PDFs an earlier run wrote under other names stay until removed: run `rungs packet` again, and remove the PDFs it does not write",
    again: "run `rungs packet` again to write PDFs that can be checked",
};

/// Whether a file name is a PDF's.
pub fn is_pdf(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".pdf")
}

/// The PDFs in `dir` and in its `people/`, in name order, each with the run it carries and the
/// size of that run's set. Sync clients' conflict copies are left out (a run reports them).
pub fn read_set(dir: &Path) -> Set {
    let strays: HashSet<PathBuf> = strays::find(dir, true, &is_pdf)
        .into_iter()
        .map(|s| s.path)
        .collect();
    let mut found = Vec::new();
    for (folder, prefix) in [
        (dir.to_path_buf(), String::new()),
        (dir.join(PEOPLE_DIR), format!("{PEOPLE_DIR}/")),
    ] {
        let mut names: Vec<String> = fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .filter(|e| !strays.contains(&e.path()))
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .filter(|n| is_pdf(n) && !n.starts_with('.'))
            .collect();
        names.sort();
        for name in names {
            let (carried, size) = from_pdf(&folder.join(&name));
            found.push((format!("{prefix}{name}"), carried, size));
        }
    }
    Set::found(found)
}

/// The run a PDF carries, and how many PDFs that run wrote.
fn from_pdf(path: &Path) -> (Carried, Option<usize>) {
    let keywords = match fs::read(path) {
        Ok(bytes) => crate::pdf::keywords(bytes),
        Err(e) => Err(e.to_string()),
    };
    match keywords {
        Err(why) => (Carried::Unreadable(why), None),
        Ok(k) => {
            let run = k.iter().find_map(|k| k.strip_prefix(RUN));
            let size = k.iter().find_map(|k| {
                k.strip_prefix(SIZE.0)?
                    .strip_suffix(SIZE.1)?
                    .parse::<usize>()
                    .ok()
            });
            let carried = run.map_or(Carried::NoDigest, |r| Carried::Digest(r.to_owned()));
            (carried, size)
        }
    }
}
