//! Golden tests: what the built `rungs` writes and prints, compared with reviewed snapshots.
//!
//! Covered: the messages and exit codes of `rungs check`. Snapshots live in
//! `tests/snapshots/` (insta). After an intended change in output, update them with the one
//! switch, then review the diff before committing:
//!
//! ```sh
//! INSTA_UPDATE=always cargo test --test golden && git diff tests/snapshots
//! cargo insta review          # instead, with cargo-insta installed: accept or reject one by one
//! ```
//!
//! Each run happens in a temp dir holding copies of the repository files it reads at the same
//! relative paths, with relative paths on the command line, `SOURCE_DATE_EPOCH` fixed and no
//! other environment variable, so nothing in the outputs depends on the machine and nothing is
//! normalised or replaced by a placeholder: the snapshots hold the outputs as written.

mod common;

use std::path::Path;
use std::process::Output;

/// 2023-11-14T22:13:20Z: every run gets the same date.
const EPOCH: &str = "1700000000";

const BUNDLED_LADDER: &str = "ladder/titles-for-ops.md";
const SEVEN_LADDER: &str = "tests/fixtures/seven-levels.md";
const BROKEN_LADDER: &str = "tests/fixtures/broken.md";

/// A temp dir holding copies of the repository files `files` (relative paths, kept).
fn stage(files: &[&str]) -> tempfile::TempDir {
    let dir = common::tempdir();
    for rel in files {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("a file has a parent")).expect("create dir");
        std::fs::copy(common::repo().join(rel), &to).expect("copy a fixture");
    }
    dir
}

/// Runs `rungs ARGS` in `cwd` with `SOURCE_DATE_EPOCH` and `NO_COLOR` as its only environment.
fn rungs(cwd: &Path, args: &[&str]) -> Output {
    common::rungs(cwd)
        .env_clear()
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(args)
        .output()
        .expect("the rungs binary runs")
}

/// Exit code, stdout and stderr as one snapshot text.
fn transcript(o: &Output) -> String {
    format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        o.status
            .code()
            .map_or_else(|| "none (killed by a signal)".to_owned(), |c| c.to_string()),
        common::stdout(o),
        common::stderr(o)
    )
}

/// `rungs --ladder LADDER check ARGS` on a staged copy of `ladder`.
fn check(ladder: &str, args: &[&str]) -> String {
    let tmp = stage(&[ladder]);
    let mut all = vec!["--ladder", ladder, "check"];
    all.extend_from_slice(args);
    transcript(&rungs(tmp.path(), &all))
}

#[test]
fn check_bundled_ladder() {
    insta::assert_snapshot!("check_bundled", check(BUNDLED_LADDER, &[]));
}

#[test]
fn check_seven_level_ladder_warns() {
    insta::assert_snapshot!("check_seven", check(SEVEN_LADDER, &[]));
    insta::assert_snapshot!(
        "check_seven_deny_warnings",
        check(SEVEN_LADDER, &["--deny-warnings"])
    );
}

#[test]
fn check_broken_ladder_errors() {
    insta::assert_snapshot!("check_broken", check(BROKEN_LADDER, &[]));
}
