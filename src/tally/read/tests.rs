//! `tally.json` written by `output::json` and read back by `read`, and each problem a reader
//! must catch.

use super::*;
use crate::tally::consensus::{Expected, compute};
use crate::tally::evidence::Evidence;
use crate::tally::import::{Import, Kept};
use crate::workbook::read::{Answer, Rating, Returned};
use crate::workbook::{Manifest, ManifestEntry, Provenance, SCHEMA_VERSION, form_id};

fn ladder() -> Ladder {
    crate::ladder::load(None, "--ladder")
        .expect("the bundled ladder")
        .ladder
}

fn prov(ladder: &Ladder, who: (&str, &str), reviewer: &str, role: ReviewerRole) -> Provenance {
    Provenance {
        form_id: form_id("2026-H2", who.0, reviewer),
        schema_version: SCHEMA_VERSION,
        ladder_id: ladder.meta.id.clone(),
        ladder_fingerprint: ladder.meta.fingerprint.clone(),
        ladder_version: ladder.meta.version.clone(),
        employee_id: who.0.into(),
        person_name: who.1.into(),
        current_level: "L3".into(),
        reviewer: reviewer.into(),
        reviewer_role: role,
        cycle: "2026-H2".into(),
        due_date: None,
    }
}

/// One person reviewed by themself and a manager, evidence typed on the first competency, and a
/// second person in the manifest who returned nothing.
fn import(ladder: &Ladder) -> (Import, Manifest) {
    let n = ladder.competencies().count();
    let mut import = Import {
        evidence: Evidence::default(),
        ..Import::default()
    };
    let ada = ("E1", "Ada “Q” Lovelace");
    for (reviewer, role, rating) in [
        ("Ada “Q” Lovelace", ReviewerRole::SelfReview, 4),
        ("Bo", ReviewerRole::Manager, 2),
    ] {
        let answers: Vec<Answer> = (0..n)
            .map(|k| Answer {
                competency: k as u32,
                row: k as u32,
                rating: if k == 1 {
                    Rating::Blank
                } else {
                    Rating::Option(rating)
                },
                evidence_digest: [0; 16],
            })
            .collect();
        let evidence = (0..n)
            .map(|k| {
                let text = if k == 0 {
                    format!("#{reviewer} said =1+1")
                } else {
                    String::new()
                };
                import.evidence.put(&text).expect("temporary file")
            })
            .collect();
        import.reviews.push(Kept {
            returned: Returned {
                file: format!("{reviewer}.xlsx"),
                sheet: None,
                sha256: [0; 32],
                prov: prov(ladder, ada, reviewer, role),
                answers,
                evidence: Vec::new(),
                warnings: Vec::new(),
            },
            evidence,
        });
    }
    import.evidence.flush().expect("temporary file");
    let missing = ManifestEntry {
        provenance: prov(ladder, ("E2", "Cy"), "Bo", ReviewerRole::Manager),
        reviewer_id: None,
        file: "cy.xlsx".into(),
        sheet: None,
        locked_text_sha256: String::new(),
        file_sha256: String::new(),
        competencies: n,
        team: Some("Ops".into()),
    };
    import.not_returned.push(missing.clone());
    (import, Manifest::new(vec![missing]))
}

fn written(ladder: &Ladder) -> Vec<u8> {
    let (import, manifest) = import(ladder);
    let expected = Expected::from_manifest(&manifest);
    let tally = compute(ladder, &import, Some(&expected), None);
    let mut out = Vec::new();
    crate::tally::output::json(
        &mut out,
        ladder,
        &import,
        &tally,
        &crate::cli::FLAGS,
        "0123456789abcdef",
    )
    .expect("in memory");
    out
}

fn read_bytes(bytes: &[u8], ladder: &Ladder) -> Result<TallyFile, Error> {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join(FILE), bytes).expect("write");
    // The folder, as `rungs packet` is usually given it.
    read_with_digest(tmp.path(), ladder, &crate::cli::FLAGS).map(|(tally, _)| tally)
}

fn only(e: Error) -> Diagnostic {
    assert_eq!(e.diagnostics.len(), 1, "{e:?}");
    e.diagnostics.into_iter().next().expect("one")
}

#[test]
fn what_is_written_reads_back() {
    let ladder = ladder();
    let t = read_bytes(&written(&ladder), &ladder).expect("reads back");
    assert_eq!(t.cycles, ["2026-H2"]);
    assert_eq!(t.run_digest.as_deref(), Some("0123456789abcdef"));
    assert_eq!(t.ladder.fingerprint, ladder.meta.fingerprint);
    let [ada, cy] = &t.tally.people[..] else {
        panic!("two people: {:?}", t.tally.people)
    };
    assert_eq!(ada.name, "Ada “Q” Lovelace");
    assert_eq!(ada.reviews.len(), 2);
    assert_eq!(ada.competencies[0].ratings[1].evidence, "#Bo said =1+1");
    assert_eq!(ada.competencies[0].ratings[1].label, "L3");
    assert_eq!(ada.competencies[0].self_minus_manager, Some(2));
    assert_eq!(ada.competencies[1].ratings[0].label, "");
    assert_eq!(ada.suggested_level.as_deref(), Some("L3"));
    assert_eq!(cy.team.as_deref(), Some("Ops"));
    assert!(cy.reviews.is_empty());
    assert_eq!(cy.reviews_expected, Some(1));
    assert_eq!(cy.not_returned[0].reviewer, "Bo");
    assert_eq!(cy.no_suggestion.as_deref(), Some("no reviews returned"));
    assert_eq!(t.tally.leniency[0].roles, [ReviewerRole::Manager]);
}

#[test]
fn syntax_errors_are_located() {
    let ladder = ladder();
    let good = written(&ladder);
    // Cut short: the end of the file is where it stops.
    let cut = &good[..good.len() / 2];
    let d = only(read_bytes(cut, &ladder).expect_err("truncated"));
    assert_eq!(d.code, "tally-truncated");
    let Some(Location::Text { line, .. }) = d.location.as_deref() else {
        panic!("{d:?}")
    };
    assert_eq!(*line, String::from_utf8_lossy(cut).split('\n').count());

    let text = String::from_utf8(good)
        .expect("utf-8")
        .replacen("\"rule\":", "\"rule\" ", 1);
    let d = only(read_bytes(text.as_bytes(), &ladder).expect_err("bad JSON"));
    assert_eq!(d.code, "tally-json");
    let Some(Location::Text {
        line, source_line, ..
    }) = d.location.as_deref()
    else {
        panic!("{d:?}")
    };
    // The line around the place, never a whole (possibly huge) line.
    assert!(source_line.contains("\"rule\" "), "{source_line}");
    assert!(source_line.chars().count() <= 120, "{source_line}");
    assert!(
        text.lines()
            .nth(line - 1)
            .expect("line")
            .starts_with(source_line.as_str())
    );
    assert!(
        d.message
            .starts_with("the tally is not valid JSON: expected `:`"),
        "{d:?}"
    );
}

#[test]
fn other_formats_versions_shapes_and_ladders_are_refused() {
    let ladder = ladder();
    let text = String::from_utf8(written(&ladder)).expect("utf-8");
    let current = format!(
        "\"format_version\": {}",
        crate::tally::output::JSON_FORMAT_VERSION
    );
    let cases = [
        (
            text.replace("\"rungs-tally\"", "\"rungs-manifest\""),
            "tally-format",
            "the format `rungs-manifest`",
        ),
        ("[1, 2]".to_owned(), "tally-format", "no `format` field"),
        (
            text.replace(&current, "\"format_version\": 1"),
            "tally-version",
            "format version 1; this rungs reads version 3",
        ),
        (
            text.replace(&current, "\"format_version\": 9"),
            "tally-version",
            "version 9",
        ),
        (
            text.replacen("\"not_returned\":", "\"missing\":", 1),
            "tally-shape",
            "missing field `not_returned`",
        ),
        (
            text.replace(&ladder.meta.fingerprint, "0000000000000000"),
            "tally-other-ladder",
            "fingerprint 0000000000000000",
        ),
        (
            text.replacen("\"current_level\": \"L3\"", "\"current_level\": \"L9\"", 1),
            "tally-inconsistent",
            "1 problem",
        ),
        (
            text.replacen("\"id\": \"skill.mastery\"", "\"id\": \"skill.other\"", 1),
            "tally-inconsistent",
            "the ladder `Titles for Ops`",
        ),
    ];
    for (bytes, code, needle) in cases {
        let d = only(read_bytes(bytes.as_bytes(), &ladder).expect_err(code));
        assert_eq!(d.code, code, "{d:?}");
        assert!(d.message.contains(needle), "{code}: {}", d.message);
    }
    let err = read_with_digest(Path::new("/nonexistent/tally"), &ladder, &crate::cli::FLAGS)
        .expect_err("missing");
    assert_eq!(only(err).code, "tally-unreadable");
}
