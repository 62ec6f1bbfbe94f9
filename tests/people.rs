//! People rosters end to end: exports shaped as HR systems write them (BambooHR-like,
//! Workday-like, in their encodings), every documented header, managers by id, email and name,
//! managers outside the roster, and every error at its cell, all through the built binary.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{assert_code, run, stderr, stdout, tempdir, write};
use rungs::workbook::{self as c, Manifest};

/// `rungs sheets --roster ROSTER --cycle 2026-H2 -o out EXTRA…` in `dir`, on the bundled ladder.
fn sheets(dir: &Path, roster: &str, extra: &[&str]) -> std::process::Output {
    let ladder = common::bundled_ladder();
    let mut args = vec![
        "--ladder",
        ladder.to_str().expect("UTF-8 path"),
        "sheets",
        "--roster",
        roster,
        "--cycle",
        "2026-H2",
        "-o",
        "out",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

fn manifest(dir: &Path) -> Manifest {
    let text = std::fs::read_to_string(dir.join("out").join(c::MANIFEST_FILE)).expect("manifest");
    serde_json::from_str(&text).expect("manifest parses")
}

/// (person, reviewer, reviewer id, role) of every review in the manifest, sorted.
fn reviews(dir: &Path) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = manifest(dir)
        .reviews
        .into_iter()
        .map(|e| {
            (
                e.provenance.person_name,
                e.provenance.reviewer,
                e.reviewer_id.unwrap_or_default(),
                e.provenance.reviewer_role.as_str().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn r(person: &str, reviewer: &str, id: &str, role: &str) -> (String, String, String, String) {
    (person.into(), reviewer.into(), id.into(), role.into())
}

/// The visible header of a review workbook: key → value.
fn header(path: &Path) -> BTreeMap<String, String> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("calamine opens it");
    let sheet = wb.worksheet_range(c::REVIEW_SHEET).expect("Review");
    c::HEADER_FIELDS
        .iter()
        .map(|(k, _)| {
            let row = c::header_row(k).expect("header row");
            let v = match sheet.get_value((row, u32::from(c::HEADER_VALUE_COL))) {
                Some(Data::String(s)) => s.clone(),
                _ => String::new(),
            };
            ((*k).to_owned(), v)
        })
        .collect()
}

/// Text as UTF-16 LE with a byte-order mark: Excel's "Unicode text".
fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend(u.to_le_bytes());
    }
    out
}

const BAMBOO: &str = "\u{feff}Employee #,First Name,Last Name,Preferred Name,Job Level,Department,Division,Work Email,Reports To,Hire Date\r\n\
1001,Robert,Chan,Bo,L4,Platform,Engineering,bo.chan@example.com,Zed Director,2019-04-01\r\n\
1002,Ann,Lee,,L2,Platform,Engineering,ann.lee@example.com,Bo Chan,2022-01-10\r\n\
1003,Dana,Cho,,L3,Platform,Engineering,dana.cho@example.com,Bo Chan,2021-06-14\r\n\
1004,Jürgen,Groß,,L1,Reliability,Engineering,j.gross@example.com,Dana Cho,2024-02-01\r\n";

#[test]
fn a_bamboohr_like_export_becomes_self_and_manager_reviews() {
    let dir = tempdir();
    write(dir.path(), "bamboo.csv", BAMBOO);
    let o = sheets(dir.path(), "bamboo.csv", &[]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains(
            "read bamboo.csv (UTF-8 with a byte-order mark) as a people roster (one row per person): 4 people → 8 reviews (4 self, 4 manager)"
        ),
        "{out}"
    );
    assert_eq!(
        reviews(dir.path()),
        [
            r("Ann Lee", "Ann Lee", "1002", "self"),
            r("Ann Lee", "Bo Chan", "1001", "manager"),
            r("Bo Chan", "Bo Chan", "1001", "self"),
            r("Bo Chan", "Zed Director", "", "manager"),
            r("Dana Cho", "Bo Chan", "1001", "manager"),
            r("Dana Cho", "Dana Cho", "1003", "self"),
            r("Jürgen Groß", "Dana Cho", "1003", "manager"),
            r("Jürgen Groß", "Jürgen Groß", "1004", "self"),
        ]
    );
    let err = stderr(&o);
    // The director outside the export: a warning at the cell, the review goes to the name.
    assert!(
        err.contains("warning[roster-outside-manager]: `Zed Director`, the manager of 1 person (row 2), is not in the roster"),
        "{err}"
    );
    assert!(
        err.contains("--> bamboo.csv: I2 (column `Reports To`)"),
        "{err}"
    );
    // Division beside Department: the department is the team; Hire Date is not used.
    assert!(
        err.contains("column `Division` is not used: `Department` gives the team"),
        "{err}"
    );
    assert!(err.contains("column `Hire Date` is not used"), "{err}");
    // The workbook shows the manager's full name, resolved from the row the name points at.
    let m = manifest(dir.path());
    let e = m
        .reviews
        .iter()
        .find(|e| e.provenance.employee_id == "1002" && e.reviewer_id.as_deref() == Some("1001"))
        .expect("Ann's manager review");
    let h = header(&dir.path().join("out").join(&e.file));
    assert_eq!(h[c::KEY_REVIEWER], "Bo Chan");
    assert_eq!(h[c::KEY_PERSON_NAME], "Ann Lee");
    assert_eq!(h[c::KEY_REVIEWER_ROLE], "manager");
}

const WORKDAY: &str = "Worker ID\tWorker\tCareer Level\tSupervisory Organization\tEmail - Primary Work\tManager ID\tPeers\n\
W-17\tLogan McNeil\tL5\tEngineering (Logan McNeil)\tlogan@example.com\t\t\n\
W-21\tMaya Ørsted-Singh\tL3\tEngineering (Logan McNeil)\tmaya@example.com\tW-17\ttheo@example.com\n\
W-22\tThéo Park\tL3\tEngineering (Logan McNeil)\ttheo@example.com\tW-17\tmaya@example.com; W-17\n";

#[test]
fn a_workday_like_export_in_unicode_text_with_peers() {
    let dir = tempdir();
    std::fs::write(dir.path().join("workday.txt"), utf16le(WORKDAY)).expect("write");
    let o = sheets(dir.path(), "workday.txt", &[]);
    assert_code(&o, 1);
    // Théo lists his manager as a peer too.
    let err = stderr(&o);
    assert!(
        err.contains(
            "error[roster-peer-is-manager]: `W-17` is both the manager and a peer of `Théo Park`"
        ),
        "{err}"
    );
    assert!(
        err.contains("--> workday.txt: G4 (column `Peers`)"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "nothing is written");

    std::fs::write(
        dir.path().join("workday.txt"),
        utf16le(&WORKDAY.replace("; W-17", "")),
    )
    .expect("write");
    let o = sheets(dir.path(), "workday.txt", &["--reviews", "manager,peers"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("read workday.txt (UTF-16 LE) as a people roster (one row per person): 3 people → 4 reviews (2 manager, 2 peer); 1 person has no manager"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        reviews(dir.path()),
        [
            r("Maya Ørsted-Singh", "Logan McNeil", "W-17", "manager"),
            r("Maya Ørsted-Singh", "Théo Park", "W-22", "peer"),
            r("Théo Park", "Logan McNeil", "W-17", "manager"),
            r("Théo Park", "Maya Ørsted-Singh", "W-21", "peer"),
        ]
    );
    assert!(
        stderr(&o).contains("column `Supervisory Organization` is not used"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn managers_by_id_email_and_name_in_every_kind_of_column() {
    let people = [
        ("E1", "Ann Lee", "ann@x.io"),
        ("E2", "Bo Chan", "bo@x.io"),
        ("E3", "Cy Dunn", "cy@x.io"),
    ];
    // (header, the manager of E2 and E3 as that column names them)
    for (column, boss) in [
        ("Manager ID", "E1"),
        ("Manager Email", "ANN@x.io"),
        ("Manager Name", "Ann Lee"),
        ("Manager", "E1"),
        ("Manager", "ann@x.io"),
        ("Manager", "ann  LEE"),
        ("Supervisor", "Ann Lee"),
        ("Line Manager", "E1"),
    ] {
        let dir = tempdir();
        let mut csv = format!("id,name,level,email,{column}\n");
        for (i, (id, name, email)) in people.iter().enumerate() {
            let m = if i == 0 { "" } else { boss };
            let _ = writeln!(csv, "{id},{name},L2,{email},{m}");
        }
        write(dir.path(), "p.csv", &csv);
        let o = sheets(dir.path(), "p.csv", &["--reviews", "manager"]);
        assert_code(&o, 0);
        assert_eq!(
            reviews(dir.path()),
            [
                r("Bo Chan", "Ann Lee", "E1", "manager"),
                r("Cy Dunn", "Ann Lee", "E1", "manager"),
            ],
            "{column} = {boss}"
        );
        assert!(
            stderr(&o).lines().all(|l| !l.starts_with("warning")),
            "{}",
            stderr(&o)
        );
    }
}

/// A one-person people roster whose `field` column is headed `header`, and the reviews
/// expected from it.
fn roster_with_header(
    field: &str,
    header: &str,
) -> (String, Vec<(String, String, String, String)>) {
    let mut cols = vec!["employee id", "name", "current level", "manager"];
    let mut vals = vec!["E2", "Bo Chan", "L2", "E1"];
    let mut boss_vals = vec!["E1", "Ann Lee", "L4", ""];
    let mut name = "Bo Chan";
    match field {
        "employee id" => cols[0] = header,
        "name" => cols[1] = header,
        "current level" => cols[2] = header,
        "manager" => cols[3] = header,
        "email" | "team" | "peers" => {
            cols.push(header);
            vals.push(if field == "email" { "bo@x.io" } else { "" });
            boss_vals.push("");
        }
        "first name" => {
            cols[1] = header;
            cols.push("last name");
            vals[1] = "Bo";
            vals.push("Chan");
            boss_vals[1] = "Ann";
            boss_vals.push("Lee");
        }
        "last name" => {
            cols[1] = "first name";
            cols.push(header);
            vals[1] = "Bo";
            vals.push("Chan");
            boss_vals[1] = "Ann";
            boss_vals.push("Lee");
        }
        "preferred name" => {
            cols[1] = header;
            vals[1] = "Bobby C";
            name = "Bobby C";
        }
        _ => unreachable!("{field}"),
    }
    if field == "manager" && header.contains("email") {
        cols.push("email");
        vals[3] = "ann@x.io";
        vals.push("bo@x.io");
        boss_vals.push("ann@x.io");
    } else if field == "manager" && header.contains("name") {
        vals[3] = "Ann Lee";
    }
    let boss = if field.ends_with("name") && field != "name" && field != "preferred name" {
        "Ann Lee"
    } else {
        boss_vals[1]
    };
    let csv = format!(
        "{}\n{}\n{}\n",
        cols.join(","),
        boss_vals.join(","),
        vals.join(",")
    );
    let want = vec![
        r(boss, boss, "E1", "self"),
        r(name, name, "E2", "self"),
        r(name, boss, "E1", "manager"),
    ];
    let mut want = want;
    want.sort();
    (csv, want)
}

/// The accepted headers of the documentation's table, by field.
fn documented_headers() -> Vec<(String, Vec<String>)> {
    let doc = std::fs::read_to_string(common::repo().join("docs/rosters.md")).expect("docs");
    let mut out = Vec::new();
    for line in doc
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains('`'))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 6
            || cells[2] == "roster"
            || !["both", "people", "review"].contains(&cells[2])
        {
            continue;
        }
        let names = cells[4]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        out.push((cells[1].to_owned(), names));
    }
    out
}

#[test]
fn every_documented_header_is_read() {
    let fields = documented_headers();
    assert_eq!(fields.len(), 12, "{fields:?}");
    let mut tried = 0;
    for (field, headers) in &fields {
        for header in headers {
            let dir = tempdir();
            if field == "reviewer" || field == "reviewer role" {
                let (rev, role) = if field == "reviewer" {
                    (header.as_str(), "reviewer role")
                } else {
                    ("reviewer", header.as_str())
                };
                let csv = format!("id,name,level,{rev},{role}\nE1,Ann,L2,Bo,peer\n");
                write(dir.path(), "r.csv", &csv);
                let o = sheets(dir.path(), "r.csv", &[]);
                assert_code(&o, 0);
                assert_eq!(
                    reviews(dir.path()),
                    [r("Ann", "Bo", "", "peer")],
                    "{header}"
                );
            } else {
                let (csv, want) = roster_with_header(field, header);
                write(dir.path(), "p.csv", &csv);
                let o = sheets(dir.path(), "p.csv", &[]);
                assert_code(&o, 0);
                assert!(
                    !stderr(&o).contains("is not used"),
                    "{field} `{header}`: {}",
                    stderr(&o)
                );
                assert_eq!(reviews(dir.path()), want, "{field} `{header}`:\n{csv}");
            }
            tried += 1;
        }
    }
    assert!(tried > 80, "{tried} headers tried");
}

#[test]
fn every_roster_error_at_its_cell_at_once_and_nothing_written() {
    let dir = tempdir();
    let csv = "Employee ID,Name,Level,Manager,Peers\n\
               E1,Ann Lee,L4,E1,\n\
               E2,Bo Chan,L2,E9,Bo Chan\n\
               E3,Alex Kim,L2,E1,\n\
               E4,Alex Kim,L3,E1,\n\
               E5,Cy Dunn,L2,Alex Kim,\n\
               E5,Cyrus Dunn,L9,E1,\n";
    write(dir.path(), "p.csv", csv);
    let o = sheets(dir.path(), "p.csv", &[]);
    assert_code(&o, 1);
    let err = stderr(&o);
    for (code, at, what) in [
        (
            "roster-unknown-level",
            "C7 (column `Level`)",
            "`L9` is not a level",
        ),
        (
            "roster-duplicate-id",
            "A7 (column `Employee ID`)",
            "also in row 6",
        ),
        (
            "roster-self-manager",
            "D2 (column `Manager`)",
            "`Ann Lee` is their own manager",
        ),
        (
            "roster-unknown-id",
            "D3 (column `Manager`)",
            "no person in the roster has the employee id `E9`",
        ),
        (
            "roster-self-peer",
            "E3 (column `Peers`)",
            "`Bo Chan` is listed as their own peer",
        ),
        (
            "roster-ambiguous-person",
            "D6 (column `Manager`)",
            "could be any of 2 people with this name: row 4, row 5",
        ),
    ] {
        let want = format!("error[{code}]");
        let i = err
            .find(&want)
            .unwrap_or_else(|| panic!("no {code}:\n{err}"));
        let block = &err[i..];
        assert!(block.contains(what), "{code}: {what}\n{err}");
        assert!(
            block.contains(&format!("--> p.csv: {at}")),
            "{code} at {at}\n{err}"
        );
    }
    assert!(
        err.contains("the roster has 6 problems; nothing was written"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());

    // Two columns that could each be the manager.
    write(
        dir.path(),
        "two.csv",
        "id,name,level,Reports To,Supervisor Email\nE1,Ann,L2,,\n",
    );
    let o = sheets(dir.path(), "two.csv", &[]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("two columns could name the manager: `Reports To` (column D) and `Supervisor Email` (column E)"),
        "{}",
        stderr(&o)
    );
    // Neither shape.
    write(dir.path(), "none.csv", "id,name,level\nE1,Ann,L2\n");
    let o = sheets(dir.path(), "none.csv", &[]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("error[roster-shape]"), "{}", stderr(&o));
    // Peer reviews asked for, but no peers column.
    write(
        dir.path(),
        "nopeers.csv",
        "id,name,level,manager\nE1,Ann,L2,\n",
    );
    let o = sheets(dir.path(), "nopeers.csv", &["--reviews", "self,peers"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("the roster has no `peers` column, needed for peer reviews"),
        "{}",
        stderr(&o)
    );
    // A cycle in the manager chain is no error.
    write(
        dir.path(),
        "cycle.csv",
        "id,name,level,manager\nE1,Ann,L2,E2\nE2,Bo,L3,E1\n",
    );
    assert_code(&sheets(dir.path(), "cycle.csv", &[]), 0);
}

const NAMES: &str = "Employee ID,Name,Level,Manager\nE1,Jürgen Groß,L4,\nE2,Zoë Ærø-Façade,L2,Jürgen Groß\nE3,François Œuvre,L1,E2\n";

#[test]
fn encodings_hr_exports_use_are_read_or_named() {
    let want = [
        r("François Œuvre", "François Œuvre", "E3", "self"),
        r("François Œuvre", "Zoë Ærø-Façade", "E2", "manager"),
        r("Jürgen Groß", "Jürgen Groß", "E1", "self"),
        r("Zoë Ærø-Façade", "Jürgen Groß", "E1", "manager"),
        r("Zoë Ærø-Façade", "Zoë Ærø-Façade", "E2", "self"),
    ];
    let tab = NAMES.replace(',', "\t");
    let mut be = vec![0xFE, 0xFF];
    for u in tab.encode_utf16() {
        be.extend(u.to_be_bytes());
    }
    let (cp1252, _, lossy) = encoding_rs::WINDOWS_1252.encode(NAMES);
    assert!(!lossy);
    for (file, bytes, extra, read_as) in [
        ("le.txt", utf16le(&tab), vec![], "UTF-16 LE"),
        ("be.txt", be, vec![], "UTF-16 BE"),
        (
            "bom.csv",
            format!("\u{feff}{NAMES}").into_bytes(),
            vec![],
            "UTF-8 with a byte-order mark",
        ),
        (
            "w.csv",
            cp1252.to_vec(),
            vec!["--encoding", "windows-1252"],
            "Windows-1252",
        ),
        (
            "l.csv",
            cp1252.to_vec(),
            vec!["--encoding", "latin1"],
            "Windows-1252",
        ),
    ] {
        let dir = tempdir();
        std::fs::write(dir.path().join(file), &bytes).expect("write");
        let o = sheets(dir.path(), file, &extra);
        assert_code(&o, 0);
        assert!(
            stdout(&o).contains(&format!("read {file} ({read_as}) as a people roster")),
            "{}",
            stdout(&o)
        );
        assert_eq!(reviews(dir.path()), want, "{file}");
    }
    // Windows-1252 without --encoding: refused, naming the encoding and the fix; no mojibake.
    let dir = tempdir();
    std::fs::write(dir.path().join("w.csv"), &cp1252).expect("write");
    let o = sheets(dir.path(), "w.csv", &[]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("error[roster-encoding]: the roster is not UTF-8: this field is not valid UTF-8 (the file looks like Windows-1252)"), "{err}");
    assert!(err.contains("--> w.csv: B2"), "{err}");
    assert!(err.contains("pass --encoding windows-1252"), "{err}");
    assert!(!dir.path().join("out").exists());
    // A cut UTF-16 file is refused naming UTF-16.
    let mut cut = utf16le(&tab);
    cut.extend([0x00, 0xD8]);
    std::fs::write(dir.path().join("cut.txt"), &cut).expect("write");
    let o = sheets(dir.path(), "cut.txt", &[]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("the roster is not valid UTF-16 LE text"),
        "{}",
        stderr(&o)
    );
    // An unknown encoding name is a usage problem.
    let o = sheets(dir.path(), "w.csv", &["--encoding", "klingon"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("--encoding `klingon` is not an encoding rungs knows"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_people_roster_from_a_spreadsheet() {
    let dir = tempdir();
    let script = write(
        dir.path(),
        "make.py",
        "import sys, openpyxl\nwb = openpyxl.Workbook()\nws = wb.active\nws.append(['Employee Number', 'Full Name', 'Grade', 'Manager Employee ID'])\nws.append([1001, 'Ann Lee', 'l4', None])\nws.append([1002, 'Bo Chan', 'L2', 1001])\nwb.save(sys.argv[1])\n",
    );
    common::tool(
        std::process::Command::new(common::python())
            .arg(&script)
            .arg(dir.path().join("p.xlsx")),
    );
    let o = sheets(dir.path(), "p.xlsx", &[]);
    assert_code(&o, 0);
    assert_eq!(
        reviews(dir.path()),
        [
            r("Ann Lee", "Ann Lee", "1001", "self"),
            r("Bo Chan", "Ann Lee", "1001", "manager"),
            r("Bo Chan", "Bo Chan", "1002", "self"),
        ]
    );
}

#[test]
fn the_example_people_roster_sends_the_example_reviews() {
    // examples/people.csv is the team of examples/roster.csv as an HR export, with the two
    // managers as people too: the same reviews (same form ids), plus the managers' own.
    let dir = tempdir();
    let people = common::repo().join("examples/people.csv");
    let o = sheets(dir.path(), people.to_str().expect("UTF-8 path"), &[]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains(
            "8 people → 17 reviews (8 self, 6 manager, 3 peer); 2 people have no manager"
        ),
        "{}",
        stdout(&o)
    );
    let from_people: Vec<String> = manifest(dir.path())
        .reviews
        .into_iter()
        .map(|e| e.provenance.form_id)
        .collect();
    let other = tempdir();
    let reviews = common::repo().join("examples/roster.csv");
    assert_code(
        &sheets(other.path(), reviews.to_str().expect("UTF-8 path"), &[]),
        0,
    );
    let from_reviews = manifest(other.path()).reviews;
    assert_eq!(from_reviews.len(), 15);
    for e in from_reviews {
        assert!(
            from_people.contains(&e.provenance.form_id),
            "{} reviewed by {}",
            e.provenance.person_name,
            e.provenance.reviewer
        );
    }
}
