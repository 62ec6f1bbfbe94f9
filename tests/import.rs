//! `rungs import` and `rungs export xlsx|csv` end to end, through the built binary: matrices in
//! both orientations (area columns, area rows, merged cells), long tables in CSV and XLSX,
//! every marker a cell may split on, each error at its cell, and export → import round trips
//! (also through `LibreOffice`, as `.xlsx` and as `.ods`) that keep the fingerprint.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{assert_code, python, repo, run, stderr, stdout, tempdir, tool};
use rust_xlsxwriter::{Format, Formula, Workbook, Worksheet};

/// A workbook with one sheet named `sheet`, filled by `fill`, saved as `dir/name`.
fn xlsx(dir: &Path, name: &str, sheet: &str, fill: impl FnOnce(&mut Worksheet)) -> PathBuf {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).expect("a valid sheet name");
    fill(ws);
    let path = dir.join(name);
    wb.save(&path).expect("the test workbook is written");
    path
}

/// `rungs import FILE -o ladder.md ARGS` in `dir`.
fn import(dir: &Path, file: &str, args: &[&str]) -> Output {
    let mut all = vec!["import", file, "-o", "ladder.md"];
    all.extend_from_slice(args);
    run(dir, &all)
}

/// The Markdown an import wrote.
fn written(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("ladder.md")).expect("ladder.md was written")
}

fn s(ws: &mut Worksheet, row: u32, col: u16, text: &str) {
    ws.write_string(row, col, text).expect("a cell");
}

fn merge(ws: &mut Worksheet, (r1, c1): (u32, u16), (r2, c2): (u32, u16), text: &str) {
    ws.merge_range(r1, c1, r2, c2, text, &Format::new())
        .expect("a merged range");
}

/// A matrix with levels across, an area column (merged down for one area, written once for the
/// other), a competency merged over two rows, and every marker a cell may use.
fn across(ws: &mut Worksheet) {
    s(ws, 0, 0, "Platform ladder");
    for (c, h) in [
        "Area",
        "Competency",
        "L1 Engineer",
        "Engineer II (L2)",
        "L3: Senior",
    ]
    .iter()
    .enumerate()
    {
        s(ws, 2, c as u16, h);
    }
    merge(ws, (3, 0), (5, 0), "Craft");
    merge(ws, (3, 1), (4, 1), "Code");
    s(ws, 3, 2, "• writes code\n• reads code");
    s(ws, 3, 3, "- reviews *others'* code\n- tests_it");
    s(ws, 3, 4, "* designs\n* leads");
    s(ws, 4, 2, "– keeps it tidy");
    s(ws, 5, 1, "Operations");
    s(
        ws,
        5,
        2,
        "1. joins on call\n2) writes runbooks\n10. fixes\n   what broke",
    );
    s(ws, 5, 3, "line one\nline two");
    s(ws, 5, 4, "•one •two");
    s(ws, 6, 0, "People");
    s(ws, 6, 1, "Mentoring");
    s(ws, 6, 3, "Helps a new joiner");
    s(ws, 6, 4, "“Grows” people — Ω & ß");
    s(ws, 7, 1, "Hiring");
    s(ws, 7, 4, "# interviews, [sometimes] 1. first");
    // A new area on a row with no expectations still holds for the rows below it.
    s(ws, 8, 0, "Ops");
    s(ws, 8, 1, "Pager");
    s(ws, 9, 1, "Runbooks");
    s(ws, 9, 4, "writes runbooks");
}

const ACROSS_MD: &str = "# Platform ladder

## Engineer (L1)

### Craft

#### Code

- writes code
- reads code
- keeps it tidy

#### Operations

- joins on call
- writes runbooks
- fixes what broke

---

## Engineer II (L2)

### Craft

#### Code

- reviews \\*others'\\* code
- tests\\_it

#### Operations

- line one
- line two

### People

#### Mentoring

- Helps a new joiner

---

## Senior (L3)

### Craft

#### Code

- designs
- leads

#### Operations

- one
- two

### People

#### Mentoring

- “Grows” people — Ω & ß

#### Hiring

- \\# interviews, \\[sometimes] 1. first

### Ops

#### Runbooks

- writes runbooks
";

#[test]
fn a_matrix_with_levels_across_an_area_column_and_every_marker() {
    let dir = tempdir();
    xlsx(dir.path(), "ladder.xlsx", "Matrix", across);
    let o = import(dir.path(), "ladder.xlsx", &[]);
    assert_code(&o, 0);
    assert_eq!(written(dir.path()), ACROSS_MD);
    let out = stdout(&o);
    assert!(
        out.starts_with("imported ladder.xlsx (sheet 'Matrix': a matrix, levels across (row 3)) into ladder.md\nPlatform ladder — ladder.md (unversioned)\n  levels:       3 (L1, L2, L3)"),
        "{out}"
    );
    assert!(
        out.contains("areas:        3\n  competencies: 5\n  expectations: 18\n"),
        "{out}"
    );
    assert_stderr(
        &o,
        "warning[no-expectations]: the competency 'Pager' has no expectations at any level; it was left out",
    );
    // The checks of `rungs check` ran on the result: its warnings are shown.
    assert_stderr(
        &o,
        "warning[missing-competency]: competency `People / Hiring` is missing at L1, L2",
    );
    // The text an import wrote reads back as the text of the cells.
    let o = run(dir.path(), &["--ladder", "ladder.md", "export", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let code = &json["areas"][0]["competencies"][0]["cells"][1]["items"];
    assert_eq!(code[0]["text"], "reviews *others'* code");
    assert_eq!(code[1]["text"], "tests_it");
}

#[test]
fn a_matrix_with_levels_down_and_areas_merged_across() {
    let dir = tempdir();
    xlsx(dir.path(), "down.xlsx", "Ladder", |ws| {
        merge(ws, (0, 1), (0, 2), "Craft");
        s(ws, 0, 3, "People");
        s(ws, 1, 1, "Code");
        s(ws, 1, 2, "Operations");
        s(ws, 1, 3, "Mentoring");
        s(ws, 2, 0, "IC1");
        s(ws, 3, 0, "IC2 Engineer II");
        s(ws, 2, 1, "writes code");
        s(ws, 2, 2, "- joins on call\n- reads runbooks");
        s(ws, 3, 1, "reviews code");
        s(ws, 3, 2, "writes runbooks");
        s(ws, 3, 3, "helps a new joiner");
    });
    let o = import(dir.path(), "down.xlsx", &["--title", "Down"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("(sheet 'Ladder': a matrix, levels down (column A))"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        written(dir.path()),
        "# Down\n\n## IC1 (IC1)\n\n### Craft\n\n#### Code\n\n- writes code\n\n#### Operations\n\n- joins on call\n- reads runbooks\n\n---\n\n## Engineer II (IC2)\n\n### Craft\n\n#### Code\n\n- reviews code\n\n#### Operations\n\n- writes runbooks\n\n### People\n\n#### Mentoring\n\n- helps a new joiner\n"
    );
}

#[test]
fn area_rows_merged_or_with_only_their_first_cell() {
    let dir = tempdir();
    xlsx(dir.path(), "rows.xlsx", "Sheet1", |ws| {
        s(ws, 0, 0, "Competency");
        s(ws, 0, 1, "Junior (J1)");
        s(ws, 0, 2, "Senior (J2)");
        merge(ws, (1, 0), (1, 2), "Craft");
        s(ws, 2, 0, "Code");
        s(ws, 2, 1, "a");
        s(ws, 2, 2, "b");
        s(ws, 3, 0, "People");
        s(ws, 4, 0, "Mentoring");
        s(ws, 4, 2, "c");
    });
    let o = import(dir.path(), "rows.xlsx", &[]);
    assert_code(&o, 0);
    assert_eq!(
        written(dir.path()),
        "# Rows\n\n## Junior (J1)\n\n### Craft\n\n#### Code\n\n- a\n\n---\n\n## Senior (J2)\n\n### Craft\n\n#### Code\n\n- b\n\n### People\n\n#### Mentoring\n\n- c\n"
    );
}

const LONG_MD: &str = "# Long\n\n## Engineer (E1)\n\n### Craft\n\n#### Code\n\n- writes code\n- reads code\n\n---\n\n## Senior (E2)\n\n### Craft\n\n#### Code\n\n- reviews code\n\n### Competencies\n\n#### Hiring\n\n- interviews\n";

#[test]
fn a_long_table_in_csv_and_in_xlsx() {
    let dir = tempdir();
    // Excel's "CSV UTF-8" in a `;` locale: a byte-order mark, `;`, other column names and order.
    let csv = "\u{feff}Skill;Grade;Area;Description\r\nCode;E1 Engineer;Craft;writes code\r\nCode;E1;Craft;reads code\r\nCode;Senior (E2);Craft;\"• reviews code\"\r\n;;;\r\nHiring;E2;;interviews\r\n";
    std::fs::write(dir.path().join("long.csv"), csv).expect("fixture");
    let o = import(dir.path(), "long.csv", &[]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("(a long table (header in row 1))"),
        "{}",
        stdout(&o)
    );
    assert_eq!(written(dir.path()), LONG_MD);

    // The same table written by openpyxl, rows in another order.
    let script = dir.path().join("long.py");
    std::fs::write(
        &script,
        "import openpyxl\nwb = openpyxl.Workbook()\nws = wb.active\nws.title = 'Long'\nfor row in [['level', 'area', 'competency', 'expectation'], ['Senior (E2)', '', 'Hiring', 'interviews'], ['E1 Engineer', 'Craft', 'Code', 'writes code\\nreads code'], ['E2 Senior', 'Craft', 'Code', 'reviews code']]:\n    ws.append(row)\nwb.save('long.xlsx')\n",
    )
    .expect("fixture");
    tool(Command::new(python()).arg(&script).current_dir(dir.path()));
    std::fs::remove_file(dir.path().join("ladder.md")).expect("file system");
    let o = import(dir.path(), "long.xlsx", &["--title", "Long"]);
    assert_code(&o, 0);
    // Levels are ordered by the numbers in their codes, competencies as first met.
    let md = written(dir.path());
    assert!(md.starts_with("# Long\n\n## Engineer (E1)\n\n### Craft\n\n#### Code\n\n- writes code\n- reads code\n\n---\n\n## Senior (E2)\n\n"), "{md}");
    assert!(
        md.contains("### Competencies\n\n#### Hiring\n\n- interviews\n"),
        "{md}"
    );
}

/// Asserts the command's stderr holds `text`.
#[track_caller]
fn assert_stderr(o: &Output, text: &str) {
    let err = stderr(o);
    assert!(err.contains(text), "expected `{text}` in:\n{err}");
}

/// Asserts `err` holds `error[code]` at `place`.
#[track_caller]
fn assert_at(err: &str, code: &str, place: &str) {
    let head = format!("error[{code}]");
    let found = err
        .split("\n\n")
        .any(|d| d.contains(&head) && d.contains(&format!("--> {place}\n")));
    assert!(found, "expected {head} at {place} in:\n{err}");
}

#[test]
fn every_cell_that_cannot_be_placed_is_reported_at_once_and_nothing_is_written() {
    let dir = tempdir();
    xlsx(dir.path(), "bad.xlsx", "Matrix", |ws| {
        for (c, h) in [
            "Competency",
            "L1 One",
            "Notes",
            "L2 Two",
            "Three (L2)",
            "L4 Four",
        ]
        .iter()
        .enumerate()
        {
            s(ws, 0, c as u16, h);
        }
        s(ws, 1, 0, "Code");
        s(ws, 1, 1, "a");
        s(ws, 1, 2, "a note");
        ws.write_formula(1, 3, Formula::new("=\"com\"&\"puted\""))
            .expect("a formula");
        s(ws, 2, 0, "Review");
        merge(ws, (2, 1), (2, 3), "same for all");
        s(ws, 3, 4, "an orphan");
        s(ws, 4, 0, "Code");
        s(ws, 4, 5, "again");
    });
    std::fs::write(dir.path().join("ladder.md"), "keep me").expect("fixture");
    let o = import(dir.path(), "bad.xlsx", &["--force"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    let at = |cell: &str| format!("bad.xlsx: sheet 'Matrix', {cell}");
    assert_at(&err, "duplicate-level-code", &at("E1"));
    assert_at(&err, "not-a-level", &at("C1"));
    assert_at(&err, "formula", &at("D2"));
    assert_at(&err, "merged-levels", &at("B3"));
    assert_at(&err, "no-competency", &at("E4"));
    assert_at(&err, "duplicate-competency", &at("A5"));
    assert!(
        err.contains("two levels have the code L2: 'L2 Two' in D1 and 'Three (L2)' here"),
        "{err}"
    );
    assert!(
        err.contains("the merged cell B3:D3 spans 2 levels"),
        "{err}"
    );
    assert!(
        err.contains("= hint: replace it with its text: copy the cell, then paste values only"),
        "{err}"
    );
    assert!(
        err.contains("error: 6 problems in bad.xlsx; nothing was written"),
        "{err}"
    );
    assert_eq!(written(dir.path()), "keep me");

    // An id that is not one, and a level's cell merged over two competencies.
    xlsx(dir.path(), "bad2.xlsx", "Matrix", |ws| {
        for (c, h) in ["Id", "Competency", "L1 One", "L2 Two"].iter().enumerate() {
            s(ws, 0, c as u16, h);
        }
        s(ws, 1, 0, "Bad Id!");
        s(ws, 1, 1, "Code");
        s(ws, 1, 2, "a");
        s(ws, 2, 1, "Review");
        s(ws, 3, 1, "Deploy");
        merge(ws, (2, 2), (3, 2), "shared");
        s(ws, 3, 3, "b");
    });
    let o = import(dir.path(), "bad2.xlsx", &["--force"]);
    assert_code(&o, 1);
    assert_at(&stderr(&o), "bad-id", "bad2.xlsx: sheet 'Matrix', A2");
    assert_at(
        &stderr(&o),
        "merged-competencies",
        "bad2.xlsx: sheet 'Matrix', C3",
    );
    assert_stderr(
        &o,
        "the merged cell C3:C4 spans the rows of several competencies",
    );

    // No level header anywhere: said at the sheet's first cell.
    xlsx(dir.path(), "none.xlsx", "Sheet1", |ws| {
        s(ws, 0, 0, "just a list");
    });
    let o = import(dir.path(), "none.xlsx", &["--force"]);
    assert_code(&o, 1);
    assert_at(
        &stderr(&o),
        "no-level-header",
        "none.xlsx: sheet 'Sheet1', A1",
    );
    assert_eq!(written(dir.path()), "keep me");
}

#[test]
fn an_existing_output_is_kept_without_force() {
    let dir = tempdir();
    xlsx(dir.path(), "ladder.xlsx", "Matrix", across);
    std::fs::write(dir.path().join("ladder.md"), "mine").expect("fixture");
    let o = import(dir.path(), "ladder.xlsx", &[]);
    assert_code(&o, 1);
    assert_stderr(
        &o,
        "error: ladder.md already exists; nothing was written\n  = hint: it may hold edits: pass --force",
    );
    assert_eq!(written(dir.path()), "mine");
    assert_code(&import(dir.path(), "ladder.xlsx", &["--force"]), 0);
    assert_eq!(written(dir.path()), ACROSS_MD);
    // To standard output, the summary goes to stderr.
    let o = run(dir.path(), &["import", "ladder.xlsx", "-o", "-"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), ACROSS_MD);
    assert_stderr(&o, "into <stdout>");
}

#[test]
fn the_sheet_is_found_or_named() {
    let dir = tempdir();
    let mut wb = Workbook::new();
    s(
        wb.add_worksheet().set_name("Notes").expect("name"),
        0,
        0,
        "read me",
    );
    across(wb.add_worksheet().set_name("Matrix").expect("name"));
    across(wb.add_worksheet().set_name("Old matrix").expect("name"));
    wb.save(dir.path().join("two.xlsx")).expect("written");
    let o = import(dir.path(), "two.xlsx", &[]);
    assert_code(&o, 1);
    assert!(
        stderr(&o)
            .contains("error[several-ladders]: 2 sheets hold a ladder: 'Matrix', 'Old matrix'"),
        "{}",
        stderr(&o)
    );
    assert_stderr(&o, "= hint: pick one with --sheet NAME");
    let o = import(dir.path(), "two.xlsx", &["--sheet", "matrix"]);
    assert_code(&o, 0);
    assert_eq!(written(dir.path()), ACROSS_MD);
    let o = import(dir.path(), "two.xlsx", &["--sheet", "Nope", "--force"]);
    assert_code(&o, 1);
    assert_stderr(
        &o,
        "the workbook has no sheet 'Nope' (its sheets: 'Notes', 'Matrix', 'Old matrix')",
    );
    let o = import(dir.path(), "two.xlsx", &["--sheet", "Notes", "--force"]);
    assert_code(&o, 1);
    assert_at(
        &stderr(&o),
        "no-level-header",
        "two.xlsx: sheet 'Notes', A1",
    );
}

/// The fingerprint `rungs check` reports for `ladder` (run in `dir`).
fn fingerprint(dir: &Path, ladder: &Path) -> String {
    let o = run(
        dir,
        &["--ladder", ladder.to_str().expect("UTF-8 path"), "check"],
    );
    assert_code(&o, 0);
    stdout(&o)
        .lines()
        .find_map(|l| l.trim().strip_prefix("fingerprint:"))
        .expect("a fingerprint line")
        .trim()
        .to_owned()
}

/// `LibreOffice` converts `file` to `ext` (a fresh profile each time) and returns the new file.
fn soffice(dir: &Path, file: &Path, ext: &str) -> PathBuf {
    let out = dir.join(format!("lo-{ext}"));
    tool(
        Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}/lo-profile-{ext}",
                dir.display()
            ))
            .args(["--headless", "--convert-to", ext, "--outdir"])
            .arg(&out)
            .arg(file),
    );
    out.join(file.with_extension(ext).file_name().expect("a file name"))
}

#[test]
fn export_then_import_keeps_the_fingerprint() {
    let dir = tempdir();
    let d = dir.path();
    let ladders = [
        repo().join("ladder/titles-for-ops.md"),
        repo().join("tests/fixtures/long-ladder.md"),
        repo().join("tests/fixtures/seven-levels.md"),
    ];
    for (i, ladder) in ladders.iter().enumerate() {
        let want = fingerprint(d, ladder);
        let l = ladder.to_str().expect("UTF-8 path");
        let x = format!("l{i}.xlsx");
        assert_code(
            &run(d, &["--ladder", l, "-q", "export", "xlsx", "-o", &x]),
            0,
        );
        let mut exports = vec![d.join(&x)];
        // The long table holds no settings (rating scale, version): only for ladders with none
        // that count.
        if i < 2 {
            let c = format!("l{i}.csv");
            assert_code(
                &run(d, &["--ladder", l, "-q", "export", "csv", "-o", &c]),
                0,
            );
            exports.push(d.join(&c));
        }
        if i == 1 {
            // Saved again by LibreOffice, as .xlsx and as .ods.
            exports.push(soffice(d, &d.join(&x), "xlsx"));
            exports.push(soffice(d, &d.join(&x), "ods"));
        }
        for file in exports {
            let ext = file
                .extension()
                .expect("an extension")
                .to_string_lossy()
                .into_owned();
            let md = file.with_extension(format!("{ext}.md"));
            let o = run(
                d,
                &[
                    "-q",
                    "import",
                    file.to_str().expect("UTF-8"),
                    "-o",
                    md.to_str().expect("UTF-8"),
                ],
            );
            assert_code(&o, 0);
            assert_eq!(
                fingerprint(d, &md),
                want,
                "{} from {}",
                file.display(),
                ladder.display()
            );
        }
    }
    // The long ladder comes back the same from its workbook, from LibreOffice's copy of it and
    // from the .ods, explicit ids and all.
    let read = |name: &str| std::fs::read_to_string(d.join(name)).expect("imported");
    let md = read("l1.xlsx.md");
    assert!(
        md.contains("#### Operational excellence {#operations}\n"),
        "{md}"
    );
    assert_eq!(read("lo-xlsx/l1.xlsx.md"), md);
    assert_eq!(read("lo-ods/l1.ods.md"), md);
}

#[test]
fn ods_merged_cells_are_read_like_xlsx_ones() {
    let dir = tempdir();
    let d = dir.path();
    let file = xlsx(d, "across.xlsx", "Matrix", across);
    let ods = soffice(d, &file, "ods");
    let o = import(d, ods.to_str().expect("UTF-8"), &[]);
    assert_code(&o, 0);
    assert_eq!(written(d), ACROSS_MD);
    // A merge across levels is as wrong in .ods as in .xlsx.
    let bad = xlsx(d, "bad.xlsx", "Matrix", |ws| {
        across(ws);
        merge(ws, (7, 2), (7, 3), "for both");
    });
    let ods = soffice(d, &bad, "ods");
    let o = import(d, ods.to_str().expect("UTF-8"), &["--force"]);
    assert_code(&o, 1);
    assert_stderr(
        &o,
        "error[merged-levels]: the merged cell C8:D8 spans 2 levels",
    );
}

#[test]
fn a_csv_in_another_encoding_is_refused_at_its_first_foreign_cell() {
    let dir = tempdir();
    // "Café" in Latin-1, as an older Excel saves "CSV (Comma delimited)".
    std::fs::write(
        dir.path().join("latin1.csv"),
        b"Competency,L1 One,L2 Two\nTea,a,b\nCaf\xe9,c,d\n",
    )
    .expect("fixture");
    let o = import(dir.path(), "latin1.csv", &[]);
    assert_code(&o, 1);
    assert_at(&stderr(&o), "encoding", "latin1.csv: A3");
    assert!(!dir.path().join("ladder.md").exists());
}

#[test]
fn the_exported_workbook_is_set_up_for_reading_and_printing() {
    let dir = tempdir();
    let ladder = repo().join("tests/fixtures/long-ladder.md");
    let o = run(
        dir.path(),
        &[
            "--ladder",
            ladder.to_str().expect("UTF-8"),
            "export",
            "xlsx",
            "-o",
            "l.xlsx",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("wrote l.xlsx (7 levels, 13 competencies, 358 expectations)"),
        "{}",
        stdout(&o)
    );
    let script = dir.path().join("look.py");
    std::fs::write(
        &script,
        "import json, openpyxl\nwb = openpyxl.load_workbook('l.xlsx')\nws = wb['Ladder']\nprint(json.dumps({\n  'sheets': [(s.title, s.sheet_state) for s in wb.worksheets],\n  'title': ws['B1'].value,\n  'header': [c.value for c in ws[3]],\n  'repeat': ws.print_title_rows,\n  'landscape': ws.page_setup.orientation,\n  'fit': [ws.sheet_properties.pageSetUpPr.fitToPage, ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight],\n  'freeze': ws.freeze_panes,\n  'hidden': ws.column_dimensions['A'].hidden,\n  'merged': sorted(str(r) for r in ws.merged_cells.ranges)[:2],\n  'area': ws['B4'].value,\n  'id': ws['A5'].value,\n  'cell': ws['C5'].value,\n  'about': [[c.value for c in r] for r in wb['About'].iter_rows(min_row=3, max_row=5)],\n}))\n",
    )
    .expect("fixture");
    let out = tool(Command::new(python()).arg(&script).current_dir(dir.path()));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["sheets"],
        serde_json::json!([
            ["Ladder", "visible"],
            ["About", "visible"],
            ["Markdown", "hidden"]
        ])
    );
    assert_eq!(
        v["title"],
        "A long ladder — seven levels, „many“ expectations"
    );
    assert_eq!(v["header"][1], "Competency");
    assert_eq!(v["header"][2], "Engineer I (IC1)");
    assert_eq!(v["header"][8], "Distinguished Engineer (IC7)");
    assert_eq!(v["repeat"], "$3:$3");
    assert_eq!(v["landscape"], "landscape");
    assert_eq!(v["fit"], serde_json::json!([true, 1, 0]));
    assert_eq!(v["freeze"], "C4");
    assert_eq!(v["hidden"], true);
    assert_eq!(v["merged"][0], "B13:I13");
    assert_eq!(v["area"], "Craft & Quality");
    assert_eq!(v["id"], "code-quality");
    assert!(
        v["cell"].as_str().expect("text").starts_with("• "),
        "{}",
        v["cell"]
    );
    assert_eq!(
        v["about"][0],
        serde_json::json!(["Title", "A long ladder — seven levels, „many“ expectations"])
    );
}
