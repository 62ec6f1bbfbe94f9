//! Helpers shared by the integration tests: run the built `rungs` binary, find the test tools.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Root of the repository (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled ladder, as shipped in `ladder/`.
pub fn bundled_ladder() -> PathBuf {
    repo().join("ladder/titles-for-ops.md")
}

/// A `rungs` command with a clean, fixed environment, run in `cwd`.
pub fn rungs(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rungs"));
    c.current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("RUNGS_FAULT")
        .env("NO_COLOR", "1");
    c
}

/// Runs `rungs ARGS` in `cwd` and returns its output.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    rungs(cwd)
        .args(args)
        .output()
        .expect("the rungs binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code, showing stdout and stderr when it differs.
#[track_caller]
pub fn assert_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit status\n--- stdout\n{}\n--- stderr\n{}",
        stdout(o),
        stderr(o)
    );
}

/// A fresh temporary folder.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp dir")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(&p, text).expect("write fixture");
    p
}

/// The test venv's Python (with openpyxl), made by `bash .ci/install`.
pub fn python() -> PathBuf {
    let p = repo().join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `bash .ci/install` first (it makes the test venv)",
        p.display()
    );
    p
}

/// Runs a tool, failing the test with its output if it does not succeed.
#[track_caller]
pub fn tool(cmd: &mut Command) -> Output {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (run `bash .ci/install`)"));
    assert!(
        o.status.success(),
        "{cmd:?} failed\n--- stdout\n{}\n--- stderr\n{}",
        stdout(&o),
        stderr(&o)
    );
    o
}

/// `f(index, job)` of every job, run on two threads, in the jobs' order.
pub fn on_two_threads<J: Sync, R: Send>(jobs: &[J], f: impl Fn(usize, &J) -> R + Sync) -> Vec<R> {
    let done = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { break };
                    let r = f(i, job);
                    done.lock().expect("lock").push((i, r));
                }
            });
        }
    });
    let mut done = done.into_inner().expect("lock");
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
