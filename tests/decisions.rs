//! `rungs decisions` and `rungs outcomes` end to end, with the built binary: a tally of
//! reviews filled by openpyxl, the decisions workbook written from it, filled by openpyxl and
//! through `LibreOffice` (UNO), re-saved by `LibreOffice` and Gnumeric, read back; every
//! validation error located; split workbooks merged; conflicts and `--prefer`; byte-identical
//! re-imports; `rungs tally --previous` across two cycles. Needs the test venv
//! (`bash .ci/install`), `LibreOffice` with `python3-uno`, and `ssconvert`.

mod common;
mod prove;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{assert_code, repo, stderr, stdout, tool};
use serde_json::{Value, json};

/// A tally of 12 people (36 reviews, teams team-0..2, levels L1..L5) and the tools around it.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = common::tempdir();
        let d = dir.path();
        let roster = prove::roster(d, 36);
        let sent = d.join("sent");
        assert_code(&prove::output(&mut prove::sheets(d, &roster, &sent)), 0);
        prove::fill(&sent, 18);
        let o = prove::output(prove::rungs(d, &["tally", "sent", "--manifest"]).args([
            sent.join("manifest.json").as_os_str(),
            "-o".as_ref(),
            "out/tally".as_ref(),
        ]));
        assert_code(&o, 0);
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `rungs --ladder <bundled> ARGS` with a fixed creation date.
    fn run(&self, args: &[&str]) -> Output {
        prove::output(prove::rungs(self.path(), args).env("SOURCE_DATE_EPOCH", "1700000000"))
    }

    /// `rungs decisions ARGS` into `out`, which must succeed; the workbook's path.
    fn decisions(&self, out: &str, args: &[&str]) -> PathBuf {
        let mut all = vec!["decisions", "-o", out];
        all.extend_from_slice(args);
        assert_code(&self.run(&all), 0);
        self.path().join(out).join("decisions.xlsx")
    }

    /// `rungs outcomes FILES… -o out` (and more args).
    fn outcomes(&self, out: &str, args: &[&str]) -> Output {
        let mut all = vec!["outcomes", "-o", out];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Edits workbooks with openpyxl (`tests/xlsx_edit.py`).
    fn edit(&self, jobs: &Value) {
        let spec = self.path().join("edit.json");
        std::fs::write(&spec, serde_json::to_vec(jobs).expect("JSON")).expect("write jobs");
        tool(
            Command::new(common::python())
                .arg(repo().join("tests/xlsx_edit.py"))
                .arg(&spec)
                .current_dir(self.path()),
        );
    }

    /// The tally's people: employee id → (current level, team, suggested level).
    fn people(&self) -> BTreeMap<String, (String, String, Option<String>)> {
        let text =
            std::fs::read_to_string(self.path().join("out/tally/tally.json")).expect("tally");
        let v: Value = serde_json::from_str(&text).expect("tally.json is JSON");
        v["tally"]["people"]
            .as_array()
            .expect("people")
            .iter()
            .map(|p| {
                (
                    p["employee_id"].as_str().expect("id").to_owned(),
                    (
                        p["current_level"].as_str().expect("level").to_owned(),
                        p["team"].as_str().unwrap_or("").to_owned(),
                        p["suggested_level"].as_str().map(str::to_owned),
                    ),
                )
            })
            .collect()
    }

    /// `by_id` cells deciding every person in `ids` at their suggested (else current) level.
    fn agree_all(&self, ids: &[&String]) -> Value {
        let people = self.people();
        let mut by_id = serde_json::Map::new();
        for id in ids {
            let (current, _, suggested) = &people[*id];
            let level = suggested.clone().unwrap_or_else(|| current.clone());
            by_id.insert(
                (*id).clone(),
                json!({"I": level, "J": level, "K": "as suggested", "L": "Panel A"}),
            );
        }
        Value::Object(by_id)
    }
}

/// outcomes.csv as rows of fields, keyed by employee id.
fn csv_rows(path: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("outcomes.csv");
    let headers = r.headers().expect("headers").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a record");
            let row: BTreeMap<String, String> = headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect();
            (row["employee_id"].clone(), row)
        })
        .collect()
}

fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    prove::snapshot(dir)
        .into_iter()
        .map(|(p, b)| (p.display().to_string(), b))
        .collect()
}

#[track_caller]
fn assert_problem(o: &Output, code: &str, at: &str) {
    let err = stderr(o);
    let found = err
        .split("\n\n")
        .any(|block| block.contains(&format!("[{code}]")) && block.contains(at));
    assert!(found, "expected {code} at {at}\n{err}");
}

#[test]
fn openpyxl_fill_round_trips_and_reimports_are_byte_identical() {
    let s = Setup::new();
    let dec = s.decisions("dec", &[]);
    let again = s.decisions("dec-again", &[]);
    assert_eq!(
        std::fs::read(&dec).expect("read"),
        std::fs::read(&again).expect("read"),
        "same tally, same bytes"
    );
    let people = s.people();
    let ids: Vec<&String> = people.keys().collect();
    let mut by_id = s.agree_all(&ids);
    // A change with a reason that a spreadsheet would run as a formula (typed as text), a
    // level typed in lower case with spaces, one given as the number 3, one left undecided.
    by_id[ids[0]] = json!({"J": "L5", "K": "=HYPERLINK(\"x\") led the migration", "L": "Panel A"});
    by_id[ids[1]] = json!({"J": " l4 ", "K": "two\nlines", "L": "Panel B"});
    by_id[ids[2]] = json!({"J": 3});
    by_id[ids[3]] = json!({"J": null, "K": "", "L": ""});
    s.edit(&json!([{"in": dec, "out": "a.xlsx", "by_id": by_id, "formula_as_text": true}]));

    let o = s.outcomes("o1", &["a.xlsx"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("11 people decided, 1 undecided"),
        "{}",
        stdout(&o)
    );
    assert_problem(&o, "undecided", "sheet 'Decisions', J");
    let rows = csv_rows(&s.path().join("o1/outcomes.csv"));
    assert_eq!(rows.len(), 12);
    let r0 = &rows[ids[0]];
    assert_eq!(r0["agreed_level"], "L5");
    assert_eq!(
        r0["reason"], "'=HYPERLINK(\"x\") led the migration",
        "CSV-safe"
    );
    let current0: i32 = people[ids[0]].0[1..].parse().expect("Ln");
    assert_eq!(r0["change"], (5 - current0).to_string());
    assert_eq!(rows[ids[1]]["agreed_level"], "L4");
    assert_eq!(rows[ids[1]]["reason"], "two\nlines");
    assert_eq!(rows[ids[2]]["agreed_level"], "L3", "3 is L3");
    assert_eq!(rows[ids[3]]["agreed_level"], "");
    assert_eq!(r0["file"], "a.xlsx");
    let audit = std::fs::read_to_string(s.path().join("o1/audit.csv")).expect("audit");
    assert!(
        audit.contains(&format!("{},", ids[3])) && audit.contains("undecided"),
        "{audit}"
    );
    for id in &ids[4..] {
        assert!(
            !audit.contains(id.as_str()),
            "{id} was agreed as suggested:\n{audit}"
        );
    }
    let json: Value =
        serde_json::from_slice(&std::fs::read(s.path().join("o1/outcomes.json")).expect("json"))
            .expect("outcomes.json is JSON");
    assert_eq!(json["format"], "rungs-outcomes");
    assert_eq!(json["decided"], 11);
    assert_eq!(json["outcomes"].as_array().map(Vec::len), Some(12));

    // The same file twice, in either order: counted once, the same bytes out.
    std::fs::copy(s.path().join("a.xlsx"), s.path().join("b.xlsx")).expect("copy");
    let o = s.outcomes("o2", &["b.xlsx", "a.xlsx"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("b.xlsx: the same as a.xlsx"),
        "{}",
        stdout(&o)
    );
    assert_code(&s.outcomes("o3", &["a.xlsx", "b.xlsx"]), 0);
    let o1 = files_in(&s.path().join("o1"));
    assert_eq!(o1, files_in(&s.path().join("o2")));
    assert_eq!(o1, files_in(&s.path().join("o3")));

    // A sync client's conflict copy in the output folder is reported, as by every command.
    std::fs::create_dir_all(s.path().join("o4")).expect("mkdir");
    std::fs::write(
        s.path()
            .join("o4/outcomes (Ann's conflicted copy 2026-12-01).csv"),
        "x",
    )
    .expect("write");
    let o = s.outcomes("o4", &["a.xlsx"]);
    assert_code(&o, 0);
    assert!(
        stderr(&o)
            .contains("outcomes (Ann's conflicted copy 2026-12-01).csv looks like a sync client's conflict copy of outcomes.csv"),
        "{}",
        stderr(&o)
    );

    // decisions.xlsx is not replaced without --force: it may hold decisions.
    let o = s.run(&["decisions", "-o", "dec"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
}

#[test]
fn libreoffice_uno_fill_and_gnumeric_and_libreoffice_resaves() {
    let s = Setup::new();
    let dec = s.decisions("dec", &[]);
    let lo = s.path().join("lo");
    std::fs::create_dir_all(&lo).expect("mkdir");
    // Typed in LibreOffice itself: a level, a number, a level in lower case, two lines.
    let jobs = json!({
        "profile": s.path().join("uno-profile"),
        "jobs": [{"in": dec, "out": lo.join("uno.xlsx"), "cells": [
            ["Decisions", "J11", "L2"], ["Decisions", "K11", "line one\nline two"],
            ["Decisions", "L11", "Panel A"], ["Decisions", "J12", 4.0],
            ["Decisions", "J13", "l1"], ["Decisions", "I13", "L2"]]}]
    });
    let spec = s.path().join("uno.json");
    std::fs::write(&spec, serde_json::to_vec(&jobs).expect("JSON")).expect("write");
    tool(
        Command::new("/usr/bin/python3")
            .arg(repo().join("tests/lo_fill.py"))
            .arg(&spec),
    );
    let o = s.outcomes("o-uno", &["lo/uno.xlsx"]);
    assert_code(&o, 0);
    let by_cell: BTreeMap<String, BTreeMap<String, String>> =
        csv_rows(&s.path().join("o-uno/outcomes.csv"))
            .into_values()
            .map(|r| (r["cell"].clone(), r))
            .collect();
    assert_eq!(by_cell["J11"]["agreed_level"], "L2");
    assert_eq!(by_cell["J11"]["reason"], "line one\nline two");
    assert_eq!(by_cell["J11"]["decided_by"], "Panel A");
    assert_eq!(by_cell["J12"]["agreed_level"], "L4", "the number 4 is L4");
    assert_eq!(by_cell["J13"]["agreed_level"], "L1");
    assert_eq!(by_cell["J13"]["proposed_level"], "L2");
    assert!(
        stdout(&o).contains("3 people decided, 9 undecided"),
        "{}",
        stdout(&o)
    );

    // Filled by openpyxl, then re-saved by LibreOffice and by Gnumeric: the same decisions.
    let people = s.people();
    let ids: Vec<&String> = people.keys().collect();
    s.edit(&json!([{"in": dec, "out": "filled.xlsx", "by_id": s.agree_all(&ids)}]));
    assert_code(&s.outcomes("o-openpyxl", &["filled.xlsx"]), 0);
    let resaved = s.path().join("resaved");
    tool(
        Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                s.path().join("lo-profile").display()
            ))
            .args(["--headless", "--convert-to", "xlsx", "--outdir"])
            .arg(&resaved)
            .arg(s.path().join("filled.xlsx")),
    );
    let gnumeric = s.path().join("gnumeric.xlsx");
    tool(
        Command::new("ssconvert")
            .arg(s.path().join("filled.xlsx"))
            .arg(&gnumeric),
    );
    let strip = |dir: &str| -> Vec<BTreeMap<String, String>> {
        csv_rows(&s.path().join(dir).join("outcomes.csv"))
            .into_values()
            .map(|mut r| {
                // Another file (other bytes) is another run, with its own digest.
                r.remove("file");
                r.remove("run_digest");
                r
            })
            .collect()
    };
    for (file, out) in [
        ("resaved/filled.xlsx", "o-lo"),
        ("gnumeric.xlsx", "o-gnumeric"),
    ] {
        let o = s.outcomes(out, &[file]);
        assert_code(&o, 0);
        assert!(
            stdout(&o).contains("12 people decided"),
            "{file}: {}",
            stdout(&o)
        );
        assert_eq!(strip(out), strip("o-openpyxl"), "{file}");
    }
}

#[test]
fn every_validation_error_is_located_at_once_and_nothing_is_written() {
    let s = Setup::new();
    let dec = s.decisions("dec", &[]);
    let people = s.people();
    let ids: Vec<&String> = people.keys().collect();
    let mut by_id = s.agree_all(&ids);
    by_id[ids[0]]["J"] = json!("L9");
    by_id[ids[1]]["K"] = json!("=1+1");
    by_id[ids[2]]["J"] = json!(null);
    by_id[ids[3]]["C"] = json!("another team");
    s.edit(&json!([{
        "in": dec, "out": "bad.xlsx", "by_id": by_id,
        "delete_rows": [22],
        "copy_rows": [[11, 30]],
        "cells": [["A31", "E9999"], ["J31", "L2"], ["J32", "L3"]]
    }]));
    let o = s.outcomes("o", &["bad.xlsx"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    for (code, at) in [
        ("not-a-level", "'L9' is not a level"),
        ("formula-in-input", "sheet 'Decisions', K"),
        ("locked-cell-edited", "'another team'"),
        ("deleted-row", "is missing"),
        ("duplicate-person", "sheet 'Decisions', A30"),
        ("added-row", "sheet 'Decisions', A31"),
        ("row-without-person", "sheet 'Decisions', A32"),
        ("undecided", "sheet 'Decisions', J"),
    ] {
        assert_problem(&o, code, at);
    }
    assert!(
        err.contains("7 problems; no outcomes were written"),
        "{err}"
    );
    assert!(!s.path().join("o").exists(), "nothing written");

    // The header edited: the copies that identify the workbook disagree, at the cell.
    s.edit(&json!([{"in": dec, "out": "header.xlsx", "cells": [["B2", "2027-H1"]]}]));
    let o = s.outcomes("o", &["header.xlsx"]);
    assert_code(&o, 1);
    assert_problem(&o, "provenance-mismatch", "sheet 'Decisions', B2");

    // Another tally (the same reviews without the manifest): refused by its digest.
    let t2 = prove::output(&mut prove::rungs(
        s.path(),
        &["tally", "sent", "-o", "tally2"],
    ));
    assert_code(&t2, 0);
    let o = s.outcomes("o", &["dec/decisions.xlsx", "--tally", "tally2"]);
    assert_code(&o, 1);
    assert_problem(&o, "other-tally", "dec/decisions.xlsx");

    // A review workbook, and a text file named .xlsx: each refused with its own message.
    let review = prove::workbooks(&s.path().join("sent"))
        .into_iter()
        .next()
        .expect("a review workbook");
    std::fs::copy(&review, s.path().join("review.xlsx")).expect("copy");
    std::fs::write(s.path().join("notes.xlsx"), "name,level\nE0001,L3\n").expect("write");
    let o = s.outcomes("o", &["review.xlsx", "notes.xlsx"]);
    assert_code(&o, 1);
    assert_problem(&o, "review-not-decisions", "review.xlsx");
    assert_problem(&o, "csv-file", "notes.xlsx");
    assert!(!s.path().join("o").exists(), "nothing written");

    // And the other way round: a decisions workbook among the returned reviews.
    let o = prove::output(&mut prove::rungs(
        s.path(),
        &["tally", "dec/decisions.xlsx", "-o", "tx"],
    ));
    assert_code(&o, 1);
    assert_problem(&o, "decisions-not-review", "dec/decisions.xlsx");
}

#[test]
fn split_workbooks_merge_and_conflicts_need_prefer() {
    let s = Setup::new();
    let people = s.people();
    let low = s.decisions("low", &["--level", "L1", "--level", "l2"]);
    let high = s.decisions("high", &["--level", "L3", "--level", "L4", "--level", "L5"]);
    let (low_ids, high_ids): (Vec<&String>, Vec<&String>) = people
        .keys()
        .partition(|id| ["L1", "L2"].contains(&people[*id].0.as_str()));
    assert!(!low_ids.is_empty() && !high_ids.is_empty());
    let changed = low_ids[0];
    let mut v2 = s.agree_all(&low_ids);
    v2[changed]["J"] = json!("L5");
    v2[changed]["K"] = json!("exceptional year");
    s.edit(&json!([
        {"in": low, "out": "low-v1.xlsx", "by_id": s.agree_all(&low_ids)},
        {"in": low, "out": "low-v2.xlsx", "by_id": v2},
        {"in": high, "out": "high.xlsx", "by_id": s.agree_all(&high_ids)},
    ]));

    // Two meetings, one record.
    let o = s.outcomes("merged", &["low-v1.xlsx", "high.xlsx"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("12 people decided, 0 undecided, from 2 workbooks"),
        "{}",
        stdout(&o)
    );
    let rows = csv_rows(&s.path().join("merged/outcomes.csv"));
    assert_eq!(rows.len(), 12);
    assert_eq!(rows[high_ids[0]]["file"], "high.xlsx");
    assert_eq!(rows[low_ids[0]]["file"], "low-v1.xlsx");

    // Two versions of the low workbook that differ: a conflict naming the row, unless --prefer.
    let o = s.outcomes("c", &["low-v1.xlsx", "low-v2.xlsx", "high.xlsx"]);
    assert_code(&o, 1);
    assert_problem(&o, "conflicting-versions", "agreed level, reason row");
    assert!(!s.path().join("c").exists());
    let o = s.outcomes(
        "p",
        &[
            "low-v1.xlsx",
            "low-v2.xlsx",
            "high.xlsx",
            "--prefer",
            "low-v2.xlsx",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("low-v1.xlsx: left out, --prefer picked low-v2.xlsx"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        csv_rows(&s.path().join("p/outcomes.csv"))[changed]["agreed_level"],
        "L5"
    );

    // Everyone's workbook deciding one of them differently: decided twice, unless --prefer.
    let all = s.decisions("all", &[]);
    let mut every = s.agree_all(&people.keys().collect::<Vec<_>>());
    every[changed]["J"] = json!("L4");
    // A row left blank here does not conflict with a decision made elsewhere.
    every[high_ids[0]] = json!({"J": null, "K": "", "L": "", "I": null});
    s.edit(&json!([{"in": all, "out": "all.xlsx", "by_id": every}]));
    let o = s.outcomes("t", &["all.xlsx", "low-v1.xlsx", "high.xlsx"]);
    assert_code(&o, 1);
    assert_problem(&o, "decided-twice", "decided differently in 2 workbooks");
    let err = stderr(&o);
    assert_eq!(err.matches("[decided-twice]").count(), 1, "{err}");
    let o = s.outcomes(
        "u",
        &[
            "all.xlsx",
            "low-v1.xlsx",
            "high.xlsx",
            "--prefer",
            "all.xlsx",
        ],
    );
    assert_code(&o, 0);
    let rows = csv_rows(&s.path().join("u/outcomes.csv"));
    assert_eq!(rows[changed]["agreed_level"], "L4");
    assert_eq!(rows[changed]["file"], "all.xlsx");
    assert_eq!(
        rows[high_ids[0]]["file"], "high.xlsx",
        "the decision, not the blank row"
    );
}

/// `rungs tally --previous`: cycle 1 decided and recorded; cycle 2 on a ladder where one
/// competency was renamed (so its id changed) and without one person.
#[test]
fn history_across_two_cycles_matches_by_ids_and_lists_what_it_cannot() {
    let s = Setup::new();
    let d = s.path();
    let dec = s.decisions("dec", &[]);
    let people = s.people();
    let ids: Vec<&String> = people.keys().collect();
    let mut by_id = s.agree_all(&ids);
    by_id[ids[0]]["J"] = json!("L5");
    by_id[ids[1]] = json!({"J": null});
    s.edit(&json!([{"in": dec, "out": "decided.xlsx", "by_id": by_id}]));
    assert_code(&s.outcomes("out/outcomes", &["decided.xlsx"]), 0);

    // Cycle 2: "Mastery" is now "Craft mastery" (no explicit id: a new id), "Tech and
    // Tooling" is now "Tools and Tech" keeping its id explicitly; E0011 left.
    let ladder = std::fs::read_to_string(common::bundled_ladder()).expect("ladder");
    let renamed = common::write(
        d,
        "ladder2/ladder.md",
        &ladder
            .replace("#### Mastery", "#### Craft mastery")
            .replace(
                "#### Tech and Tooling",
                "#### Tools and Tech {#skill.tech-and-tooling}",
            ),
    );
    let roster = prove::roster(d, 33);
    let run2 = |args: &[&str]| {
        let mut c = common::rungs(d);
        c.arg("--ladder").arg(&renamed).args(args);
        prove::output(&mut c)
    };
    assert_code(
        &run2(&[
            "sheets",
            "--cycle",
            "2027-H1",
            "--roster",
            roster.to_str().expect("UTF-8"),
            "-o",
            "sent2",
        ]),
        0,
    );
    prove::fill(&d.join("sent2"), 27);
    let o = run2(&[
        "tally",
        "sent2",
        "--manifest",
        "sent2/manifest.json",
        "-o",
        "t2",
        "--previous",
        "out/outcomes/outcomes.json",
    ]);
    assert_code(&o, 0);
    let t2: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("t2/tally.json")).expect("tally.json"),
    )
    .expect("JSON");
    assert_eq!(t2["format_version"], 3);
    let h = &t2["tally"]["history"];
    assert_eq!(h["format"], "rungs-outcomes");
    assert_eq!(h["cycles"], json!(["2026-H2"]));
    assert_eq!(h["people_matched"], 11);
    assert_eq!(
        h["people_left"],
        json!([{"employee_id": "E0011", "name": "Person 11"}])
    );
    assert_eq!(h["competencies_added"], json!(["skill.craft-mastery"]));
    assert_eq!(h["competencies_removed"], json!(["skill.mastery"]));

    assert_matched_by_ids(d, &t2, ids[1]);

    history_sheet_lists_what_is_unmatched(&d.join("t2/tally.xlsx"));
    packet_shows_the_change_since_last_cycle(d, &run2);

    // Last cycle's tally.json instead: the suggested levels stand in.
    let o = run2(&["tally", "sent2", "-o", "t3", "--previous", "out/tally"]);
    assert_code(&o, 0);
    let t3: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("t3/tally.json")).expect("tally.json"),
    )
    .expect("JSON");
    assert_eq!(t3["tally"]["history"]["format"], "rungs-tally");
    assert_eq!(t3["tally"]["people"][0]["previous"]["source"], "suggested");

    // Something else is refused with its own message.
    let o = run2(&[
        "tally",
        "sent2",
        "-o",
        "t4",
        "--previous",
        "sent2/manifest.json",
    ]);
    assert_code(&o, 1);
    assert_problem(&o, "previous-format", "sent2/manifest.json");
}

/// The packet of cycle 2: every person's page says last cycle's level, where it came from (the
/// meeting's agreed level, or the suggested one where none was agreed), and the competencies
/// whose consensus is known from last cycle say it.
fn packet_shows_the_change_since_last_cycle(d: &Path, run2: &dyn Fn(&[&str]) -> Output) {
    assert_code(&run2(&["packet", "t2", "-o", "packet2"]), 0);
    let o = tool(
        Command::new("pdftotext")
            .arg(d.join("packet2/packet.pdf"))
            .arg("-"),
    );
    let text = String::from_utf8_lossy(&o.stdout).replace('\n', " ");
    let count = |s: &str| text.matches(s).count();
    assert_eq!(count("Last cycle"), 11, "a line on every person's page");
    assert_eq!(
        count("L5 Principal SRE (agreed)"),
        1,
        "the level agreed for one person"
    );
    assert_eq!(
        count("(suggested)"),
        1,
        "the undecided person: last cycle's suggestion"
    );
    assert!(count("last cycle L") > 0, "competency notes: {text}");
}

/// Every person and competency of cycle 2 carries cycle 1's values where the ids match, and
/// nothing where they do not; `undecided` had no agreed level last cycle.
fn assert_matched_by_ids(d: &Path, t2: &Value, undecided: &str) {
    let before: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("out/outcomes/outcomes.json")).expect("outcomes"),
    )
    .expect("JSON");
    let then = |id: &str| {
        before["outcomes"]
            .as_array()
            .expect("outcomes")
            .iter()
            .find(|o| o["employee_id"] == id)
            .expect("the person last cycle")
            .clone()
    };
    let mut kept_id = 0;
    for p in t2["tally"]["people"].as_array().expect("people") {
        let id = p["employee_id"].as_str().expect("id");
        let last = then(id);
        let prev = &p["previous"];
        if id == undecided {
            // Undecided last cycle: the suggested level stands in, and says so.
            assert_eq!(prev["source"], "suggested", "{p:#}");
            assert_eq!(prev["level"], last["suggested_level"]);
        } else {
            assert_eq!(prev["source"], "agreed", "{id}");
            assert_eq!(prev["level"], last["agreed_level"], "{id}");
        }
        for c in p["competencies"].as_array().expect("competencies") {
            let cid = c["id"].as_str().expect("id");
            let old = last["consensus"]
                .as_array()
                .expect("consensus")
                .iter()
                .find(|x| x["id"] == cid);
            match old {
                None => {
                    assert_eq!(cid, "skill.craft-mastery");
                    assert!(
                        c["previous_consensus"].is_null(),
                        "never matched by position"
                    );
                }
                Some(old) => {
                    if cid == "skill.tech-and-tooling" {
                        assert_eq!(c["title"], "Tools and Tech");
                        kept_id += usize::from(!old["consensus"].is_null());
                    }
                    assert_eq!(c["previous_consensus"], old["consensus"], "{id} {cid}");
                    let change = c["consensus"]
                        .as_i64()
                        .zip(old["consensus"].as_i64())
                        .map(|(a, b)| a - b);
                    assert_eq!(c["consensus_change"].as_i64(), change, "{id} {cid}");
                }
            }
        }
    }

    assert!(
        kept_id > 0,
        "the renamed competency with its id kept is matched"
    );
}

/// The History sheet says what it could not match, and who left.
fn history_sheet_lists_what_is_unmatched(path: &Path) {
    use calamine::Reader as _;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).expect("xlsx");
    let sheet = wb.worksheet_range("History").expect("a History sheet");
    let text: Vec<String> = sheet.rows().flatten().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("skill.craft-mastery") && t.contains("skill.mastery")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t == "E0011"),
        "the person who left is listed"
    );
}
