//! Bundles end to end (`rungs sheets --bundle reviewer`): one workbook per reviewer with a
//! review sheet per person, read back by calamine and openpyxl as the contract says, filled by
//! openpyxl and by `LibreOffice` through Python-UNO (two sheets filled, a locked cell edited in
//! the third), re-saved by Gnumeric, returned twice, partly filled, tampered with, and tallied
//! by the built binary.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, SheetVisible, Xlsx, open_workbook};
use common::{assert_code, python, repo, run, stderr, stdout, tempdir, tool, write};
use rungs::workbook::{self as c, LockedRow, Manifest, ManifestEntry, Provenance};

/// A temp folder with the example roster's bundles in `sent/`.
struct Sent {
    dir: tempfile::TempDir,
    manifest: Manifest,
}

impl Sent {
    fn new() -> Self {
        let dir = tempdir();
        let o = rungs(
            dir.path(),
            &[
                "sheets",
                "--roster",
                &example(),
                "--cycle",
                "2026-H2",
                "--bundle",
                "reviewer",
                "-o",
                "sent",
            ],
        );
        assert_code(&o, 0);
        let text =
            std::fs::read_to_string(dir.path().join("sent/manifest.json")).expect("manifest");
        let manifest = serde_json::from_str(&text).expect("manifest parses");
        Self { dir, manifest }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The entries of `reviewer`'s bundle, in sheet order.
    fn of(&self, reviewer: &str) -> Vec<&ManifestEntry> {
        self.manifest
            .reviews
            .iter()
            .filter(|e| e.provenance.reviewer == reviewer)
            .collect()
    }

    /// `reviewer`'s bundle copied to `returned/NAME` (plain names suit `LibreOffice`).
    fn returned(&self, reviewer: &str, name: &str) -> PathBuf {
        let from = self.path().join("sent").join(&self.of(reviewer)[0].file);
        let to = self.path().join("returned").join(name);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(from, &to).expect("copy");
        to
    }

    fn tally(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["tally"];
        all.extend_from_slice(args);
        rungs(self.path(), &all)
    }
}

fn example() -> String {
    repo().join("examples/roster.csv").display().to_string()
}

/// `rungs --ladder <bundled> ARGS` in `dir`.
fn rungs(dir: &Path, args: &[&str]) -> std::process::Output {
    let ladder = common::bundled_ladder();
    let mut all = vec!["--ladder", ladder.to_str().expect("UTF-8 path")];
    all.extend_from_slice(args);
    run(dir, &all)
}

fn text(range: &calamine::Range<Data>, row: u32, col: u16) -> String {
    match range.get_value((row, u32::from(col))) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

#[test]
fn a_bundle_holds_one_review_sheet_per_person_with_every_copy_of_provenance() {
    let s = Sent::new();
    assert_eq!(s.manifest.schema_version, c::BUNDLE_SCHEMA_VERSION);
    assert_eq!(s.manifest.reviews.len(), 15);
    let mut files: Vec<&str> = s.manifest.reviews.iter().map(|e| e.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    assert_eq!(files.len(), 8, "one workbook per reviewer: {files:?}");

    let jonas = s.of("Jonas Berg");
    let sheets: Vec<&str> = jonas
        .iter()
        .map(|e| e.sheet.as_deref().expect("a sheet"))
        .collect();
    assert_eq!(sheets, ["Amara Okafor", "Mateo Álvarez", "Priya Raman"]);
    let path = s.path().join("sent").join(&jonas[0].file);
    assert!(
        jonas[0].file.starts_with("2026-H2/Jonas Berg-rb-"),
        "{}",
        jonas[0].file
    );
    let bytes = std::fs::read(&path).expect("read");
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .fold(String::new(), |hex, b| hex + &format!("{b:02x}"))
    };

    let mut wb: Xlsx<_> = open_workbook(&path).expect("calamine opens it");
    let visible: Vec<(String, SheetVisible)> = wb
        .sheets_metadata()
        .iter()
        .map(|m| (m.name.clone(), m.visible))
        .collect();
    let want: Vec<(String, SheetVisible)> = [c::INSTRUCTIONS_SHEET]
        .iter()
        .chain(&sheets)
        .map(|n| ((*n).to_owned(), SheetVisible::Visible))
        .chain([
            (c::PROVENANCE_SHEET.to_owned(), SheetVisible::VeryHidden),
            (c::RATINGS_SHEET.to_owned(), SheetVisible::Hidden),
        ])
        .collect();
    assert_eq!(visible, want);

    let prov = wb.worksheet_range(c::PROVENANCE_SHEET).expect("Provenance");
    assert_eq!(
        (0..3).map(|col| text(&prov, 0, col)).collect::<Vec<_>>(),
        c::bundle::PROVENANCE_COLUMNS
    );
    let props = wb
        .workbook_properties()
        .expect("properties")
        .custom_properties;
    for e in &jonas {
        let sheet = e.sheet.as_deref().expect("a sheet");
        assert_eq!(e.file_sha256, sha);
        assert_eq!(e.reviewer_id, None, "a review roster names no reviewer ids");
        // The hidden block of this sheet.
        let block: Vec<(String, String)> = (1..200)
            .filter(|&r| text(&prov, r, 0) == sheet)
            .map(|r| (text(&prov, r, 1), text(&prov, r, 2)))
            .collect();
        assert_eq!(
            Provenance::from_pairs(block).expect("complete"),
            e.provenance
        );
        // The document properties, keyed by form id.
        let from_props = Provenance::from_pairs(c::KEYS.iter().filter_map(|k| {
            props
                .get(&c::bundle::property_name(&e.provenance.form_id, k))
                .map(|v| (*k, v.clone()))
        }))
        .expect("properties complete");
        assert_eq!(from_props, e.provenance);
        assert_eq!(
            props.get(&c::bundle::property_name(
                &e.provenance.form_id,
                c::bundle::KEY_SHEET
            )),
            Some(&sheet.to_owned())
        );
        let range = wb.worksheet_range(sheet).expect("review sheet");
        header_and_locked_text_as_sent(&range, e);
    }
}

/// The review sheet's visible header and its locked text, hashed as the manifest says.
fn header_and_locked_text_as_sent(range: &calamine::Range<Data>, e: &ManifestEntry) {
    for (k, _) in c::HEADER_FIELDS {
        let row = c::header_row(k).expect("a header row");
        assert_eq!(
            text(range, row, c::HEADER_VALUE_COL),
            e.provenance.get(k).unwrap_or_default(),
            "{:?} {k}",
            e.sheet
        );
    }
    let rows: Vec<LockedRow> = (c::FIRST_DATA_ROW..c::FIRST_DATA_ROW + 100)
        .take_while(|&r| !text(range, r, c::COL_COMPETENCY_ID).is_empty())
        .map(|r| LockedRow {
            competency_id: text(range, r, c::COL_COMPETENCY_ID),
            area: text(range, r, c::COL_AREA),
            competency: text(range, r, c::COL_COMPETENCY),
            levels: (0..5).map(|i| text(range, r, c::level_col(i))).collect(),
        })
        .collect();
    assert_eq!(rows.len(), e.competencies);
    assert_eq!(
        c::locked_text_hash(&e.provenance, &rows),
        e.locked_text_sha256
    );
}

const OPENPYXL_CHECK: &str = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
sheets = sys.argv[2].split("|")
assert wb.sheetnames == ["Instructions"] + sheets + ["Provenance", "Ratings"], wb.sheetnames
assert wb.active.title == sheets[0], wb.active.title
assert wb["Provenance"].sheet_state == "veryHidden"
assert wb["Ratings"].sheet_state == "hidden"
assert "rungs_ratings" in wb.defined_names, list(wb.defined_names)
for name in sheets:
    ws = wb[name]
    assert ws.protection.sheet, name
    local = ws.defined_names
    assert "rungs_form_id" in local, (name, list(local))
    assert local["rungs_form_id"].attr_text.endswith("!$C$9"), local["rungs_form_id"].attr_text
    dv = ws.data_validations.dataValidation
    assert len(dv) == 1 and dv[0].formula1 == "Ratings!$A$1:$A$6", dv
    assert str(dv[0].sqref) == "D12:D21", dv[0].sqref
    for row in range(12, 22):
        for col in range(1, 11):
            locked = ws.cell(row=row, column=col).protection.locked
            assert locked != (col in (4, 5)), (name, row, col)
    assert ws.column_dimensions["A"].hidden
    assert ws.freeze_panes == "F12", ws.freeze_panes
print("ok")
"#;

#[test]
fn openpyxl_finds_every_sheets_protection_dropdown_and_names() {
    let s = Sent::new();
    let path = s.path().join("sent").join(&s.of("Sofia Novak")[0].file);
    let script = write(s.path(), "check.py", OPENPYXL_CHECK);
    let o = tool(
        Command::new(python())
            .arg(&script)
            .arg(&path)
            .arg("Li Wei|Noah O’Brien|Hannah Schmidt"),
    );
    assert_eq!(stdout(&o).trim(), "ok");
}

/// Fills sheets of a workbook with openpyxl: `cells` are (sheet, cell, value); a value is typed
/// as text. Saves in place.
fn openpyxl_edit(dir: &Path, file: &Path, cells: &[(&str, &str, &str)]) {
    let script = write(
        dir,
        "edit.py",
        "import sys, json, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nfor sheet, cell, value in json.loads(sys.argv[2]):\n    wb[sheet][cell] = value\nwb.save(sys.argv[1])\n",
    );
    let spec = serde_json::to_string(cells).expect("JSON");
    tool(Command::new(python()).arg(&script).arg(file).arg(spec));
}

/// `tally.csv` as (person, reviewer, competency id) → (rating, evidence, file).
fn tallied(path: &Path) -> BTreeMap<(String, String, String), (String, String, String)> {
    let mut r = csv::Reader::from_path(path).expect("CSV");
    let head = r.headers().expect("a header").clone();
    let at = |name: &str| head.iter().position(|h| h == name).expect("a column");
    let (p, v, k, rating, ev, file) = (
        at("person"),
        at("reviewer"),
        at("competency_id"),
        at("rating"),
        at("evidence"),
        at("file"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.expect("a record");
            (
                (rec[p].to_owned(), rec[v].to_owned(), rec[k].to_owned()),
                (
                    rec[rating].to_owned(),
                    rec[ev].to_owned(),
                    rec[file].to_owned(),
                ),
            )
        })
        .collect()
}

/// Jonas Berg's bundle filled as [`two_filled_one_edited`] expects (sheet, cell, value): a
/// rating typed loosely on the second sheet, the third's expectation text in F12 edited.
const TWO_FILLED_ONE_EDITED: &[(&str, &str, &str)] = &[
    ("Amara Okafor", "D12", "L3"),
    ("Amara Okafor", "E12", "Led the failover drill"),
    ("Amara Okafor", "D13", "Not observed"),
    ("Mateo Álvarez", "D12", " l2 "),
    ("Priya Raman", "D12", "L4"),
    ("Priya Raman", "F12", "Anything goes."),
];

/// The bundle round trip every client goes through: the first two sheets rated, the third's
/// locked expectation text edited. Checks the tally refuses it, at the third sheet's cell, and
/// with `--skip-invalid` counts the first two.
fn two_filled_one_edited(s: &Sent, returned: &str, label: &str) {
    let o = s.tally(&[
        returned,
        "--manifest",
        "sent/manifest.json",
        "-o",
        &format!("t-{label}"),
    ]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("error[locked-text-edited]"), "{label}: {err}");
    assert!(err.contains("sheet 'Priya Raman', F12"), "{label}: {err}");
    assert!(
        err.contains("1 review sheet rejected and 0 conflicts; no tally was written"),
        "{label}: {err}"
    );

    let out = format!("t2-{label}");
    let o = s.tally(&[
        returned,
        "--manifest",
        "sent/manifest.json",
        "--skip-invalid",
        "-o",
        &out,
    ]);
    assert_code(&o, 0);
    let summary = stdout(&o);
    assert!(
        // With the manifest, the tally lists everyone sent a review, returned or not.
        summary.contains("tallied 2 reviews of 6 people"),
        "{label}: {summary}"
    );
    assert!(
        summary.contains(&format!(
            "{returned} (sheet 'Priya Raman'): locked text was edited"
        )),
        "{label}: {summary}"
    );
    let t = tallied(&s.path().join(&out).join("tally.csv"));
    let ids = ladder_ids();
    let key = |p: &str, k: usize| (p.to_owned(), "Jonas Berg".to_owned(), ids[k].clone());
    assert_eq!(t[&key("Amara Okafor", 0)].0, "L3", "{label}");
    assert_eq!(
        t[&key("Amara Okafor", 0)].1,
        "Led the failover drill",
        "{label}"
    );
    assert_eq!(t[&key("Amara Okafor", 1)].0, "Not observed", "{label}");
    assert_eq!(t[&key("Mateo Álvarez", 0)].0, "L2", "{label}");
    assert_eq!(t[&key("Mateo Álvarez", 1)].0, "", "{label}: left blank");
    assert_eq!(t[&key("Amara Okafor", 0)].2, returned, "{label}");
    assert!(!t.keys().any(|(p, _, _)| p == "Priya Raman"), "{label}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(s.path().join(&out).join("tally.json")).expect("JSON"),
    )
    .expect("JSON");
    let text = json.to_string();
    assert!(
        text.contains("\"sheet\":\"Amara Okafor\""),
        "{label}: {text}"
    );
}

fn ladder_ids() -> Vec<String> {
    let ladder = rungs::ladder::load(Some(&common::bundled_ladder()), "--ladder")
        .expect("bundled ladder")
        .ladder;
    ladder.competencies().map(|c| c.id.clone()).collect()
}

#[test]
fn openpyxl_fills_two_sheets_and_edits_a_locked_cell_in_the_third() {
    let s = Sent::new();
    let file = s.returned("Jonas Berg", "jonas.xlsx");
    openpyxl_edit(s.path(), &file, TWO_FILLED_ONE_EDITED);
    two_filled_one_edited(&s, "returned/jonas.xlsx", "openpyxl");
}

#[test]
fn gnumeric_resaves_a_filled_bundle() {
    // Gnumeric writes no sheet state (the hidden sheets come back visible) and strings inline.
    let s = Sent::new();
    let file = s.returned("Jonas Berg", "filled.xlsx");
    openpyxl_edit(s.path(), &file, TWO_FILLED_ONE_EDITED);
    let out = s.path().join("returned/gnumeric.xlsx");
    tool(Command::new("ssconvert").arg(&file).arg(&out));
    std::fs::remove_file(&file).expect("only Gnumeric's copy is returned");
    let wb: Xlsx<_> = open_workbook(&out).expect("calamine opens it");
    assert!(
        wb.sheets_metadata()
            .iter()
            .all(|m| m.visible == SheetVisible::Visible),
        "Gnumeric shows every sheet"
    );
    two_filled_one_edited(&s, "returned/gnumeric.xlsx", "gnumeric");
}

#[test]
fn libreoffice_fills_two_sheets_and_edits_a_locked_cell_in_the_third() {
    let s = Sent::new();
    let file = s.returned("Jonas Berg", "jonas.xlsx");
    let out = s.path().join("returned/lo.xlsx");
    let jobs = serde_json::json!({
        "profile": s.path().join("uno-profile"),
        "jobs": [{"in": file, "out": out, "cells": [
            ["Amara Okafor", "D12", "L3"],
            ["Amara Okafor", "E12", "Led the failover drill"],
            ["Amara Okafor", "D13", "Not observed"],
            ["Mateo Álvarez", "D12", 2],
            ["Priya Raman", "D12", "L4"],
            ["Priya Raman", "F12", "Anything goes."],
        ]}]
    });
    let spec = write(s.path(), "jobs.json", &jobs.to_string());
    tool(
        Command::new("/usr/bin/python3")
            .arg(repo().join("tests/lo_fill.py"))
            .arg(&spec),
    );
    std::fs::remove_file(&file).expect("only LibreOffice's copy is returned");
    // LibreOffice keeps the hidden Provenance sheet (plain hidden now) and the properties.
    let wb: Xlsx<_> = open_workbook(&out).expect("calamine opens it");
    let state = wb
        .sheets_metadata()
        .iter()
        .find(|m| m.name == c::PROVENANCE_SHEET)
        .map(|m| m.visible);
    assert_eq!(state, Some(SheetVisible::Hidden));
    two_filled_one_edited(&s, "returned/lo.xlsx", "libreoffice");
}

#[test]
fn a_bundle_returned_twice_or_partly_filled_counts_as_separate_reviews_would() {
    let s = Sent::new();
    let first = s.returned("Sofia Novak", "a.xlsx");
    openpyxl_edit(
        s.path(),
        &first,
        &[("Li Wei", "D12", "L1"), ("Noah O’Brien", "D12", "L2")],
    );
    // The same file twice: each of its reviews counted once.
    std::fs::copy(&first, s.path().join("returned/a copy.xlsx")).expect("copy");
    let o = s.tally(&["returned", "--manifest", "sent/manifest.json", "-o", "t1"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("tallied 3 reviews of 6 people (0 complete, 3 incomplete)"),
        "{out}"
    );
    assert!(out.contains("1 duplicate file counted once"), "{out}");
    assert!(out.contains("not returned (12)"), "{out}");

    // A second copy with a different rating on one sheet: that review conflicts, naming the
    // sheet; the others are the same answers, counted once.
    std::fs::remove_file(s.path().join("returned/a copy.xlsx")).expect("remove");
    let second = s.path().join("returned/b.xlsx");
    std::fs::copy(&first, &second).expect("copy");
    openpyxl_edit(s.path(), &second, &[("Li Wei", "D12", "L5")]);
    let o = s.tally(&["returned", "-o", "t2"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("error[conflicting-returns]"), "{err}");
    assert!(
        err.contains("'returned/a.xlsx (sheet 'Li Wei')', 'returned/b.xlsx (sheet 'Li Wei')'"),
        "{err}"
    );
    assert_eq!(
        err.matches("error[conflicting-returns]").count(),
        1,
        "{err}"
    );
    let o = s.tally(&["returned", "--prefer", "returned/b.xlsx", "-o", "t3"]);
    assert_code(&o, 0);
    let t = tallied(&s.path().join("t3/tally.csv"));
    let first = ladder_ids()[0].clone();
    let li = &t[&("Li Wei".to_owned(), "Sofia Novak".to_owned(), first)];
    assert_eq!((li.0.as_str(), li.2.as_str()), ("L5", "returned/b.xlsx"));
}

#[test]
fn copied_renamed_and_deleted_sheets_are_reported_and_the_others_count() {
    let s = Sent::new();
    let file = s.returned("Jonas Berg", "jonas.xlsx");
    let script = write(
        s.path(),
        "tamper.py",
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nwb['Amara Okafor']['D12'] = 'L3'\ncopy = wb.copy_worksheet(wb['Amara Okafor'])\ncopy.title = 'Amara (copy)'\nwb['Mateo Álvarez'].title = 'Mateo'\ndel wb['Priya Raman']\nwb.save(sys.argv[1])\n",
    );
    tool(Command::new(python()).arg(&script).arg(&file));
    let o = s.tally(&["returned", "--skip-invalid", "-o", "t"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("tallied 1 review of 1 person"), "{out}");
    let err = stderr(&o);
    for want in [
        "error[duplicate-review-sheet]: the sheet 'Amara (copy)' holds the review",
        "error[review-sheet-renamed]: the review sheet 'Mateo Álvarez' was renamed to 'Mateo'",
        "error[review-sheet-missing]: the review sheet 'Priya Raman' (Priya Raman, rv-",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
}

#[test]
fn bundles_and_single_workbooks_are_tallied_together() {
    let s = Sent::new();
    let o = rungs(
        s.path(),
        &[
            "-q",
            "sheets",
            "--roster",
            &example(),
            "--cycle",
            "2026-H2",
            "-o",
            "singles",
        ],
    );
    assert_code(&o, 0);
    // Jonas returns his bundle; everyone else their single workbooks.
    s.returned("Jonas Berg", "jonas.xlsx");
    let singles = s.path().join("singles/2026-H2");
    for entry in std::fs::read_dir(&singles).expect("read dir") {
        let dir = entry.expect("entry").path();
        if dir.file_name().is_some_and(|n| n != "Jonas Berg") {
            let to = s
                .path()
                .join("returned")
                .join(dir.file_name().expect("a name"));
            std::fs::create_dir_all(&to).expect("mkdir");
            for f in std::fs::read_dir(&dir).expect("read dir") {
                let f = f.expect("entry").path();
                std::fs::copy(&f, to.join(f.file_name().expect("a name"))).expect("copy");
            }
        }
    }
    let o = s.tally(&["returned", "-o", "t"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("tallied 15 reviews of 6 people"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bundles_rerun_byte_identical_and_are_never_overwritten() {
    let s = Sent::new();
    let root = s.path().join("sent");
    let before = std::fs::read(root.join(&s.of("Li Wei")[0].file)).expect("read");
    let roster = example();
    let args = [
        "sheets",
        "--roster",
        roster.as_str(),
        "--cycle",
        "2026-H2",
        "--bundle",
        "reviewer",
        "-o",
        "sent",
    ];
    let o = rungs(s.path(), &args);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("kept 8 workbooks already written by an earlier run"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read(root.join(&s.of("Li Wei")[0].file)).expect("read"),
        before
    );
    // Answers in one bundle: the rerun writes nothing.
    let answered = root.join(&s.of("Jonas Berg")[0].file);
    openpyxl_edit(s.path(), &answered, &[("Mateo Álvarez", "D12", "L2")]);
    let o = rungs(s.path(), &args);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("1 workbook already exists; nothing was written"),
        "{}",
        stderr(&o)
    );
    // A new person for Jonas, with his bundle holding answers: --skip-existing leaves the
    // bundle as it is and says which review it lacks.
    let mut roster = std::fs::read_to_string(example()).expect("roster");
    roster.push_str("E1007,Ida Berg,L2,Jonas Berg,manager,ida@example.com,Platform\n");
    write(s.path(), "more.csv", &roster);
    let more: Vec<&str> = args
        .iter()
        .map(|a| if *a == example() { "more.csv" } else { a })
        .chain(["--skip-existing"])
        .collect();
    let o = rungs(s.path(), &more);
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains("warning[bundle-left-short]: `Jonas Berg`'s workbook exists and was left as it is, without 1 review of the roster"),
        "{err}"
    );
    assert!(err.contains("  Ida Berg (manager)"), "{err}");

    // A pattern without the bundle id can make two reviewers share a file: refused; and a
    // per-review variable is not available to a bundle's pattern.
    let with_pattern = |pattern: &str| {
        let mut other: Vec<&str> = args
            .iter()
            .map(|a| if *a == "sent" { "other" } else { a })
            .collect();
        other.extend(["--name-pattern", pattern]);
        rungs(s.path(), &other)
    };
    let o = with_pattern("{{ cycle }}");
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("error[name-collision]"), "{err}");
    assert!(err.contains("{{ bundle_id }}"), "{err}");
    let o = with_pattern("{{ name }}");
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("a pattern may use: cycle, reviewer, reviewer_id, bundle_id"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_people_roster_bundled_by_reviewer() {
    let dir = tempdir();
    write(
        dir.path(),
        "people.csv",
        "Employee ID,Full Name,Job Level,Manager,Email\nE1,Ann Lee,L2,Bo Chan,ann@x.io\nE2,Bo Chan,L4,,bo@x.io\nE3,Cy Dunn,L3,bo@x.io,cy@x.io\n",
    );
    let o = rungs(
        dir.path(),
        &[
            "sheets",
            "--roster",
            "people.csv",
            "--cycle",
            "2026-H2",
            "--bundle",
            "reviewer",
            "-o",
            "out",
        ],
    );
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("wrote 3 review workbooks (one per reviewer) holding 5 reviews of 3 people"),
        "{out}"
    );
    assert!(
        out.contains(
            "Bo Chan reviews Ann Lee (as manager), Bo Chan (as self), Cy Dunn (as manager)"
        ),
        "{out}"
    );
    let text = std::fs::read_to_string(dir.path().join("out/manifest.json")).expect("manifest");
    let m: Manifest = serde_json::from_str(&text).expect("parses");
    let bo: Vec<(&str, Option<&str>, Option<&str>)> = m
        .reviews
        .iter()
        .filter(|e| e.reviewer_id.as_deref() == Some("E2"))
        .map(|e| {
            (
                e.provenance.person_name.as_str(),
                e.sheet.as_deref(),
                e.reviewer_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        bo,
        [
            ("Ann Lee", Some("Ann Lee"), Some("E2")),
            ("Bo Chan", Some("Bo Chan"), Some("E2")),
            ("Cy Dunn", Some("Cy Dunn"), Some("E2")),
        ]
    );
}
