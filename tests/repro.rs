//! Reproducibility: every output (PDF, XLSX, manifest and tally JSON, CSV, exported JSON, XLSX
//! and CSV, imported Markdown) is
//! byte-identical across runs in different time zones and locales, and `SOURCE_DATE_EPOCH` is
//! honoured: another epoch gives other bytes where a date is recorded, the same epoch the same.

mod common;
mod prove;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The environments the runs differ by.
const PLACES: [(&str, &str); 2] = [("UTC", "C.UTF-8"), ("Pacific/Chatham", "de_DE.UTF-8")];

/// One full run of every job into `out`; the returned workbooks are the same files each time.
fn run_all(root: &Path, returned: &Path, out: &Path, tz: &str, lang: &str, epoch: Option<&str>) {
    let roster = root.join("roster-3.csv");
    let env = |mut c: Command| {
        c.env("TZ", tz).env("LANG", lang).env("LC_ALL", lang);
        if let Some(e) = epoch {
            c.env("SOURCE_DATE_EPOCH", e);
        }
        c
    };
    let jobs: Vec<(&str, Command)> = vec![
        ("pdf", prove::pdf(root, &out.join("pdf"))),
        ("sheets", prove::sheets(root, &roster, &out.join("sheets"))),
        ("tally", prove::tally(root, &[returned], &out.join("tally"))),
        ("export", {
            let mut c = prove::rungs(root, &["export", "json", "-o"]);
            c.arg(out.join("ladder.json"));
            c
        }),
        ("export xlsx", {
            let mut c = prove::rungs(root, &["export", "xlsx", "-o"]);
            c.arg(out.join("ladder.xlsx"));
            c
        }),
        ("export csv", {
            let mut c = prove::rungs(root, &["export", "csv", "-o"]);
            c.arg(out.join("ladder.csv"));
            c
        }),
        ("import", {
            let mut c = prove::rungs(root, &["import"]);
            c.arg(out.join("ladder.xlsx"))
                .arg("-o")
                .arg(out.join("imported.md"));
            c
        }),
    ];
    for (name, cmd) in jobs {
        let o = prove::output(&mut env(cmd));
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name} (TZ={tz} LANG={lang} SOURCE_DATE_EPOCH={epoch:?}) failed:\n{}",
            common::stderr(&o)
        );
    }
}

fn kinds(snap: &std::collections::BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let mut k: Vec<String> = snap
        .keys()
        .filter_map(|p| p.extension().map(|e| e.to_string_lossy().into_owned()))
        .collect();
    k.sort();
    k.dedup();
    k
}

#[test]
fn outputs_are_identical_across_time_zones_and_locales_and_follow_source_date_epoch() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let roster = prove::roster(root, 3);
    let returned = root.join("returned");
    let o = prove::output(&mut prove::sheets(root, &roster, &returned));
    common::assert_code(&o, 0);
    prove::fill(&returned, 11);

    let run = |label: &str, place: usize, epoch: Option<&str>| {
        let out = root.join(label);
        let (tz, lang) = PLACES[place];
        run_all(root, &returned, &out, tz, lang, epoch);
        prove::snapshot(&out)
    };
    let a = run("a", 0, None);
    let b = run("b", 1, None);
    let kinds_written = kinds(&a);
    for want in ["pdf", "xlsx", "json", "csv"] {
        assert!(
            kinds_written.iter().any(|k| k == want),
            "no .{want} output among {kinds_written:?}"
        );
    }
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (rel, bytes) in &a {
        assert!(
            b[rel] == *bytes,
            "{} differs between TZ/LANG {:?} and {:?}",
            rel.display(),
            PLACES[0],
            PLACES[1]
        );
    }

    // 2026-01-01 and 2027-06-15: each stable across places, and different from each other in
    // every file that records a date (PDFs and workbooks).
    let e1 = run("e1", 0, Some("1767225600"));
    let e1b = run("e1b", 1, Some("1767225600"));
    let e2 = run("e2", 0, Some("1813017600"));
    assert_eq!(
        e1, e1b,
        "the same SOURCE_DATE_EPOCH gave different bytes in another place"
    );
    for (rel, bytes) in &e1 {
        let dated = rel.extension().is_some_and(|e| e == "pdf" || e == "xlsx");
        if dated {
            assert!(
                e2.get(rel) != Some(bytes),
                "{} ignores SOURCE_DATE_EPOCH",
                rel.display()
            );
        }
    }
}

/// One rule for every command: an empty `SOURCE_DATE_EPOCH` means unset (the fixed date), and
/// anything that is not whole seconds is refused the same way by each.
#[test]
fn every_command_reads_source_date_epoch_the_same_way() {
    let tmp = common::tempdir();
    let root = tmp.path();
    let roster = prove::roster(root, 3);
    let returned = root.join("returned");
    common::assert_code(
        &prove::output(&mut prove::sheets(root, &roster, &returned)),
        0,
    );
    prove::fill(&returned, 5);
    let unset = root.join("unset");
    run_all(root, &returned, &unset, "UTC", "C.UTF-8", None);
    let empty = root.join("empty");
    run_all(root, &returned, &empty, "UTC", "C.UTF-8", Some(""));
    assert_eq!(
        prove::snapshot(&unset),
        prove::snapshot(&empty),
        "an empty SOURCE_DATE_EPOCH must mean the fixed date, as unset does"
    );
    let out = root.join("bad");
    let jobs = [
        prove::pdf(root, &out),
        prove::sheets(root, &roster, &out),
        prove::tally(root, &[returned.as_path()], &out),
        {
            let mut c = prove::rungs(root, &["export", "xlsx", "-o"]);
            c.arg(out.join("ladder.xlsx"));
            c
        },
    ];
    for mut cmd in jobs {
        let o = prove::output(cmd.env("SOURCE_DATE_EPOCH", "soon"));
        common::assert_code(&o, 1);
        assert!(
            common::stderr(&o).contains(
                "error: SOURCE_DATE_EPOCH is `soon`, not a whole number of seconds since 1970"
            ),
            "{cmd:?}: {}",
            common::stderr(&o)
        );
    }
    assert!(
        !out.exists(),
        "nothing is written with a bad SOURCE_DATE_EPOCH"
    );
}
