//! Helpers for the proof tests (malformed corpus, write faults, reproducibility): the command
//! lines of the three jobs in one place, a roster, workbooks filled by a real client, snapshots
//! of output folders.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

mod rng;
#[allow(unused_imports)] // not every test file draws random numbers
pub use rng::Rng;

/// Cycle name used by every proof test.
pub const CYCLE: &str = "2026-H2";

/// Writes a roster CSV of `reviews` rows on the bundled ladder's levels: each person reviewed by
/// themself, a manager and a peer.
pub fn roster(dir: &Path, reviews: usize) -> PathBuf {
    let levels = ["L1", "L2", "L3", "L4", "L5"];
    let mut text =
        String::from("employee id,name,current level,reviewer,reviewer role,email,team\n");
    for i in 0..reviews {
        let p = i / 3;
        let (reviewer, role) = match i % 3 {
            0 => (format!("Person {p}"), "self"),
            1 => (format!("Manager {}", p % 7), "manager"),
            _ => (format!("Peer {}", (p + 1) % 11), "peer"),
        };
        let _ = writeln!(
            text,
            "E{p:04},Person {p},{},{reviewer},{role},p{p}@example.org,team-{}",
            levels[p % levels.len()],
            p % 3
        );
    }
    common::write(dir, &format!("roster-{reviews}.csv"), &text)
}

/// `rungs --ladder <bundled> ARGS`, run in `cwd` (not yet spawned, so env can be added).
pub fn rungs(cwd: &Path, args: &[&str]) -> Command {
    let mut c = common::rungs(cwd);
    c.arg("--ladder").arg(common::bundled_ladder()).args(args);
    c
}

pub fn pdf(cwd: &Path, out: &Path) -> Command {
    let mut c = rungs(cwd, &["pdf", "-o"]);
    c.arg(out);
    c
}

pub fn sheets(cwd: &Path, roster: &Path, out: &Path) -> Command {
    let mut c = rungs(cwd, &["sheets", "--cycle", CYCLE, "--roster"]);
    c.arg(roster).arg("-o").arg(out);
    c
}

/// `rungs tally INPUT... -o OUT`.
pub fn tally(cwd: &Path, inputs: &[&Path], out: &Path) -> Command {
    let mut c = rungs(cwd, &["tally"]);
    c.args(inputs).arg("-o").arg(out);
    c
}

/// Runs and returns the output.
pub fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Fills every rating dropdown of the workbooks under `target` with openpyxl (a real client),
/// choosing answers with `seed`.
pub fn fill(target: &Path, seed: u64) {
    run_fill(target, seed, false);
}

/// Like [`fill`], and types evidence beside each rating: numbered texts `ev<file>.<row>: …`
/// drawn from a pool of awkward ones (see `tests/prove/fill.py`), some left empty.
pub fn fill_with_evidence(target: &Path, seed: u64) {
    run_fill(target, seed, true);
}

fn run_fill(target: &Path, seed: u64, evidence: bool) {
    let script = common::repo().join("tests/prove/fill.py");
    let mut cmd = Command::new(common::python());
    cmd.arg(script);
    if evidence {
        cmd.arg("--evidence");
    }
    common::tool(cmd.arg(seed.to_string()).arg(target));
}

/// Every file under `dir` (relative path → bytes).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
            out.insert(rel, std::fs::read(&p).unwrap_or_default());
        }
    }
}

/// `.NAME.PID.tmp`: the temporary name `rungs::atomic::write` uses.
pub fn is_temp(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    inner
        .rsplit_once('.')
        .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// All `.xlsx` workbooks under `dir`, sorted.
pub fn workbooks(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = snapshot(dir)
        .into_keys()
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx") && !is_temp(p))
        .map(|p| dir.join(p))
        .collect();
    v.sort();
    v
}
