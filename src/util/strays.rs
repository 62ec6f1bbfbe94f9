//! What else lies beside rungs' files in an output folder and means something a person should
//! know: the copies sync clients make when two machines changed one file (Dropbox, `OneDrive`,
//! Google Drive, Nextcloud, Box, Seafile, Syncthing, iCloud), and the lock files Excel and
//! `LibreOffice` keep beside a file that is open. rungs reads and writes its files only by their
//! own names, so it never takes these for its own; it reports them ([`diagnostics`]).
//!
//! A name is a conflict copy of `stem.ext` when it is `stem (… conflict …).ext` or
//! `stem.sync-conflict-….ext` ([`Pattern::Certain`]); or `stem (2).ext` with `stem.ext` beside
//! it; or `stem 2.ext`, `stem-MACHINE.ext` with `stem.ext` beside it, when the name is not one
//! of rungs' own (ordinary names have these shapes too). Only copies and lock files of names
//! the caller calls its own are reported.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Location};
use crate::util::text::{count, plural};

/// What a stray file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A sync client's (or the system's) copy of a file, made when two versions met.
    ConflictCopy,
    /// The lock file of an office application that has the file open.
    OfficeLock,
}

/// A stray file found: where, what, and the name of the file it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stray {
    pub path: PathBuf,
    pub kind: Kind,
    pub of: String,
}

/// The file an Office lock or owner file stands for: `~$x.xlsx` (Excel, Word) and
/// `.~lock.x.xlsx#` (`LibreOffice`) both hold no answers.
pub fn office_lock_target(name: &str) -> Option<&str> {
    name.strip_prefix("~$")
        .or_else(|| name.strip_prefix(".~lock.")?.strip_suffix('#'))
        .filter(|t| !t.is_empty())
}

/// How sure a name's shape alone makes it a conflict copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// The name says so (`conflicted copy`, `sync-conflict`).
    Certain,
    /// `x (2).ext`: a copy when `x.ext` is there.
    Numbered,
    /// `x 2.ext`, `x-MACHINE.ext`: a copy when `x.ext` is there and the name is not one of
    /// rungs' own.
    Loose,
}

/// The names `name` may be a conflict copy of, each with how sure its shape makes that.
pub fn conflict_copy_of(name: &str) -> Vec<(String, Pattern)> {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, Some(e)),
        _ => (name, None),
    };
    let with_ext = |base: &str| match ext {
        Some(e) => format!("{base}.{e}"),
        None => base.to_owned(),
    };
    let mut out = Vec::new();
    // Syncthing: `x.sync-conflict-20260101-120000-DEVICE.ext`.
    if let Some(i) = stem.find(".sync-conflict-").filter(|&i| i > 0) {
        out.push((with_ext(&stem[..i]), Pattern::Certain));
    }
    // Dropbox, Nextcloud, Box, Seafile: `x (… conflict …).ext`; Google Drive: `x (1).ext`.
    if let Some((base, inner)) = parenthesised_suffix(stem) {
        if inner.to_lowercase().contains("conflict") {
            out.push((with_ext(base), Pattern::Certain));
        } else if is_number(inner) {
            out.push((with_ext(base), Pattern::Numbered));
        }
    }
    // iCloud: `x 2.ext`.
    if let Some((base, n)) = stem.rsplit_once(' ')
        && !base.is_empty()
        && is_number(n)
    {
        out.push((with_ext(base), Pattern::Loose));
    }
    // OneDrive: `x-MACHINE.ext` (Windows computer names: capitals, digits, hyphens).
    for (i, _) in stem.match_indices('-').filter(|&(i, _)| i > 0) {
        let machine = &stem[i + 1..];
        if !machine.is_empty()
            && machine.bytes().any(|b| b.is_ascii_uppercase())
            && machine
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            out.push((with_ext(&stem[..i]), Pattern::Loose));
        }
    }
    out
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `("x", "inner")` for `"x (inner)"`, the parentheses balanced (Dropbox nests a count inside:
/// `x (Ann's conflicted copy 2026-01-01 (1))`).
fn parenthesised_suffix(stem: &str) -> Option<(&str, &str)> {
    let body = stem.strip_suffix(')')?;
    let mut depth = 1usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    let base = body[..i].strip_suffix(' ')?.trim_end();
                    return (!base.is_empty()).then(|| (base, &body[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// The stray files in `dir` (and its sub-folders when `tree`, hidden ones left out) that are
/// about files `ours` calls rungs' own, sorted by path. A folder that cannot be read has none.
pub fn find(dir: &Path, tree: bool, ours: &dyn Fn(&str) -> bool) -> Vec<Stray> {
    let mut out = Vec::new();
    scan(dir, tree, ours, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn scan(dir: &Path, tree: bool, ours: &dyn Fn(&str) -> bool, out: &mut Vec<Stray>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names = BTreeSet::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            if tree && !name.starts_with('.') {
                scan(&e.path(), tree, ours, out);
            }
        } else {
            names.insert(name);
        }
    }
    for name in &names {
        let stray = |kind, of: &str| Stray {
            path: dir.join(name),
            kind,
            of: of.to_owned(),
        };
        if let Some(target) = office_lock_target(name) {
            if ours(target) {
                out.push(stray(Kind::OfficeLock, target));
            }
            continue;
        }
        let original = conflict_copy_of(name).into_iter().find(|(of, pattern)| {
            ours(of)
                && match pattern {
                    Pattern::Certain => true,
                    Pattern::Numbered => names.contains(of),
                    Pattern::Loose => names.contains(of) && !ours(name),
                }
        });
        if let Some((of, _)) = original {
            out.push(stray(Kind::ConflictCopy, &of));
        }
    }
}

/// Warnings for the stray files found in the output folder `dir`: one for conflict copies,
/// one for files open in an office application. `notes` adds a hint when a copy of that file
/// (by name) is among them: what such a copy may hold that the original lacks.
pub fn diagnostics(dir: &Path, strays: &[Stray], notes: &[(&str, &str)]) -> Vec<Diagnostic> {
    let at = || Location::File {
        file: dir.display().to_string(),
    };
    let shown = |s: &Stray| {
        s.path
            .strip_prefix(dir)
            .unwrap_or(&s.path)
            .display()
            .to_string()
    };
    let mut out = Vec::new();
    let copies: Vec<&Stray> = strays
        .iter()
        .filter(|s| s.kind == Kind::ConflictCopy)
        .collect();
    if let [first, ..] = copies.as_slice() {
        let message = if copies.len() == 1 {
            format!(
                "{} looks like a sync client's conflict copy of {}; rungs neither reads nor replaces it",
                shown(first),
                first.of
            )
        } else {
            format!(
                "{} look like sync clients' conflict copies of files rungs writes; rungs neither reads nor replaces them",
                count(copies.len(), "file", "files")
            )
        };
        let mut d = Diagnostic::warning("conflict-copy", message, at());
        if copies.len() > 1 {
            d = d.with_details(
                copies
                    .iter()
                    .map(|s| format!("{} (a copy of {})", shown(s), s.of)),
            );
        }
        for (of, hint) in notes {
            if copies.iter().any(|s| s.of == *of) {
                d = d.with_hint(*hint);
            }
        }
        out.push(d.with_hint(
            "such copies appear when two machines write into one synced folder (the lock that keeps two runs apart works on one machine only): keep what you need, then delete the copies",
        ));
    }
    let open: Vec<&Stray> = strays
        .iter()
        .filter(|s| s.kind == Kind::OfficeLock)
        .collect();
    if let [first, ..] = open.as_slice() {
        let n = open.len();
        let message = if n == 1 {
            format!(
                "{} is open in an office application, or was when it crashed",
                first.of
            )
        } else {
            format!(
                "{} rungs writes are open in an office application, or were when it crashed",
                count(n, "file", "files")
            )
        };
        out.push(
            Diagnostic::warning("file-open-elsewhere", message, at())
                .with_details(open.iter().map(|s| {
                    let lock = s.path.file_name().unwrap_or_default().to_string_lossy();
                    let file = Path::new(&shown(s)).with_file_name(&s.of);
                    format!("{} (lock file {lock})", file.display())
                }))
                .with_hint(format!(
                    "close {} before {} replaced: whoever has one open keeps the version they opened, and saving it would overwrite the new one; a lock file left by a crash can be deleted",
                    plural(n, "it", "them"),
                    plural(n, "it is", "they are")
                )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sure(name: &str) -> Option<String> {
        conflict_copy_of(name)
            .into_iter()
            .find_map(|(of, p)| (p == Pattern::Certain).then_some(of))
    }

    #[test]
    fn sync_client_conflict_copies() {
        for (copy, of) in [
            ("tally (conflicted copy).csv", "tally.csv"),
            (
                "manifest (Ann Lee's conflicted copy 2026-12-01).json",
                "manifest.json",
            ),
            (
                "manifest (Ann's conflicted copy 2026-12-01 (1)).json",
                "manifest.json",
            ),
            (
                "tally (conflicted copy 2026-12-01 101500).json",
                "tally.json",
            ),
            (
                "tally (SFConflict ann@example.org 2026-12-01).xlsx",
                "tally.xlsx",
            ),
            ("tally (Case Conflict).xlsx", "tally.xlsx"),
            (
                "tally.sync-conflict-20261201-101500-ABCDEFG.csv",
                "tally.csv",
            ),
        ] {
            assert_eq!(sure(copy).as_deref(), Some(of), "{copy}");
        }
        for (copy, of, pattern) in [
            ("manifest (1).json", "manifest.json", Pattern::Numbered),
            ("tally 2.xlsx", "tally.xlsx", Pattern::Loose),
            ("tally-DESKTOP-4F2K9.csv", "tally.csv", Pattern::Loose),
        ] {
            assert!(
                conflict_copy_of(copy).contains(&(of.to_owned(), pattern)),
                "{copy}"
            );
        }
        for plain in [
            "tally.csv",
            "L3-senior-sre.pdf",
            "E1001-Amara Okafor-rv-38237c8a13e1.xlsx",
            "(1).json",
            "notes (draft).txt",
        ] {
            assert_eq!(sure(plain), None, "{plain}");
        }
        assert!(conflict_copy_of("L3-senior-sre.pdf").is_empty());
    }

    #[test]
    fn office_lock_and_owner_files() {
        assert_eq!(office_lock_target("~$review.xlsx"), Some("review.xlsx"));
        assert_eq!(
            office_lock_target(".~lock.review.xlsx#"),
            Some("review.xlsx")
        );
        assert_eq!(office_lock_target("review.xlsx"), None);
        assert_eq!(office_lock_target(".~lock.review.xlsx"), None);
        assert_eq!(office_lock_target("~$"), None);
    }

    #[test]
    fn finds_copies_and_locks_of_our_files_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "tally.csv",
            "tally (1).csv",
            "tally (conflicted copy).json",
            "~$tally.xlsx",
            "photo.jpg",
            "photo (1).jpg",
            "~$budget.xlsx",
            "tally 2.xlsx",
        ] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let ours = |n: &str| n.starts_with("tally.");
        let found: Vec<(String, Kind, String)> = find(dir.path(), false, &ours)
            .into_iter()
            .map(|s| {
                let name = s.path.file_name().expect("a file").to_string_lossy().into();
                (name, s.kind, s.of)
            })
            .collect();
        let want = |n: &str, k, o: &str| (n.to_owned(), k, o.to_owned());
        assert_eq!(
            found,
            [
                want("tally (1).csv", Kind::ConflictCopy, "tally.csv"),
                want(
                    "tally (conflicted copy).json",
                    Kind::ConflictCopy,
                    "tally.json"
                ),
                want("~$tally.xlsx", Kind::OfficeLock, "tally.xlsx"),
            ]
        );
        let notes = [("tally.json", "compare it"), ("x.json", "never shown")];
        let diags = diagnostics(dir.path(), &find(dir.path(), false, &ours), &notes);
        assert_eq!(diags.len(), 2);
        assert!(
            diags[0].message.starts_with("2 files look like"),
            "{:?}",
            diags[0]
        );
        assert_eq!(
            diags[0].details,
            [
                "tally (1).csv (a copy of tally.csv)",
                "tally (conflicted copy).json (a copy of tally.json)"
            ]
        );
        assert_eq!(diags[0].hints.len(), 2);
        assert_eq!(diags[0].hints[0], "compare it");
        assert_eq!(
            diags[1].message,
            "tally.xlsx is open in an office application, or was when it crashed"
        );
        assert_eq!(diags[1].details, ["tally.xlsx (lock file ~$tally.xlsx)"]);
    }
}
