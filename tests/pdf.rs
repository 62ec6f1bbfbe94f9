//! `rungs pdf` and `rungs layouts` end to end: the real binary writes PDFs, poppler reads them
//! (pdftotext, pdffonts, pdfinfo).

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{assert_code, on_two_threads, run, rungs, stderr, stdout, tempdir, tool, write};

/// `rungs --ladder LADDER pdf ARGS…`, ready to run in `cwd`.
fn pdf_command(cwd: &Path, ladder: &Path, args: &[&str]) -> Command {
    let mut c = rungs(cwd);
    c.arg("--ladder").arg(ladder).arg("pdf").args(args);
    c
}

/// Runs `rungs --ladder LADDER pdf ARGS…` in `cwd`.
fn pdf(cwd: &Path, ladder: &Path, args: &[&str]) -> Output {
    pdf_command(cwd, ladder, args)
        .output()
        .expect("the rungs binary runs")
}

/// A4 and US Letter in PostScript points (width × height, portrait).
const A4: (f64, f64) = (595.276, 841.89);
const LETTER: (f64, f64) = (612.0, 792.0);

/// Text of a PDF as poppler extracts it, with all whitespace removed: line breaks fall anywhere
/// in a table cell, so only the sequence of visible characters is compared.
fn pdf_text(pdf: &Path) -> String {
    extract_text(pdf, &[])
}

/// Like `pdf_text`, of one page (from 1).
fn page_text(pdf: &Path, page: usize) -> String {
    let n = page.to_string();
    extract_text(pdf, &["-f", &n, "-l", &n])
}

/// pdftotext's reading of `pdf` (with these extra arguments), whitespace removed.
fn extract_text(pdf: &Path, args: &[&str]) -> String {
    let out = tool(
        Command::new("pdftotext")
            .arg("-raw")
            .args(args)
            .arg(pdf)
            .arg("-"),
    );
    squash(&String::from_utf8_lossy(&out.stdout))
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{ad}')
        .collect()
}

/// `pdfinfo` fields by name.
fn pdf_info(pdf: &Path) -> BTreeMap<String, String> {
    let out = tool(Command::new("pdfinfo").arg(pdf));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// Page size in points from pdfinfo's `Page size: 841.89 x 595.276 pts (A4)`.
fn page_size(pdf: &Path) -> (f64, f64) {
    let info = pdf_info(pdf);
    let size = &info["Page size"];
    let nums: Vec<f64> = size
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(nums.len() >= 2, "page size `{size}`");
    (nums[0], nums[1])
}

#[track_caller]
fn assert_size(pdf: &Path, expected: (f64, f64)) {
    let (w, h) = page_size(pdf);
    assert!(
        (w - expected.0).abs() < 1.0 && (h - expected.1).abs() < 1.0,
        "{}: page is {w} × {h} pt, expected {} × {}",
        pdf.display(),
        expected.0,
        expected.1
    );
}

/// Every font in the PDF is embedded (pdffonts' `emb` column).
#[track_caller]
fn assert_fonts_embedded(pdf: &Path) {
    let out = tool(Command::new("pdffonts").arg(pdf));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows: Vec<&str> = text.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts in {}:\n{text}", pdf.display());
    for row in rows {
        // Columns: name type… encoding emb sub uni object ID; `emb` is 5th from the end.
        let cols: Vec<&str> = row.split_whitespace().collect();
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "font not embedded in {}: {row}", pdf.display());
    }
}

/// The ladder as `rungs export json` gives it.
fn export(cwd: &Path, ladder: &Path) -> serde_json::Value {
    let o = run(
        cwd,
        &[
            "--ladder",
            ladder.to_str().expect("utf-8 path"),
            "export",
            "json",
        ],
    );
    assert_code(&o, 0);
    serde_json::from_slice(&o.stdout).expect("json")
}

/// (level code, expectation text) of every bullet of a ladder, from `rungs export json`.
fn bullets(cwd: &Path, ladder: &Path) -> Vec<(String, String)> {
    let json = export(cwd, ladder);
    let mut out = Vec::new();
    for area in json["areas"].as_array().expect("areas") {
        for comp in area["competencies"].as_array().expect("competencies") {
            for cell in comp["cells"].as_array().expect("cells") {
                for item in cell["items"].as_array().expect("items") {
                    out.push((
                        cell["level"].as_str().expect("level").to_owned(),
                        item["text"].as_str().expect("text").to_owned(),
                    ));
                }
            }
        }
    }
    out
}

/// The PDF of a level in `out`: the one file named `CODE-….pdf` or `CODE.pdf`.
fn level_pdf(out: &Path, code: &str) -> PathBuf {
    let found: Vec<PathBuf> = fs::read_dir(out)
        .expect("out dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            name == format!("{code}.pdf") || name.starts_with(&format!("{code}-"))
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "PDF of {code} in {}: {found:?}",
        out.display()
    );
    found.into_iter().next().expect("one")
}

fn pdf_names(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(out)
        .map(|d| {
            d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Checks every bullet is in the matrix and in its own level's PDF.
#[track_caller]
fn assert_every_bullet_printed(cwd: &Path, ladder: &Path, out: &Path) {
    let bullets = bullets(cwd, ladder);
    assert!(!bullets.is_empty());
    let matrix = pdf_text(&out.join("matrix.pdf"));
    let mut levels: BTreeMap<String, String> = BTreeMap::new();
    for (code, text) in &bullets {
        let level = levels
            .entry(code.clone())
            .or_insert_with(|| pdf_text(&level_pdf(out, code)));
        let want = squash(text);
        assert!(
            matrix.contains(&want),
            "matrix.pdf lacks the {code} bullet: {text}"
        );
        assert!(level.contains(&want), "{code}'s PDF lacks: {text}");
    }
}

/// A ladder of `n` levels, two areas of two competencies each, one distinct bullet per cell.
fn generated_ladder(n: usize) -> String {
    let mut s = format!("# Generated ladder of {n}\n\n");
    for l in 1..=n {
        let _ = write!(s, "## Level number {l} (G{l})\n\n");
        for area in ["Craft", "Impact"] {
            let _ = write!(s, "### {area}\n\n");
            for comp in ["Alpha", "Beta"] {
                let _ = write!(
                    s,
                    "#### {comp}\n\n- {area} {comp} at level {l}: ships work of growing size and explains the trade-offs made (case {l}{comp}).\n\n"
                );
            }
        }
    }
    s
}

#[test]
fn bundled_ladder_prints_every_bullet_with_fonts_sizes_and_metadata() {
    let tmp = tempdir();
    let ladder = common::bundled_ladder();
    let o = pdf(tmp.path(), &ladder, &[]);
    assert_code(&o, 0);
    let out = tmp.path().join("out");
    assert_eq!(
        pdf_names(&out),
        [
            "L1-junior-sre.pdf",
            "L2-sre.pdf",
            "L3-senior-sre.pdf",
            "L4-lead-sre.pdf",
            "L5-principal-sre.pdf",
            "matrix.pdf"
        ]
    );
    let summary = stdout(&o);
    assert!(summary.contains("wrote 6 PDFs to out"), "{summary}");
    assert!(summary.contains("L3-senior-sre.pdf"), "{summary}");

    assert_eq!(bullets(tmp.path(), &ladder).len(), 60);
    assert_every_bullet_printed(tmp.path(), &ladder, &out);

    // Every matrix page repeats the level header and carries the footer with the fingerprint.
    let matrix = out.join("matrix.pdf");
    let pages: usize = pdf_info(&matrix)["Pages"].parse().expect("page count");
    assert!(pages > 1, "the bundled matrix spans pages");
    let fingerprint = export(tmp.path(), &ladder)["meta"]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    for page in 1..=pages {
        let text = page_text(&matrix, page);
        for header in ["L1JuniorSRE", "L3SeniorSRE", "L5PrincipalSRE", &fingerprint] {
            assert!(
                text.contains(header),
                "matrix page {page} lacks {header}: {text}"
            );
        }
    }

    for name in pdf_names(&out) {
        let pdf = out.join(&name);
        assert_fonts_embedded(&pdf);
        let info = pdf_info(&pdf);
        assert_eq!(info["Tagged"], "yes", "{name}");
        assert!(info["Title"].contains("Titles for Ops"), "{name}: {info:?}");
        assert_eq!(info["Author"], "Titles for Ops", "{name}");
        assert!(info["CreationDate"].contains("1980"), "{name}: {info:?}");
        let bytes = fs::read(&pdf).expect("read pdf");
        let lang = b"/Lang(en)";
        assert!(
            bytes.windows(lang.len()).any(|w| w == lang),
            "{name} has no document language"
        );
        if name == "matrix.pdf" {
            assert_size(&pdf, (A4.1, A4.0));
        } else {
            assert_size(&pdf, A4);
        }
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let tmp = tempdir();
    let ladder = common::bundled_ladder();
    for dir in ["a", "b"] {
        let o = pdf(tmp.path(), &ladder, &["-o", dir]);
        assert_code(&o, 0);
    }
    let names = pdf_names(&tmp.path().join("a"));
    assert_eq!(names.len(), 6);
    assert_eq!(names, pdf_names(&tmp.path().join("b")));
    for name in &names {
        let a = fs::read(tmp.path().join("a").join(name)).expect("a");
        let b = fs::read(tmp.path().join("b").join(name)).expect("b");
        assert!(a == b, "{name} differs between two runs");
    }
}

#[test]
fn source_date_epoch_sets_the_creation_date() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &generated_ladder(3));
    let o = pdf_command(tmp.path(), &ladder, &["--level", "G1"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("runs");
    assert_code(&o, 0);
    let info = pdf_info(&level_pdf(&tmp.path().join("out"), "G1"));
    assert!(info["CreationDate"].contains("2023"), "{info:?}");

    let o = pdf_command(tmp.path(), &ladder, &[])
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .output()
        .expect("runs");
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("SOURCE_DATE_EPOCH is `yesterday`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn letter_paper_and_selected_documents() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &generated_ladder(3));
    let o = pdf(
        tmp.path(),
        &ladder,
        &["--paper", "letter", "--level", "G2", "--matrix"],
    );
    assert_code(&o, 0);
    let out = tmp.path().join("out");
    assert_eq!(pdf_names(&out), ["G2-level-number-2.pdf", "matrix.pdf"]);
    assert_size(&out.join("matrix.pdf"), (LETTER.1, LETTER.0));
    assert_size(&out.join("G2-level-number-2.pdf"), LETTER);

    let o = pdf(tmp.path(), &ladder, &["--paper", "a44"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("unknown paper size `a44`"),
        "{}",
        stderr(&o)
    );

    let o = pdf(tmp.path(), &ladder, &["--level", "L9"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("no level `L9`") && err.contains("G1, G2, G3"),
        "{err}"
    );
}

#[test]
fn three_and_eight_level_ladders_render() {
    for n in [3, 8] {
        let tmp = tempdir();
        let ladder = write(tmp.path(), "l.md", &generated_ladder(n));
        let o = pdf(tmp.path(), &ladder, &[]);
        assert_code(&o, 0);
        let out = tmp.path().join("out");
        assert_eq!(pdf_names(&out).len(), n + 1, "{n} levels");
        assert_every_bullet_printed(tmp.path(), &ladder, &out);
        assert_size(&out.join("matrix.pdf"), (A4.1, A4.0));
    }
}

/// A ladder whose matrix runs over several pages: 4 levels, 3 areas of 8 competencies, cells of
/// one or two bullets of varied length (none taller than a third of a page, so no row may break). Every bullet
/// carries a tag `Qa{area}c{competency}l{level}b{bullet}` that pdftotext finds on its page.
fn long_matrix_ladder() -> String {
    let words = [
        "reviews designs with the team",
        "writes the runbook others follow during incidents",
        "mentors newer engineers through their first on-call weeks",
        "keeps service-level objectives honest and visible to stakeholders",
    ];
    let mut s = "# Long matrix

"
    .to_owned();
    for l in 1..=4 {
        let _ = write!(
            s,
            "## Level {l} (P{l})

"
        );
        for a in 1..=3 {
            let _ = write!(
                s,
                "### Area {a}

"
            );
            for c in 1..=8 {
                let _ = write!(
                    s,
                    "#### Skill {a}.{c}

"
                );
                for b in 1..=1 + (a + c + l) % 2 {
                    let mut text = format!("Qa{a}c{c}l{l}b{b}");
                    for w in 0..=(a * c + l + b) % 2 {
                        text.push(' ');
                        text.push_str(words[(w + b) % words.len()]);
                    }
                    let _ = writeln!(s, "- {text}.");
                }
                s.push('\n');
            }
        }
    }
    s
}

#[test]
fn matrix_rows_stay_whole_and_area_titles_keep_a_row() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &long_matrix_ladder());
    let o = pdf(tmp.path(), &ladder, &["--matrix"]);
    assert_code(&o, 0);
    let matrix = tmp.path().join("out/matrix.pdf");
    let count: usize = pdf_info(&matrix)["Pages"].parse().expect("page count");
    assert!(count >= 3, "the matrix should run over pages, has {count}");
    let pages: Vec<String> = (1..=count).map(|p| page_text(&matrix, p)).collect();
    for a in 1..=3 {
        for c in 1..=8 {
            // Every bullet of a competency's row, at every level, is on one page.
            let tag = format!("Qa{a}c{c}l");
            let on: Vec<usize> = (0..count).filter(|&p| pages[p].contains(&tag)).collect();
            assert_eq!(
                on.len(),
                1,
                "the row of skill {a}.{c} is split over pages {on:?}"
            );
            for l in 1..=4 {
                for b in 1..=1 + (a + c + l) % 2 {
                    let bullet = format!("Qa{a}c{c}l{l}b{b}");
                    assert!(
                        pages[on[0]].contains(&bullet),
                        "{bullet} is not with its row"
                    );
                }
            }
        }
        // An area's title never ends a page without one of its rows under it.
        for (p, text) in pages.iter().enumerate() {
            if text.contains(&format!("Area{a}")) {
                assert!(
                    text.contains(&format!("Qa{a}c")),
                    "page {} shows Area {a} with none of its rows",
                    p + 1
                );
            }
        }
    }
    // An area going on over a page is marked as continued in its repeated row; no row breaks,
    // so no row is named there as continued (the next row starts right under the area row).
    let marked = pages.iter().filter(|t| t.contains("(continued)")).count();
    assert!(marked >= 1, "no area goes on over a page");
    for (p, text) in pages.iter().enumerate() {
        assert!(
            text.matches("(continued)").count() <= 1,
            "page {} names a row as continued: {text}",
            p + 1
        );
    }
}

#[test]
fn hostile_ladder_text_prints_literally() {
    let tmp = tempdir();
    let ladder = write(
        tmp.path(),
        "hostile.md",
        r#"+++
title = "Hostile #title $x$ ]"
organisation = "ACME ] [ #set text(red)"
+++
# Hostile

## Level \#1 \[x\] (H1)

### Area \*a\* \_b\_

#### Comp \<c\> @d \\e \]

- Literal \#read("/etc/passwd") and \$math\$ and \*star\* \_under\_ \[br\] \<lt\> @label \\ back
- Second ] bullet with \#import "/etc/passwd": \* and \#{1+1} and \<html\>

## Next $level$ (H2)

### Area \*a\* \_b\_

#### Comp \<c\> @d \\e \]

- Literal \#read("/etc/passwd") and \$math\$ and \*star\* \_under\_ \[br\] \<lt\> @label \\ back, more
"#,
    );
    let o = pdf(tmp.path(), &ladder, &[]);
    assert_code(&o, 0);
    let out = tmp.path().join("out");
    assert_every_bullet_printed(tmp.path(), &ladder, &out);
    let literal = squash(
        r#"Literal #read("/etc/passwd") and $math$ and *star* _under_ [br] <lt> @label \ back"#,
    );
    for pdf in [out.join("matrix.pdf"), level_pdf(&out, "H1")] {
        let text = pdf_text(&pdf);
        assert!(text.contains(&literal), "{}: {text}", pdf.display());
        assert!(text.contains(&squash("Comp <c> @d \\e ]")), "{text}");
        assert!(text.contains(&squash("#{1+1}")), "{text}");
        assert!(
            !text.contains("root:"),
            "/etc/passwd was read into {}",
            pdf.display()
        );
    }
    let info = pdf_info(&out.join("matrix.pdf"));
    assert!(info["Title"].contains("Hostile #title $x$ ]"), "{info:?}");
    assert_eq!(info["Author"], "ACME ] [ #set text(red)");
}

#[test]
fn a_broken_layout_is_located_and_writes_no_pdf() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &generated_ladder(3));
    write(
        tmp.path(),
        "mine/matrix.typ",
        "#let data = json(\"data.json\")\n// fine so far\n#let broken = (1, 2\n= Matrix\n",
    );
    let o = pdf(tmp.path(), &ladder, &["--layouts", "mine"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("error[layout-error]"), "{err}");
    assert!(err.contains("--> mine/matrix.typ:3:"), "{err}");
    assert!(err.contains("3 | #let broken = (1, 2"), "{err}");
    assert!(err.contains('^'), "{err}");
    assert!(
        err.contains("not written") && err.contains("matrix.pdf"),
        "{err}"
    );
    // The level documents use the built-in level.typ and are fine.
    let out = tmp.path().join("out");
    assert!(!out.join("matrix.pdf").exists());
    assert_eq!(pdf_names(&out).len(), 3);

    // An error inside a function reports the call site too, and a runtime error its place.
    write(
        tmp.path(),
        "mine/matrix.typ",
        "#let data = json(\"data.json\")\n#let f(x) = x.no-such-field\n#f(data.meta)\n",
    );
    let o = pdf(tmp.path(), &ladder, &["--layouts", "mine", "--matrix"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("--> mine/matrix.typ:2:"), "{err}");
    assert!(err.contains("mine/matrix.typ:3:"), "{err}");

    // Runaway recursion: typst's limit, with the repeated call site shown once and counted.
    write(
        tmp.path(),
        "mine/matrix.typ",
        "#let f(n) = if n == 0 [x] else { block(f(n - 1)) }\n#f(500)\n",
    );
    let o = pdf(tmp.path(), &ladder, &["--layouts", "mine", "--matrix"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("maximum function call depth exceeded"),
        "{err}"
    );
    assert!(err.contains("times)"), "{err}");
    assert!(err.matches("while calling").count() <= 5, "{err}");
}

#[test]
fn layouts_cannot_read_outside_their_folder() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &generated_ladder(3));
    write(tmp.path(), "secret.txt", "TOP-SECRET");
    let host = tmp.path().display().to_string();
    let attempts = [
        ("absolute", "#read(\"/etc/passwd\")", "mine/etc/passwd"),
        ("parent", "#read(\"../secret.txt\")", "would escape"),
        (
            "symlink",
            "#read(\"passwd-link\")",
            "points outside the layouts folder",
        ),
        (
            "dir-link",
            "#read(\"up/secret.txt\")",
            "points outside the layouts folder",
        ),
        (
            "package",
            "#import \"@preview/cetz:0.3.4\": *",
            "cannot use packages",
        ),
    ];
    fs::create_dir_all(tmp.path().join("mine")).expect("mkdir");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", tmp.path().join("mine/passwd-link"))
            .expect("symlink");
        std::os::unix::fs::symlink(tmp.path(), tmp.path().join("mine/up")).expect("symlink");
    }
    for (what, code, expected) in attempts {
        write(
            tmp.path(),
            "mine/matrix.typ",
            &format!("= Matrix\n{code}\n"),
        );
        let o = pdf(tmp.path(), &ladder, &["--layouts", "mine", "--matrix"]);
        assert_code(&o, 1);
        let err = stderr(&o);
        assert!(err.contains(expected), "{what}: {err}");
        assert!(err.contains("--> mine/matrix.typ:2:"), "{what}: {err}");
        assert!(!err.contains(&host), "{what}: host path shown: {err}");
        assert!(!err.contains("root:"), "{what}: {err}");
        assert!(!tmp.path().join("out/matrix.pdf").exists(), "{what}");
    }
}

#[test]
fn an_overridden_layout_file_is_used_and_others_stay_built_in() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &generated_ladder(3));
    write(
        tmp.path(),
        "mine/level.typ",
        "#let data = json(sys.inputs.at(\"data\", default: \"data.json\"))\n#set page(paper: sys.inputs.at(\"paper\", default: \"a4\"))\n= Custom level view\nOVERRIDE #sys.inputs.level of #data.meta.title: #data.levels.len() levels\n\nJOB #data.job.document #data.job.level\n",
    );
    // A stale data.json in the folder is ignored: rungs serves the ladder's own.
    write(tmp.path(), "mine/data.json", "{\"stale\": true}");
    let o = pdf(tmp.path(), &ladder, &["--layouts", "mine"]);
    assert_code(&o, 0);
    let out = tmp.path().join("out");
    let text = pdf_text(&level_pdf(&out, "G2"));
    assert!(
        text.contains(&squash("OVERRIDE G2 of Generated ladder of 3: 3 levels")),
        "{text}"
    );
    // Layouts written before `job` keep reading `sys.inputs.level`; newer ones can read `job`.
    assert!(text.contains(&squash("JOB level G2")), "{text}");
    // matrix.typ was not overridden: the built-in one printed every bullet.
    let matrix = pdf_text(&out.join("matrix.pdf"));
    for (_, bullet) in bullets(tmp.path(), &ladder) {
        assert!(matrix.contains(&squash(&bullet)), "{bullet}");
    }
}

#[test]
fn characters_the_fonts_lack_are_named_with_where_they_are() {
    let tmp = tempdir();
    let ladder = write(
        tmp.path(),
        "g.md",
        "# Glyphs\n\n## One (G1)\n\n### Area\n\n#### Comp\n\n- Plain text.\n\n## Two (G2)\n\n### Area\n\n#### Comp\n\n- 漢字 and a rocket 🚀 and a check ✔\n",
    );
    let o = pdf(tmp.path(), &ladder, &["--level", "G2"]);
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(err.contains("warning[missing-glyphs]"), "{err}");
    // Characters found in the same places share a line.
    assert!(
        err.contains("漢 (U+6F22), 字 (U+5B57), 🚀 (U+1F680), ✔ (U+2714) in Comp at G2"),
        "{err}"
    );
    assert!(
        err.contains("🚀 (U+1F680)") && err.contains("✔ (U+2714)"),
        "{err}"
    );
    assert!(err.contains("--font-path"), "{err}");
    assert!(level_pdf(&tmp.path().join("out"), "G2").exists());

    // A font that has ✔ (OpenSymbol, installed with LibreOffice by .ci/install) silences it.
    let symbols = Path::new("/usr/share/fonts/truetype/libreoffice");
    assert!(
        symbols.is_dir(),
        "run `bash .ci/install` (LibreOffice brings OpenSymbol)"
    );
    let o = pdf(
        tmp.path(),
        &ladder,
        &[
            "--level",
            "G2",
            "--font-path",
            symbols.to_str().expect("utf-8"),
        ],
    );
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains("漢 (U+6F22)") && !err.contains("U+2714"),
        "{err}"
    );

    // Text the layouts write themselves (e.g. translated labels) is checked in the laid-out
    // document, and located in the layout when typst kept the place.
    write(
        tmp.path(),
        "mine/level.typ",
        "#set text(font: \"Inter\")\n= Stufe\n能力 steht hier\n",
    );
    let plain = write(tmp.path(), "plain.md", &generated_ladder(3));
    let o = pdf(tmp.path(), &plain, &["--level", "G1", "--layouts", "mine"]);
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains(
            "能 (U+80FD), 力 (U+529B), which the layouts write into G1-level-number-1.pdf"
        ),
        "{err}"
    );
    assert!(err.contains("--> mine/level.typ:3:1"), "{err}");
}

#[test]
fn pdf_standards_are_applied_or_refused_clearly() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &generated_ladder(3));
    // The shipped layouts meet PDF/A-2b and PDF/UA-1 together (title, language, headings,
    // table headers), for both kinds of document.
    let o = pdf(
        tmp.path(),
        &ladder,
        &[
            "--level",
            "G1",
            "--matrix",
            "--pdf-standard",
            "a-2b",
            "--pdf-standard",
            "ua-1",
        ],
    );
    assert_code(&o, 0);
    let out = tmp.path().join("out");
    for pdf in [level_pdf(&out, "G1"), out.join("matrix.pdf")] {
        let bytes = fs::read(&pdf).expect("pdf");
        for marker in [&b"pdfaid:part>2<"[..], b"pdfuaid:part>1<"] {
            assert!(
                bytes.windows(marker.len()).any(|w| w == marker),
                "{} lacks {}",
                pdf.display(),
                String::from_utf8_lossy(marker)
            );
        }
    }

    let o = pdf(
        tmp.path(),
        &ladder,
        &["--pdf-standard", "a-1b", "--pdf-standard", "ua-1"],
    );
    assert_code(&o, 1);
    assert!(stderr(&o).contains("cannot be combined"), "{}", stderr(&o));

    let o = pdf(
        tmp.path(),
        &ladder,
        &["--pdf-standard", "a-2b", "--pdf-standard", "a-3b"],
    );
    assert_code(&o, 1);
    assert!(stderr(&o).contains("at most one PDF/A"), "{}", stderr(&o));

    let o = pdf(tmp.path(), &ladder, &["--pdf-standard", "a-9"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("ua-1"), "{}", stderr(&o));
}

#[test]
fn a_failed_write_leaves_no_partial_file() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &generated_ladder(3));
    let o = pdf_command(tmp.path(), &ladder, &["--level", "G1"])
        .env("RUNGS_FAULT", "write")
        .output()
        .expect("runs");
    assert_code(&o, 3);
    assert!(
        stderr(&o).contains("cannot write out/G1-level-number-1.pdf"),
        "{}",
        stderr(&o)
    );
    assert!(pdf_names(&tmp.path().join("out")).is_empty());
}

#[test]
fn layouts_init_copies_the_defaults_and_keeps_edits() {
    let tmp = tempdir();
    let o = run(tmp.path(), &["layouts", "init", "mine"]);
    assert_code(&o, 0);
    let dir = tmp.path().join("mine");
    for name in ["matrix.typ", "level.typ", "data.json"] {
        assert!(dir.join(name).is_file(), "{name}: {}", stdout(&o));
    }
    fs::write(dir.join("matrix.typ"), "// my edit\n").expect("edit");
    let o = run(tmp.path(), &["layouts", "init", "mine"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("kept"), "{}", stdout(&o));
    assert_eq!(
        fs::read_to_string(dir.join("matrix.typ")).expect("read"),
        "// my edit\n"
    );
    let o = run(tmp.path(), &["layouts", "init", "mine", "--force"]);
    assert_code(&o, 0);
    assert_ne!(
        fs::read_to_string(dir.join("matrix.typ")).expect("read"),
        "// my edit\n"
    );
    // The copied layouts print the same PDFs as the built-in ones.
    let built_in = run(tmp.path(), &["pdf", "--level", "L1", "-o", "a"]);
    assert_code(&built_in, 0);
    let copied = run(
        tmp.path(),
        &["pdf", "--level", "L1", "-o", "b", "--layouts", "mine"],
    );
    assert_code(&copied, 0);
    let name = "L1-junior-sre.pdf";
    assert!(
        fs::read(tmp.path().join("a").join(name)).expect("a")
            == fs::read(tmp.path().join("b").join(name)).expect("b")
    );
}

#[test]
fn help_teaches_the_command() {
    let tmp = tempdir();
    let o = run(tmp.path(), &["pdf", "--help"]);
    assert_code(&o, 0);
    let help = stdout(&o);
    for needle in [
        "--layouts",
        "--font-path",
        "--paper",
        "--pdf-standard",
        "--level",
        "SOURCE_DATE_EPOCH",
        "rungs layouts init",
        "Examples:",
    ] {
        assert!(
            help.contains(needle),
            "`rungs pdf --help` lacks {needle}:\n{help}"
        );
    }
}

#[test]
fn setup_problems_are_explained_before_anything_is_written() {
    let tmp = tempdir();
    let ladder = write(tmp.path(), "l.md", &generated_ladder(3));
    fs::create_dir_all(tmp.path().join("empty")).expect("mkdir");
    write(tmp.path(), "empty-fonts/readme.txt", "no fonts here");
    let cases: [(&[&str], &str); 4] = [
        (
            &["--layouts", "missing"],
            "cannot use missing as the layouts folder: not found",
        ),
        (
            &["--layouts", "l.md"],
            "cannot use l.md as the layouts folder: not a folder",
        ),
        (
            &["--font-path", "missing"],
            "cannot read the font folder missing: not found",
        ),
        (&["--font-path", "empty-fonts"], "no fonts in empty-fonts"),
    ];
    for (args, expected) in cases {
        let o = pdf(tmp.path(), &ladder, args);
        assert_code(&o, 1);
        let err = stderr(&o);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(err.contains("= hint:"), "{args:?}: {err}");
        assert!(!tmp.path().join("out").exists(), "{args:?} wrote output");
    }
    // Quiet runs print nothing on stdout.
    let o = pdf(tmp.path(), &ladder, &["-q", "--level", "G1"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "");
}

/// A word pdftotext found, with its box (points from the page's top left).
#[derive(Debug, Clone)]
struct Word {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    text: String,
}

/// Every word of every page, and the pages' heights, from `pdftotext -bbox`.
fn words(pdf: &Path) -> Vec<Vec<Word>> {
    let out = tool(Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-"));
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).expect("an attribute") + name.len() + 2;
        tag[at..tag[at..].find('"').expect("closed") + at]
            .parse()
            .expect("a number")
    };
    let mut pages = Vec::new();
    for page in xml.split("<page ").skip(1) {
        let mut list = Vec::new();
        for w in page.split("<word ").skip(1) {
            let (tag, rest) = w.split_once('>').expect("a word tag");
            let text = rest.split("</word>").next().unwrap_or("");
            list.push(Word {
                x0: attr(tag, "xMin"),
                x1: attr(tag, "xMax"),
                y0: attr(tag, "yMin"),
                y1: attr(tag, "yMax"),
                text: text
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\""),
            });
        }
        pages.push(list);
    }
    pages
}

/// The lines of text in the competency column of a page, top to bottom, each with its top: the
/// words starting left of `edge`, below `top` and above `bottom`, joined by line.
fn first_column(page: &[Word], edge: f64, top: f64, bottom: f64) -> Vec<(f64, String)> {
    let mut lines: Vec<(f64, String)> = Vec::new();
    let mut ws: Vec<&Word> = page
        .iter()
        .filter(|w| w.x0 < edge && w.y0 > top && w.y1 < bottom)
        .collect();
    ws.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
    for w in ws {
        match lines.last_mut() {
            Some((y, text)) if (w.y0 - *y).abs() < 2.0 => {
                text.push(' ');
                text.push_str(&w.text);
            }
            _ => lines.push((w.y0, w.text.clone())),
        }
    }
    lines
}

/// What a matrix page shows: the competency names in its first column (top, name; a name that
/// goes on from the page before ends in `(continued)`), where the level columns start, and the
/// body's top (below the header row) and foot (above the footer).
struct Page {
    names: Vec<(f64, String)>,
    edge: f64,
    top: f64,
    foot: f64,
}

fn page_names(page: &[Word], titles: &[String], areas: &[String], p: usize) -> Page {
    // The header row: `Competency`, then the level codes; the footer: `Page N of M`.
    let ic1 = page
        .iter()
        .find(|w| w.text == "IC1")
        .expect("the header names IC1");
    let edge = ic1.x0 - 1.0;
    let top = page
        .iter()
        .filter(|w| w.text == "Competency" && w.y0 < ic1.y1 + 20.0)
        .map(|w| w.y1)
        .fold(0.0, f64::max)
        + 1.0;
    let foot = page
        .iter()
        .filter(|w| w.text == "Page")
        .map(|w| w.y0)
        .fold(f64::MAX, f64::min)
        - 4.0;
    // The names in the first column (a title may take several lines), area rows left out.
    let mut names: Vec<(f64, String)> = Vec::new();
    let mut name = (0.0, String::new());
    for (y, line) in first_column(page, edge, top, foot) {
        let line = squash(&line);
        if name.1.is_empty() {
            if areas
                .iter()
                .any(|a| line.starts_with(a.as_str()) || a.starts_with(&line))
            {
                continue;
            }
            if line == "(continued)"
                && let Some(last) = names.last_mut()
            {
                last.1.push_str(&line);
                continue;
            }
            name.0 = y;
        }
        name.1.push_str(&line);
        if titles.contains(&name.1) {
            names.push(std::mem::take(&mut name));
        }
    }
    assert!(
        name.1.is_empty(),
        "page {}: '{}' is not a competency",
        p + 1,
        name.1
    );
    Page {
        names,
        edge,
        top,
        foot,
    }
}

/// Asserts that the area row above a row going on from the page before (between `top` and
/// `below`) ends in `(continued)`, set after its title's last word, on its line.
fn assert_area_continued(page: &[Word], top: f64, below: f64, p: usize) {
    let row: Vec<&Word> = page.iter().filter(|w| w.y0 > top && w.y1 < below).collect();
    let mark = row
        .iter()
        .find(|w| w.text == "(continued)")
        .unwrap_or_else(|| panic!("page {}: the area row lacks (continued): {row:?}", p + 1));
    assert!(
        row.iter()
            .any(|w| (w.y0 - mark.y0).abs() < 0.5 && (1.0..6.0).contains(&(mark.x0 - w.x1))),
        "page {}: (continued) is not a space after the area title: {row:?}",
        p + 1
    );
}

#[test]
fn a_long_matrix_names_the_competency_of_every_row_on_every_page() {
    let tmp = tempdir();
    let ladder = common::repo().join("tests/fixtures/long-ladder.md");
    let json = export(tmp.path(), &ladder);
    let titles: Vec<String> = json["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .flat_map(|a| a["competencies"].as_array().expect("competencies").iter())
        .map(|c| squash(c["title"].as_str().expect("a title")))
        .collect();
    let areas: Vec<String> = json["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .map(|a| squash(a["title"].as_str().expect("a title")))
        .collect();
    // The continued marks are drawn over the pages, as artifacts (repetitions for the reader's
    // eye): PDF/UA-1 refuses untagged text in a table, so this fails if they are tagged content.
    let o = pdf(tmp.path(), &ladder, &["--matrix", "--pdf-standard", "ua-1"]);
    assert_code(&o, 0);
    let pages = words(&tmp.path().join("out/matrix.pdf"));
    assert!(pages.len() >= 5, "a long matrix: {} pages", pages.len());
    for (p, page) in pages.iter().enumerate() {
        let found = overlapping_words(page);
        assert!(found.is_empty(), "page {}: {found:?}", p + 1);
    }
    let mut continued = 0;
    let mut last_name: Option<String> = None;
    for (p, page) in pages.iter().enumerate() {
        let Page {
            names,
            edge,
            top,
            foot,
        } = page_names(page, &titles, &areas, p);
        // Every text in the level columns has a competency named at or above it on its page.
        let first_text = page
            .iter()
            .filter(|w| w.x0 >= edge && w.y0 > top + 14.0 && w.y1 < foot)
            .map(|w| w.y0)
            .fold(f64::MAX, f64::min);
        let first_name = names.first().map_or(f64::MAX, |(y, _)| *y);
        assert!(
            first_name <= first_text + 1.0,
            "page {}: text at y={first_text:.0} has no competency named above it (first name at y={first_name:.0}): {names:?}",
            p + 1
        );
        // A name at the top of a page that continues a row is the row begun on the page before.
        if let Some((_, n)) = names.first()
            && let Some(bare) = n.strip_suffix("(continued)")
        {
            continued += 1;
            assert_eq!(Some(bare), last_name.as_deref(), "page {}", p + 1);
            assert_area_continued(page, top, names[0].0, p);
        }
        last_name = names
            .last()
            .map(|(_, n)| n.strip_suffix("(continued)").unwrap_or(n).to_owned());
        // No page ends with more than a third of it empty, bar the last.
        if p + 1 < pages.len() {
            let lowest = page
                .iter()
                .filter(|w| w.y1 < foot)
                .map(|w| w.y1)
                .fold(0.0, f64::max);
            assert!(
                foot - lowest < (foot - top) / 3.0,
                "page {} leaves {:.0} of {:.0} pt empty at its foot",
                p + 1,
                foot - lowest,
                foot - top
            );
        }
    }
    assert!(continued >= 2, "some rows go on over a page: {continued}");
}

#[test]
fn the_matrix_by_area_and_a_window_of_levels() {
    let tmp = tempdir();
    let ladder = common::repo().join("tests/fixtures/long-ladder.md");
    let o = pdf(
        tmp.path(),
        &ladder,
        &["--matrix-by", "area", "--levels", "ic3..IC5"],
    );
    assert_code(&o, 0);
    let out = tmp.path().join("out");
    assert_eq!(
        pdf_names(&out),
        [
            "IC3-senior-engineer.pdf",
            "IC4-staff-engineer.pdf",
            "IC5-senior-staff-engineer.pdf",
            "matrix-craft-IC3-IC5.pdf",
            "matrix-delivery-IC3-IC5.pdf",
            "matrix-direction-IC3-IC5.pdf",
            "matrix-people-IC3-IC5.pdf",
        ]
    );
    let craft = pdf_text(&out.join("matrix-craft-IC3-IC5.pdf"));
    assert!(
        craft.contains("Operationalexcellence") && !craft.contains("Mentoring"),
        "{craft}"
    );
    assert!(
        craft.contains("IC3")
            && craft.contains("IC5")
            && !craft.contains("IC2")
            && !craft.contains("IC6"),
        "{craft}"
    );
    assert!(craft.contains("Craft&Quality·IC3–IC5"), "{craft}");
    assert_eq!(
        pdf_info(&out.join("matrix-craft-IC3-IC5.pdf"))["Title"],
        "A long ladder — seven levels, „many“ expectations — Craft & Quality · IC3–IC5"
    );

    let o = pdf(
        tmp.path(),
        &ladder,
        &["--matrix", "--levels", "IC9..IC3", "-o", "x"],
    );
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("--levels IC9..IC3: give two level codes of the ladder as FROM..TO"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x").exists());
}

/// Words whose boxes overlap by more than this, both across and down, are drawn over each other.
const OVERLAP: f64 = 0.5;

/// The pairs of words on a page that are drawn over each other.
fn overlapping_words(page: &[Word]) -> Vec<String> {
    let mut ws: Vec<&Word> = page.iter().collect();
    ws.sort_by(|a, b| a.y0.total_cmp(&b.y0));
    let mut out = Vec::new();
    for (i, a) in ws.iter().enumerate() {
        for b in ws[i + 1..].iter().take_while(|b| b.y0 < a.y1 - OVERLAP) {
            let across = a.x1.min(b.x1) - a.x0.max(b.x0);
            let down = a.y1.min(b.y1) - b.y0;
            if across > OVERLAP && down > OVERLAP {
                out.push(format!(
                    "'{}' at ({:.1}, {:.1}) and '{}' at ({:.1}, {:.1})",
                    a.text, a.x0, a.y0, b.text, b.x0, b.y0
                ));
            }
        }
    }
    out
}

/// Runs `rungs pdf --ladder LADDER ARGS -o OUT` and lists, for every matrix it wrote, the words
/// drawn over each other, by file and page.
fn matrix_overlaps(cwd: &Path, ladder: &Path, args: &[&str], out: &str) -> Vec<String> {
    let mut args = args.to_vec();
    args.extend(["-q", "-o", out]);
    let o = pdf(cwd, ladder, &args);
    if o.status.code() != Some(0) {
        return vec![format!("{args:?} failed: {}", stderr(&o))];
    }
    let mut found = Vec::new();
    for name in pdf_names(&cwd.join(out)) {
        for (p, page) in words(&cwd.join(out).join(&name)).iter().enumerate() {
            for pair in overlapping_words(page) {
                found.push(format!("{args:?} {name} page {}: {pair}", p + 1));
            }
        }
    }
    found
}

#[test]
fn no_text_of_any_matrix_window_is_drawn_over_other_text() {
    let tmp = tempdir();
    let ladder = common::repo().join("tests/fixtures/long-ladder.md");
    let codes: Vec<String> = export(tmp.path(), &ladder)["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .map(|l| l["code"].as_str().expect("a code").to_owned())
        .collect();
    // Every window of two levels or more on A4 (but the whole ladder, which
    // `a_long_matrix_names_the_competency_of_every_row_on_every_page` checks), and the windows of
    // three levels on Letter by area: the page breaks, and so the continued rows' remainders,
    // differ in each. (A matrix costs 0.5–2 s of CPU in a debug build: every window, whole and by
    // area, on both papers would take 2 minutes.)
    let mut jobs: Vec<(String, &[&str])> = Vec::new();
    for from in 0..codes.len() {
        for to in from + 1..codes.len() {
            let levels = format!("{}..{}", codes[from], codes[to]);
            if to == from + 2 {
                jobs.push((
                    levels.clone(),
                    &["--matrix", "--matrix-by", "area", "--paper", "letter"],
                ));
            }
            if from > 0 || to + 1 < codes.len() {
                jobs.push((levels, &["--matrix"]));
            }
        }
    }
    let found: Vec<String> = on_two_threads(&jobs, |i, (levels, variant)| {
        let mut args = variant.to_vec();
        args.extend(["--levels", levels]);
        matrix_overlaps(tmp.path(), &ladder, &args, &format!("out-{i}"))
    })
    .concat();
    assert!(
        found.is_empty(),
        "{} words drawn over others in {} matrices:\n{}",
        found.len(),
        jobs.len(),
        found.join("\n")
    );

    // IC2..IC4: "Operational excellence" goes on to page 2 with one short bullet; it is named
    // there, marked as continued, besides its area's mark.
    let whole = jobs
        .iter()
        .position(|(levels, variant)| levels == "IC2..IC4" && variant.len() == 1)
        .expect("the IC2..IC4 matrix");
    let page = page_text(
        &tmp.path()
            .join(format!("out-{whole}"))
            .join("matrix-IC2-IC4.pdf"),
        2,
    );
    assert!(
        page.contains("Operationalexcellence(continued)")
            && page.matches("(continued)").count() == 2,
        "{page}"
    );
}

/// One area of three competencies over two levels; the second has a name of four lines and
/// `steps` one-line bullets at L2, so that its row goes on over a page, the more of it the more
/// steps.
fn long_name_ladder(steps: usize) -> String {
    let mut s = "# Long names\n\n".to_owned();
    for l in 1..=2 {
        let _ = write!(
            s,
            "## Level {l} (L{l})\n\n### Craft\n\n#### Alpha\n\n- Alpha at level {l}.\n\n#### {LONG_NAME}\n\n"
        );
        for b in 0..if l == 2 { steps } else { 1 } {
            let _ = writeln!(s, "- Step {b} of the work at level {l}.");
        }
        let _ = write!(s, "\n#### Gamma\n\n- Gamma at level {l}.\n\n");
    }
    s
}

const LONG_NAME: &str =
    "Operating the shared services, their on-call rotation and their error budgets";

#[test]
fn a_continued_name_too_long_for_its_remainder_goes_in_the_area_row() {
    let tmp = tempdir();
    // From a remainder of one bullet on page 2 to one of eight: the name cannot fit beside the
    // shortest (it goes in the area row), fits inline in a small size beside longer ones, and as
    // usual beside the longest.
    let steps: Vec<usize> = (34..42).collect();
    let results = on_two_threads(&steps, |i, &n| {
        let ladder = write(tmp.path(), &format!("l{n}.md"), &long_name_ladder(n));
        let out = format!("out-{i}");
        let found = matrix_overlaps(tmp.path(), &ladder, &["--matrix"], &out);
        let page = page_text(&tmp.path().join(out).join("matrix.pdf"), 2);
        (n, found, page)
    });
    let name = squash(LONG_NAME);
    let (mut in_area_row, mut in_column) = (0, 0);
    for (n, found, page) in results {
        assert!(found.is_empty(), "{n} steps: {found:?}");
        assert!(page.contains("Step"), "{n} steps: the row goes on: {page}");
        assert!(
            page.contains(&format!("{name}(continued)")),
            "{n} steps: {page}"
        );
        if page.contains(&format!("(continued)·{name}(continued)")) {
            in_area_row += 1;
        } else {
            in_column += 1;
        }
    }
    assert!(
        in_area_row > 0 && in_column > 0,
        "{in_area_row} in the area row, {in_column} in the column"
    );
}
