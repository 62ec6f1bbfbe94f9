//! What the commands that write a set of files (`tally`, `outcomes`, `packet`) share: taking
//! the output folder for a run that replaces the set, and `--check-outputs`, which says
//! whether the set in a folder comes from one run ([`crate::util::set`]).

use std::path::Path;
use std::process::ExitCode;

use super::report::eprint_all;
use super::{OwnFiles, claim_output};
use crate::diag::{Diagnostic, Error, Severity};
use crate::util::atomic;
use crate::util::lock::FolderLock;
use crate::util::set::{Set, Wording};
use crate::util::text::plural;

/// How to read a set, and what to call it.
pub(super) struct Kind<'a> {
    pub words: &'a Wording,
    /// Reads the set in a folder.
    pub read: &'a dyn Fn(&Path) -> Set,
}

/// Takes the output folder `dir` for a run that writes a set of files ([`claim_output`]);
/// once it holds the lock, removes the temporary files killed runs left there (and, with
/// `own.tree`, in its sub-folders) and, given `warn`, warns when the set there is not whole
/// (a run cut short while replacing it): this run replaces it.
pub(super) fn claim(
    dir: &Path,
    own: &OwnFiles<'_>,
    warn: Option<&Kind<'_>>,
) -> Result<FolderLock, Error> {
    let lock = claim_output(dir, own)?;
    if lock.unlocked().is_none() {
        atomic::clear_stale_in(dir, own.named);
        if own.tree {
            for sub in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if sub.file_type().is_ok_and(|t| t.is_dir()) {
                    atomic::clear_stale_in(&sub.path(), own.named);
                }
            }
        }
    }
    if let Some(kind) = warn
        && let Some(d) = (kind.read)(dir).problem(dir, kind.words)
    {
        eprint_all(&[d]);
    }
    Ok(lock)
}

/// `--check-outputs`: whether the set in `dir` comes from one run (exit 0, and says so on
/// stdout), or what is wrong with it (exit 1). Waits for a run writing into the folder.
pub(super) fn check(
    dir: &Path,
    own: &OwnFiles<'_>,
    kind: &Kind<'_>,
    quiet: bool,
) -> Result<ExitCode, Error> {
    let words = kind.words;
    let hint = format!("name the {} folder with -o DIR", words.owner());
    if !dir.is_dir() {
        return Err(Diagnostic::failure(
            words.none_code,
            format!(
                "no {} in {}: the folder does not exist",
                words.noun,
                dir.display()
            ),
        )
        .with_hint(hint)
        .into());
    }
    let _lock = claim_output(dir, own)?;
    let set = (kind.read)(dir);
    if let Some(digest) = set.whole() {
        if !quiet {
            super::print_stdout(&format!(
                "{}: {} {} from one run ({digest})\n",
                dir.display(),
                set.members(words),
                plural(set.files.len(), "comes", "come")
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let d = if set.is_empty() {
        Diagnostic::failure(
            words.none_code,
            format!("no {} in {}", words.noun, dir.display()),
        )
        .with_hint(hint)
    } else if let Some(mut d) = set.problem(dir, words) {
        d.severity = Severity::Error;
        d
    } else {
        Diagnostic::failure(words.unchecked_code, words.unchecked(dir)).with_hint(words.again)
    };
    Err(Error::input(vec![d]))
}
