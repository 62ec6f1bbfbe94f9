//! Two runs at once, or a run cut short, lose nothing and mix nothing: the real binary, run
//! the way two people sharing a folder would.
//!
//! - Two `rungs sheets` runs into one folder, started together, many times: every review of
//!   both is in the manifest.
//! - Two `rungs tally` runs into one folder: one whole set, byte-identical to one run's.
//! - A second run waits for the first (saying for whom), or with `--no-wait` stops with exit 3;
//!   every command that writes into a folder takes its lock; other folders never wait.
//! - A run killed while holding the lock blocks nobody.
//! - A tally killed at random points leaves the whole earlier set, the whole new one, or a set
//!   that `--check-outputs` and the next run report as mixed or incomplete.
//! - A file system that cannot lock: a warning, and the run goes on.
//! - Sync-client conflict copies and Office lock files in an output folder are reported, and
//!   never read or replaced.
//!
//! Test hooks (see `src/util/hooks.rs`): `RUNGS_PAUSE=locked:MS` makes a run hold its lock
//! that long, `RUNGS_PAUSE=rename:MS` widens the window between the renames of a tally's files
//! so that random kills land in it, `RUNGS_FAULT=lock` makes locking fail as on a file system
//! without locks, `RUNGS_FAULT=rename:2` stops a tally between two renames.

mod common;
mod prove;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use prove::Rng;

const LOCK: &str = ".rungs.lock";
const SET: [&str; 3] = ["tally.xlsx", "tally.csv", "tally.json"];

/// A roster of `n` reviews of people whose ids start with `prefix` (so two rosters never
/// share a workbook).
fn roster(dir: &Path, prefix: &str, n: usize) -> PathBuf {
    let mut text = String::from("employee id,name,current level,reviewer\n");
    for i in 0..n {
        let _ = writeln!(text, "{prefix}{i},Person {prefix}{i},L2,Manager {prefix}");
    }
    common::write(dir, &format!("roster-{prefix}.csv"), &text)
}

/// The process id recorded in `dir`'s lock file, once a run holds it.
fn wait_for_lock(dir: &Path) -> u32 {
    let started = Instant::now();
    loop {
        if let Some(pid) = std::fs::read_to_string(dir.join(LOCK))
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            return pid;
        }
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "no run took the lock of {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn spawn(cmd: &mut Command) -> std::process::Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rungs")
}

fn done(child: std::process::Child) -> Output {
    child.wait_with_output().expect("wait for rungs")
}

/// Review workbooks to tally: all of them (`a`) and the first half (`b`), two different
/// inputs. Blank workbooks are valid returns (incomplete reviews), so no client is needed.
fn returns(root: &Path) -> (PathBuf, Vec<PathBuf>) {
    let sent = root.join("sent");
    let o = prove::output(&mut prove::sheets(root, &prove::roster(root, 6), &sent));
    common::assert_code(&o, 0);
    let all = prove::workbooks(&sent);
    (sent, all[..3].to_vec())
}

/// `rungs tally` of `inputs` into `out`.
fn tally(root: &Path, inputs: &[PathBuf], out: &Path) -> Command {
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    prove::tally(root, &inputs, out)
}

/// The three files of the set in `dir` (`None` for a missing one).
fn set(dir: &Path) -> Vec<Option<Vec<u8>>> {
    SET.iter()
        .map(|n| std::fs::read(dir.join(n)).ok())
        .collect()
}

/// Asserts the exit code and that stderr holds each of `wants`; returns stderr.
#[track_caller]
fn expect(o: &Output, code: i32, wants: &[&str]) -> String {
    common::assert_code(o, code);
    let err = common::stderr(o);
    for want in wants {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
    err
}

/// Runs `rungs tally --check-outputs -o dir`.
fn check(root: &Path, dir: &Path) -> Output {
    let mut c = prove::rungs(root, &["tally", "--check-outputs", "-o"]);
    prove::output(c.arg(dir))
}

#[test]
fn two_sheets_runs_into_one_folder_list_every_review() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let (a, b) = (roster(root, "A", 7), roster(root, "B", 8));
    for round in 0..20 {
        let out = root.join(format!("reviews-{round}"));
        let first = spawn(&mut prove::sheets(root, &a, &out));
        let second = spawn(&mut prove::sheets(root, &b, &out));
        for o in [done(first), done(second)] {
            common::assert_code(&o, 0);
        }
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.join("manifest.json")).expect("the manifest"),
        )
        .expect("whole JSON");
        let listed = manifest["reviews"].as_array().expect("reviews");
        let people: BTreeSet<&str> = listed
            .iter()
            .map(|r| r["employee_id"].as_str().expect("an id"))
            .collect();
        assert_eq!(
            people.len(),
            15,
            "round {round}: the manifest lists {people:?}"
        );
        for r in listed {
            let file = r["file"].as_str().expect("a file");
            assert!(out.join(file).is_file(), "round {round}: {file} is missing");
        }
        assert_eq!(prove::workbooks(&out).len(), 15, "round {round}");
        assert!(!out.join(LOCK).exists(), "round {round}: lock file left");
    }
}

#[test]
fn two_tallies_into_one_folder_leave_one_whole_set() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let (sent, half) = returns(root);
    // Two inputs of the same size, so the two runs reach their renames together.
    let other: Vec<PathBuf> = prove::workbooks(&sent)[3..].to_vec();
    let (a, b) = (half, other);
    let (ref_a, ref_b) = (root.join("ref-a"), root.join("ref-b"));
    common::assert_code(&prove::output(&mut tally(root, &a, &ref_a)), 0);
    common::assert_code(&prove::output(&mut tally(root, &b, &ref_b)), 0);
    let (ref_a, ref_b) = (set(&ref_a), set(&ref_b));
    assert_ne!(
        ref_a, ref_b,
        "the two inputs must give two different tallies"
    );
    // The first run pauses before each of its renames; the second starts a little later (a
    // seeded offset). Were they not kept apart, the second's files would often land between
    // the first's renames and leave a mixed set.
    let mut rng = Rng(7);
    for round in 0..20 {
        let out = root.join(format!("tally-{round}"));
        let first = spawn(tally(root, &a, &out).env("RUNGS_PAUSE", "rename:40"));
        std::thread::sleep(Duration::from_millis(rng.below(200) as u64));
        let second = spawn(&mut tally(root, &b, &out));
        for o in [done(first), done(second)] {
            common::assert_code(&o, 0);
            let err = common::stderr(&o);
            assert!(!err.contains("[tally-"), "round {round}: {err}");
        }
        let got = set(&out);
        assert!(
            got == ref_a || got == ref_b,
            "round {round}: the files in {} are not one run's set",
            out.display()
        );
        common::assert_code(&check(root, &out), 0);
    }
}

#[test]
fn a_second_run_waits_for_the_first_or_stops_with_no_wait() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let shared = root.join("shared");
    let export = |to: &Path| {
        let mut c = prove::rungs(root, &["export", "json", "-o"]);
        c.arg(to);
        c
    };
    let holder = spawn(export(&shared.join("first.json")).env("RUNGS_PAUSE", "locked:2000"));
    let pid = wait_for_lock(&shared);
    let seen = Instant::now();
    assert_eq!(pid, holder.id());

    let o = prove::output(export(&shared.join("second.json")).arg("--no-wait"));
    let busy = format!(
        "error: {} is in use by another rungs run (process {pid}); nothing was done",
        shared.display()
    );
    expect(&o, 3, &[&busy, "= hint: run again when it has finished"]);
    assert!(!shared.join("second.json").exists());

    // Another folder does not wait.
    let o = prove::output(export(&root.join("elsewhere/x.json")).arg("--no-wait"));
    common::assert_code(&o, 0);

    // Without --no-wait: told once, for whom, then done after the first.
    let o = prove::output(&mut export(&shared.join("second.json")));
    let err = expect(&o, 0, &[]);
    let waiting = format!(
        "note: {} is in use by another rungs run (process {pid}); waiting for it to finish\n",
        shared.display()
    );
    assert_eq!(err.matches(&waiting).count(), 1, "{err}");
    assert!(
        seen.elapsed() >= Duration::from_millis(1800),
        "finished {:?} after the first took the lock, which it held 2 s",
        seen.elapsed()
    );
    common::assert_code(&done(holder), 0);
    assert!(shared.join("first.json").is_file() && shared.join("second.json").is_file());
    assert!(!shared.join(LOCK).exists(), "lock file left");
}

/// Every command that writes into a folder takes its lock: with the lock held (here by the
/// test, as another process would), each stops at once under `--no-wait`, having written
/// nothing and created nothing.
#[test]
fn every_writing_command_takes_the_folder_lock() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let out = root.join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let mut held = File::create(out.join(LOCK)).expect("lock file");
    held.lock().expect("lock");
    held.write_all(b"4242\n").expect("write");
    let (sent, _) = returns(root);
    let roster = prove::roster(root, 3);
    let table = root.join("ladder.csv");
    let o = prove::output(prove::rungs(root, &["export", "csv", "-o"]).arg(&table));
    assert!(o.status.success(), "export csv: {o:?}");
    let commands: [(&str, Command); 9] = [
        ("pdf", prove::pdf(root, &out)),
        ("sheets", prove::sheets(root, &roster, &out)),
        ("tally", tally(root, &[sent], &out)),
        ("tally --check-outputs", {
            let mut c = prove::rungs(root, &["tally", "--check-outputs", "-o"]);
            c.arg(&out);
            c
        }),
        ("layouts init", {
            let mut c = prove::rungs(root, &["layouts", "init"]);
            c.arg(&out);
            c
        }),
        ("export json -o", {
            let mut c = prove::rungs(root, &["export", "json", "-o"]);
            c.arg(out.join("ladder.json"));
            c
        }),
        ("export xlsx -o", {
            let mut c = prove::rungs(root, &["export", "xlsx", "-o"]);
            c.arg(out.join("ladder.xlsx"));
            c
        }),
        ("export csv -o", {
            let mut c = prove::rungs(root, &["export", "csv", "-o"]);
            c.arg(out.join("ladder.csv"));
            c
        }),
        ("import -o", {
            let mut c = prove::rungs(root, &["import"]);
            c.arg(&table).arg("-o").arg(out.join("ladder.md"));
            c
        }),
    ];
    for (what, mut cmd) in commands {
        let o = prove::output(cmd.arg("--no-wait"));
        expect(&o, 3, &["is in use by another rungs run (process 4242)"]);
        let listed: Vec<_> = std::fs::read_dir(&out).expect("list").flatten().collect();
        assert_eq!(listed.len(), 1, "{what} wrote into the folder");
    }
}

#[test]
fn a_run_killed_holding_the_lock_blocks_nobody() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let (sent, half) = returns(root);
    let out = root.join("tally");
    let mut killed = tally(root, &[sent], &out)
        .env("RUNGS_PAUSE", "locked:60000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rungs tally");
    assert_eq!(wait_for_lock(&out), killed.id());
    killed.kill().expect("SIGKILL");
    killed.wait().expect("wait");
    assert!(out.join(LOCK).exists(), "the lock file stays after a kill");

    let started = Instant::now();
    let o = prove::output(tally(root, &half, &out).arg("--no-wait"));
    common::assert_code(&o, 0);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        !common::stderr(&o).contains("in use"),
        "{}",
        common::stderr(&o)
    );
    assert!(!out.join(LOCK).exists(), "the new run removes it");
    common::assert_code(&check(root, &out), 0);
}

/// What a killed tally left in its folder.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Left {
    Nothing,
    Old,
    New,
    Mixed,
}

/// Kills a tally at random points (seeded) while it replaces a set — the whole earlier set,
/// or none on a first run — and checks what is left: no file is partial; a whole set (or
/// none) checks out; anything else is reported by `--check-outputs` (exit 1) and by the next
/// run, which leaves the whole new set.
#[test]
fn a_tally_killed_at_random_points_leaves_a_whole_set_or_a_reported_one() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let (sent, half) = returns(root);
    let (ref_a, ref_b) = (root.join("ref-a"), root.join("ref-b"));
    common::assert_code(&prove::output(&mut tally(root, &[sent], &ref_a)), 0);
    common::assert_code(&prove::output(&mut tally(root, &half, &ref_b)), 0);
    let (old, new) = (set(&ref_a), set(&ref_b));
    // A pause before each rename puts a third of the run in the window where files are
    // replaced one by one: that is where a kill can mix a set.
    let pause = 80u64;
    let started = Instant::now();
    let o = prove::output(
        tally(root, &half, &root.join("timed")).env("RUNGS_PAUSE", format!("rename:{pause}")),
    );
    common::assert_code(&o, 0);
    let run_ms = started.elapsed().as_millis() as usize;

    let mut rng = Rng(19);
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for i in 0..30 {
        let out = root.join(format!("killed-{i}"));
        std::fs::create_dir_all(&out).expect("mkdir");
        let first_run = i % 4 == 0;
        if !first_run {
            for (name, bytes) in SET.iter().zip(&old) {
                std::fs::write(out.join(name), bytes.as_ref().expect("a file")).expect("copy");
            }
        }
        let mut child = tally(root, &half, &out)
            .env("RUNGS_PAUSE", format!("rename:{pause}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rungs tally");
        std::thread::sleep(Duration::from_millis(rng.below(run_ms + 20) as u64));
        let _ = child.kill();
        child.wait().expect("wait");

        let got = set(&out);
        let each: Vec<Option<bool>> = got
            .iter()
            .zip(old.iter().zip(&new))
            .map(|(g, (o, n))| match g {
                None => None,
                Some(g) if Some(g) == n.as_ref() => Some(true),
                Some(g) if Some(g) == o.as_ref() && !first_run => Some(false),
                Some(_) => {
                    problems.push(format!("{i}: a file is neither the old one nor the new"));
                    None
                }
            })
            .collect();
        let left = if each.iter().all(Option::is_none) {
            Left::Nothing
        } else if each.iter().all(|e| *e == Some(false)) {
            Left::Old
        } else if each.iter().all(|e| *e == Some(true)) {
            Left::New
        } else {
            Left::Mixed
        };
        seen.insert(left);
        let o = check(root, &out);
        let err = common::stderr(&o);
        match left {
            Left::Old | Left::New if o.status.code() != Some(0) => {
                problems.push(format!(
                    "{i}: a whole set ({left:?}) fails the check: {err}"
                ));
            }
            Left::Nothing if !err.contains("no tally in") => {
                problems.push(format!("{i}: an empty folder: {err}"));
            }
            Left::Mixed => {
                let reported = err
                    .contains("error[tally-mixed]: the tally's files come from different runs")
                    || err.contains("error[tally-incomplete]: the tally is incomplete");
                if o.status.code() != Some(1) || !reported {
                    problems.push(format!(
                        "{i}: a mixed set ({each:?}) is not reported: {err}"
                    ));
                }
                // The next run says what it found, and leaves a whole set.
                let o = prove::output(tally(root, &half, &out).arg("--no-wait"));
                let err = common::stderr(&o);
                if o.status.code() != Some(0) || !err.contains("warning[tally-") {
                    problems.push(format!("{i}: the next run did not report it: {err}"));
                }
                if set(&out) != new {
                    problems.push(format!("{i}: the next run left no whole set"));
                }
            }
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        seen.contains(&Left::Old) && seen.contains(&Left::Mixed),
        "the kills never landed before or between the renames ({seen:?}, a run takes {run_ms} ms)"
    );
}

#[test]
fn a_tally_stopped_between_renames_is_reported_and_mended() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let (sent, half) = returns(root);
    let out = root.join("tally");
    common::assert_code(&prove::output(&mut tally(root, &[sent], &out)), 0);
    let o = prove::output(tally(root, &half, &out).env("RUNGS_FAULT", "rename:2"));
    expect(
        &o,
        3,
        &[
            "tally.xlsx already replaced, so the tally in",
            "now mixes two runs",
        ],
    );
    expect(
        &check(root, &out),
        1,
        &[
            "error[tally-mixed]: the tally's files come from different runs: tally.xlsx is from run ",
            "; tally.csv and tally.json are from run ",
        ],
    );
    std::fs::remove_file(out.join("tally.csv")).expect("remove");
    expect(&check(root, &out), 1, &["; tally.csv is missing"]);

    let o = prove::output(&mut tally(root, &half, &out));
    expect(
        &o,
        0,
        &["warning[tally-mixed]: the tally's files come from different runs"],
    );
    let o = check(root, &out);
    expect(&o, 0, &[]);
    let json = std::fs::read_to_string(out.join("tally.json")).expect("json");
    let digest = json
        .split("\"run_digest\": \"")
        .nth(1)
        .and_then(|r| r.get(..16))
        .expect("a digest");
    assert_eq!(
        common::stdout(&o),
        format!(
            "{}: tally.xlsx, tally.csv, tally.json come from one run ({digest})\n",
            out.display()
        )
    );
}

#[test]
fn check_outputs_of_no_tally_or_an_unverifiable_one() {
    let tmp = common::tempdir();
    let root = tmp.path();
    expect(
        &check(root, &root.join("missing")),
        1,
        &["the folder does not exist"],
    );
    assert!(!root.join("missing").exists());
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    expect(&check(root, &empty), 1, &["error: no tally in"]);
    assert!(!empty.join(LOCK).exists());

    // Files of a tally without digests (an older rungs): nothing to compare, and said so.
    let old = root.join("old");
    let json = "{\"format\": \"rungs-tally\", \"format_version\": 1}\n";
    common::write(&old, "tally.json", json);
    common::write(&old, "tally.csv", "cycle,employee_id\n2026-H2,E1\n");
    let (sent, _) = returns(root);
    std::fs::copy(&prove::workbooks(&sent)[0], old.join("tally.xlsx")).expect("copy");
    expect(&check(root, &old), 1, &["carries no run digest"]);
    // A file that is not a tally's at all is named.
    common::write(&old, "tally.json", "{\"format\": \"something-else\"}");
    expect(
        &check(root, &old),
        1,
        &[
            "tally.json cannot be read as a rungs tally",
            "tally.json: its format is 'something-else'",
        ],
    );
}

#[test]
fn a_folder_that_cannot_be_locked_is_written_with_a_warning() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let out = root.join("reviews");
    let mut sheets = prove::sheets(root, &prove::roster(root, 3), &out);
    let o = prove::output(sheets.env("RUNGS_FAULT", "lock"));
    let warning = "warning[no-folder-lock]: cannot lock the folder (injected fault at lock (RUNGS_FAULT)); going on without";
    let err = expect(
        &o,
        0,
        &["= hint: make sure no other rungs run writes into this folder"],
    );
    assert_eq!(err.matches(warning).count(), 1, "{err}");
    assert_eq!(prove::workbooks(&out).len(), 3);
    assert!(!out.join(LOCK).exists());
}

#[test]
fn conflict_copies_and_office_lock_files_are_reported_never_read() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let out = root.join("reviews");
    let roster = prove::roster(root, 3);
    common::assert_code(&prove::output(&mut prove::sheets(root, &roster, &out)), 0);
    let workbook = prove::workbooks(&out)[0].clone();
    let name = workbook
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    let folder = workbook.parent().expect("a folder");
    let strays = [
        out.join("manifest (Ann's conflicted copy 2026-12-01).json"),
        out.join("manifest (1).json"),
        folder.join(format!(".~lock.{name}#")),
    ];
    for s in &strays {
        std::fs::write(s, b"not JSON, never read").expect("write");
    }
    let o = prove::output(prove::sheets(root, &roster, &out).arg("--skip-existing"));
    let open = format!(
        "warning[file-open-elsewhere]: {name} is open in an office application, or was when it crashed"
    );
    expect(
        &o,
        0,
        &[
            "warning[conflict-copy]: 2 files look like sync clients' conflict copies of files rungs writes; rungs neither reads nor replaces them",
            "  manifest (1).json (a copy of manifest.json)\n",
            "  manifest (Ann's conflicted copy 2026-12-01).json (a copy of manifest.json)\n",
            "= hint: a copy of manifest.json may list reviews that manifest.json lacks",
            &open,
        ],
    );
    for s in &strays {
        assert_eq!(std::fs::read(s).expect("kept"), b"not JSON, never read");
    }

    let t = root.join("tally");
    let mut first = tally(root, std::slice::from_ref(&out), &t);
    common::assert_code(&prove::output(&mut first), 0);
    std::fs::write(t.join("tally (conflicted copy).csv"), b"x").expect("write");
    std::fs::write(t.join("~$tally.xlsx"), b"x").expect("write");
    expect(
        &check(root, &t),
        0,
        &[
            "warning[conflict-copy]: tally (conflicted copy).csv looks like a sync client's conflict copy of tally.csv",
            "warning[file-open-elsewhere]: tally.xlsx is open in an office application",
        ],
    );
    let o = prove::output(&mut tally(root, &[out], &t));
    expect(&o, 0, &["warning[conflict-copy]"]);
    let kept = std::fs::read(t.join("tally (conflicted copy).csv")).expect("kept");
    assert_eq!(kept, b"x");
}
