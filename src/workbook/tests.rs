//! The format's own tests: the contract's helpers, and the round trip — a workbook built by the
//! writer, filled the way an application would fill it, and read back by the reader.

use std::io::{Cursor, Read, Write};

use super::*;
use crate::util::text::hex;

fn prov() -> Provenance {
    Provenance {
        form_id: form_id("2026-H2", "E1", "Dana"),
        schema_version: SCHEMA_VERSION,
        ladder_id: "titles-for-ops".into(),
        ladder_fingerprint: "0123456789abcdef".into(),
        ladder_version: "1".into(),
        employee_id: "E1".into(),
        person_name: "Ada".into(),
        current_level: "L2".into(),
        reviewer: "Dana".into(),
        reviewer_role: ReviewerRole::Manager,
        cycle: "2026-H2".into(),
        due_date: None,
    }
}

#[test]
fn pairs_round_trip() {
    let p = prov();
    assert_eq!(Provenance::from_pairs(p.to_pairs()), Ok(p.clone()));
    let mut with_due = p;
    with_due.due_date = Some("2026-12-01".into());
    assert_eq!(
        Provenance::from_pairs(with_due.to_pairs()),
        Ok(with_due.clone())
    );
}

#[test]
fn pairs_tolerate_libreoffice_floats_and_report_missing() {
    let mut pairs = prov().to_pairs();
    pairs[1].1 = "1.0".into();
    assert_eq!(Provenance::from_pairs(pairs.clone()), Ok(prov()));
    pairs.retain(|(k, _)| *k != KEY_CYCLE);
    let missing = Provenance::from_pairs(pairs).expect_err("no cycle");
    assert_eq!(
        missing.message,
        "provenance key `cycle` is missing or empty"
    );
}

#[test]
fn form_id_is_stable_and_separates_parts() {
    let a = form_id("2026-H2", "E1", "Dana");
    assert_eq!(a, form_id(" 2026-H2", "E1 ", "Dana"));
    assert_eq!(a.len(), 15);
    assert!(a.starts_with("rv-"));
    assert_ne!(form_id("c", "ab", "c"), form_id("c", "a", "bc"));
}

#[test]
fn locked_hash_ignores_line_endings_only() {
    let rows = vec![LockedRow {
        competency_id: "a.b".into(),
        area: "A".into(),
        competency: "B".into(),
        levels: vec!["• x\n• y".into(), String::new()],
    }];
    let h = locked_text_hash(&prov(), &rows);
    let mut crlf = rows.clone();
    crlf[0].levels[0] = "• x\r\n• y".into();
    assert_eq!(h, locked_text_hash(&prov(), &crlf));
    let mut edited = rows;
    edited[0].levels[1] = "• z".into();
    assert_ne!(h, locked_text_hash(&prov(), &edited));
}

#[test]
fn streamed_manifest_has_the_bytes_of_the_manifest() {
    let entry = |i: usize| ManifestEntry {
        provenance: Provenance {
            form_id: form_id("2026-H2", &format!("E{i}"), "Dana"),
            person_name: format!("Zoë “{i}” \\ \u{1e}"),
            due_date: i.is_multiple_of(2).then(|| "2026-12-01".into()),
            ..prov()
        },
        reviewer_id: (i == 1).then(|| "D1".into()),
        file: format!("2026-H2/Dana/E{i}.xlsx"),
        sheet: (i == 2).then(|| format!("Zoë “{i}”")),
        locked_text_sha256: hex(&[i as u8; 32]),
        file_sha256: hex(&[7; 32]),
        competencies: i,
        team: (i == 1).then(|| "Ops “core”".into()),
    };
    for n in [0, 1, 3] {
        let entries: Vec<ManifestEntry> = (0..n).map(entry).collect();
        let mut want = Vec::new();
        serde_json::to_writer_pretty(&mut want, &Manifest::new(entries.clone()))
            .expect("serialises");
        let mut got = Vec::new();
        write_manifest(&mut got, SCHEMA_VERSION, entries.iter()).expect("streams");
        assert_eq!(got, want, "borrowed entries");
        got.clear();
        write_manifest(&mut got, SCHEMA_VERSION, entries.into_iter()).expect("streams");
        assert_eq!(
            String::from_utf8(got).expect("utf-8"),
            String::from_utf8(want).expect("utf-8")
        );
    }
}

#[test]
fn header_rows_and_names() {
    assert_eq!(header_row(KEY_PERSON_NAME), Some(HEADER_FIRST_ROW));
    assert_eq!(header_row(KEY_FORM_ID), Some(HEADER_FIRST_ROW + 7));
    assert!(HEADER_FIRST_ROW + (HEADER_FIELDS.len() as u32) < TABLE_HEADER_ROW);
    assert_eq!(ratings_range(6), "Ratings!$A$1:$A$6");
    assert_eq!(level_col(2), 7);
}

const FLAGS: crate::diag::Flags = crate::cli::FLAGS;

fn ladder() -> crate::model::Ladder {
    crate::ladder::load_str(
        crate::ladder::BUNDLED_LADDER_NAME,
        crate::ladder::BUNDLED_LADDER.as_bytes(),
        "bundled",
    )
    .expect("the bundled ladder loads")
    .ladder
}

/// The provenance of a review on `ladder`.
fn prov_on(ladder: &crate::model::Ladder) -> Provenance {
    Provenance {
        ladder_id: ladder.meta.id.clone(),
        ladder_fingerprint: ladder.meta.fingerprint.clone(),
        ladder_version: ladder.meta.version.clone(),
        ..prov()
    }
}

/// A workbook for `prov` as `rungs sheets` writes it.
fn built(ladder: &crate::model::Ladder, prov: &Provenance) -> write::Built {
    let created = rust_xlsxwriter::ExcelDateTime::from_timestamp(crate::util::epoch::DEFAULT)
        .expect("a valid date");
    write::build(&write::SheetInput {
        ladder,
        prov,
        instructions: "# How\nPick a rating.",
        created: &created,
    })
    .expect("the workbook builds")
}

/// The workbook with one part's XML changed by `edit`, as an application would save it.
fn edited(bytes: &[u8], part: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("an entry");
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("readable");
        if name == part {
            data = edit(String::from_utf8(data).expect("xml")).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("writable");
        out.write_all(&data).expect("writable");
    }
    out.finish().expect("a zip").into_inner()
}

/// The first rating cell's XML, written blank.
fn blank_rating(xml: &str) -> String {
    let start = xml.find("<c r=\"D12\"").expect("the first rating cell");
    let end = start + xml[start..].find("/>").expect("an empty cell") + 2;
    xml[start..end].to_owned()
}

/// Every review of a workbook as `rungs tally` reads it.
fn read_all(
    ladder: &crate::model::Ladder,
    bytes: Vec<u8>,
    manifest: Option<&Manifest>,
) -> Vec<read::Outcome> {
    if let Err(d) = precheck::check(&bytes, "r.xlsx", &precheck::LIMITS) {
        return vec![Err(read::Rejected {
            sheet: None,
            problems: vec![d],
        })];
    }
    let ctx = read::Context::new(ladder, manifest, None, &FLAGS);
    read::read("r.xlsx", bytes, [0; 32], &ctx)
}

/// The one review of a workbook, as `rungs tally` reads it.
fn read_back(
    ladder: &crate::model::Ladder,
    bytes: Vec<u8>,
    manifest: Option<&Manifest>,
) -> Result<read::Returned, Vec<crate::diag::Diagnostic>> {
    let mut all = read_all(ladder, bytes, manifest);
    assert_eq!(all.len(), 1, "one review expected: {all:?}");
    all.remove(0).map_err(|r| r.problems)
}

#[test]
fn a_workbook_reads_back_as_it_was_written() {
    let ladder = ladder();
    let p = prov_on(&ladder);
    let built = built(&ladder, &p);
    let back = read_back(&ladder, built.bytes.clone(), None).expect("valid");
    assert_eq!(back.prov, p);
    assert_eq!(back.answers.len(), built.competencies);
    assert!(back.answers.iter().all(|a| a.rating == read::Rating::Blank));
    assert!(back.evidence.iter().all(String::is_empty));
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);

    // Filled: a rating typed into the first row, evidence with a CR written as `_x000D_`.
    let filled = edited(&built.bytes, "xl/worksheets/sheet1.xml", |xml| {
        let cell = blank_rating(&xml);
        xml.replace(
            &cell,
            "<c r=\"D12\" t=\"inlineStr\"><is><t>l3</t></is></c><c r=\"E12\" t=\"inlineStr\"><is><t>saw it_x000D_\ntwice</t></is></c>",
        )
    });
    let back = read_back(&ladder, filled, None).expect("valid");
    assert_eq!(back.answers[0].rating, read::Rating::Option(2));
    assert_eq!(back.evidence[0], "saw it\ntwice");
}

#[test]
fn locked_text_is_compared_and_hashed_by_one_rule() {
    let ladder = ladder();
    let p = prov_on(&ladder);
    let built = built(&ladder, &p);
    let manifest = Manifest::new(vec![ManifestEntry {
        provenance: p.clone(),
        reviewer_id: None,
        file: "r.xlsx".into(),
        sheet: None,
        locked_text_sha256: hex(&built.locked_digest),
        file_sha256: String::new(),
        competencies: built.competencies,
        team: None,
    }]);
    // An application that leaves a carriage return as the literal text `_x000D_` (escaped
    // in the file as `_x005F_x000D_`) changed nothing a reviewer typed: the cell comparison
    // and the manifest's hash both accept it.
    let crlf = edited(&built.bytes, "xl/sharedStrings.xml", |xml| {
        xml.replacen("\n• ", "_x005F_x000D_\n• ", 1)
    });
    assert_ne!(crlf, built.bytes);
    read_back(&ladder, crlf, Some(&manifest)).expect("only line ends changed");

    // A changed word is an edit, at its cell.
    let edit = edited(&built.bytes, "xl/sharedStrings.xml", |xml| {
        xml.replacen("• ", "• NOT ", 1)
    });
    let problems = read_back(&ladder, edit, Some(&manifest)).expect_err("edited");
    assert!(
        problems.iter().any(|d| d.code == "locked-text-edited"),
        "{problems:?}"
    );
}

// ---- bundles ----

/// Three reviews by Dana (of Ada, Bo and a second Ada), as `rungs sheets --bundle` writes them.
fn bundle_of_three(ladder: &crate::model::Ladder) -> (Vec<Provenance>, write::BuiltBundle) {
    let provs: Vec<Provenance> = [("E1", "Ada"), ("E2", "Bo [ops]"), ("E3", "Ada")]
        .iter()
        .map(|(id, name)| Provenance {
            form_id: form_id("2026-H2", id, "Dana"),
            schema_version: BUNDLE_SCHEMA_VERSION,
            employee_id: (*id).into(),
            person_name: (*name).into(),
            ..prov_on(ladder)
        })
        .collect();
    let created = rust_xlsxwriter::ExcelDateTime::from_timestamp(crate::util::epoch::DEFAULT)
        .expect("a valid date");
    let built = write::build_bundle(&write::BundleInput {
        ladder,
        reviews: &provs,
        instructions: "# How\nPick a rating on each sheet.",
        created: &created,
    })
    .expect("the bundle builds");
    (provs, built)
}

/// A rating typed into the first row of the worksheet part `part`.
fn rate_first_row(bytes: &[u8], part: &str, rating: &str) -> Vec<u8> {
    edited(bytes, part, |xml| {
        let cell = blank_rating(&xml);
        xml.replace(
            &cell,
            &format!("<c r=\"D12\" t=\"inlineStr\"><is><t>{rating}</t></is></c>"),
        )
    })
}

fn sheets_of(outcomes: &[read::Outcome]) -> Vec<(Option<String>, bool)> {
    outcomes
        .iter()
        .map(|o| match o {
            Ok(r) => (r.sheet.clone(), true),
            Err(r) => (r.sheet.clone(), false),
        })
        .collect()
}

#[test]
fn a_bundle_reads_back_review_by_review() {
    let ladder = ladder();
    let (provs, built) = bundle_of_three(&ladder);
    let names: Vec<&str> = built.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Ada", "Bo (ops)", "Ada (E3)"]);
    let back = read_all(&ladder, built.bytes.clone(), None);
    assert_eq!(
        sheets_of(&back),
        names
            .iter()
            .map(|n| (Some((*n).to_owned()), true))
            .collect::<Vec<_>>()
    );
    for (outcome, prov) in back.iter().zip(&provs) {
        let r = outcome.as_ref().expect("valid");
        assert_eq!(&r.prov, prov);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }
    // The locked-text hash of each sheet is the manifest's, as for a single review.
    let manifest = Manifest::new(
        provs
            .iter()
            .zip(&built.sheets)
            .map(|(p, s)| ManifestEntry {
                provenance: p.clone(),
                reviewer_id: None,
                file: "r.xlsx".into(),
                sheet: Some(s.name.clone()),
                locked_text_sha256: hex(&s.locked_digest),
                file_sha256: String::new(),
                competencies: s.competencies,
                team: None,
            })
            .collect(),
    );
    assert_eq!(manifest.schema_version, BUNDLE_SCHEMA_VERSION);
    let back = read_all(&ladder, built.bytes.clone(), Some(&manifest));
    assert!(back.iter().all(Result::is_ok), "{back:?}");

    // Two sheets rated, a locked cell of the third edited: the third alone is rejected, at
    // its sheet and cell.
    let filled = rate_first_row(&built.bytes, "xl/worksheets/sheet2.xml", "L3");
    let filled = rate_first_row(&filled, "xl/worksheets/sheet3.xml", "l2");
    let filled = edited(&filled, "xl/worksheets/sheet4.xml", |xml| {
        let start = xml.find("<c r=\"C12\"").expect("the competency cell");
        let end = start + xml[start..].find("</c>").expect("its end") + 4;
        xml.replace(
            &xml[start..end],
            "<c r=\"C12\" t=\"inlineStr\"><is><t>Edited</t></is></c>",
        )
    });
    let back = read_all(&ladder, filled, Some(&manifest));
    assert_eq!(
        sheets_of(&back),
        [
            (Some("Ada".into()), true),
            (Some("Bo (ops)".into()), true),
            (Some("Ada (E3)".into()), false)
        ]
    );
    let rating = |o: &read::Outcome| o.as_ref().expect("valid").answers[0].rating;
    assert_eq!(rating(&back[0]), read::Rating::Option(2));
    assert_eq!(rating(&back[1]), read::Rating::Option(1));
    let problems = &back[2].as_ref().expect_err("edited").problems;
    let at: Vec<String> = problems
        .iter()
        .map(|d| {
            d.location
                .as_deref()
                .map(crate::cli::report::position)
                .unwrap_or_default()
        })
        .collect();
    assert!(
        problems.iter().any(|d| d.code == "locked-text-edited")
            && at.contains(&"r.xlsx: sheet 'Ada (E3)', C12".to_owned()),
        "{problems:?}"
    );
}

/// The workbook without one zip entry, as an application that drops a part saves it.
fn without(bytes: &[u8], part: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("an entry");
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if name == part {
            continue;
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("readable");
        if name == "docProps/app.xml" || name == "[Content_Types].xml" {
            data = String::from_utf8(data)
                .expect("xml")
                .replace("<Override PartName=\"/docProps/custom.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.custom-properties+xml\"/>", "")
                .into_bytes();
        }
        if name == "_rels/.rels" {
            let text = String::from_utf8(data).expect("xml");
            let start = text.find("<Relationship Id=\"rId4\"");
            data = match start {
                Some(s) => {
                    let end = s + text[s..].find("/>").expect("end") + 2;
                    format!("{}{}", &text[..s], &text[end..]).into_bytes()
                }
                None => text.into_bytes(),
            };
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("writable");
        out.write_all(&data).expect("writable");
    }
    out.finish().expect("a zip").into_inner()
}

#[test]
fn a_bundle_without_its_hidden_copies_is_read_by_its_headers() {
    let ladder = ladder();
    let (provs, built) = bundle_of_three(&ladder);
    // The custom properties gone (as Google Sheets saves), the Provenance sheet emptied.
    let stripped = without(&built.bytes, "docProps/custom.xml");
    let back = read_all(&ladder, stripped.clone(), None);
    assert!(back.iter().all(Result::is_ok), "{back:?}");
    let stripped = edited(&stripped, "xl/worksheets/sheet5.xml", |xml| {
        let start = xml.find("<sheetData>").expect("data");
        let end = xml.find("</sheetData>").expect("data end");
        format!("{}<sheetData>{}", &xml[..start], &xml[end..])
    });
    let back = read_all(&ladder, stripped, None);
    assert_eq!(back.len(), 3, "{back:?}");
    for (outcome, prov) in back.iter().zip(&provs) {
        let r = outcome.as_ref().expect("identified by the visible header");
        assert_eq!(r.prov.form_id, prov.form_id);
        assert_eq!(r.prov.schema_version, BUNDLE_SCHEMA_VERSION);
        assert!(
            r.warnings
                .iter()
                .any(|w| w.code == "provenance-from-header"),
            "{:?}",
            r.warnings
        );
    }
}

#[test]
fn renamed_copied_and_deleted_sheets_are_reported_at_their_sheet() {
    let ladder = ladder();
    let (_, built) = bundle_of_three(&ladder);
    let renamed = edited(&built.bytes, "xl/workbook.xml", |xml| {
        xml.replace("name=\"Bo (ops)\"", "name=\"Bo\"")
    });
    let back = read_all(&ladder, renamed, None);
    let codes: Vec<Vec<&str>> = back
        .iter()
        .map(|o| match o {
            Ok(_) => vec![],
            Err(r) => r.problems.iter().map(|d| d.code).collect(),
        })
        .collect();
    assert_eq!(
        codes,
        [vec![], vec!["review-sheet-renamed"], vec![]],
        "{back:?}"
    );

    // The second sheet's cells replaced by the first's (pasted from another review): its
    // copies disagree, at the header cells; the other sheets still count.
    let sheet2 = {
        let mut zip = zip::ZipArchive::new(Cursor::new(&built.bytes)).expect("a zip");
        let mut s = String::new();
        zip.by_name("xl/worksheets/sheet2.xml")
            .expect("sheet")
            .read_to_string(&mut s)
            .expect("xml");
        s
    };
    let pasted = edited(&built.bytes, "xl/worksheets/sheet3.xml", |_| sheet2.clone());
    let back = read_all(&ladder, pasted, None);
    let bo = back[1].as_ref().expect_err("pasted");
    assert!(
        bo.problems.iter().all(|d| d.code == "provenance-mismatch"),
        "{bo:?}"
    );
    assert!(back[0].is_ok() && back[2].is_ok(), "{back:?}");

    // A sheet gone from the workbook (its tab deleted): that review is missing.
    let deleted = edited(&built.bytes, "xl/workbook.xml", |xml| {
        let start = xml.find("<sheet name=\"Ada (E3)\"").expect("the sheet");
        let end = start + xml[start..].find("/>").expect("its end") + 2;
        xml.replace(&xml[start..end], "")
    });
    let back = read_all(&ladder, deleted, None);
    assert_eq!(
        sheets_of(&back),
        [
            (Some("Ada".into()), true),
            (Some("Bo (ops)".into()), true),
            (Some("Ada (E3)".into()), false)
        ]
    );
    let missing = back[2].as_ref().expect_err("missing");
    assert_eq!(missing.problems[0].code, "review-sheet-missing");
}

#[test]
fn the_largest_bundle_passes_the_pre_check_and_reads_back() {
    // Its shared strings are used by every sheet: `count` far exceeds the entries the table
    // holds, which must not look like a crafted file.
    let ladder = ladder();
    let provs: Vec<Provenance> = (0..bundle::MAX_REVIEWS)
        .map(|i| {
            let id = format!("E{i}");
            Provenance {
                form_id: form_id("2026-H2", &id, "Dana"),
                schema_version: BUNDLE_SCHEMA_VERSION,
                person_name: format!("Person {i}"),
                employee_id: id,
                ..prov_on(&ladder)
            }
        })
        .collect();
    let created = rust_xlsxwriter::ExcelDateTime::from_timestamp(crate::util::epoch::DEFAULT)
        .expect("a valid date");
    let built = write::build_bundle(&write::BundleInput {
        ladder: &ladder,
        reviews: &provs,
        instructions: "# How\nPick a rating on each sheet.",
        created: &created,
    })
    .expect("the bundle builds");
    let back = read_all(&ladder, built.bytes, None);
    assert_eq!(back.len(), bundle::MAX_REVIEWS);
    assert!(
        back.iter().all(Result::is_ok),
        "{:?}",
        back.iter().find(|o| o.is_err())
    );
}
