//! Write-fault tests: a failure injected at each step of writing (`RUNGS_FAULT=create|write|
//! sync|rename[:n]`, see src/atomic.rs) and a batch killed with SIGKILL never leave a partial
//! file at a final path, never alter a file that was there before, and a re-run completes.
//!
//! A killed run may leave its temporary files (`.NAME.PID.tmp`, hidden, never `.xlsx`): a re-run
//! ignores them (its own have another PID) and so does `rungs tally`. It also leaves the output
//! folder's lock file (`.rungs.lock`), which blocks nobody: the re-run takes it at once and
//! removes it. Nothing else is left.

mod common;
mod prove;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const STEPS: [&str; 4] = ["create", "write", "sync", "rename"];

type Snapshot = BTreeMap<PathBuf, Vec<u8>>;

/// Runs `make(out)` cleanly into a fresh folder and returns what it wrote.
fn reference(root: &Path, make: &dyn Fn(&Path) -> Command) -> Snapshot {
    let out = root.join("reference");
    let o = prove::output(&mut make(&out));
    common::assert_code(&o, 0);
    let snap = prove::snapshot(&out);
    assert!(!snap.is_empty(), "the clean run wrote nothing");
    snap
}

/// For each step and for the first and the last write of the run: inject the fault into a
/// folder that already holds `before`, then check what is left and that a re-run completes.
fn fault_matrix(
    root: &Path,
    make: &dyn Fn(&Path) -> Command,
    before: &[(&str, &[u8])],
    replaced_on_success: &[&str],
) {
    let reference = reference(root, make);
    let writes = reference.len();
    let mut problems = Vec::new();
    for step in STEPS {
        for nth in [1, writes] {
            let out = root.join(format!("fault-{step}-{nth}"));
            for (name, bytes) in before {
                common::write(&out, name, &String::from_utf8_lossy(bytes));
            }
            let fault = format!("{step}:{nth}");
            let o = prove::output(make(&out).env("RUNGS_FAULT", &fault));
            if o.status.code() != Some(3) {
                problems.push(format!(
                    "{fault}: exit {:?}, expected 3 (could not write)\n{}",
                    o.status,
                    common::stderr(&o)
                ));
            }
            if !common::stderr(&o).contains("injected fault") {
                problems.push(format!(
                    "{fault}: the error does not give the cause\n{}",
                    common::stderr(&o)
                ));
            }
            check_folder(&out, &reference, before, &fault, &mut problems);

            // A re-run without the fault completes and leaves exactly the reference outputs.
            let o = prove::output(&mut make(&out));
            if o.status.code() != Some(0) {
                problems.push(format!(
                    "{fault}: the re-run failed ({:?})\n{}",
                    o.status,
                    common::stderr(&o)
                ));
                continue;
            }
            let after = prove::snapshot(&out);
            for (rel, bytes) in &reference {
                if after.get(rel) != Some(bytes) {
                    problems.push(format!(
                        "{fault}: after the re-run {} differs",
                        rel.display()
                    ));
                }
            }
            for (name, bytes) in before {
                let kept = after.get(Path::new(name)).map(Vec::as_slice) == Some(*bytes);
                if !kept && !replaced_on_success.contains(name) {
                    problems.push(format!("{fault}: the re-run altered {name}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every file in `out` is complete (byte-identical to the clean run) or was there before and is
/// unchanged; no temporary file is left.
fn check_folder(
    out: &Path,
    reference: &Snapshot,
    before: &[(&str, &[u8])],
    label: &str,
    problems: &mut Vec<String>,
) {
    for (rel, bytes) in prove::snapshot(out) {
        let shown = rel.display();
        if prove::is_temp(&rel) {
            problems.push(format!("{label}: temporary file left: {shown}"));
        } else if let Some((_, old)) = before.iter().find(|(n, _)| Path::new(n) == rel) {
            if bytes != *old && reference.get(&rel) != Some(&bytes) {
                problems.push(format!(
                    "{label}: {shown} is neither the old file nor the new one"
                ));
            }
        } else if rel == Path::new("manifest.json") {
            // After a failed batch the manifest is complete but lists what was written.
            check_manifest(out, &bytes, label, problems);
        } else if reference.get(&rel) != Some(&bytes) {
            problems.push(format!("{label}: {shown} is partial or unexpected"));
        }
    }
}

/// The manifest is whole JSON and every review it lists is a workbook in the folder.
fn check_manifest(out: &Path, bytes: &[u8], label: &str, problems: &mut Vec<String>) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        problems.push(format!("{label}: manifest.json is not whole JSON"));
        return;
    };
    let listed = json["reviews"].as_array().cloned().unwrap_or_default();
    for r in &listed {
        let file = r["file"].as_str().unwrap_or("");
        if file.is_empty() || !out.join(file).is_file() {
            problems.push(format!(
                "{label}: manifest.json lists {file:?}, which is not there"
            ));
        }
    }
    let on_disk = prove::workbooks(out).len();
    if listed.len() != on_disk {
        problems.push(format!(
            "{label}: manifest.json lists {} reviews, {on_disk} workbooks are there",
            listed.len()
        ));
    }
}

#[test]
fn pdf_write_faults_leave_old_or_whole_files() {
    let tmp = common::tempdir();
    let root = tmp.path().to_path_buf();
    // The matrix and one level: both layouts, two writes, a third of the time of all six.
    let make = |out: &Path| {
        let mut c = prove::pdf(&root, out);
        c.args(["--matrix", "--level", "L1"]);
        c
    };
    fault_matrix(
        &root,
        &make,
        &[
            (
                "matrix.pdf",
                b"an older matrix, to be replaced whole or not at all",
            ),
            ("notes.txt", b"someone's notes"),
        ],
        &["matrix.pdf"],
    );
}

#[test]
fn sheets_write_faults_leave_no_partial_workbook() {
    let tmp = common::tempdir();
    let root = tmp.path().to_path_buf();
    let roster = prove::roster(&root, 4);
    let make = |out: &Path| prove::sheets(&root, &roster, out);
    fault_matrix(&root, &make, &[("notes.txt", b"someone's notes")], &[]);
}

#[test]
fn tally_write_faults_leave_old_or_whole_files() {
    let tmp = common::tempdir();
    let root = tmp.path().to_path_buf();
    let roster = prove::roster(&root, 3);
    let returned = root.join("returned");
    let o = prove::output(&mut prove::sheets(&root, &roster, &returned));
    common::assert_code(&o, 0);
    prove::fill(&returned, 7);
    let make = |out: &Path| prove::tally(&root, &[returned.as_path()], out);
    fault_matrix(
        &root,
        &make,
        &[
            ("tally.csv", b"last week's tally"),
            ("notes.txt", b"someone's notes"),
        ],
        &["tally.csv"],
    );
}

/// SIGKILL in the middle of a large batch: every workbook at a final path is whole, and a
/// re-run writes the rest and ends with exactly what an uninterrupted run writes.
#[test]
fn sheets_killed_mid_batch_leaves_whole_files_and_reruns_cleanly() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let roster = prove::roster(root, 900);
    let out = root.join("killed");
    let mut child = prove::sheets(root, &roster, &out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start rungs sheets");
    let started = Instant::now();
    while prove::workbooks(&out).len() < 20 && started.elapsed() < Duration::from_mins(2) {
        if child.try_wait().expect("poll").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(
        status.code().is_none(),
        "rungs sheets finished before it could be killed: make the roster larger"
    );
    let written = prove::workbooks(&out).len();
    assert!(written < 900, "all written before the kill");

    let reference = reference(root, &|o: &Path| prove::sheets(root, &roster, o));
    let mut problems = Vec::new();
    let killed = prove::snapshot(&out);
    // The killed run held the folder's lock: its lock file stays, and blocks nobody.
    let lock = Path::new(".rungs.lock");
    assert!(killed.contains_key(lock), "the killed run held no lock");
    for (rel, bytes) in &killed {
        if !prove::is_temp(rel) && rel != lock && reference.get(rel) != Some(bytes) {
            problems.push(format!("{} is partial", rel.display()));
        }
    }
    let temps: Vec<&PathBuf> = killed.keys().filter(|p| prove::is_temp(p)).collect();

    // `--no-wait`: the lock of the killed process is gone with it, the file notwithstanding.
    let o = prove::output(prove::sheets(root, &roster, &out).arg("--no-wait"));
    common::assert_code(&o, 0);
    let after = prove::snapshot(&out);
    for (rel, bytes) in &reference {
        if after.get(rel) != Some(bytes) {
            problems.push(format!("after the re-run {} differs", rel.display()));
        }
    }
    for rel in after.keys() {
        if !reference.contains_key(rel) && !temps.contains(&rel) {
            problems.push(format!("after the re-run, unexpected {}", rel.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "killed after {written} workbooks:\n{}",
        problems.join("\n")
    );

    // `rungs tally` on that folder does not take the leftover temporary files for returns.
    if !temps.is_empty() {
        let o = prove::output(&mut prove::tally(root, &[out.as_path()], &root.join("t")));
        let err = common::stderr(&o);
        for t in &temps {
            let name = t
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            assert!(!err.contains(&name), "tally looked at {name}:\n{err}");
        }
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "tally: {:?}\n{err}",
            o.status
        );
    }
}
