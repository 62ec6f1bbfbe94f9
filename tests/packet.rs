//! `rungs packet` end to end: tallies made by the built binary from workbooks filled by openpyxl,
//! printed as packets and read back with poppler (`pdftotext`, `pdfinfo`): every person and
//! rating and evidence text, the level-fit grid by position, the relative scale, people with no
//! or only their own review, filters, `--split` names, anonymity, reproducibility, the charts'
//! numbers in their alternative texts, CJK, Arabic and markup-like names printed as written,
//! and every malformed-input error writing nothing. Needs the test venv (`bash .ci/install`).

mod common;
mod prove;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{assert_code, stderr, tempdir, tool, write};
use serde_json::Value;

/// The example roster with two more people: E2001 returns only a self-review (the manager's
/// workbook is not returned), E2002 returns nothing.
fn roster() -> String {
    let example =
        std::fs::read_to_string(common::repo().join("examples/roster.csv")).expect("example");
    format!(
        "{}E2001,Zoë Selfonly,L2,Zoë Selfonly,self,zoe@example.com,Platform\n\
         E2001,Zoë Selfonly,L2,Jonas Berg,manager,zoe@example.com,Platform\n\
         E2002,Quentin Silent,L3,Quentin Silent,self,quentin@example.com,Reliability\n\
         E2002,Quentin Silent,L3,Sofia Novak,manager,quentin@example.com,Reliability\n",
        example.trim_end().to_owned() + "\n"
    )
}

/// A tally made the way a user makes one: sheets from `roster`, workbooks filled with evidence
/// by openpyxl (those `returned` rejects are deleted first, as never sent back), tallied with
/// the manifest. Returns the tally folder.
fn make_tally(
    dir: &Path,
    ladder: &Path,
    roster: &str,
    returned: &dyn Fn(&str, &str) -> bool,
) -> PathBuf {
    let roster = write(dir, "roster.csv", roster);
    let sheets = dir.join("sheets");
    tool(
        common::rungs(dir)
            .arg("--ladder")
            .arg(ladder)
            .args(["sheets", "--cycle", prove::CYCLE, "--roster"])
            .arg(&roster)
            .arg("-o")
            .arg(&sheets),
    );
    for wb in prove::workbooks(&sheets) {
        let name = wb.file_name().expect("name").to_string_lossy().into_owned();
        let reviewer = wb
            .parent()
            .and_then(Path::file_name)
            .expect("reviewer folder")
            .to_string_lossy()
            .into_owned();
        if !returned(&name, &reviewer) {
            std::fs::remove_file(&wb).expect("remove a workbook not returned");
        }
    }
    prove::fill_with_evidence(&sheets, 15);
    let out = dir.join("tally");
    tool(
        common::rungs(dir)
            .arg("--ladder")
            .arg(ladder)
            .arg("tally")
            .arg(sheets.join(prove::CYCLE))
            .arg("--manifest")
            .arg(sheets.join("manifest.json"))
            .arg("-o")
            .arg(&out),
    );
    out
}

/// The tally of [`roster`] on the bundled ladder, made once for all tests of a run (in the
/// target's temporary folder: a static is never dropped, so a temporary one would stay).
fn example() -> &'static Path {
    static TALLY: OnceLock<PathBuf> = OnceLock::new();
    TALLY.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packet-example");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a folder for the example tally");
        make_tally(
            &dir,
            &common::bundled_ladder(),
            &roster(),
            &|name, reviewer| {
                let silent = name.starts_with("E2002-");
                let manager_of_self_only = name.starts_with("E2001-") && reviewer == "Jonas Berg";
                !silent && !manager_of_self_only
            },
        )
    })
}

fn tally_json(tally: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(tally.join("tally.json")).expect("tally.json"))
        .expect("valid json")
}

/// `rungs --ladder <bundled> packet TALLY ARGS` in `cwd`.
fn packet(cwd: &Path, tally: &Path, args: &[&str]) -> Output {
    packet_with(cwd, &common::bundled_ladder(), tally, args)
}

fn packet_with(cwd: &Path, ladder: &Path, tally: &Path, args: &[&str]) -> Output {
    common::rungs(cwd)
        .arg("--ladder")
        .arg(ladder)
        .arg("packet")
        .arg(tally)
        .args(args)
        .output()
        .expect("rungs runs")
}

/// `pdftotext` of a PDF (`-layout` keeps a table row on one line).
fn text(pdf: &Path, layout: bool) -> String {
    let mut c = Command::new("pdftotext");
    if layout {
        c.arg("-layout");
    }
    let o = tool(c.arg(pdf).arg("-"));
    String::from_utf8(o.stdout).expect("utf-8 text")
}

/// The text without the page footers, which `pdftotext` puts amid a text that goes on over a
/// page break.
fn body(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("Titles for Ops · calibration") && !l.starts_with("Page "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whitespace runs as one space: text wrapped over lines reads as typed.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdfinfo(pdf: &Path, args: &[&str]) -> String {
    let o = tool(Command::new("pdfinfo").args(args).arg(pdf));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn pages(pdf: &Path) -> usize {
    pdfinfo(pdf, &[])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count")
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    prove::snapshot(dir)
        .into_keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

/// How the person page prints a rating: blank as `—`, "not observed" as `n/o`.
fn shown(rating: &Value) -> String {
    let label = rating["label"].as_str().expect("label");
    match (label, rating["value"].is_null()) {
        ("", _) => "—".into(),
        (_, true) => "n/o".into(),
        (l, false) => l.into(),
    }
}

/// A competency's ratings as the person's table shows them: self, manager, then peers, each
/// in the order of the reviews.
fn columns(person: &Value, competency: &Value) -> Vec<String> {
    let given = competency["ratings"].as_array().expect("ratings");
    let mut order: Vec<usize> = (0..given.len()).collect();
    order.sort_by_key(|&i| match person["reviews"][i]["role"].as_str() {
        Some("self") => 0,
        Some("manager") => 1,
        _ => 2,
    });
    order.iter().map(|&i| shown(&given[i])).collect()
}

/// Evidence as the packet prints it: ASCII texts whole; others by their `evN.R:` number (the
/// bundled font has no Arabic, so those print as boxes).
fn findable(evidence: &str) -> String {
    if evidence.is_ascii() {
        squash(evidence)
    } else {
        evidence.split(':').next().expect("a number").to_owned()
    }
}

#[test]
fn every_person_rating_and_evidence_of_the_example_is_in_the_packet() {
    let tmp = tempdir();
    let t = tally_json(example());
    let o = packet(tmp.path(), example(), &["-o", "out", "--split"]);
    assert_code(&o, 0);
    let full = text(&tmp.path().join("out/packet.pdf"), false);
    let whole = squash(&body(&full));
    let people = t["tally"]["people"].as_array().expect("people");
    assert_eq!(people.len(), 8);
    let mut evidence_seen = 0;
    for p in people {
        let id = p["employee_id"].as_str().expect("id");
        let name = p["name"].as_str().expect("name");
        assert!(
            whole.contains(&format!("{name} {id}")),
            "{name} has no page"
        );
        // The person's own PDF: one row per competency, the ratings in review order.
        let file = tmp.path().join("out/people").join(format!(
            "{id}-{}.pdf",
            name.to_lowercase()
                .replace(['’', ' '], "-")
                .replace("--", "-")
        ));
        let page = text(&file, true);
        let flat = squash(&body(&text(&file, false)));
        let comps = p["competencies"].as_array().expect("competencies");
        for c in comps {
            let title = c["title"].as_str().expect("title");
            let ratings = columns(p, c);
            if ratings.is_empty() {
                // Nobody returned a review: no table (checked in its own test).
                continue;
            }
            let row = page
                .lines()
                .map(squash)
                .find(|l| l.starts_with(&format!("{title} ")))
                .unwrap_or_else(|| panic!("{name}: no row for {title}\n{page}"));
            let cells: Vec<&str> = row[title.len()..].split_whitespace().collect();
            assert_eq!(
                cells[..ratings.len()],
                ratings[..],
                "{name}, {title}: {row}"
            );
            let consensus = c["consensus_label"].as_str().unwrap_or("—");
            assert_eq!(cells[ratings.len()], consensus, "{name}, {title}: {row}");
            for r in c["ratings"].as_array().expect("ratings") {
                let ev = r["evidence"].as_str().expect("evidence");
                if !ev.is_empty() {
                    assert!(
                        flat.contains(&findable(ev)),
                        "{name}, {title}: {ev:?} missing"
                    );
                    assert!(
                        whole.contains(&findable(ev)),
                        "{name}, {title}: {ev:?} missing"
                    );
                    evidence_seen += 1;
                }
            }
        }
    }
    assert!(evidence_seen > 50, "{evidence_seen} evidence texts");
    // Page N of M on every page, and a bookmark per person.
    let total = pages(&tmp.path().join("out/packet.pdf"));
    let full = squash(&full);
    for n in 1..=total {
        assert!(full.contains(&format!("Page {n} of {total}")), "page {n}");
    }
    let pdf = tmp.path().join("out/packet.pdf");
    // The XMP metadata counts the joined pages, not the first part's.
    let meta = pdfinfo(&pdf, &["-meta"]);
    assert!(
        meta.contains(&format!("<xmpTPg:NPages>{total}</xmpTPg:NPages>")),
        "{total} pages: {meta}"
    );
    let outline = outline(&pdf);
    for p in people {
        let name = p["name"].as_str().expect("name");
        let id = p["employee_id"].as_str().expect("id");
        let (_, page) = outline
            .iter()
            .find(|(t, _)| t == name)
            .unwrap_or_else(|| panic!("{name} not in {outline:?}"));
        let n = page.to_string();
        let o = tool(
            Command::new("pdftotext")
                .args(["-f", &n, "-l", &n])
                .arg(&pdf)
                .arg("-"),
        );
        let at = squash(&String::from_utf8_lossy(&o.stdout));
        assert!(
            at.contains(&format!("{name} {id}")),
            "{name}'s bookmark leads to page {page}: {at}"
        );
    }
}

/// The outline (bookmarks) as poppler's `pdftohtml -xml` lists it: (title, page), nested
/// entries flattened in order.
fn outline(pdf: &Path) -> Vec<(String, usize)> {
    let o = tool(
        Command::new("pdftohtml")
            .args(["-xml", "-stdout", "-i", "-q"])
            .arg(pdf),
    );
    let xml = String::from_utf8_lossy(&o.stdout).into_owned();
    let unescape = |s: &str| {
        s.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
    };
    xml.split("<item page=\"")
        .skip(1)
        .map(|item| {
            let (page, rest) = item.split_once("\">").expect("an outline item");
            let title = rest.split("</item>").next().expect("its title");
            (unescape(title), page.parse().expect("a page number"))
        })
        .collect()
}

/// Words of page `page` with their positions (`pdftotext -bbox`): (text, x, y).
fn words(pdf: &Path, page: usize) -> Vec<(String, f64, f64)> {
    let p = page.to_string();
    let o = tool(
        Command::new("pdftotext")
            .args(["-bbox", "-f", &p, "-l", &p])
            .arg(pdf)
            .arg("-"),
    );
    let html = String::from_utf8(o.stdout).expect("utf-8");
    let attr = |l: &str, k: &str| -> f64 {
        let at = l.find(&format!("{k}=\"")).expect("attribute") + k.len() + 2;
        l[at..]
            .split('"')
            .next()
            .expect("value")
            .parse()
            .expect("number")
    };
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let w = l
                .split('>')
                .nth(1)
                .and_then(|s| s.split('<').next())
                .unwrap_or("");
            let w = w
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
            (w, attr(l, "xMin"), attr(l, "yMin"))
        })
        .collect()
}

#[test]
fn the_level_fit_grid_places_each_person_by_level_and_gap() {
    let tmp = tempdir();
    let tally = tally_json(example());
    assert_code(&packet(tmp.path(), example(), &["-o", "out"]), 0);
    let pdf = tmp.path().join("out/packet.pdf");
    let w = words(&pdf, 2);
    let y_end = w
        .iter()
        .find(|(s, _, _)| s == "Distribution")
        .expect("chart heading")
        .2;
    let y_head = w
        .iter()
        .find(|(s, _, _)| s == "−1")
        .expect("the −1 column")
        .2;
    let header: Vec<f64> = ["≤", "−1", "0", "+1", "≥", "No"]
        .iter()
        .map(|h| {
            w.iter()
                .find(|(s, _, y)| s == h && (*y - y_head).abs() < 2.0)
                .expect(h)
                .1
        })
        .collect();
    let column = |x: f64| {
        header
            .iter()
            .rposition(|h| x + 1.0 >= *h)
            .expect("a column")
    };
    let rows: BTreeMap<String, f64> = ["L1", "L2", "L3", "L4", "L5"]
        .iter()
        .map(|c| {
            (
                (*c).to_owned(),
                w.iter().find(|(s, _, y)| s == c && *y > y_head).expect(c).2,
            )
        })
        .collect();
    for p in tally["tally"]["people"].as_array().expect("people") {
        let first = p["name"]
            .as_str()
            .expect("name")
            .split(' ')
            .next()
            .expect("first");
        let (_, x, y) = w
            .iter()
            .find(|(s, _, y)| s == first && *y > y_head && *y < y_end)
            .unwrap_or_else(|| panic!("{first} not in the grid"));
        let level = rows
            .iter()
            .filter(|(_, ry)| **ry <= *y + 1.0)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("a row")
            .0;
        assert_eq!(
            level,
            p["current_level"].as_str().expect("level"),
            "{first}'s row"
        );
        let want = match p["gap"].as_i64() {
            None => 5,
            Some(g) => usize::try_from(g.clamp(-2, 2) + 2).expect("0..=4"),
        };
        assert_eq!(column(*x), want, "{first}'s column (gap {})", p["gap"]);
    }
}

#[test]
fn people_with_no_review_or_only_their_own_are_printed_as_such() {
    let tmp = tempdir();
    let o = packet(
        tmp.path(),
        example(),
        &["-o", "out", "--person", "E2001", "--person", "E2002"],
    );
    assert_code(&o, 0);
    let flat = squash(&text(&tmp.path().join("out/packet.pdf"), false));
    assert!(flat.contains("Quentin Silent E2002"), "{flat}");
    assert!(flat.contains("0 of 2 received"), "{flat}");
    assert!(flat.contains("1 of 2 received"), "{flat}");
    // The self-only consensus is marked as such, and the person missing reviews is counted.
    assert!(flat.contains("(self)"), "{flat}");
    assert!(
        flat.contains("1 person without any review returned"),
        "{flat}"
    );
    assert!(
        flat.contains("No review of this person was returned"),
        "{flat}"
    );
    assert!(flat.contains("No competency has a consensus yet"), "{flat}");
    assert!(
        flat.contains("Not returned") || flat.contains("not returned"),
        "{flat}"
    );
}

#[test]
fn one_person_and_nobody() {
    let tmp = tempdir();
    let o = packet(tmp.path(), example(), &["-o", "one", "--person", "E1001"]);
    assert_code(&o, 0);
    let flat = squash(&text(&tmp.path().join("one/packet.pdf"), false));
    assert!(flat.contains("Amara Okafor E1001"), "{flat}");
    assert!(!flat.contains("Priya Raman E1003"), "{flat}");
    assert!(flat.contains("1 person"), "{flat}");

    let o = packet(
        tmp.path(),
        example(),
        &["-o", "none", "--level", "L1", "--team", "Platform"],
    );
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("no person of the tally matches"),
        "{}",
        stderr(&o)
    );
    let flat = squash(&text(&tmp.path().join("none/packet.pdf"), false));
    assert!(flat.contains("0 people"), "{flat}");
    for name in ["Li Wei E1004", "Amara Okafor E1001"] {
        assert!(!flat.contains(name), "{flat}");
    }
}

#[test]
fn filters_and_groups_choose_the_people_and_files() {
    let tmp = tempdir();
    let o = packet(tmp.path(), example(), &["-o", "l3", "--level", "l3"]);
    assert_code(&o, 0);
    let flat = squash(&text(&tmp.path().join("l3/packet.pdf"), false));
    assert!(
        flat.contains("Amara Okafor E1001") && flat.contains("Quentin Silent E2002"),
        "{flat}"
    );
    assert!(!flat.contains("Li Wei E1004"), "{flat}");

    let o = packet(
        tmp.path(),
        example(),
        &["-o", "team", "--team", "reliability"],
    );
    assert_code(&o, 0);
    let flat = squash(&text(&tmp.path().join("team/packet.pdf"), false));
    assert!(
        flat.contains("Li Wei E1004") && !flat.contains("Amara Okafor E1001"),
        "{flat}"
    );

    let o = packet(
        tmp.path(),
        example(),
        &["-o", "grouped", "--group-by", "level", "--split"],
    );
    assert_code(&o, 0);
    assert_eq!(
        files(&tmp.path().join("grouped")),
        [
            "packet-L1-junior-sre.pdf",
            "packet-L2-sre.pdf",
            "packet-L3-senior-sre.pdf",
            "packet-L4-lead-sre.pdf",
            "packet-L5-principal-sre.pdf",
            "people/E1001-amara-okafor.pdf",
            "people/E1002-mateo-álvarez.pdf",
            "people/E1003-priya-raman.pdf",
            "people/E1004-li-wei.pdf",
            "people/E1005-noah-o-brien.pdf",
            "people/E1006-hannah-schmidt.pdf",
            "people/E2001-zoë-selfonly.pdf",
            "people/E2002-quentin-silent.pdf",
        ]
    );
    let o = packet(
        tmp.path(),
        example(),
        &["-o", "teams", "--group-by", "team"],
    );
    assert_code(&o, 0);
    assert_eq!(
        files(&tmp.path().join("teams")),
        ["packet-platform.pdf", "packet-reliability.pdf"]
    );

    // Unknown filters: all named at once, nothing written.
    let o = packet(
        tmp.path(),
        example(),
        &[
            "-o", "bad", "--level", "L9", "--team", "Nope", "--person", "E9999",
        ],
    );
    assert_code(&o, 1);
    let err = stderr(&o);
    for what in ["no level `L9`", "team `Nope`", "`E9999`"] {
        assert!(err.contains(what), "{what}: {err}");
    }
    assert!(!tmp.path().join("bad").exists());
}

#[test]
fn anonymous_peers_leave_no_peer_name_in_text_or_metadata() {
    let tmp = tempdir();
    // Amara's peer is Priya Raman; Noah's is Li Wei.
    let o = packet(
        tmp.path(),
        example(),
        &[
            "-o",
            "anon",
            "--anonymous-peers",
            "--person",
            "E1001",
            "--person",
            "E1005",
            "--split",
        ],
    );
    assert_code(&o, 0);
    for pdf in ["packet.pdf", "people/E1001-amara-okafor.pdf"] {
        let pdf = tmp.path().join("anon").join(pdf);
        let all = format!(
            "{}\n{}\n{}\n{}",
            text(&pdf, false),
            pdfinfo(&pdf, &[]),
            pdfinfo(&pdf, &["-meta"]),
            outline(&pdf)
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
                .join("\n")
        );
        for peer in ["Priya", "Raman", "Li Wei"] {
            assert!(!all.contains(peer), "{peer} in {}", pdf.display());
        }
        // The raw bytes too (uncompressed metadata, tags' alternative texts).
        let raw = String::from_utf8_lossy(&std::fs::read(&pdf).expect("pdf")).into_owned();
        assert!(!raw.contains("Priya"), "{}", pdf.display());
        assert!(all.contains("Peer 1"), "{all}");
    }
    let cover = squash(&text(&tmp.path().join("anon/packet.pdf"), false));
    assert!(cover.contains("Peers are not named"), "{cover}");
    // Without the flag the peer is named: the check above can fail.
    assert_code(
        &packet(tmp.path(), example(), &["-o", "named", "--person", "E1001"]),
        0,
    );
    assert!(text(&tmp.path().join("named/packet.pdf"), false).contains("Priya Raman"));
}

#[test]
fn no_evidence_leaves_every_text_out() {
    let tmp = tempdir();
    assert_code(
        &packet(tmp.path(), example(), &["-o", "out", "--no-evidence"]),
        0,
    );
    let flat = squash(&text(&tmp.path().join("out/packet.pdf"), false));
    assert!(!flat.contains("ev1."), "{flat}");
    assert!(!flat.contains("mentors two engineers"), "{flat}");
}

#[test]
fn the_same_tally_gives_the_same_bytes() {
    let tmp = tempdir();
    for out in ["a", "b"] {
        assert_code(&packet(tmp.path(), example(), &["-o", out, "--split"]), 0);
    }
    let (a, b) = (
        prove::snapshot(&tmp.path().join("a")),
        prove::snapshot(&tmp.path().join("b")),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(b[k] == *v, "{} differs between two runs", k.display());
    }
    let info = pdfinfo(&tmp.path().join("a/packet.pdf"), &[]);
    assert!(info.contains("1980"), "{info}");
    assert!(info.contains("Tagged:          yes"), "{info}");
}

#[test]
fn a_relative_scale_ladder_prints_its_labels_and_rule() {
    let tmp = tempdir();
    let ladder = std::fs::read_to_string(common::bundled_ladder()).expect("ladder");
    let relative = write(
        tmp.path(),
        "relative.md",
        &format!(
            "+++\n[rating]\nscale = \"relative\"\noptions = [\n  {{ label = \"Not yet\", value = -1 }},\n  {{ label = \"Meets\", value = 0 }},\n  {{ label = \"Exceeds\", value = 1 }},\n]\n+++\n{ladder}"
        ),
    );
    let example =
        std::fs::read_to_string(common::repo().join("examples/roster.csv")).expect("roster");
    let t = make_tally(tmp.path(), &relative, &example, &|_, _| true);
    let o = packet_with(tmp.path(), &relative, &t, &["-o", "out"]);
    assert_code(&o, 0);
    let flat = squash(&text(&tmp.path().join("out/packet.pdf"), false));
    assert!(flat.contains("relative to the current level"), "{flat}");
    assert!(flat.contains("Exceeds") && flat.contains("Meets"), "{flat}");
    for p in tally_json(&t)["tally"]["people"]
        .as_array()
        .expect("people")
    {
        assert!(flat.contains(p["name"].as_str().expect("name")));
    }
}

/// Each way `tally.json` can be wrong: a located error naming it, exit 1, nothing written.
#[test]
fn malformed_tallies_are_refused_and_nothing_is_written() {
    let tmp = tempdir();
    let good = std::fs::read_to_string(example().join("tally.json")).expect("tally.json");
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&good).expect("json");
        f(&mut v);
        serde_json::to_string_pretty(&v).expect("json")
    };
    let cases = [
        (
            "truncated",
            good[..good.len() / 2].to_owned(),
            "tally-truncated",
        ),
        (
            "not-json",
            "{\"format\": \"rungs-tally\", oops}".to_owned(),
            "tally-json",
        ),
        (
            "version-1",
            edit(&|v| v["format_version"] = 1.into()),
            "tally-version",
        ),
        (
            "version-4",
            edit(&|v| v["format_version"] = 4.into()),
            "tally-version",
        ),
        (
            "other-format",
            edit(&|v| v["format"] = "rungs-ladder".into()),
            "tally-format",
        ),
        (
            "shape",
            edit(&|v| v["tally"]["people"][0]["competencies"] = "x".into()),
            "tally-shape",
        ),
    ];
    for (name, body, code) in cases {
        let file = write(tmp.path(), &format!("{name}/tally.json"), &body);
        let out = tmp.path().join(format!("out-{name}"));
        let o = packet(tmp.path(), &file, &["-o", out.to_str().expect("utf-8")]);
        assert_code(&o, 1);
        let err = stderr(&o);
        assert!(err.contains(&format!("error[{code}]")), "{name}: {err}");
        assert!(err.contains(&format!("{name}/tally.json")), "{name}: {err}");
        assert!(!out.exists(), "{name}: something was written");
    }
    // A tally of another ladder.
    let other = common::repo().join("tests/fixtures/seven-levels.md");
    let o = packet_with(tmp.path(), &other, example(), &["-o", "out-other"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("error[tally-other-ladder]"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("out-other").exists());
}

/// The `/Alt` texts of the PDF's figures (typst writes them as literal strings in uncompressed
/// structure elements).
fn alt_texts(pdf: &Path) -> Vec<String> {
    let raw = std::fs::read(pdf).expect("pdf");
    let mut out = Vec::new();
    let mut rest = &raw[..];
    while let Some(i) = rest.windows(5).position(|w| w == b"/Alt(") {
        rest = &rest[i + 5..];
        // Up to the closing parenthesis that balances (escaped ones do not count).
        let (mut depth, mut end, mut escaped) = (1, 0, false);
        for (k, &b) in rest.iter().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
    }
    out
}

#[test]
fn the_charts_say_their_numbers_in_their_alternative_texts() {
    let tmp = tempdir();
    let t = tally_json(example());
    assert_code(&packet(tmp.path(), example(), &["-o", "out"]), 0);
    let alts = alt_texts(&tmp.path().join("out/packet.pdf"));
    let distribution = alts
        .iter()
        .find(|a| a.starts_with("Bar chart of suggested levels"))
        .unwrap_or_else(|| panic!("no distribution chart alt text in {alts:?}"));
    // Per current level: how many people, and how many of them each suggested level has.
    let mut expected: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for p in t["tally"]["people"].as_array().expect("people") {
        let current = p["current_level"].as_str().expect("level").to_owned();
        let suggested = p["suggested_level"]
            .as_str()
            .unwrap_or("no suggestion")
            .to_owned();
        *expected
            .entry(current)
            .or_default()
            .entry(suggested)
            .or_default() += 1;
    }
    for (current, bars) in &expected {
        let total: usize = bars.values().sum();
        let people = if total == 1 { "person" } else { "people" };
        let head = format!("{current} ({total} {people}): ");
        let at = distribution
            .find(&head)
            .unwrap_or_else(|| panic!("{head:?} not in {distribution:?}"));
        let segment = distribution[at + head.len()..]
            .split([';', '.'])
            .next()
            .expect("a segment");
        let mut said: Vec<&str> = segment.split(", ").collect();
        let mut want: Vec<String> = bars.iter().map(|(l, n)| format!("{l} {n}")).collect();
        said.sort_unstable();
        want.sort_unstable();
        assert_eq!(said, want, "{current}: {distribution:?}");
    }
    // The leniency chart: every reviewer with the number of ratings the offset is over.
    let leniency = alts
        .iter()
        .find(|a| a.starts_with("Bar chart of reviewer leniency"))
        .unwrap_or_else(|| panic!("no leniency chart alt text in {alts:?}"));
    for r in t["tally"]["leniency"].as_array().expect("leniency") {
        let who = r["reviewer"].as_str().expect("reviewer");
        let n = r["ratings"].as_u64().expect("ratings");
        let offset = r["mean_offset"].as_f64().expect("offset").abs();
        let said = format!("{who} ");
        let at = leniency
            .find(&said)
            .unwrap_or_else(|| panic!("{who} not in {leniency:?}"));
        let entry = leniency[at..].split(';').next().expect("an entry");
        assert!(
            entry.ends_with(&format!(" over {n} ratings"))
                || entry.ends_with(&format!(" over {n} ratings.")),
            "{entry:?}"
        );
        assert!(
            entry.contains(&format!("{offset}")),
            "{offset} in {entry:?}"
        );
    }
}

#[test]
fn foreign_scripts_and_markup_in_names_print_as_written() {
    let tmp = tempdir();
    // A CJK name, an Arabic (right-to-left) name and one made of Typst and Markdown specials.
    let roster = "employee id,name,current level,reviewer,reviewer role,email,team\n\
         E9001,王芳,L2,王芳,self,wang@example.com,Platform\n\
         E9001,王芳,L2,Jonas Berg,manager,wang@example.com,Platform\n\
         E9002,فاطمة الزهراء,L3,فاطمة الزهراء,self,fatima@example.com,Platform\n\
         E9002,فاطمة الزهراء,L3,Jonas Berg,manager,fatima@example.com,Platform\n\
         E9003,#strong[Zo] *ë* $x$ =1+1 <a> @b,L2,#strong[Zo] *ë* $x$ =1+1 <a> @b,self,zoe@example.com,Platform\n\
         E9003,#strong[Zo] *ë* $x$ =1+1 <a> @b,L2,Jonas Berg,manager,zoe@example.com,Platform\n";
    let tally = make_tally(tmp.path(), &common::bundled_ladder(), roster, &|_, _| true);
    let o = packet(tmp.path(), &tally, &["-o", "out", "--split"]);
    assert_code(&o, 0);
    // The bundled fonts have no CJK or Arabic: a warning names whose name and where.
    let err = stderr(&o);
    assert!(err.contains("missing-glyphs"), "{err}");
    assert!(err.contains("E9001: name"), "{err}");
    assert!(err.contains("E9002: name"), "{err}");
    // The specials are text: the name comes out as written, in the packet and its own PDF.
    let flat = squash(&text(&tmp.path().join("out/packet.pdf"), false));
    assert!(
        flat.contains("#strong[Zo] *ë* $x$ =1+1 <a> @b E9003"),
        "{flat}"
    );
    assert!(
        !flat.contains("unknown variable") && !flat.contains("error"),
        "{flat}"
    );
    let people = files(&tmp.path().join("out/people"));
    assert_eq!(people.len(), 3, "{people:?}");
    // The names in scripts the fonts lack still reach the PDF as text (a font with them
    // prints them, given with --font-path): the outline keeps them whole.
    let outline: Vec<String> = outline(&tmp.path().join("out/packet.pdf"))
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    for name in ["王芳", "فاطمة الزهراء"] {
        assert!(
            outline.iter().any(|t| t == name),
            "{name} not in {outline:?}"
        );
    }
}
