//! `rungs sheets` end to end: the built binary writes workbooks that calamine, openpyxl and
//! `LibreOffice` read as the contract says; hostile rosters stay harmless; nothing is overwritten.

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, SheetVisible, Xlsx, open_workbook};
use common::{assert_code, python, repo, run, stderr, stdout, tempdir, tool, write};
use rungs::workbook::{self as c, LockedRow, Manifest, Provenance};

fn example_roster() -> PathBuf {
    repo().join("examples/roster.csv")
}

/// Runs `rungs sheets` on `roster` for the cycle 2026-H2 into `dir/out` with the bundled ladder.
fn sheets(dir: &Path, roster: &Path, extra: &[&str]) -> std::process::Output {
    sheets_for(dir, roster, "2026-H2", extra)
}

/// Runs `rungs sheets` on `roster` for `cycle` into `dir/out` with the bundled ladder.
fn sheets_for(dir: &Path, roster: &Path, cycle: &str, extra: &[&str]) -> std::process::Output {
    let ladder = common::bundled_ladder();
    let mut args = vec![
        "--ladder",
        ladder.to_str().expect("utf-8 path"),
        "sheets",
        "--roster",
        roster.to_str().expect("utf-8 path"),
        "--cycle",
        cycle,
        "-o",
        "out",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

fn manifest(out: &Path) -> Manifest {
    let text = std::fs::read_to_string(out.join(c::MANIFEST_FILE)).expect("manifest written");
    serde_json::from_str(&text).expect("manifest parses")
}

fn cell_text(range: &calamine::Range<Data>, row: u32, col: u16) -> String {
    match range.get_value((row, u32::from(col))) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Everything the importer will need, read back with calamine.
struct ReadBack {
    sheets: Vec<(String, SheetVisible)>,
    header: HashMap<&'static str, String>,
    prov_sheet: Provenance,
    props: HashMap<String, String>,
    rows: Vec<LockedRow>,
    names: Vec<(String, String)>,
    ratings: Vec<String>,
}

fn read_back(path: &Path, levels: usize) -> ReadBack {
    let mut wb: Xlsx<_> = open_workbook(path).expect("calamine opens the workbook");
    let sheets = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible))
        .collect();
    let review = wb.worksheet_range(c::REVIEW_SHEET).expect("Review sheet");
    let header = c::HEADER_FIELDS
        .iter()
        .map(|(k, _)| {
            let row = c::header_row(k).expect("header field");
            (*k, cell_text(&review, row, c::HEADER_VALUE_COL))
        })
        .collect();
    let mut rows = Vec::new();
    let mut r = c::FIRST_DATA_ROW;
    loop {
        let id = cell_text(&review, r, c::COL_COMPETENCY_ID);
        if id.is_empty() {
            break;
        }
        rows.push(LockedRow {
            competency_id: id,
            area: cell_text(&review, r, c::COL_AREA),
            competency: cell_text(&review, r, c::COL_COMPETENCY),
            levels: (0..levels)
                .map(|i| cell_text(&review, r, c::level_col(i)))
                .collect(),
        });
        r += 1;
    }
    let prov = wb
        .worksheet_range(c::PROVENANCE_SHEET)
        .expect("Provenance sheet");
    let pairs: Vec<(String, String)> = (c::PROVENANCE_FIRST_ROW..1000)
        .map(|r| (cell_text(&prov, r, 0), cell_text(&prov, r, 1)))
        .take_while(|(k, _)| !k.is_empty())
        .collect();
    let prov_sheet = Provenance::from_pairs(pairs).expect("provenance sheet is complete");
    let ratings_range = wb.worksheet_range(c::RATINGS_SHEET).expect("Ratings sheet");
    let ratings = (0..1000)
        .map(|r| cell_text(&ratings_range, r, 0))
        .take_while(|s| !s.is_empty())
        .collect();
    let props = wb
        .workbook_properties()
        .expect("document properties")
        .custom_properties;
    let names = wb.defined_names().to_vec();
    ReadBack {
        sheets,
        header,
        prov_sheet,
        props,
        rows,
        names,
        ratings,
    }
}

#[test]
fn example_roster_gives_workbooks_with_the_contracted_structure() {
    let dir = tempdir();
    let o = sheets(dir.path(), &example_roster(), &["--due", "2026-12-01"]);
    assert_code(&o, 0);
    let out = dir.path().join("out");
    let summary = stdout(&o);
    assert!(
        summary.contains("wrote 15 review workbooks for 6 people (8 reviewers) to out"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "Jonas Berg reviews Amara Okafor (as manager), Mateo Álvarez (as manager), Priya Raman (as manager)"
        ),
        "{summary}"
    );
    let ladder = rungs::ladder::load(Some(&common::bundled_ladder()), "--ladder")
        .expect("bundled ladder")
        .ladder;
    let m = manifest(&out);
    assert_eq!(m.format, c::MANIFEST_FORMAT);
    assert_eq!(m.reviews.len(), 15);
    let ids: Vec<&str> = ladder.competencies().map(|c| c.id.as_str()).collect();
    for e in &m.reviews {
        let path = out.join(&e.file);
        let rb = read_back(&path, ladder.levels.len());
        assert_eq!(
            rb.sheets,
            [
                (c::REVIEW_SHEET.to_owned(), SheetVisible::Visible),
                (c::INSTRUCTIONS_SHEET.to_owned(), SheetVisible::Visible),
                (c::PROVENANCE_SHEET.to_owned(), SheetVisible::VeryHidden),
                (c::RATINGS_SHEET.to_owned(), SheetVisible::Hidden),
            ],
            "{}",
            e.file
        );
        // The three copies of provenance agree with the manifest.
        assert_eq!(rb.prov_sheet, e.provenance);
        let from_props = Provenance::from_pairs(
            c::KEYS
                .iter()
                .filter_map(|k| rb.props.get(&c::property_name(k)).map(|v| (*k, v.clone()))),
        )
        .expect("custom properties are complete");
        assert_eq!(from_props, e.provenance);
        for (k, v) in &rb.header {
            assert_eq!(Some(v.clone()), e.provenance.get(k), "header {k}");
        }
        assert_eq!(e.provenance.due_date.as_deref(), Some("2026-12-01"));
        assert!(
            rb.names
                .iter()
                .any(|(n, f)| n == "rungs_form_id" && f.contains("$C$9")),
            "{:?}",
            rb.names
        );
        assert!(rb.names.iter().any(|(n, _)| n == c::RATINGS_NAME));
        // One row per competency, keyed by id, and the locked text hashes as recorded.
        let got: Vec<&str> = rb.rows.iter().map(|r| r.competency_id.as_str()).collect();
        assert_eq!(got, ids);
        assert_eq!(
            c::locked_text_hash(&rb.prov_sheet, &rb.rows),
            e.locked_text_sha256
        );
        assert_eq!(rb.ratings, ["L1", "L2", "L3", "L4", "L5", "Not observed"]);
        let p = &e.provenance;
        assert_eq!(p.form_id, c::form_id(&p.cycle, &p.employee_id, &p.reviewer));
        assert!(e.file.contains(&p.form_id), "{}", e.file);
    }
}

const OPENPYXL_CHECK: &str = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Review"]
first, last, levels = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
assert ws.protection.sheet, "Review is not protected"
assert not ws.protection.formatRows, "row heights cannot be changed"
dvs = ws.data_validations.dataValidation
assert len(dvs) == 1, dvs
dv = dvs[0]
assert dv.type == "list", dv.type
assert dv.formula1 == "Ratings!$A$1:$A$6", dv.formula1
assert str(dv.sqref) == f"D{first}:D{last}", dv.sqref
assert dv.showErrorMessage and dv.errorStyle in (None, "stop"), (dv.showErrorMessage, dv.errorStyle)
for row in range(first, last + 1):
    for col in range(1, 6 + levels):
        cell = ws.cell(row=row, column=col)
        want_unlocked = col in (4, 5)
        assert cell.protection.locked != want_unlocked, (cell.coordinate, cell.protection.locked)
for row in range(1, first):
    for col in range(1, 6 + levels):
        assert ws.cell(row=row, column=col).protection.locked, ws.cell(row=row, column=col).coordinate
assert ws.column_dimensions["A"].hidden, "competency id column is visible"
cf = [r for rng in ws.conditional_formatting for r in rng.rules]
assert any(r.type == "containsBlanks" for r in cf), [r.type for r in cf]
assert sum(1 for r in cf if r.type == "expression") == levels, [r.type for r in cf]
assert ws.freeze_panes == f"F{first}", ws.freeze_panes
assert ws.page_setup.orientation == "landscape"
assert ws.print_title_rows in (f"{first-1}:{first-1}", f"${first-1}:${first-1}"), ws.print_title_rows
assert wb["Provenance"].sheet_state == "veryHidden"
assert wb["Ratings"].sheet_state == "hidden"
# A reviewer's answers go in and come back.
ws.cell(row=first, column=4).value = "L3"
ws.cell(row=first, column=5).value = "Led the database failover drill"
wb.save(sys.argv[5])
print("ok")
"#;

#[test]
fn openpyxl_finds_validation_protection_and_input_cells() {
    let dir = tempdir();
    assert_code(&sheets(dir.path(), &example_roster(), &[]), 0);
    let out = dir.path().join("out");
    let m = manifest(&out);
    let e = &m.reviews[0];
    let first = c::FIRST_DATA_ROW + 1;
    let last = first + e.competencies as u32 - 1;
    let script = write(dir.path(), "check.py", OPENPYXL_CHECK);
    let filled = dir.path().join("filled.xlsx");
    let o = tool(
        Command::new(python())
            .arg(&script)
            .arg(out.join(&e.file))
            .arg(first.to_string())
            .arg(last.to_string())
            .arg("5")
            .arg(&filled),
    );
    assert_eq!(stdout(&o).trim(), "ok");
    let mut wb: Xlsx<_> = open_workbook(&filled).expect("re-saved workbook opens");
    let review = wb.worksheet_range(c::REVIEW_SHEET).expect("Review");
    assert_eq!(cell_text(&review, c::FIRST_DATA_ROW, c::COL_RATING), "L3");
}

/// Converts `file` with `LibreOffice` into `outdir` as `format` (`xlsx`, `pdf`).
fn soffice(file: &Path, outdir: &Path, format: &str) -> std::process::Output {
    let profile = tempdir();
    let o = tool(
        Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.path().display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                format,
                "--outdir",
            ])
            .arg(outdir)
            .arg(file),
    );
    let err = stderr(&o);
    assert!(
        !err.to_lowercase().contains("error"),
        "LibreOffice complained: {err}"
    );
    o
}

#[test]
fn libreoffice_converts_to_xlsx_and_pdf() {
    let dir = tempdir();
    assert_code(&sheets(dir.path(), &example_roster(), &[]), 0);
    let out = dir.path().join("out");
    let m = manifest(&out);
    let e = m
        .reviews
        .iter()
        .find(|e| e.provenance.reviewer_role == c::ReviewerRole::Manager)
        .expect("a manager review");
    // A plain name, so LibreOffice's output name is predictable.
    let src = dir.path().join("review.xlsx");
    std::fs::copy(out.join(&e.file), &src).expect("copy");
    let conv = dir.path().join("conv");
    soffice(&src, &conv, "xlsx");
    soffice(&src, &conv, "pdf");

    let rb = read_back(&conv.join("review.xlsx"), 5);
    assert_eq!(
        rb.prov_sheet, e.provenance,
        "provenance sheet survives LibreOffice"
    );
    assert_eq!(
        c::locked_text_hash(&rb.prov_sheet, &rb.rows),
        e.locked_text_sha256,
        "locked text survives LibreOffice"
    );
    assert_eq!(rb.props.get("rungs_form_id"), Some(&e.provenance.form_id));

    let pdf = conv.join("review.pdf");
    let text = stdout(&tool(
        Command::new("pdftotext").arg("-layout").arg(&pdf).arg("-"),
    ));
    for want in [
        format!("Review: {}", e.provenance.person_name),
        e.provenance.form_id.clone(),
        "Mastery".to_owned(),
        "How to fill in this review".to_owned(),
    ] {
        assert!(text.contains(&want), "PDF lacks {want:?}:\n{text}");
    }
    // The hidden sheets are not printed.
    assert!(!text.contains("ladder_fingerprint"), "{text}");
    let info = stdout(&tool(Command::new("pdfinfo").arg(&pdf)));
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|p| p.trim().parse().ok())
        .expect("page count");
    assert!((2..=4).contains(&pages), "{pages} pages:\n{info}");
}

const HOSTILE: &str = "=cmd|' /C calc'!A0";

fn hostile_roster(dir: &Path) -> (PathBuf, Vec<String>) {
    let long = "Ł".repeat(150);
    let names = vec![
        HOSTILE.to_owned(),
        "../../x".to_owned(),
        "CON".to_owned(),
        long,
        "Zoë 👩‍💻 Nguyễn".to_owned(),
        "\u{202E}xslx.exe\u{202C} Amir".to_owned(),
        "@SUM(1+1)".to_owned(),
    ];
    let mut csv = String::from("employee id,name,current level,reviewer\n");
    for (i, n) in names.iter().enumerate() {
        let quoted = n.replace('"', "\"\"");
        let _ = writeln!(csv, "H{i},\"{quoted}\",L2,../../etc");
        let _ = writeln!(csv, "H{i},\"{quoted}\",L2,\"{quoted}\"");
    }
    (write(dir, "hostile.csv", &csv), names)
}

#[test]
fn hostile_names_give_safe_files_and_intact_text() {
    let dir = tempdir();
    let (roster, names) = hostile_roster(dir.path());
    let o = sheets(dir.path(), &roster, &[]);
    assert_code(&o, 0);
    let out = dir.path().join("out");
    let m = manifest(&out);
    assert_eq!(m.reviews.len(), names.len() * 2);
    // Every file is where the manifest says, inside the output folder, with safe components.
    let mut found = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let p = entry.expect("entry").path();
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            assert!(name.len() <= 100, "{name}");
            assert!(
                !name.starts_with('.') && !name.ends_with(['.', ' ']),
                "{name:?}"
            );
            assert!(
                !name.chars().any(|ch| ch.is_control() || ch == '\u{202E}'),
                "{name:?}"
            );
            let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
            assert!(
                !["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str()),
                "{name}"
            );
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "xlsx") {
                found.push(p);
            }
        }
    }
    assert_eq!(found.len(), names.len() * 2);
    assert!(!dir.path().join("x").exists() && !dir.path().join("etc").exists());
    for e in &m.reviews {
        let path = out.join(&e.file);
        assert!(path.starts_with(&out) && path.exists(), "{}", e.file);
        let rb = read_back(&path, 5);
        assert!(
            names.contains(&rb.header[c::KEY_PERSON_NAME]),
            "{:?}",
            rb.header
        );
        assert_eq!(rb.header[c::KEY_PERSON_NAME], e.provenance.person_name);
        assert_eq!(rb.prov_sheet.person_name, e.provenance.person_name);
    }
    // The formula-looking name is a quote-prefixed string, never a formula.
    let e = m
        .reviews
        .iter()
        .find(|e| e.provenance.person_name == HOSTILE)
        .expect("hostile review");
    let script = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
for ws in (wb["Review"], wb["Provenance"]):
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.lstrip().startswith(("=", "@", "+", "-")):
                assert cell.data_type == "s", (ws.title, cell.coordinate, cell.data_type)
                assert cell.quotePrefix, (ws.title, cell.coordinate, "no quote prefix")
                print(ws.title, cell.coordinate, cell.value)
"#;
    let script = write(dir.path(), "quote.py", script);
    let o = tool(Command::new(python()).arg(&script).arg(out.join(&e.file)));
    let listed = stdout(&o);
    assert!(listed.contains(&format!("Review C2 {HOSTILE}")), "{listed}");
    assert!(listed.contains("Provenance B"), "{listed}");
}

#[test]
fn existing_workbooks_are_never_overwritten_without_force() {
    let dir = tempdir();
    assert_code(&sheets(dir.path(), &example_roster(), &[]), 0);
    let out = dir.path().join("out");
    let m = manifest(&out);
    // One workbook holds answers; another was deleted.
    let answered = out.join(&m.reviews[0].file);
    std::fs::write(&answered, b"answers").expect("write");
    let deleted = out.join(&m.reviews[1].file);
    std::fs::remove_file(&deleted).expect("remove");

    let o = sheets(dir.path(), &example_roster(), &[]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        // The 14 untouched ones are identical to what this run writes, so they hold no
        // answers and do not count; the answered one stops the run.
        err.contains("1 workbook already exists; nothing was written"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(
        err.contains(
            &m.reviews[0]
                .file
                .replace('/', std::path::MAIN_SEPARATOR_STR)
        ),
        "{err}"
    );
    assert_eq!(std::fs::read(&answered).expect("read"), b"answers");
    assert!(!deleted.exists(), "nothing of the batch is written");

    // --skip-existing writes only the missing one and keeps the answers.
    let o = sheets(dir.path(), &example_roster(), &["--skip-existing"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("wrote 1 review workbook for 1 person"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("left 14 existing workbooks as they were"),
        "{}",
        stdout(&o)
    );
    assert_eq!(std::fs::read(&answered).expect("read"), b"answers");
    assert!(deleted.exists());
    assert_eq!(
        manifest(&out).reviews.len(),
        15,
        "the manifest still lists every review"
    );

    let o = sheets(dir.path(), &example_roster(), &["--force"]);
    assert_code(&o, 0);
    assert_ne!(std::fs::read(&answered).expect("read"), b"answers");
    assert_eq!(manifest(&out).reviews.len(), 15);
}

#[test]
fn manifest_lists_kept_entries_then_this_runs_in_roster_order_and_the_summary_follows_it() {
    use sha2::{Digest, Sha256};
    // One reviewer, nine people, listed in reverse: roster order is not file order.
    let roster = |ids: &[u32]| {
        let mut csv = String::from("employee id,name,current level,reviewer,reviewer role\n");
        for i in ids.iter().rev() {
            let _ = writeln!(csv, "E0{i},Person {i},L2,Dana Reviewer,peer");
        }
        csv
    };
    let dir = tempdir();
    let first = write(dir.path(), "first.csv", &roster(&[1, 3, 4, 6, 7, 8, 9]));
    let o = sheets(dir.path(), &first, &[]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("wrote 7 review workbooks for 7 people (1 reviewer)"),
        "{out}"
    );
    // The first six in roster order, then a count.
    assert!(
        out.contains("  Dana Reviewer reviews Person 9 (as peer), Person 8 (as peer), Person 7 (as peer), Person 6 (as peer), Person 4 (as peer), Person 3 (as peer), and 1 more\n"),
        "{out}"
    );

    // Someone typed answers into Person 3's workbook: --skip-existing leaves it, and its
    // entry, as they are; the other six are identical to what this run writes, so they are
    // this run's again.
    let root = dir.path().join("out");
    let answered = root.join(
        &manifest(&root)
            .reviews
            .iter()
            .find(|e| e.provenance.employee_id == "E03")
            .expect("listed")
            .file,
    );
    let sent = std::fs::read(&answered).expect("read");
    std::fs::write(&answered, b"answers").expect("write");
    let all = write(dir.path(), "all.csv", &roster(&[1, 2, 3, 4, 5, 6, 7, 8, 9]));
    let o = sheets(dir.path(), &all, &["--skip-existing"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("wrote 2 review workbooks for 2 people (1 reviewer)"),
        "{out}"
    );
    assert!(
        out.contains("  Dana Reviewer reviews Person 5 (as peer), Person 2 (as peer)\n"),
        "{out}"
    );

    // The entries kept from the first run as they were listed, then this run's in roster
    // order, written entry by entry with the bytes of the whole manifest serialised at once.
    let check = |want: &[&str]| {
        let text = std::fs::read_to_string(root.join(c::MANIFEST_FILE)).expect("manifest");
        let m = manifest(&root);
        let mut canonical = serde_json::to_string_pretty(&m).expect("serialises");
        canonical.push('\n');
        assert_eq!(text, canonical);
        let ids: Vec<&str> = m
            .reviews
            .iter()
            .map(|e| e.provenance.employee_id.as_str())
            .collect();
        assert_eq!(ids, want);
        for e in &m.reviews {
            let bytes = std::fs::read(root.join(&e.file)).expect("listed file exists");
            let want = if bytes == b"answers" { &sent } else { &bytes };
            assert_eq!(
                e.file_sha256,
                format!("{:x}", Sha256::digest(want)),
                "{}",
                e.file
            );
        }
    };
    check(&[
        "E03", "E09", "E08", "E07", "E06", "E05", "E04", "E02", "E01",
    ]);
    // With the workbook as it was sent, all nine are this run's, in roster order.
    std::fs::write(&answered, &sent).expect("write");
    assert_code(&sheets(dir.path(), &all, &[]), 0);
    check(&[
        "E09", "E08", "E07", "E06", "E05", "E04", "E03", "E02", "E01",
    ]);
}

/// Workers finish out of order; the manifest, streamed as they do, is still in roster order,
/// and the same on every run.
#[test]
fn a_long_roster_is_listed_in_roster_order() {
    let mut csv = String::from("employee id,name,current level,reviewer\n");
    // Names sort differently from the roster (file order is not roster order).
    for i in 0..150 {
        let _ = writeln!(csv, "E{},Person {},L2,Reviewer {}", 1000 - i, i, i % 7);
    }
    let a = tempdir();
    let b = tempdir();
    for dir in [&a, &b] {
        let roster = write(dir.path(), "team.csv", &csv);
        assert_code(&sheets(dir.path(), &roster, &[]), 0);
    }
    let m = manifest(&a.path().join("out"));
    let ids: Vec<String> = m
        .reviews
        .iter()
        .map(|e| e.provenance.employee_id.clone())
        .collect();
    let want: Vec<String> = (0..150).map(|i| format!("E{}", 1000 - i)).collect();
    assert_eq!(ids, want);
    assert!(
        tree_bytes(&a.path().join("out")) == tree_bytes(&b.path().join("out")),
        "reruns differ"
    );
}

/// `--force` with a name pattern without the cycle writes over another cycle's workbooks: the
/// manifest then lists each file once, as it now is, not also the review it held before.
#[test]
fn forced_rerun_over_another_cycles_files_lists_each_file_once() {
    use sha2::{Digest, Sha256};
    let dir = tempdir();
    let roster = write(
        dir.path(),
        "team.csv",
        "employee id,name,current level,reviewer,reviewer role\nE1,Ana,L2,Dana,manager\nE2,Bo,L3,Dana,manager\n",
    );
    let pattern = ["--name-pattern", "{{ reviewer }}/{{ employee_id }}.xlsx"];
    let run_cycle = |cycle: &str, force: bool| {
        let mut extra = pattern.to_vec();
        if force {
            extra.push("--force");
        }
        sheets_for(dir.path(), &roster, cycle, &extra)
    };
    assert_code(&run_cycle("2026-H1", false), 0);
    assert_code(&run_cycle("2026-H2", false), 1);
    assert_code(&run_cycle("2026-H2", true), 0);
    let root = dir.path().join("out");
    let m = manifest(&root);
    let listed: Vec<(&str, &str)> = m
        .reviews
        .iter()
        .map(|e| (e.file.as_str(), e.provenance.cycle.as_str()))
        .collect();
    assert_eq!(
        listed,
        [("Dana/E1.xlsx", "2026-H2"), ("Dana/E2.xlsx", "2026-H2")]
    );
    for e in &m.reviews {
        let bytes = std::fs::read(root.join(&e.file)).expect("listed file exists");
        assert_eq!(e.file_sha256, format!("{:x}", Sha256::digest(&bytes)));
    }
}

#[test]
fn a_failed_write_leaves_no_partial_file_and_exits_3() {
    let dir = tempdir();
    let ladder = common::bundled_ladder();
    let o = common::rungs(dir.path())
        .env("RUNGS_FAULT", "rename:3")
        .args(["--ladder", ladder.to_str().expect("utf-8")])
        .args(["sheets", "--cycle", "2026-H2", "-o", "out", "--roster"])
        .arg(example_roster())
        .output()
        .expect("runs");
    assert_code(&o, 3);
    let err = stderr(&o);
    assert!(err.contains("1 file could not be written"), "{err}");
    let out = dir.path().join("out");
    let files = tree_bytes(&out);
    assert!(
        files
            .iter()
            .all(|(p, _)| !p.to_string_lossy().contains(".tmp")),
        "temp file left"
    );
    // 14 workbooks and the manifest, which lists exactly the 14 (streamed while the others
    // were written: the failed one is left out) in roster order.
    assert_eq!(files.len(), 15);
    let m = manifest(&out);
    assert_eq!(m.reviews.len(), 14);
    let roster = std::fs::read_to_string(example_roster()).expect("roster");
    let order: Vec<(&str, &str)> = roster
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((*f.first()?, *f.get(3)?))
        })
        .collect();
    let listed: Vec<usize> = m
        .reviews
        .iter()
        .map(|e| {
            let key = (
                e.provenance.employee_id.as_str(),
                e.provenance.reviewer.as_str(),
            );
            order.iter().position(|o| *o == key).expect("a roster row")
        })
        .collect();
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "{listed:?}");
    for e in &m.reviews {
        assert!(files.iter().any(|(p, _)| {
            p.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/") == e.file
        }));
    }
}

fn tree_bytes(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).expect("inside").to_path_buf();
                all.push((rel, std::fs::read(&p).expect("read")));
            }
        }
    }
    all.sort();
    all
}

#[test]
fn reruns_are_byte_identical_and_source_date_epoch_is_honoured() {
    let a = tempdir();
    let b = tempdir();
    assert_code(&sheets(a.path(), &example_roster(), &[]), 0);
    assert_code(&sheets(b.path(), &example_roster(), &[]), 0);
    let ta = tree_bytes(&a.path().join("out"));
    assert_eq!(ta.len(), 16);
    assert!(ta == tree_bytes(&b.path().join("out")), "reruns differ");

    let cdir = tempdir();
    let ladder = common::bundled_ladder();
    let roster = example_roster();
    let o = common::rungs(cdir.path())
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .args(["--ladder", ladder.to_str().expect("utf-8")])
        .args(["sheets", "--cycle", "2026-H2", "-o", "out", "--roster"])
        .arg(&roster)
        .output()
        .expect("runs");
    assert_code(&o, 0);
    let tc = tree_bytes(&cdir.path().join("out"));
    let file = tc
        .iter()
        .find(|(p, _)| p.extension().is_some_and(|e| e == "xlsx"))
        .expect("xlsx");
    let mut wb: Xlsx<_> = open_workbook(cdir.path().join("out").join(&file.0)).expect("opens");
    let created = wb.workbook_properties().expect("props").created;
    assert_eq!(created.as_deref(), Some("2026-09-21T14:13:20Z"));
    let plain = ta.iter().find(|(p, _)| *p == file.0).expect("same file");
    assert_ne!(plain.1, file.1);
}

#[test]
fn roster_errors_name_file_cell_value_and_fix() {
    let dir = tempdir();
    let roster = write(
        dir.path(),
        "bad.csv",
        "id,name,level,reviewer,role\n\
         E1,Ada,L9,Bob,manager\n\
         E2,,L1,Bob,boss\n\
         E3,Cy,L1,Dee,peer\n\
         E3,Cy,L1,Dee,peer\n\
         E3,Cyrus,L2,Eve,peer\n",
    );
    let o = sheets(dir.path(), &roster, &[]);
    assert_code(&o, 1);
    let err = stderr(&o);
    for want in [
        "error[roster-unknown-level]: `L9` is not a level of the ladder",
        "bad.csv: C2 (column `level`)",
        "hint: use one of the level codes: L1, L2, L3, L4, L5",
        "error[roster-empty-field]: `name` is empty",
        "bad.csv: B3 (column `name`)",
        "error[roster-bad-role]: `boss` is not a reviewer role",
        "bad.csv: E3 (column `role`)",
        "error[roster-duplicate-review]: `Dee` reviews employee `E3` twice (also in row 4)",
        "bad.csv: D5 (column `reviewer`)",
        "error[roster-inconsistent-person]: employee `E3` is called `Cyrus` here but `Cy` in row 4",
        "employee `E3` is at level `L2` here but `L1` in row 4",
        "the roster has 6 problems; nothing was written",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(!dir.path().join("out").exists());

    let missing = write(dir.path(), "missing.csv", "Full_Name,lvl\nAda,L1\n");
    let o = sheets(dir.path(), &missing, &[]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("error[roster-missing-column]: the roster has no `employee id` column"),
        "{err}"
    );
    assert!(
        err.contains("the roster has no `current level` column"),
        "{err}"
    );
    assert!(err.contains("the header row has: Full_Name, lvl"), "{err}");
    assert!(!err.contains("no `name` column"), "{err}");
    assert!(
        err.contains("warning[roster-unused-column]: column `lvl` is not used"),
        "{err}"
    );
}

#[test]
fn xlsx_roster_with_numeric_ids_is_read() {
    let dir = tempdir();
    let path = dir.path().join("roster.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Employee ID", "Name", "Level", "Reviewer", "Role"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).expect("write");
    }
    ws.write_number(1, 0, 1001.0).expect("write");
    ws.write_string(1, 1, "Ada").expect("write");
    ws.write_string(1, 2, "L2").expect("write");
    ws.write_string(1, 3, "Bob").expect("write");
    ws.write_string(1, 4, "Manager").expect("write");
    ws.write_number(2, 0, 1001.0).expect("write");
    ws.write_string(2, 1, "Ada").expect("write");
    ws.write_string(2, 2, "L7").expect("write");
    ws.write_string(2, 3, "Cy").expect("write");
    wb.save(&path).expect("save");
    let o = sheets(dir.path(), &path, &[]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("roster.xlsx: sheet 'Sheet1', C3 (column `Level`)"),
        "{err}"
    );
    assert!(
        err.contains("employee `1001` is at level `L7` here but `L2` in row 2"),
        "{err}"
    );
}

#[test]
fn instruction_template_can_be_replaced_and_errors_point_at_its_line() {
    let dir = tempdir();
    let good = write(
        dir.path(),
        "good.j2",
        "# Hello {{ reviewer.name }}\nPlease review {{ person.name }} by {{ due_date or \"soon\" }}.\n",
    );
    let o = sheets(
        dir.path(),
        &example_roster(),
        &["--instructions", good.to_str().expect("utf-8")],
    );
    assert_code(&o, 0);
    let out = dir.path().join("out");
    let m = manifest(&out);
    let mut wb: Xlsx<_> = open_workbook(out.join(&m.reviews[0].file)).expect("opens");
    let ins = wb
        .worksheet_range(c::INSTRUCTIONS_SHEET)
        .expect("Instructions");
    let text: Vec<String> = ins
        .rows()
        .flat_map(|r| r.iter().map(ToString::to_string))
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        text,
        [
            format!("Hello {}", m.reviews[0].provenance.reviewer),
            format!(
                "Please review {} by soon.",
                m.reviews[0].provenance.person_name
            )
        ]
    );

    let bad = write(
        dir.path(),
        "bad.j2",
        "# Title\nline two\nHello {{ persno.name }}\n",
    );
    let fresh = tempdir();
    let o = sheets(
        fresh.path(),
        &example_roster(),
        &["--instructions", bad.to_str().expect("utf-8")],
    );
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("error[template-error]: instruction template"),
        "{err}"
    );
    assert!(err.contains("bad.j2:3:"), "{err}");
    assert!(err.contains("Hello {{ persno.name }}"), "{err}");
    assert!(!fresh.path().join("out").exists());
}

#[test]
fn relative_rating_scale_lists_its_labels() {
    let dir = tempdir();
    let text = std::fs::read_to_string(common::bundled_ladder()).expect("ladder");
    let ladder = write(
        dir.path(),
        "rel.md",
        &format!(
            "+++\n[rating]\nscale = \"relative\"\nnot_observed = \"No evidence, yet\"\noptions = [{{ label = \"Not yet\", value = -1 }}, {{ label = \"Meets, fully\", value = 0 }}, {{ label = \"Exceeds\", value = 1 }}]\n+++\n{text}"
        ),
    );
    write(
        dir.path(),
        "r.csv",
        "id,name,level,reviewer\nE1,Ada,L1,Bob\n",
    );
    let o = run(
        dir.path(),
        &[
            "--ladder",
            ladder.to_str().expect("utf-8"),
            "sheets",
            "--roster",
            "r.csv",
            "--cycle",
            "C",
            "-o",
            "out",
        ],
    );
    assert_code(&o, 0);
    let m = manifest(&dir.path().join("out"));
    let rb = read_back(&dir.path().join("out").join(&m.reviews[0].file), 5);
    assert_eq!(
        rb.ratings,
        ["Not yet", "Meets, fully", "Exceeds", "No evidence, yet"]
    );
}

#[test]
fn bad_arguments_are_explained() {
    let dir = tempdir();
    let o = sheets(dir.path(), &example_roster(), &["--due", "1 Dec"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("`1 Dec` is not a date like 2026-12-01"),
        "{}",
        stderr(&o)
    );
    let o = sheets(
        dir.path(),
        &example_roster(),
        &["--name-pattern", "{{ who }}.xlsx"],
    );
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("undefined"), "{err}");
    let o = sheets(
        dir.path(),
        &example_roster(),
        &["--name-pattern", "{{ reviewer }}.xlsx"],
    );
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("error[name-collision]"), "{err}");
    assert!(err.contains("examples/roster.csv: row 6"), "{err}");
    assert!(err.contains("{{ form_id }}"), "{err}");
    assert!(!dir.path().join("out").exists());
    // Names that differ only in case are one file on macOS and Windows: both rows are named,
    // and the file as the first would have written it.
    let roster = write(
        dir.path(),
        "case.csv",
        "id,name,level,reviewer\nE1,Ana,L2,Dana\nE2,Bo,L2,Cy\nE3,Eve,L2,DANA\n",
    );
    let o = sheets(
        dir.path(),
        &roster,
        &["--name-pattern", "{{ reviewer }}.xlsx"],
    );
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains(
            "this review and the one in roster row 2 would both be written to `Dana.xlsx`"
        ),
        "{err}"
    );
    assert!(err.contains("case.csv: row 4"), "{err}");
    assert!(!dir.path().join("out").exists());
}
