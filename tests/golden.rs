//! Golden tests: what the built `rungs` writes and prints, compared with reviewed snapshots.
//!
//! Covered: every XML part of one review workbook and the manifest (bundled ladder and
//! `tests/fixtures/seven-levels.md`), of one reviewer's bundle (`--bundle reviewer`) and its
//! manifest, `tally.json`, `tally.csv` and the custom properties of `tally.xlsx` (the run
//! digest) of workbooks filled by openpyxl, the packet of that tally, the decisions workbook made
//! from it and the outcomes of it filled by openpyxl, and the messages and exit codes of
//! `rungs check`. Snapshots live in `tests/snapshots/` (insta). After an intended change in
//! output, update them with the one switch, then review the diff before committing:
//!
//! ```sh
//! INSTA_UPDATE=always cargo test --test golden && git diff tests/snapshots
//! cargo insta review          # instead, with cargo-insta installed: accept or reject one by one
//! ```
//!
//! Each run happens in a temp dir holding copies of the repository files it reads at the same
//! relative paths, with relative paths on the command line, `SOURCE_DATE_EPOCH` fixed and no
//! other environment variable, so nothing in the outputs depends on the machine and nothing is
//! normalised or replaced by a placeholder: the snapshots hold the outputs as written (XML parts
//! only get line breaks, see `xml_lines`). The tally test needs the test venv with openpyxl
//! (`bash .ci/install`).

mod common;
mod prove;

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

/// 2023-11-14T22:13:20Z, recorded in every workbook.
const EPOCH: &str = "1700000000";

const BUNDLED_LADDER: &str = "ladder/titles-for-ops.md";
const EXAMPLE_ROSTER: &str = "examples/roster.csv";
const SEVEN_LADDER: &str = "tests/fixtures/seven-levels.md";
const SEVEN_ROSTER: &str = "tests/fixtures/seven-levels-roster.csv";
const BROKEN_LADDER: &str = "tests/fixtures/broken.md";

/// Workbook parts snapshotted as text, besides every `xl/worksheets/sheet*.xml`. The other
/// parts (the theme) are pinned by the entry list's CRC-32s and the manifest's SHA-256.
const PARTS: [&str; 9] = [
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/app.xml",
    "docProps/core.xml",
    "docProps/custom.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
];

/// A temp dir holding copies of the repository files `files` (relative paths, kept).
fn stage(files: &[&str]) -> tempfile::TempDir {
    let dir = common::tempdir();
    for rel in files {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("a file has a parent")).expect("create dir");
        std::fs::copy(common::repo().join(rel), &to).expect("copy a fixture");
    }
    dir
}

/// Runs `rungs ARGS` in `cwd` with `SOURCE_DATE_EPOCH` and `NO_COLOR` as its only environment.
fn rungs(cwd: &Path, args: &[&str]) -> Output {
    common::rungs(cwd)
        .env_clear()
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(args)
        .output()
        .expect("the rungs binary runs")
}

/// Exit code, stdout and stderr as one snapshot text.
fn transcript(o: &Output) -> String {
    format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        o.status
            .code()
            .map_or_else(|| "none (killed by a signal)".to_owned(), |c| c.to_string()),
        common::stdout(o),
        common::stderr(o)
    )
}

/// A line break after every `>` followed by `<` (also inside empty elements such as
/// `<a></a>`), so that a change shows as a one-line diff; nothing else changes. The exact bytes
/// are pinned by the workbook's SHA-256 in the manifest snapshot.
fn xml_lines(xml: &str) -> String {
    xml.replace("><", ">\n<")
}

/// Every file under `dir`, relative, one per line (sorted).
fn listing(dir: &Path) -> String {
    let mut text = String::new();
    for path in prove::snapshot(dir).keys() {
        let _ = writeln!(text, "{}", path.display());
    }
    text
}

/// `rungs --ladder LADDER sheets --roster ROSTER --cycle 2026-H2 --due 2026-12-01 -o out` in
/// `dir`; returns the transcript, which must show success.
fn sheets(dir: &Path, ladder: &str, roster: &str) -> String {
    sheets_with(dir, ladder, roster, &[])
}

/// [`sheets`] with more arguments.
fn sheets_with(dir: &Path, ladder: &str, roster: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "--ladder",
        ladder,
        "sheets",
        "--roster",
        roster,
        "--cycle",
        prove::CYCLE,
        "--due",
        "2026-12-01",
        "-o",
        "out",
    ];
    args.extend_from_slice(extra);
    let o = rungs(dir, &args);
    common::assert_code(&o, 0);
    transcript(&o)
}

/// The manifest's file path (relative to its folder) of the review of `employee_id` by
/// `role`.
fn workbook_in_manifest(manifest: &Value, employee_id: &str, role: &str) -> String {
    let reviews = manifest["reviews"]
        .as_array()
        .expect("manifest.json has a `reviews` list");
    let review = reviews
        .iter()
        .find(|r| r["employee_id"] == employee_id && r["reviewer_role"] == role)
        .unwrap_or_else(|| panic!("no review of {employee_id} by a {role} in {manifest:#}"));
    review["file"]
        .as_str()
        .expect("a review's `file` is text")
        .to_owned()
}

/// The entries of the zip at `path`, in their order in the archive: name, CRC-32, bytes.
fn unzip(path: &Path) -> Vec<(String, u32, Vec<u8>)> {
    let file = std::fs::File::open(path).expect("open the workbook");
    let mut zip = zip::ZipArchive::new(file).expect("the workbook is a zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).expect("read a zip entry");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("inflate a zip entry");
            let name = entry.name().expect("a zip entry name is UTF-8");
            (name.into_owned(), entry.crc32(), bytes)
        })
        .collect()
}

/// Snapshots the entry list and the text of every part in `PARTS` and every worksheet of the
/// workbook at `path`, as `{prefix}__{part}`.
fn snapshot_workbook(prefix: &str, path: &Path) {
    let entries = unzip(path);
    let mut list = String::new();
    for (name, crc, bytes) in &entries {
        let _ = writeln!(list, "{name}  {} bytes  crc32 {crc:08x}", bytes.len());
    }
    insta::assert_snapshot!(format!("{prefix}__zip_entries"), list);

    let is_sheet = |n: &str| {
        n.strip_prefix("xl/worksheets/sheet")
            .and_then(|rest| rest.strip_suffix(".xml"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let sheets = entries.iter().filter(|(n, ..)| is_sheet(n)).count();
    assert!(sheets >= 2, "expected several worksheets in {list}");
    for want in PARTS {
        assert!(
            entries.iter().any(|(n, ..)| n == want),
            "{want} is missing from the workbook:\n{list}"
        );
    }
    for (name, _, bytes) in entries
        .iter()
        .filter(|(n, ..)| PARTS.contains(&n.as_str()) || is_sheet(n))
    {
        let text = std::str::from_utf8(bytes).expect("an XML part is UTF-8");
        let slug: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        insta::assert_snapshot!(format!("{prefix}__{slug}"), xml_lines(text));
    }
}

/// Writes the workbooks of `ladder` × `roster` and snapshots the files written, the summary,
/// the manifest and the workbook of `employee_id` reviewed by `role`.
fn golden_sheets(prefix: &str, ladder: &str, roster: &str, employee_id: &str, role: &str) {
    let tmp = stage(&[ladder, roster]);
    let dir = tmp.path();
    let run = sheets(dir, ladder, roster);
    insta::assert_snapshot!(format!("{prefix}__sheets_run"), run);
    insta::assert_snapshot!(
        format!("{prefix}__files_written"),
        listing(&dir.join("out"))
    );

    let text = std::fs::read_to_string(dir.join("out/manifest.json")).expect("read manifest.json");
    insta::assert_snapshot!(format!("{prefix}__manifest_json"), text);
    let manifest: Value = serde_json::from_str(&text).expect("manifest.json is JSON");
    let file = workbook_in_manifest(&manifest, employee_id, role);
    snapshot_workbook(prefix, &dir.join("out").join(file));
}

#[test]
fn bundled_ladder_review_workbook() {
    golden_sheets(
        "bundled",
        BUNDLED_LADDER,
        EXAMPLE_ROSTER,
        "E1001",
        "manager",
    );
}

#[test]
fn seven_level_ladder_review_workbook() {
    // The person whose name is a spreadsheet formula, reviewed by their manager.
    golden_sheets("seven", SEVEN_LADDER, SEVEN_ROSTER, "M-002", "manager");
}

#[test]
fn bundle_of_one_reviewer() {
    // Jonas Berg's three manager reviews, with a relative roster path as users give it.
    let tmp = stage(&[BUNDLED_LADDER, EXAMPLE_ROSTER]);
    let dir = tmp.path();
    let run = sheets_with(
        dir,
        BUNDLED_LADDER,
        EXAMPLE_ROSTER,
        &["--bundle", "reviewer"],
    );
    insta::assert_snapshot!("bundle__sheets_run", run);
    insta::assert_snapshot!("bundle__files_written", listing(&dir.join("out")));
    let text = std::fs::read_to_string(dir.join("out/manifest.json")).expect("read manifest.json");
    insta::assert_snapshot!("bundle__manifest_json", text);
    let manifest: Value = serde_json::from_str(&text).expect("manifest.json is JSON");
    let file = workbook_in_manifest(&manifest, "E1002", "manager");
    snapshot_workbook("bundle", &dir.join("out").join(file));
}

#[test]
fn tally_of_filled_example_workbooks() {
    let tmp = stage(&[BUNDLED_LADDER, EXAMPLE_ROSTER]);
    let dir = tmp.path();
    sheets(dir, BUNDLED_LADDER, EXAMPLE_ROSTER);
    for (rel, bytes) in prove::snapshot(&dir.join("out")) {
        if rel.extension().is_some_and(|e| e == "xlsx") {
            let to = dir.join("returned").join(&rel);
            std::fs::create_dir_all(to.parent().expect("a file has a parent")).expect("mkdir");
            std::fs::write(to, bytes).expect("copy a workbook");
        }
    }
    // openpyxl answers every dropdown and types evidence beside it, from a fixed seed. The
    // bytes it saves are not pinned: the tally records paths and answers, no hash of a
    // returned file.
    prove::fill_with_evidence(&dir.join("returned"), 2026);

    let o = rungs(
        dir,
        &[
            "--ladder",
            BUNDLED_LADDER,
            "tally",
            "returned",
            "--manifest",
            "out/manifest.json",
            "-o",
            "tally",
        ],
    );
    common::assert_code(&o, 0);
    insta::assert_snapshot!("tally_run", transcript(&o));
    insta::assert_snapshot!("tally_files_written", listing(&dir.join("tally")));
    for name in ["tally.json", "tally.csv"] {
        let text = std::fs::read_to_string(dir.join("tally").join(name)).expect("read the tally");
        insta::assert_snapshot!(name.replace('.', "_"), text);
    }
    // The run digest tally.xlsx carries, the same as the JSON's and the CSV's.
    let custom = unzip(&dir.join("tally/tally.xlsx"))
        .into_iter()
        .find(|(name, _, _)| name == "docProps/custom.xml")
        .expect("tally.xlsx has custom properties");
    let text = String::from_utf8(custom.2).expect("XML is UTF-8");
    insta::assert_snapshot!("tally_xlsx_custom_xml", xml_lines(&text));
    // The native charts of tally.xlsx: each chart's XML (its series and the cells they plot),
    // and the drawing that places it on its sheet.
    let entries = unzip(&dir.join("tally/tally.xlsx"));
    let charts: Vec<String> = entries
        .iter()
        .filter(|(name, _, _)| {
            name.starts_with("xl/charts/")
                || name.starts_with("xl/worksheets/_rels/")
                || name.starts_with("xl/drawings/_rels/")
        })
        .map(|(name, _, bytes)| {
            let text = String::from_utf8(bytes.clone()).expect("XML is UTF-8");
            format!("== {name}\n{}", xml_lines(&text))
        })
        .collect();
    assert!(
        charts
            .iter()
            .filter(|c| c.starts_with("== xl/charts/chart"))
            .count()
            >= 2,
        "tally.xlsx has a chart on the Distribution and the Leniency sheet"
    );
    insta::assert_snapshot!("tally_xlsx_charts", charts.join("\n"));

    // The calibration packet of this tally, as poppler reads its text (page by page).
    let o = rungs(
        dir,
        &[
            "--ladder",
            BUNDLED_LADDER,
            "packet",
            "tally",
            "-o",
            "packet",
        ],
    );
    common::assert_code(&o, 0);
    // The summary's time is the one thing that varies.
    let run: Vec<String> = transcript(&o)
        .lines()
        .map(|l| match l.find("(a4, ") {
            Some(at) => format!("{}(a4, … ms):", &l[..at]),
            None => l.to_owned(),
        })
        .collect();
    insta::assert_snapshot!("packet_run", run.join("\n"));
    let text = common::tool(
        std::process::Command::new("pdftotext")
            .arg("-layout")
            .arg(dir.join("packet/packet.pdf"))
            .arg("-"),
    );
    insta::assert_snapshot!("packet_text", String::from_utf8_lossy(&text.stdout));
    decisions_and_outcomes(dir);
}

/// The decisions workbook made from the tally in `dir/tally`, filled by openpyxl, and the
/// outcomes read back from it.
fn decisions_and_outcomes(dir: &Path) {
    let o = rungs(
        dir,
        &[
            "--ladder",
            BUNDLED_LADDER,
            "decisions",
            "tally",
            "-o",
            "decisions",
        ],
    );
    common::assert_code(&o, 0);
    insta::assert_snapshot!("decisions_run", transcript(&o));
    snapshot_workbook("decisions", &dir.join("decisions/decisions.xlsx"));

    // A change with a reason, a level typed in lower case, a number, one left undecided.
    let jobs = serde_json::json!([{
        "in": "decisions/decisions.xlsx", "out": "filled.xlsx", "formula_as_text": true,
        "by_id": {
            "E1001": {"I": "L4", "J": "L4", "K": "=led the platform migration", "L": "Panel A"},
            "E1002": {"J": " l2 ", "K": "as suggested", "L": "Panel A"},
            "E1003": {"I": "L3", "J": 3, "L": "Panel B"},
        }
    }]);
    std::fs::write(dir.join("edit.json"), jobs.to_string()).expect("write the edit jobs");
    common::tool(
        std::process::Command::new(common::python())
            .arg(common::repo().join("tests/xlsx_edit.py"))
            .arg("edit.json")
            .current_dir(dir),
    );
    let o = rungs(
        dir,
        &[
            "--ladder",
            BUNDLED_LADDER,
            "outcomes",
            "filled.xlsx",
            "--tally",
            "tally",
            "-o",
            "outcomes",
        ],
    );
    common::assert_code(&o, 0);
    insta::assert_snapshot!("outcomes_run", transcript(&o));
    // The run digest covers the workbook's bytes, which openpyxl stamps with the time of the
    // fill: the three files must carry one digest, shown as `<run digest>`.
    let json = std::fs::read_to_string(dir.join("outcomes/outcomes.json")).expect("read");
    let digest = json
        .split("\"run_digest\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("outcomes.json has a run digest");
    assert!(
        digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
        "{digest}"
    );
    for name in ["outcomes.csv", "outcomes.json", "audit.csv"] {
        let text = std::fs::read_to_string(dir.join("outcomes").join(name)).expect("read");
        if name != "outcomes.json" {
            for row in text.lines().skip(1) {
                assert!(row.ends_with(&format!(",{digest}")), "{name}: {row}");
            }
        }
        let text = text.replace(digest, "<run digest>");
        insta::assert_snapshot!(name.replace('.', "_"), text);
    }
}

/// `rungs --ladder LADDER check ARGS` on a staged copy of `ladder`.
fn check(ladder: &str, args: &[&str]) -> String {
    let tmp = stage(&[ladder]);
    let mut all = vec!["--ladder", ladder, "check"];
    all.extend_from_slice(args);
    transcript(&rungs(tmp.path(), &all))
}

#[test]
fn check_bundled_ladder() {
    insta::assert_snapshot!("check_bundled", check(BUNDLED_LADDER, &[]));
}

#[test]
fn check_seven_level_ladder_warns() {
    insta::assert_snapshot!("check_seven", check(SEVEN_LADDER, &[]));
    insta::assert_snapshot!(
        "check_seven_deny_warnings",
        check(SEVEN_LADDER, &["--deny-warnings"])
    );
}

#[test]
fn check_broken_ladder_errors() {
    insta::assert_snapshot!("check_broken", check(BROKEN_LADDER, &[]));
}

const LONG_LADDER: &str = "tests/fixtures/long-ladder.md";
const MATRIX_CSV: &str = "tests/fixtures/matrix.csv";

#[test]
fn export_csv_of_the_bundled_long_and_seven_level_ladders() {
    for (name, ladder) in [
        ("bundled", BUNDLED_LADDER),
        ("long", LONG_LADDER),
        ("seven", SEVEN_LADDER),
    ] {
        let tmp = stage(&[ladder]);
        let o = rungs(tmp.path(), &["--ladder", ladder, "-q", "export", "csv"]);
        common::assert_code(&o, 0);
        insta::assert_snapshot!(format!("export_csv_{name}"), common::stdout(&o));
    }
}

#[test]
fn import_of_a_matrix_in_csv() {
    let tmp = stage(&[MATRIX_CSV]);
    let o = rungs(
        tmp.path(),
        &["import", MATRIX_CSV, "-o", "ladder/ladder.md"],
    );
    insta::assert_snapshot!("import_matrix_csv_run", transcript(&o));
    let md = std::fs::read_to_string(tmp.path().join("ladder/ladder.md")).expect("written");
    insta::assert_snapshot!("import_matrix_csv_markdown", md);
}
