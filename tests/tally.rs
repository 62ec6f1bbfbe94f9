//! `rungs tally` end to end: workbooks written by `rungs sheets`, filled by real clients
//! (openpyxl; `LibreOffice` through Python-UNO; re-saved by `LibreOffice` headless), tampered
//! with, crafted to be hostile, and imported through the built binary.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::Reader;
use common::{assert_code, python, repo, run, stderr, stdout, tempdir, tool};

/// A temp folder with the example roster's workbooks in `sent/` (and `sent/manifest.json`).
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempdir();
        let o = make_sheets(dir.path(), &repo().join("ladder"), "sent");
        assert_code(&o, 0);
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn sent(&self) -> Vec<PathBuf> {
        workbooks(&self.path().join("sent"))
    }

    /// `rungs tally ARGS` in the temp folder, on the bundled ladder.
    fn tally(&self, args: &[&str]) -> std::process::Output {
        let ladder = repo().join("ladder");
        let mut all = vec!["--ladder", ladder.to_str().expect("UTF-8 path"), "tally"];
        all.extend_from_slice(args);
        run(self.path(), &all)
    }
}

/// `rungs --ladder LADDER sheets` for the example roster, cycle 2026-H2, into `dir/out`.
fn make_sheets(dir: &Path, ladder: &Path, out: &str) -> std::process::Output {
    let roster = repo().join("examples/roster.csv");
    run(
        dir,
        &[
            "--ladder",
            ladder.to_str().expect("UTF-8 path"),
            "-q",
            "sheets",
            "--roster",
            roster.to_str().expect("UTF-8 path"),
            "--cycle",
            "2026-H2",
            "-o",
            out,
        ],
    )
}

fn workbooks(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("file system").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "xlsx") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Copies workbooks into `dir` as `r01.xlsx`, `r02.xlsx`, … (`LibreOffice` wants plain names).
fn flatten(files: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("file system");
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let to = dir.join(format!("r{:02}.xlsx", i + 1));
            std::fs::copy(f, &to).expect("file system");
            to
        })
        .collect()
}

/// Fills workbooks with openpyxl: varied ratings (plain labels, odd spacing and case, a number,
/// blanks, "Not observed") and evidence with formula-looking, multi-line and Unicode text.
/// Returns what was typed: form id → competency id → (normalised label or "", evidence).
const FILL_PY: &str = r#"
import json, sys, openpyxl
out = {}
files = sys.argv[1:]
labels = ["L1", "L2", "L3", "L4", "L5", "Not observed"]
for i, f in enumerate(files):
    wb = openpyxl.load_workbook(f)
    ws = wb["Review"]
    form = ws["C9"].value
    answers = {}
    r = 12
    k = 0
    while ws.cell(r, 1).value:
        cid = ws.cell(r, 1).value
        pick = (i * 7 + k * 3) % 9
        if pick < 6:
            typed, label = labels[pick], labels[pick]
        elif pick == 6:
            typed, label = " l3\u00a0", "L3"
        elif pick == 7:
            typed, label = 4, "L4"
        else:
            typed, label = None, ""
        ev = ["=cmd|' /C calc'!A0", "line one\nline two", "naïve — it’s 😀 עברית", "", "crlf\r\nline"][(i + k) % 5]
        ws.cell(r, 4).value = typed
        ws.cell(r, 5).value = ev or None
        if ev:
            ws.cell(r, 5).data_type = "s"  # typed text, even when it looks like a formula
        answers[cid] = [label, ev]
        r += 1
        k += 1
    wb.save(f)
    out[form] = answers
print(json.dumps(out))
"#;

type Answers = BTreeMap<String, BTreeMap<String, (String, String)>>;

fn fill_openpyxl(dir: &Path, files: &[PathBuf]) -> Answers {
    let script = dir.join("fill.py");
    std::fs::write(&script, FILL_PY).expect("file system");
    let o = tool(Command::new(python()).arg(&script).args(files));
    let v: BTreeMap<String, BTreeMap<String, (String, String)>> =
        serde_json::from_slice(&o.stdout).expect("fill.py prints JSON");
    v
}

/// `tally.csv` read back: form id → competency id → (label, evidence as written).
fn csv_answers(path: &Path) -> Answers {
    let mut r = csv::Reader::from_path(path).expect("valid CSV");
    let h = r.headers().expect("test data as expected").clone();
    let col = |name: &str| {
        h.iter()
            .position(|x| x == name)
            .expect("test data as expected")
    };
    let (form, comp, rating, ev) = (
        col("form_id"),
        col("competency_id"),
        col("rating"),
        col("evidence"),
    );
    let mut out = Answers::new();
    for rec in r.records() {
        let rec = rec.expect("valid CSV");
        out.entry(rec[form].to_owned()).or_default().insert(
            rec[comp].to_owned(),
            (rec[rating].to_owned(), rec[ev].to_owned()),
        );
    }
    out
}

/// What `tally.csv` must hold for typed evidence: formula-looking text quote-prefixed.
fn expected_csv(a: &Answers) -> Answers {
    a.iter()
        .map(|(f, m)| {
            let m = m
                .iter()
                .map(|(c, (l, e))| {
                    let e = e.replace('\r', "");
                    let e = if e.starts_with(['=', '+', '-', '@']) {
                        format!("'{e}")
                    } else {
                        e
                    };
                    (c.clone(), (l.clone(), e))
                })
                .collect();
            (f.clone(), m)
        })
        .collect()
}

fn soffice_convert(files: &[PathBuf], out: &Path, profile: &Path) {
    assert!(files.len() < 100, "keep LibreOffice batches small");
    tool(
        Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", "xlsx", "--outdir"])
            .arg(out)
            .args(files),
    );
}

/// The tally workbook opens in calamine with its sheets, and its Ratings sheet agrees with
/// `tally.json`.
fn tally_workbook_matches_its_json(t1: &Path) {
    // The tally workbook itself opens in calamine with its sheets.
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(t1.join("tally.xlsx")).expect("calamine opens it");
    assert_eq!(
        wb.sheet_names(),
        [
            "People",
            "Ratings",
            "Distribution",
            "Disagreement",
            "Self vs manager",
            "Leniency",
            "Problems"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_slice(&read(&t1.join("tally.json"))).expect("valid JSON");
    assert_eq!(
        json["tally"]["people"]
            .as_array()
            .expect("valid JSON")
            .len(),
        6
    );
    assert!(
        json["rule"]
            .as_str()
            .expect("valid JSON")
            .contains("median")
    );
    // The Ratings sheet (streamed row by row) holds one row per person × competency, in the
    // order of tally.json and with its values.
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    let mut want: Vec<Vec<String>> = Vec::new();
    for p in json["tally"]["people"].as_array().expect("valid JSON") {
        for c in p["competencies"].as_array().expect("valid JSON") {
            want.push(vec![
                text(&p["name"]),
                text(&p["employee_id"]),
                text(&p["current_level"]),
                text(&c["area"]),
                text(&c["title"]),
                text(&c["consensus_label"]),
            ]);
        }
    }
    let sheet = wb.worksheet_range("Ratings").expect("calamine reads it");
    let got: Vec<Vec<String>> = sheet
        .rows()
        .skip(1)
        .map(|r| {
            [0, 1, 2, 3, 4, 8]
                .iter()
                .map(|&i| r.get(i).map(ToString::to_string).unwrap_or_default())
                .collect()
        })
        .collect();
    assert_eq!(got.len(), 6 * ladder_ids().len());
    assert_eq!(got, want);
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("file system")
}

#[test]
fn openpyxl_and_libreoffice_resave_recover_every_answer_and_outputs_are_stable() {
    let s = Setup::new();
    let returned = flatten(&s.sent(), &s.path().join("returned"));
    let typed = fill_openpyxl(s.path(), &returned);
    assert_eq!(typed.len(), 15);

    let o = s.tally(&["returned", "--manifest", "sent/manifest.json", "-o", "t1"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("tallied 15 reviews of 6 people"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        csv_answers(&s.path().join("t1/tally.csv")),
        expected_csv(&typed)
    );
    assert!(
        !stderr(&o).contains("error"),
        "no problems expected:\n{}",
        stderr(&o)
    );

    // Same folder again, and the files named one by one in reverse order: same bytes.
    let o = s.tally(&["returned", "--manifest", "sent/manifest.json", "-o", "t2"]);
    assert_code(&o, 0);
    let mut rev: Vec<String> = returned
        .iter()
        .map(|p| {
            format!(
                "returned/{}",
                p.file_name()
                    .expect("test data as expected")
                    .to_string_lossy()
            )
        })
        .collect();
    rev.reverse();
    let mut args: Vec<&str> = rev.iter().map(String::as_str).collect();
    args.extend(["--manifest", "sent/manifest.json", "-o", "t3"]);
    assert_code(&s.tally(&args), 0);
    for f in ["tally.xlsx", "tally.csv", "tally.json"] {
        let a = read(&s.path().join("t1").join(f));
        assert_eq!(
            a,
            read(&s.path().join("t2").join(f)),
            "{f} differs between runs"
        );
        assert_eq!(
            a,
            read(&s.path().join("t3").join(f)),
            "{f} depends on input order"
        );
    }

    // Re-saved by LibreOffice headless: every answer survives, the manifest check passes.
    let resaved = s.path().join("resaved");
    soffice_convert(&returned, &resaved, &s.path().join("lo-profile"));
    let o = s.tally(&["resaved", "--manifest", "sent/manifest.json", "-o", "t4"]);
    assert_code(&o, 0);
    assert_eq!(
        csv_answers(&s.path().join("t4/tally.csv")),
        expected_csv(&typed)
    );

    // Both folders together: the same answers under other names count once.
    let o = s.tally(&["returned", "resaved", "-o", "t5"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("tallied 15 reviews"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("15 duplicate files counted once"),
        "{}",
        stdout(&o)
    );

    tally_workbook_matches_its_json(&s.path().join("t1"));
}

#[test]
fn duplicates_conflicts_prefer_lock_files_and_not_returned() {
    let s = Setup::new();
    let sent = s.sent();
    let returned = flatten(&sent[..3], &s.path().join("returned"));
    fill_openpyxl(s.path(), &returned);
    // The same file twice, an Office lock file and owner file beside them.
    std::fs::copy(&returned[0], s.path().join("returned/copy of r01.xlsx")).expect("file system");
    std::fs::write(s.path().join("returned/~$r01.xlsx"), b"owner").expect("file system");
    std::fs::write(s.path().join("returned/.~lock.r01.xlsx#"), b"lock").expect("file system");
    std::fs::write(s.path().join("returned/notes.txt"), b"not a workbook").expect("file system");

    let o = s.tally(&["returned", "--manifest", "sent/manifest.json", "-o", "t"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("tallied 3 reviews"), "{out}");
    assert!(out.contains("1 duplicate file counted once"), "{out}");
    assert!(out.contains("2 Office lock files skipped"), "{out}");
    assert!(out.contains("not returned (12)"), "{out}");

    // A second return of r02 with a different rating: a conflict naming both files and the cell.
    let other = s.path().join("other");
    std::fs::create_dir_all(&other).expect("file system");
    std::fs::copy(&returned[1], other.join("r02-v2.xlsx")).expect("file system");
    let script = s.path().join("change.py");
    std::fs::write(
        &script,
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nws = wb['Review']\nws['D13'] = 'L5' if ws['D13'].value != 'L5' else 'L1'\nwb.save(sys.argv[1])\n",
    )
    .expect("test data as expected");
    tool(
        Command::new(python())
            .arg(&script)
            .arg(other.join("r02-v2.xlsx")),
    );
    let o = s.tally(&["returned", "other", "-o", "t2"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("error[conflicting-returns]"), "{err}");
    assert!(
        err.contains("returned/r02.xlsx") && err.contains("other/r02-v2.xlsx"),
        "{err}"
    );
    assert!(
        ladder_ids()
            .iter()
            .any(|id| err.contains(&format!("D13 ({id}): rating differs"))),
        "{err}"
    );
    assert!(err.contains("no tally was written"), "{err}");
    assert!(!s.path().join("t2/tally.csv").exists());

    let o = s.tally(&[
        "returned",
        "other",
        "--prefer",
        "other/r02-v2.xlsx",
        "-o",
        "t3",
    ]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("1 file left out by --prefer"),
        "{}",
        stdout(&o)
    );
    let csv = std::fs::read_to_string(s.path().join("t3/tally.csv")).expect("file system");
    assert!(csv.contains("other/r02-v2.xlsx") && !csv.contains("returned/r02.xlsx"));
    assert!(!stderr(&o).contains("prefer-unused"), "{}", stderr(&o));

    // A --prefer that settles nothing is reported, not silently ignored.
    let o = s.tally(&["returned", "--prefer", "returned/r01.xlsx", "-o", "t4"]);
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("warning[prefer-unused]"),
        "{}",
        stderr(&o)
    );

    // The output folder inside the inputs, or an earlier tally's: never read back as returns.
    for out in ["returned/tally", "returned/tally", "t5"] {
        let o = s.tally(&["returned", "-o", out]);
        assert_code(&o, 0);
    }
}

#[test]
fn libreoffice_fill_through_uno_and_tampering_is_located() {
    let s = Setup::new();
    let sent = s.sent();
    let work = s.path().join("lo");
    std::fs::create_dir_all(&work).expect("file system");
    let base = &sent[0];
    let job = |out: &str, extra: serde_json::Value| {
        let mut j = serde_json::json!({"in": base, "out": work.join(out)});
        for (k, v) in extra.as_object().expect("test data as expected") {
            j[k] = v.clone();
        }
        j
    };
    let nbsp = "\u{a0}l4 ";
    let jobs = serde_json::json!({
        "profile": s.path().join("uno-profile"),
        "jobs": [
            job("filled.xlsx", serde_json::json!({"cells": [
                ["Review", "D12", "L3"], ["Review", "D13", "Not observed"], ["Review", "D14", 2],
                ["Review", "D15", nbsp], ["Review", "E12", "two\nlines"], ["Review", "E13", "=SUM(1)"]]})),
            job("edited-text.xlsx", serde_json::json!({"cells": [["Review", "D12", "L3"], ["Review", "G13", "Easy."]]})),
            job("renamed.xlsx", serde_json::json!({"cells": [["Review", "D12", "L3"]], "rename": [["Review", "My review"]]})),
            job("off-scale.xlsx", serde_json::json!({"cells": [["Review", "D12", "Senior"]]})),
            job("inserted-row.xlsx", serde_json::json!({"insert_rows": [["Review", 13, 1]],
                "cells": [["Review", "D14", "L2"], ["Review", "D15", "L4"]]})),
        ]
    });
    let spec = s.path().join("jobs.json");
    std::fs::write(&spec, serde_json::to_vec(&jobs).expect("valid JSON")).expect("valid JSON");
    tool(
        Command::new("/usr/bin/python3")
            .arg(repo().join("tests/lo_fill.py"))
            .arg(&spec),
    );

    // Every answer typed in LibreOffice comes back exactly; "=SUM(1)" typed as text stays text.
    let o = s.tally(&["lo/filled.xlsx", "-o", "t1"]);
    assert_code(&o, 0);
    let got = csv_answers(&s.path().join("t1/tally.csv"));
    let (_, answers) = got.iter().next().expect("test data as expected");
    let ids: Vec<&String> = answers.keys().collect();
    let by_row = |row: usize| {
        // Rows 12.. hold the competencies in ladder order.
        let order = ladder_ids();
        answers[&order[row - 12]].clone()
    };
    assert_eq!(ids.len(), 10);
    assert_eq!(by_row(12), ("L3".into(), "two\nlines".into()));
    assert_eq!(by_row(13), ("Not observed".into(), "'=SUM(1)".into()));
    assert_eq!(
        by_row(14),
        ("L2".into(), String::new()),
        "the number 2 is the level L2"
    );
    assert_eq!(by_row(15), ("L4".into(), String::new()));
    assert_eq!(
        by_row(16),
        (String::new(), String::new()),
        "blank stays blank"
    );
    assert!(
        stdout(&o).contains("0 complete, 1 incomplete"),
        "{}",
        stdout(&o)
    );

    let check = |file: &str, code: &str, at: &str, also: &[&str]| {
        let o = s.tally(&[&format!("lo/{file}"), "-o", "tx"]);
        assert_code(&o, 1);
        let err = stderr(&o);
        assert!(err.contains(&format!("error[{code}]")), "{file}: {err}");
        assert!(err.contains(at), "{file}: expected location {at}\n{err}");
        for a in also {
            assert!(err.contains(a), "{file}: expected {a}\n{err}");
        }
    };
    check(
        "edited-text.xlsx",
        "locked-text-edited",
        "sheet 'Review', G13",
        &["'Easy.'", "but the form says"],
    );
    check(
        "renamed.xlsx",
        "review-sheet-renamed",
        "lo/renamed.xlsx",
        &["renamed to 'My review'"],
    );
    check(
        "off-scale.xlsx",
        "rating-off-scale",
        "sheet 'Review', D12",
        &["'Senior'", "'L1', 'L2'"],
    );
    check(
        "inserted-row.xlsx",
        "rating-outside-row",
        "sheet 'Review', D14",
        &["row 14"],
    );
}

/// Competency ids of the bundled ladder in order, read from `rungs export json`.
fn ladder_ids() -> Vec<String> {
    let dir = tempdir();
    let ladder = repo().join("ladder");
    let o = run(
        dir.path(),
        &[
            "--ladder",
            ladder.to_str().expect("UTF-8 path"),
            "export",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    v["areas"]
        .as_array()
        .expect("test data as expected")
        .iter()
        .flat_map(|a| {
            a["competencies"]
                .as_array()
                .expect("test data as expected")
                .iter()
        })
        .map(|c| c["id"].as_str().expect("test data as expected").to_owned())
        .collect()
}

#[test]
fn hostile_files_are_each_rejected_with_their_own_message_in_bounded_memory() {
    let s = Setup::new();
    let base = &s.sent()[0];
    let dir = s.path().join("hostile");
    let o = tool(
        Command::new(python())
            .arg(repo().join("tests/hostile.py"))
            .arg(base)
            .arg(&dir),
    );
    let cases: Vec<(String, String)> = stdout(&o)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
    assert!(cases.len() >= 20, "{cases:?}");
    let ladder = repo().join("ladder");
    let mut messages = BTreeMap::new();
    for (name, code) in &cases {
        // 1 GiB of address space: calamine's huge reservations would abort under it.
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 1048576; exec \"$0\" --ladder '{}' tally 'hostile/{name}' -o out",
                ladder.display()
            ))
            .arg(env!("CARGO_BIN_EXE_rungs"))
            .current_dir(s.path())
            .output()
            .expect("test data as expected");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: exit status\n{err}");
        assert!(
            err.contains(&format!("error[{code}]")),
            "{name}: expected {code}\n{err}"
        );
        assert!(
            err.contains(&format!("hostile/{name}")),
            "{name}: the file is named\n{err}"
        );
        assert!(!err.contains("panicked"), "{name}\n{err}");
        let first = err
            .lines()
            .find(|l| l.starts_with("error["))
            .unwrap_or_default()
            .to_owned();
        messages.entry(code.clone()).or_insert(first);
    }
    // Different problems read differently.
    let distinct: std::collections::BTreeSet<_> = messages.values().collect();
    assert_eq!(distinct.len(), messages.len(), "{messages:#?}");

    // All of them with one good review and --skip-invalid: the good one is tallied, the rest listed.
    let good = s.path().join("hostile/good.xlsx");
    std::fs::copy(base, &good).expect("file system");
    let o = s.tally(&["hostile", "--skip-invalid", "-o", "t"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("tallied 1 review"), "{out}");
    assert!(out.contains("left out (--skip-invalid)"), "{out}");
    assert!(out.contains("hostile/zip-bomb.xlsx"), "{out}");
    assert!(
        std::fs::read_to_string(s.path().join("t/tally.csv"))
            .expect("test data as expected")
            .contains("blank")
    );
}

#[test]
fn other_cycle_and_not_a_review_are_rejected() {
    let s = Setup::new();
    let sent = s.sent();
    let o = s.tally(&[
        sent[0].to_str().expect("UTF-8 path"),
        "--cycle",
        "2027-H1",
        "-o",
        "t",
    ]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("error[other-cycle]"), "{}", stderr(&o));

    // A plain workbook from openpyxl carries no form id.
    let plain = s.path().join("plain.xlsx");
    let script = s.path().join("plain.py");
    std::fs::write(
        &script,
        "import sys, openpyxl\nwb = openpyxl.Workbook()\nwb.active['A1'] = 'hello'\nwb.save(sys.argv[1])\n",
    )
    .expect("test data as expected");
    tool(Command::new(python()).arg(&script).arg(&plain));
    let o = s.tally(&["plain.xlsx", "-o", "t"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("error[not-a-review]"), "{}", stderr(&o));

    let o = s.tally(&["no-such-folder", "-o", "t"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("error[input-missing]"),
        "{}",
        stderr(&o)
    );
}

/// Fills every workbook of `files` with one label per reviewer role (self, manager, peer),
/// read from the Review header; `None` leaves the role's workbooks blank.
fn fill_by_role(dir: &Path, files: &[PathBuf], self_: &str, manager: &str, peer: &str) {
    let script = dir.join("by_role.py");
    std::fs::write(
        &script,
        r#"
import sys, openpyxl
labels = {"self": sys.argv[1], "manager": sys.argv[2], "peer": sys.argv[3]}
for f in sys.argv[4:]:
    wb = openpyxl.load_workbook(f)
    ws = wb["Review"]
    label = labels[ws["C6"].value]
    r = 12
    while ws.cell(r, 1).value:
        ws.cell(r, 4).value = label or None
        r += 1
    wb.save(f)
"#,
    )
    .expect("test data as expected");
    tool(
        Command::new(python())
            .arg(&script)
            .args([self_, manager, peer])
            .args(files),
    );
}

fn people(json_path: &Path) -> BTreeMap<String, serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&read(json_path)).expect("valid JSON");
    v["tally"]["people"]
        .as_array()
        .expect("test data as expected")
        .iter()
        .map(|p| {
            (
                p["employee_id"]
                    .as_str()
                    .expect("test data as expected")
                    .to_owned(),
                p.clone(),
            )
        })
        .collect()
}

#[test]
fn consensus_rule_on_a_levels_scale() {
    let s = Setup::new();
    let returned = flatten(&s.sent(), &s.path().join("returned"));
    // Self says L5, managers L4, peers L2: the median of others (manager and peer) is the lower
    // middle value, L2, where a peer exists; the manager's L4 where none does.
    fill_by_role(s.path(), &returned, "L5", "L4", "L2");
    let o = s.tally(&["returned", "-o", "t"]);
    assert_code(&o, 0);
    let p = people(&s.path().join("t/tally.json"));
    // E1001 (L3) has self, manager and peer; E1002 (L2) self and manager.
    assert_eq!(p["E1001"]["suggested_level"], "L2");
    assert_eq!(p["E1001"]["gap"], -1);
    assert_eq!(p["E1002"]["suggested_level"], "L4");
    assert_eq!(p["E1002"]["gap"], 2);
    let v: serde_json::Value =
        serde_json::from_slice(&read(&s.path().join("t/tally.json"))).expect("valid JSON");
    // Self L5 against manager L4: a gap on every competency of everyone with both.
    assert_eq!(
        v["tally"]["self_gaps"]
            .as_array()
            .expect("test data as expected")
            .len(),
        6 * 10
    );
    // Peers (L2) and self (L5) are three levels apart: disagreement for E1001, E1003, E1005.
    assert_eq!(
        v["tally"]["disagreements"]
            .as_array()
            .expect("test data as expected")
            .len(),
        3 * 10
    );
    let len: Vec<(String, f64)> = v["tally"]["leniency"]
        .as_array()
        .expect("test data as expected")
        .iter()
        .map(|l| {
            (
                l["reviewer"]
                    .as_str()
                    .expect("test data as expected")
                    .to_owned(),
                l["mean_offset"].as_f64().expect("test data as expected"),
            )
        })
        .collect();
    // Jonas Berg manages E1001 (consensus L2: +2), E1002 (L4: 0) and E1003 (L2: +2).
    let jonas = len
        .iter()
        .find(|(r, _)| r == "Jonas Berg")
        .expect("test data as expected")
        .1;
    assert!((jonas - 4.0 / 3.0).abs() < 0.01, "{len:?}");
}

#[test]
fn consensus_rule_on_a_relative_scale_and_incomplete_reviews() {
    let s = Setup::new();
    let ladder =
        std::fs::read_to_string(repo().join("ladder/titles-for-ops.md")).expect("file system");
    let relative = format!(
        "+++\n[rating]\nscale = \"relative\"\noptions = [\n  {{ label = \"Not yet\", value = -1 }},\n  {{ label = \"Meets\", value = 0 }},\n  {{ label = \"Exceeds\", value = 1 }},\n]\n+++\n{ladder}"
    );
    let lpath = s.path().join("relative.md");
    std::fs::write(&lpath, relative).expect("file system");
    let run_with = |args: &[&str]| {
        let mut all = vec!["--ladder", lpath.to_str().expect("UTF-8 path")];
        all.extend_from_slice(args);
        run(s.path(), &all)
    };
    assert_code(&make_sheets(s.path(), &lpath, "rel"), 0);
    let returned = flatten(
        &workbooks(&s.path().join("rel")),
        &s.path().join("returned"),
    );
    // Managers say Exceeds, peers Meets, self reviews left blank.
    fill_by_role(s.path(), &returned, "", "Exceeds", "Meets");
    let o = run_with(&[
        "tally",
        "returned",
        "--manifest",
        "rel/manifest.json",
        "-o",
        "t",
    ]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("(9 complete, 6 incomplete)"),
        "{}",
        stdout(&o)
    );
    let p = people(&s.path().join("t/tally.json"));
    // E1001 (L3): manager +1, peer 0 → lower median 0 → stays L3.
    assert_eq!(p["E1001"]["suggested_level"], "L3");
    assert_eq!(p["E1001"]["gap"], 0);
    // E1002 (L2): manager only, Exceeds → L3.
    assert_eq!(p["E1002"]["suggested_level"], "L3");
    assert_eq!(p["E1002"]["reviews_expected"], 2);
    assert_eq!(p["E1002"]["reviews_complete"], 1);
    // E1006 (L5, the top): Exceeds cannot go above the top level.
    assert_eq!(p["E1006"]["suggested_level"], "L5");
    let csv = std::fs::read_to_string(s.path().join("t/tally.csv")).expect("file system");
    assert!(csv.contains(",rated,Exceeds,1,"), "{csv}");
    assert!(
        csv.contains(",blank,,,"),
        "blank ratings are listed as blank, never as zero"
    );
}

#[test]
fn identity_from_surviving_copies_and_other_ladders() {
    let s = Setup::new();
    let returned = flatten(&s.sent()[..2], &s.path().join("returned"));
    // Drop the hidden provenance sheet and the custom properties, as some applications do:
    // the visible header still identifies the review (its form id is a hash of cycle, person
    // and reviewer).
    let script = s.path().join("strip.py");
    std::fs::write(
        &script,
        "import sys, openpyxl\nfrom openpyxl.packaging.custom import CustomPropertyList\nwb = openpyxl.load_workbook(sys.argv[1])\ndel wb['Provenance']\nwb.custom_doc_props = CustomPropertyList()\nwb['Review']['D12'] = 'L2'\nwb.save(sys.argv[1])\n",
    )
    .expect("test data as expected");
    tool(Command::new(python()).arg(&script).arg(&returned[0]));
    let o = s.tally(&["returned/r01.xlsx", "-o", "t1"]);
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("warning[provenance-from-header]"),
        "{}",
        stderr(&o)
    );
    let o = s.tally(&[
        "returned/r01.xlsx",
        "--manifest",
        "sent/manifest.json",
        "-o",
        "t2",
    ]);
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("warning[provenance-from-manifest]"),
        "{}",
        stderr(&o)
    );

    // The visible header edited to name someone else: the copies disagree.
    std::fs::write(
        &script,
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nwb['Review']['C5'] = 'Someone Else'\nwb.save(sys.argv[1])\n",
    )
    .expect("test data as expected");
    tool(Command::new(python()).arg(&script).arg(&returned[1]));
    let o = s.tally(&["returned/r02.xlsx", "-o", "t3"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("error[provenance-mismatch]"), "{err}");
    assert!(
        err.contains("sheet 'Review', C5") && err.contains("'Someone Else'"),
        "{err}"
    );

    // Another ladder (one expectation reworded): a different fingerprint.
    let ladder =
        std::fs::read_to_string(repo().join("ladder/titles-for-ops.md")).expect("file system");
    let other = s.path().join("other.md");
    std::fs::write(
        &other,
        ladder.replacen("Shadows on call", "Joins on call", 1),
    )
    .expect("test data as expected");
    let o = run(
        s.path(),
        &[
            "--ladder",
            other.to_str().expect("UTF-8 path"),
            "tally",
            "sent",
            "-o",
            "t4",
        ],
    );
    assert_code(&o, 1);
    assert!(stderr(&o).contains("error[other-ladder]"), "{}", stderr(&o));
    assert!(stderr(&o).contains("15 files rejected"), "{}", stderr(&o));
}

#[test]
fn the_manifest_beside_the_workbooks_is_not_an_input() {
    // Tallying the folder `rungs sheets` wrote: the manifest there is not a stray file.
    let s = Setup::new();
    s.sent();
    let o = s.tally(&["sent", "-o", "t"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("(0 complete, 15 incomplete)"), "{out}");
    assert!(!out.contains("ignored"), "{out}");
}

/// The tally's temporary files (the constant-memory sheets of tally.xlsx, evidence texts) go to
/// the temporary folder: when it cannot be written the command fails with exit 3, names the
/// output it could not write, and leaves no partial file.
#[test]
fn an_unwritable_temporary_folder_fails_cleanly() {
    let s = Setup::new();
    let ladder = repo().join("ladder");
    let o = common::rungs(s.path())
        .env("TMPDIR", s.path().join("no-such-folder"))
        .args([
            "--ladder",
            ladder.to_str().expect("UTF-8 path"),
            "tally",
            "sent",
            "-o",
            "t",
        ])
        .output()
        .expect("the rungs binary runs");
    assert_code(&o, 3);
    let err = stderr(&o);
    assert!(err.contains("cannot write t/tally.xlsx"), "{err}");
    assert!(err.contains("no-such-folder"), "{err}");
    assert!(!s.path().join("t/tally.xlsx").exists());
}

/// The bundled ladder with an explicit id on every area and competency heading (the slug of
/// its title).
fn bundled_with_ids() -> String {
    let ladder =
        std::fs::read_to_string(repo().join("ladder/titles-for-ops.md")).expect("file system");
    let slug = |t: &str| {
        t.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-")
    };
    ladder
        .lines()
        .map(|line| {
            match line
                .strip_prefix("#### ")
                .or_else(|| line.strip_prefix("### "))
            {
                Some(title) => format!("{line} {{#{}}}\n", slug(title)),
                None => format!("{line}\n"),
            }
        })
        .collect()
}

/// `rungs --ladder LADDER ARGS` in `dir`.
fn with_ladder(dir: &Path, ladder: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--ladder", ladder.to_str().expect("UTF-8 path")];
    all.extend_from_slice(args);
    run(dir, &all)
}

#[test]
fn a_workbook_sent_before_a_rename_tallies_after_it_when_ids_are_explicit() {
    let dir = tempdir();
    let d = dir.path();
    let before = d.join("before.md");
    std::fs::write(&before, bundled_with_ids()).expect("file system");
    assert_code(&make_sheets(d, &before, "sent"), 0);
    let files = workbooks(&d.join("sent"));
    let tally = |ladder: &Path, out: &str| {
        with_ladder(
            d,
            ladder,
            &[
                "tally",
                "sent",
                "--manifest",
                "sent/manifest.json",
                "-o",
                out,
            ],
        )
    };
    let typed = fill_openpyxl(d, &files);

    // Between the cycle's start and its tally, a competency and an area are renamed.
    let renamed = bundled_with_ids()
        .replace(
            "#### Ownership — Manager of One {#",
            "#### Ownership and Drive {#",
        )
        .replace("### Engagement {#", "### Drive & Engagement {#");
    let after = d.join("after.md");
    std::fs::write(&after, &renamed).expect("file system");
    let fingerprint = |ladder: &Path| {
        let o = with_ladder(d, ladder, &["check"]);
        assert_code(&o, 0);
        let out = stdout(&o);
        out.lines()
            .find_map(|l| l.trim().strip_prefix("fingerprint:"))
            .expect("a fingerprint line")
            .trim()
            .to_owned()
    };
    assert_eq!(fingerprint(&before), fingerprint(&after));

    let o = tally(&after, "t");
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains("note: the competency `ownership-manager-of-one` is 'Ownership — Manager of One' in the workbook and 'Ownership and Drive' in the ladder: renamed since the workbook was made, and counted under its id\n  in 15 workbooks"),
        "{err}"
    );
    assert!(
        err.contains("is 'Engagement' in the workbook and 'Drive & Engagement' in the ladder"),
        "{err}"
    );
    assert!(!err.contains("error"), "{err}");
    // Every answer is counted under its competency, which the tally names by its new title.
    assert_eq!(csv_answers(&d.join("t/tally.csv")), expected_csv(&typed));
    let csv = std::fs::read_to_string(d.join("t/tally.csv")).expect("file system");
    assert!(
        csv.contains(",Ownership and Drive,") && !csv.contains("Manager of One"),
        "{csv}"
    );

    // Expectations are still the ladder's words: rewording one is another ladder.
    let reworded = d.join("reworded.md");
    std::fs::write(
        &reworded,
        renamed.replacen("Shadows on call", "Joins on call", 1),
    )
    .expect("file system");
    let o = with_ladder(d, &reworded, &["tally", "sent", "-o", "t2"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("error[other-ladder]"), "{}", stderr(&o));

    // A reviewer who retitles a row is caught by the manifest's hash of the locked text.
    let script = d.join("retitle.py");
    std::fs::write(
        &script,
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nwb['Review']['C12'] = 'Something else'\nwb.save(sys.argv[1])\n",
    )
    .expect("file system");
    tool(Command::new(python()).arg(&script).arg(&files[0]));
    let o = tally(&after, "t3");
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("its hash does not match the manifest"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn without_explicit_ids_a_rename_is_another_ladder() {
    let s = Setup::new();
    let ladder =
        std::fs::read_to_string(repo().join("ladder/titles-for-ops.md")).expect("file system");
    let other = s.path().join("renamed.md");
    std::fs::write(
        &other,
        ladder.replace(
            "#### Ownership — Manager of One",
            "#### Ownership and Drive",
        ),
    )
    .expect("file system");
    let o = with_ladder(s.path(), &other, &["tally", "sent", "-o", "t"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("error[other-ladder]"), "{}", stderr(&o));
}
