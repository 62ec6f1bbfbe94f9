//! Two runs at once, or a run cut short, lose nothing and mix nothing: the real binary, run
//! the way two people sharing a folder would.
//!
//! - Two `rungs sheets` runs into one folder, started together, many times: every review of
//!   both is in the manifest.
//! - Two `rungs tally` runs into one folder: one whole set, byte-identical to one run's.
//! - A second run waits for the first (saying for whom), or with `--no-wait` stops with exit 3;
//!   every command that writes into a folder takes its lock; other folders never wait.
//! - A run killed while holding the lock blocks nobody.
//! - A tally, an outcomes run or a packet run killed at random points leaves the whole earlier
//!   set, the whole new one, or a set that `--check-outputs` (and the next tally or outcomes
//!   run) reports as mixed or incomplete.
//! - The outcomes' three files and every PDF of a packet (`--split --group-by level`: joined
//!   and single-part PDFs) carry one run digest; a file of another run, a missing one, a fault
//!   before the renames (the earlier set stays, no temporary file) and one between them.
//! - A file system that cannot lock: a warning, and the run goes on.
//! - Sync-client conflict copies and Office lock files in an output folder are reported, and
//!   never read or replaced.
//!
//! Test hooks (see `src/util/hooks.rs`): `RUNGS_PAUSE=locked:MS` makes a run hold its lock
//! that long, `RUNGS_PAUSE=rename:MS` widens the window between the renames of a tally's files
//! so that random kills land in it, `RUNGS_FAULT=lock` makes locking fail as on a file system
//! without locks, `RUNGS_FAULT=rename:2` stops a run between two renames, `RUNGS_FAULT=sync:N`
//! fails the last file of a set before any is renamed.

mod common;
mod prove;

use std::collections::{BTreeMap, BTreeSet};
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

/// Runs `rungs COMMAND --check-outputs -o dir` (`tally`, `outcomes`, `packet`).
fn check(root: &Path, command: &str, dir: &Path) -> Output {
    let mut c = prove::rungs(root, &[command, "--check-outputs", "-o"]);
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
    let (ref_a, ref_b) = (named(&ref_a, &SET), named(&ref_b, &SET));
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
        let got = named(&out, &SET);
        assert!(
            got == ref_a || got == ref_b,
            "round {round}: the files in {} are not one run's set",
            out.display()
        );
        common::assert_code(&check(root, "tally", &out), 0);
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
    let (workbook, _) = decisions(root);
    let sent = root.join("sent");
    let roster = prove::roster(root, 3);
    let table = root.join("ladder.csv");
    let o = prove::output(prove::rungs(root, &["export", "csv", "-o"]).arg(&table));
    assert!(o.status.success(), "export csv: {o:?}");
    let checking = |command: &str| {
        let mut c = prove::rungs(root, &[command, "--check-outputs", "-o"]);
        c.arg(&out);
        (format!("{command} --check-outputs"), c)
    };
    let mut commands: Vec<(String, Command)> = vec![
        checking("tally"),
        checking("outcomes"),
        checking("packet"),
        ("decisions".into(), {
            let mut c = prove::rungs(root, &["decisions", "tally", "-o"]);
            c.arg(&out);
            c
        }),
        ("outcomes".into(), outcomes(root, &workbook, &out)),
        ("packet".into(), packet(root, &out, &[])),
    ];
    let more: [(&str, Command); 8] = [
        ("pdf", prove::pdf(root, &out)),
        ("sheets", prove::sheets(root, &roster, &out)),
        ("tally", tally(root, &[sent], &out)),
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
    commands.extend(more.map(|(what, c)| (what.to_owned(), c)));
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
    common::assert_code(&check(root, "tally", &out), 0);
}

/// What a killed run left in its folder.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Left {
    Nothing,
    Old,
    New,
    Mixed,
}

/// The files of a set in a folder: each one's path inside it, and its bytes.
type Files = BTreeMap<String, Vec<u8>>;

/// A kind of output set, for the tests that kill its runs.
struct Kind<'a> {
    /// The set in a folder.
    files: &'a dyn Fn(&Path) -> Files,
    /// A run writing the new set into a folder.
    run: &'a dyn Fn(&Path) -> Command,
    /// Its `--check-outputs -o DIR`.
    check: &'a dyn Fn(&Path) -> Output,
    /// What its codes are named after: `tally` (`tally-mixed`, `no-tally`).
    name: &'a str,
    /// Whether a run warns about the set it replaces.
    warns: bool,
    /// The pause before each rename, in ms: long enough for the renames to take a good part
    /// of the run, so that random kills land between them.
    pause: u64,
}

/// The files of a named set (`tally.xlsx`, …) in `dir`.
fn named(dir: &Path, names: &[&str]) -> Files {
    names
        .iter()
        .filter_map(|n| Some(((*n).to_owned(), std::fs::read(dir.join(n)).ok()?)))
        .collect()
}

/// What a killed run left: each file of the new set new (`Some(true)`), old (`Some(false)`) or
/// missing, and the verdict; a file that is neither old nor new is a problem of round `i`.
fn left_by(
    got: &Files,
    old: &Files,
    new: &Files,
    first_run: bool,
    i: usize,
    problems: &mut Vec<String>,
) -> (Left, Vec<Option<bool>>) {
    let each: Vec<Option<bool>> = new
        .iter()
        .map(|(name, n)| match got.get(name) {
            None => None,
            Some(g) if g == n => Some(true),
            Some(g) if Some(g) == old.get(name) && !first_run => Some(false),
            Some(_) => {
                problems.push(format!("{i}: {name} is neither the old file nor the new"));
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
    (left, each)
}

/// Kills runs of `kind` at random points (seeded) while they replace a set — `old`, or none
/// on a first run — and checks what is left: no file is partial; a whole set (or none) checks
/// out; anything else is reported by `--check-outputs` (exit 1) and, for a set whose runs warn,
/// by the next run; the next run leaves the whole new set and no temporary file. The first run
/// of a set gives `new`.
fn killed_at_random_points(root: &Path, kind: &Kind, old: &Files, rounds: usize, seed: u64) {
    // A pause before each rename puts a good part of the run in the window where files are
    // replaced one by one: that is where a kill can mix a set.
    let pause = format!("rename:{}", kind.pause);
    let timed = root.join("timed");
    let started = Instant::now();
    common::assert_code(
        &prove::output((kind.run)(&timed).env("RUNGS_PAUSE", &pause)),
        0,
    );
    let run_ms = started.elapsed().as_millis() as usize;
    let new = (kind.files)(&timed);
    assert!(!new.is_empty() && new.keys().eq(old.keys()) && new != *old);

    let mut rng = Rng(seed);
    let mut states = BTreeSet::new();
    let mut problems = Vec::new();
    for i in 0..rounds {
        let out = root.join(format!("killed-{i}"));
        std::fs::create_dir_all(&out).expect("mkdir");
        let first_run = i % 4 == 0;
        if !first_run {
            for (name, bytes) in old {
                let path = out.join(name);
                std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
                std::fs::write(path, bytes).expect("copy");
            }
        }
        let mut child = (kind.run)(&out)
            .env("RUNGS_PAUSE", &pause)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rungs");
        std::thread::sleep(Duration::from_millis(rng.below(run_ms + 20) as u64));
        let _ = child.kill();
        child.wait().expect("wait");

        let (left, each) = left_by(&(kind.files)(&out), old, &new, first_run, i, &mut problems);
        // A first run's set is new or missing: mixed only when an earlier set was replaced.
        states.insert((left, first_run));
        let temps = prove::snapshot(&out)
            .into_keys()
            .any(|p| prove::is_temp(&p));
        let o = (kind.check)(&out);
        let err = common::stderr(&o);
        let name = kind.name;
        match left {
            Left::Old | Left::New if o.status.code() != Some(0) => {
                problems.push(format!(
                    "{i}: a whole set ({left:?}) fails the check: {err}"
                ));
            }
            Left::Nothing if !err.contains(&format!("no {name} in")) => {
                problems.push(format!("{i}: an empty folder: {err}"));
            }
            Left::Mixed => {
                let reported = err.contains(&format!("error[{name}-mixed]: "))
                    || err.contains(&format!("error[{name}-incomplete]: "));
                if o.status.code() != Some(1) || !reported {
                    problems.push(format!(
                        "{i}: a mixed set ({each:?}) is not reported: {err}"
                    ));
                }
            }
            _ => {}
        }
        if left == Left::Mixed || temps {
            // The next run says what it found, and leaves a whole set and no temporary file.
            let o = prove::output((kind.run)(&out).arg("--no-wait"));
            let err = common::stderr(&o);
            let warned = err.contains(&format!("warning[{name}-"));
            if o.status.code() != Some(0) || (kind.warns && left == Left::Mixed && !warned) {
                problems.push(format!("{i}: the next run did not report it: {err}"));
            }
            if (kind.files)(&out) != new {
                problems.push(format!("{i}: the next run left no whole set"));
            }
            if prove::snapshot(&out)
                .into_keys()
                .any(|p| prove::is_temp(&p))
            {
                problems.push(format!("{i}: the next run left temporary files"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        states.contains(&(Left::Old, false)) && states.contains(&(Left::Mixed, false)),
        "the kills never landed before or between the renames of an earlier set ({states:?}, a run takes {run_ms} ms)"
    );
}

#[test]
fn a_tally_killed_at_random_points_leaves_a_whole_set_or_a_reported_one() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let (sent, half) = returns(root);
    let reference = root.join("ref");
    common::assert_code(&prove::output(&mut tally(root, &[sent], &reference)), 0);
    let kind = Kind {
        files: &|dir| named(dir, &SET),
        run: &|out| tally(root, &half, out),
        check: &|dir| check(root, "tally", dir),
        name: "tally",
        warns: true,
        pause: 80,
    };
    killed_at_random_points(root, &kind, &named(&reference, &SET), 30, 19);
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
        &check(root, "tally", &out),
        1,
        &[
            "error[tally-mixed]: the tally's files come from different runs: tally.xlsx is from run ",
            "; tally.csv and tally.json are from run ",
        ],
    );
    std::fs::remove_file(out.join("tally.csv")).expect("remove");
    expect(&check(root, "tally", &out), 1, &["; tally.csv is missing"]);

    let o = prove::output(&mut tally(root, &half, &out));
    expect(
        &o,
        0,
        &["warning[tally-mixed]: the tally's files come from different runs"],
    );
    let o = check(root, "tally", &out);
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
        &check(root, "tally", &root.join("missing")),
        1,
        &["the folder does not exist"],
    );
    assert!(!root.join("missing").exists());
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    expect(&check(root, "tally", &empty), 1, &["error: no tally in"]);
    assert!(!empty.join(LOCK).exists());

    // Files of a tally without digests (an older rungs): nothing to compare, and said so.
    let old = root.join("old");
    let json = "{\"format\": \"rungs-tally\", \"format_version\": 1}\n";
    common::write(&old, "tally.json", json);
    common::write(&old, "tally.csv", "cycle,employee_id\n2026-H2,E1\n");
    let (sent, _) = returns(root);
    std::fs::copy(&prove::workbooks(&sent)[0], old.join("tally.xlsx")).expect("copy");
    expect(&check(root, "tally", &old), 1, &["carries no run digest"]);
    // A file that is not a tally's at all is named.
    common::write(&old, "tally.json", "{\"format\": \"something-else\"}");
    expect(
        &check(root, "tally", &old),
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
        &check(root, "tally", &t),
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

const OUTCOMES: [&str; 3] = ["outcomes.csv", "audit.csv", "outcomes.json"];

/// The tally of every workbook of `returns`, in `root/tally`: two people.
fn tallied(root: &Path) {
    let (sent, _) = returns(root);
    let o = prove::output(&mut tally(root, &[sent], &root.join("tally")));
    common::assert_code(&o, 0);
}

/// The tally of `returns` in `root/tally` and two decisions workbooks made from it: for both
/// people, and for the one at L1. Blank decisions are valid returns (undecided rows).
fn decisions(root: &Path) -> (PathBuf, PathBuf) {
    tallied(root);
    let made = |out: &str, args: &[&str]| {
        let mut c = prove::rungs(root, &["decisions", "tally", "-o", out]);
        common::assert_code(&prove::output(c.args(args)), 0);
        root.join(out).join("decisions.xlsx")
    };
    (made("dec-all", &[]), made("dec-l1", &["--level", "L1"]))
}

/// `rungs outcomes WORKBOOK --tally root/tally -o out`.
fn outcomes(root: &Path, workbook: &Path, out: &Path) -> Command {
    let mut c = prove::rungs(root, &["outcomes", "--tally", "tally", "-o"]);
    c.arg(out).arg(workbook);
    c
}

/// The `run_digest` of a JSON output.
fn json_digest(path: &Path) -> String {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("the JSON")).expect("whole JSON");
    json["run_digest"]
        .as_str()
        .expect("a run digest")
        .to_owned()
}

/// The names of the files that differ between two sets (or are in one only).
fn differing(a: &Files, b: &Files) -> Vec<String> {
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .cloned()
        .collect()
}

/// Whether a folder holds no temporary file of an atomic write.
fn no_temps(dir: &Path) -> bool {
    !prove::snapshot(dir).into_keys().any(|p| prove::is_temp(&p))
}

#[test]
fn outcomes_carry_one_run_digest_and_a_mixed_set_is_named() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let (all, l1) = decisions(root);
    let out = root.join("outcomes");
    common::assert_code(&prove::output(&mut outcomes(root, &all, &out)), 0);
    let digest = json_digest(&out.join("outcomes.json"));
    assert!(digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit()));
    for name in ["outcomes.csv", "audit.csv"] {
        let mut r = csv::Reader::from_path(out.join(name)).expect("a CSV");
        let last = r
            .headers()
            .expect("a header")
            .iter()
            .next_back()
            .map(str::to_owned);
        assert_eq!(last.as_deref(), Some("run_digest"), "{name}");
        let rows: Vec<_> = r.records().map(|row| row.expect("a row")).collect();
        assert_eq!(rows.len(), 2, "{name}: both people, undecided");
        for row in rows {
            assert_eq!(row.iter().next_back(), Some(digest.as_str()), "{name}");
        }
    }
    let o = check(root, "outcomes", &out);
    expect(&o, 0, &[]);
    assert_eq!(
        common::stdout(&o),
        format!(
            "{}: outcomes.csv, audit.csv, outcomes.json come from one run ({digest})\n",
            out.display()
        )
    );
    let whole = named(&out, &OUTCOMES);

    // audit.csv from another run: named, and mended by the next run, which says what it found.
    let other = root.join("other");
    common::assert_code(&prove::output(&mut outcomes(root, &l1, &other)), 0);
    let theirs = json_digest(&other.join("outcomes.json"));
    assert_ne!(digest, theirs);
    std::fs::copy(other.join("audit.csv"), out.join("audit.csv")).expect("copy");
    let mixed = format!(
        "error[outcomes-mixed]: the outcomes' files come from different runs: outcomes.csv and outcomes.json are from run {digest}; audit.csv is from run {theirs}\n"
    );
    expect(&check(root, "outcomes", &out), 1, &[&mixed]);
    let o = prove::output(&mut outcomes(root, &all, &out));
    expect(&o, 0, &[&mixed.replacen("error", "warning", 1)]);
    assert_eq!(
        differing(&named(&out, &OUTCOMES), &whole),
        [] as [String; 0]
    );

    std::fs::remove_file(out.join("outcomes.json")).expect("remove");
    expect(
        &check(root, "outcomes", &out),
        1,
        &["error[outcomes-incomplete]: the outcomes are incomplete: outcomes.json is missing"],
    );
    common::assert_code(&prove::output(&mut outcomes(root, &all, &out)), 0);

    // A fault before the renames (the last file's sync) leaves the earlier set and no
    // temporary file; one between them is said by the run and found by the check.
    let o = prove::output(outcomes(root, &l1, &out).env("RUNGS_FAULT", "sync:3"));
    expect(
        &o,
        3,
        &[
            "injected fault",
            "the earlier outcomes, if any, are as they were",
        ],
    );
    assert_eq!(
        differing(&named(&out, &OUTCOMES), &whole),
        [] as [String; 0]
    );
    assert!(no_temps(&out));
    let o = prove::output(outcomes(root, &l1, &out).env("RUNGS_FAULT", "rename:2"));
    expect(
        &o,
        3,
        &[
            "outcomes.csv already replaced, so the set of outcomes in",
            "now mixes two runs",
        ],
    );
    expect(
        &check(root, "outcomes", &out),
        1,
        &[&format!(
            ": outcomes.csv is from run {theirs}; audit.csv and outcomes.json are from run {digest}\n"
        )],
    );
    expect(
        &check(root, "outcomes", &root.join("nowhere")),
        1,
        &[
            "error: no outcomes in",
            "the folder does not exist",
            "name the outcomes' folder with -o DIR",
        ],
    );
}

#[test]
fn outcomes_killed_at_random_points_leave_a_whole_set_or_a_reported_one() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let (all, l1) = decisions(root);
    let reference = root.join("ref");
    common::assert_code(&prove::output(&mut outcomes(root, &all, &reference)), 0);
    let kind = Kind {
        files: &|dir| named(dir, &OUTCOMES),
        run: &|out| outcomes(root, &l1, out),
        check: &|dir| check(root, "outcomes", dir),
        name: "outcomes",
        warns: true,
        pause: 80,
    };
    killed_at_random_points(root, &kind, &named(&reference, &OUTCOMES), 20, 23);
}

/// `rungs packet tally --split --group-by level -o out`, and more arguments.
fn packet(root: &Path, out: &Path, more: &[&str]) -> Command {
    let mut c = prove::rungs(root, &["packet", "tally", "--split", "--group-by", "level"]);
    c.args(more).arg("-o").arg(out);
    c
}

/// The PDFs in `dir` and below.
fn pdfs(dir: &Path) -> Files {
    prove::snapshot(dir)
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "pdf") && !prove::is_temp(p))
        .map(|(p, bytes)| (p.display().to_string(), bytes))
        .collect()
}

/// What poppler reads of a PDF's keywords: the document information's, and the XMP's.
fn keywords(pdf: &Path) -> (String, String) {
    let info = common::tool(Command::new("pdfinfo").arg(pdf));
    let info = common::stdout(&info)
        .lines()
        .find_map(|l| l.strip_prefix("Keywords:"))
        .unwrap_or_default()
        .trim()
        .to_owned();
    let meta = common::tool(Command::new("pdfinfo").arg("-meta").arg(pdf));
    let meta = common::stdout(&meta);
    let xmp = meta
        .split("<pdf:Keywords>")
        .nth(1)
        .and_then(|rest| rest.split("</pdf:Keywords>").next())
        .unwrap_or_default()
        .to_owned();
    (info, xmp)
}

#[test]
fn packet_pdfs_carry_one_run_and_replace_nothing_until_all_are_made() {
    let tmp = common::tempdir();
    let root = tmp.path();
    tallied(root);
    let out = root.join("packet");
    common::assert_code(&prove::output(&mut packet(root, &out, &[])), 0);
    let whole = pdfs(&out);
    let names: Vec<&str> = whole.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "packet-L1-junior-sre.pdf",
            "packet-L2-sre.pdf",
            "people/E0000-person-0.pdf",
            "people/E0001-person-1.pdf"
        ]
    );
    let (first, _) = keywords(&out.join(names[0]));
    let digest = first
        .strip_prefix("rungs-run-")
        .and_then(|k| k.strip_suffix(", rungs-set-4-pdfs"))
        .expect("the run's keywords")
        .to_owned();
    for name in &names {
        let (info, xmp) = keywords(&out.join(name));
        assert_eq!(
            (info.as_str(), xmp.as_str()),
            (first.as_str(), first.as_str()),
            "{name}"
        );
    }
    let o = check(root, "packet", &out);
    expect(&o, 0, &[]);
    assert_eq!(
        common::stdout(&o),
        format!("{}: 4 PDFs come from one run ({digest})\n", out.display())
    );

    // A PDF of another run is named, with each run's share of its set.
    let other = root.join("other");
    common::assert_code(
        &prove::output(&mut packet(root, &other, &["--anonymous-peers"])),
        0,
    );
    let (theirs, _) = keywords(&other.join(names[3]));
    let theirs = theirs
        .strip_prefix("rungs-run-")
        .and_then(|k| k.get(..16))
        .expect("a run");
    assert_ne!(digest, theirs);
    std::fs::copy(other.join(names[3]), out.join(names[3])).expect("copy");
    expect(
        &check(root, "packet", &out),
        1,
        &[&format!(
            "error[packet-mixed]: the packet's PDFs come from different runs: packet-L1-junior-sre.pdf, packet-L2-sre.pdf and people/E0000-person-0.pdf are from run {digest} (3 of its 4 PDFs); people/E0001-person-1.pdf is from run {theirs} (1 of its 4 PDFs)\n"
        )],
    );
    common::assert_code(&prove::output(&mut packet(root, &out, &[])), 0);
    assert_eq!(differing(&pdfs(&out), &whole), [] as [String; 0]);

    // A fault before the renames (the last PDF's sync, on whichever thread) leaves every
    // earlier PDF and no temporary file; one between the renames is said and found.
    let o = prove::output(packet(root, &out, &["--anonymous-peers"]).env("RUNGS_FAULT", "sync:4"));
    expect(&o, 3, &["injected fault", "no PDF was replaced"]);
    assert_eq!(differing(&pdfs(&out), &whole), [] as [String; 0]);
    assert!(no_temps(&out), "{:?}", prove::snapshot(&out).keys());
    let o =
        prove::output(packet(root, &out, &["--anonymous-peers"]).env("RUNGS_FAULT", "rename:2"));
    expect(
        &o,
        3,
        &["already replaced, so the packet in", "now mixes two runs"],
    );
    expect(&check(root, "packet", &out), 1, &["error[packet-mixed]: "]);

    // `rungs pdf` is no set: its PDFs carry no keywords.
    let ladder = root.join("ladder-pdfs");
    common::assert_code(&prove::output(&mut prove::pdf(root, &ladder)), 0);
    assert_eq!(
        keywords(&ladder.join("matrix.pdf")),
        (String::new(), String::new())
    );
}

#[test]
fn a_packet_killed_at_random_points_leaves_a_whole_set_or_a_reported_one() {
    let tmp = common::tempdir();
    let root = tmp.path();
    tallied(root);
    let reference = root.join("ref");
    let earlier = ["--anonymous-peers"];
    common::assert_code(&prove::output(&mut packet(root, &reference, &earlier)), 0);
    let kind = Kind {
        files: &pdfs,
        run: &|out| packet(root, out, &[]),
        check: &|dir| check(root, "packet", dir),
        name: "packet",
        warns: false,
        pause: 300,
    };
    killed_at_random_points(root, &kind, &pdfs(&reference), 16, 29);
}
