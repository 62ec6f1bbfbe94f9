//! The roster's own tests: both shapes read from CSV text, every problem at its cell.

use super::*;

const FLAGS: Flags = crate::cli::FLAGS;

fn ladder() -> Ladder {
    crate::ladder::load(None, "--ladder")
        .expect("bundled ladder")
        .ladder
}

fn opts() -> ReadOptions<'static> {
    ReadOptions {
        reviews: None,
        encoding: None,
        flags: &FLAGS,
    }
}

fn read(csv: &str) -> Result<Roster, Vec<Diagnostic>> {
    read_csv("r.csv", csv.as_bytes(), &ladder(), &opts())
}

fn read_with(csv: &str, reviews: &[ReviewerRole]) -> Result<Roster, Vec<Diagnostic>> {
    let o = ReadOptions {
        reviews: Some(reviews),
        ..opts()
    };
    read_csv("r.csv", csv.as_bytes(), &ladder(), &o)
}

fn position(d: &Diagnostic) -> String {
    d.location
        .as_deref()
        .map(crate::cli::report::position)
        .unwrap_or_default()
}

fn codes(r: &Result<Roster, Vec<Diagnostic>>) -> Vec<&'static str> {
    match r {
        Ok(r) => r.warnings.iter().map(|d| d.code).collect(),
        Err(d) => d.iter().map(|d| d.code).collect(),
    }
}

/// (person, reviewer, reviewer id, role) of every review.
fn pairs(r: &Roster) -> Vec<(String, String, String, &'static str)> {
    r.reviews
        .iter()
        .map(|v| {
            (
                v.name.to_owned(),
                v.reviewer.to_owned(),
                v.reviewer_id.unwrap_or("").to_owned(),
                v.role.as_str(),
            )
        })
        .collect()
}

fn p(a: &str, b: &str, id: &str, role: &'static str) -> (String, String, String, &'static str) {
    (a.to_owned(), b.to_owned(), id.to_owned(), role)
}

#[test]
fn forgiving_headers_and_default_roles() {
    let csv = "\u{feff}Employee_ID, Full Name ,LEVEL,Reviewed-By,Team\r\n\
               e1,Ada,l2,Ada,Ops\r\ne1,Ada,L2,Bob,\r\n";
    let r = read(csv).expect("valid");
    assert_eq!(r.read.kind, Kind::Reviews);
    let reviews: Vec<Review<'_>> = r.reviews.iter().collect();
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[0].role, ReviewerRole::SelfReview);
    assert_eq!(reviews[0].current_level, "L2");
    assert_eq!(reviews[1].role, ReviewerRole::Manager);
    assert_eq!(reviews[0].team, Some("Ops"));
    assert_eq!(reviews[1].team, None);
    assert_eq!(reviews[0].email, None);
    assert_eq!(reviews[0].reviewer_id, None);
    assert_eq!(reviews[1].row, 3);
    assert_eq!(r.reviews.get(1), Some(reviews[1]));
    assert_eq!(r.reviews.get(2), None);
}

#[test]
fn semicolons_and_tabs_separate_too() {
    for csv in [
        "id;name;level;reviewer\nE1;Ada, Jr.;L1;Bob\n",
        "id\tname\tlevel\treviewer\nE1\tAda, Jr.\tL1\tBob\n",
    ] {
        let r = read(csv).expect("valid");
        assert_eq!(r.reviews.get(0).map(|r| r.name), Some("Ada, Jr."));
    }
}

#[test]
fn every_problem_at_once() {
    let csv = "id,name,level,reviewer,role\n\
               e1,Ada,L9,Bob,manager\n\
               e2,,L1,Bob,boss\n\
               e3,Cy,L1,Dee,peer\n\
               e3,Cy,L1,dee,peer\n\
               e3,Cyrus,L2,Eve,peer\n";
    let r = read(csv);
    assert_eq!(
        codes(&r),
        [
            "roster-unknown-level",
            "roster-empty-field",
            "roster-bad-role",
            "roster-duplicate-review",
            "roster-inconsistent-person",
            "roster-inconsistent-person"
        ]
    );
    let d = r.expect_err("invalid");
    assert_eq!(position(&d[0]), "r.csv: C2 (column `level`)");
    assert_eq!(position(&d[3]), "r.csv: D5 (column `reviewer`)");
}

#[test]
fn a_file_that_cannot_be_read_is_reported_alone() {
    // Problems found before the unreadable row are dropped: the unreadable file is what
    // needs fixing first.
    let csv = b"id,name,level,reviewer\ne1,Ada,L9,Bob\ne2,\xff,L1,Bob\n";
    let r = read_csv("r.csv", csv, &ladder(), &opts());
    assert_eq!(codes(&r), ["roster-encoding"]);
    let csv = b"id,name,level\ne1,Ada,L9\ne2,\xff,L1\n";
    assert_eq!(
        codes(&read_csv("r.csv", csv, &ladder(), &opts())),
        ["roster-encoding"]
    );
    assert_eq!(codes(&read("\n,,\n")), ["roster-empty"]);
}

#[test]
fn missing_columns_are_named() {
    let r = read("id,name,reviewer\n1,A,B\n");
    assert_eq!(codes(&r), ["roster-missing-column"]);
    let d = r.expect_err("invalid");
    assert!(d[0].message.contains("current level"), "{:?}", d[0]);
    // Neither a reviewer nor a manager: the shape cannot be told.
    let r = read("id,name,level\n1,A,L1\n");
    assert_eq!(codes(&r), ["roster-shape"]);
    let d = r.expect_err("invalid");
    assert!(d[0].hints[0].contains("reports to"), "{:?}", d[0]);
}

#[test]
fn level_codes_match_ignoring_case_in_any_script() {
    // The seven-level fixture's top level is `Σ7`.
    let ladder = crate::ladder::load(
        Some(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/seven-levels.md"),
        ),
        "--ladder",
    )
    .expect("fixture ladder")
    .ladder;
    let csv = "id,name,level,reviewer\nM3,Анна,σ7,Анна\n";
    let r = read_csv("r.csv", csv.as_bytes(), &ladder, &opts()).expect("σ7 is Σ7");
    assert_eq!(r.reviews.get(0).map(|r| r.current_level), Some("Σ7"));
}

#[test]
fn column_letters() {
    assert_eq!(column_name(0), "A");
    assert_eq!(column_name(26), "AA");
    assert_eq!(column_name(702), "AAA");
    assert_eq!(column_name(usize::MAX), column_name(65_534));
}

// ---- people rosters ----

const ISSUE_EXAMPLE: &str = "Employee ID,Full Name,Job Level,Manager,Email\n\
                             E1,Ann Lee,L2,Bo Chan,ann@x.io\n\
                             E2,Bo Chan,L4,,bo@x.io\n";

#[test]
fn the_issues_export_is_a_people_roster() {
    let r = read(ISSUE_EXAMPLE).expect("valid");
    assert_eq!(r.read.kind, Kind::People);
    assert_eq!((r.read.people, r.read.without_manager), (2, 1));
    assert_eq!(
        pairs(&r),
        [
            p("Ann Lee", "Ann Lee", "E1", "self"),
            p("Ann Lee", "Bo Chan", "E2", "manager"),
            p("Bo Chan", "Bo Chan", "E2", "self"),
        ]
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn managers_by_id_email_or_name_and_peers_by_list() {
    let csv = "Employee #,First Name,Last Name,Preferred Name,Level,Reports To,Peers,Work Email\n\
               1,Ann,Lee,,L2,bo@x.io,\"Cy Dunn; 4\",ann@x.io\n\
               2,Robert,Chan,Bo,L4,Dee Eve,,bo@x.io\n\
               3,Cy,Dunn,,L1,2,1,cy@x.io\n\
               4,Dee,Eve,Dee Eve,L5,,,\n";
    let r = read(csv).expect("valid");
    assert_eq!(
        pairs(&r),
        [
            p("Ann Lee", "Ann Lee", "1", "self"),
            p("Ann Lee", "Bo Chan", "2", "manager"),
            p("Ann Lee", "Cy Dunn", "3", "peer"),
            p("Ann Lee", "Dee Eve", "4", "peer"),
            p("Bo Chan", "Bo Chan", "2", "self"),
            p("Bo Chan", "Dee Eve", "4", "manager"),
            p("Cy Dunn", "Cy Dunn", "3", "self"),
            p("Cy Dunn", "Bo Chan", "2", "manager"),
            p("Cy Dunn", "Ann Lee", "1", "peer"),
            p("Dee Eve", "Dee Eve", "4", "self"),
        ]
    );
    // The legal name finds the person too, ignoring case and repeated spaces.
    let csv = "id,first name,last name,preferred name,level,manager\n\
               1,Robert,Chan,Bo,L4,\n2,Ann,Lee,,L1,robert   CHAN\n";
    let r = read(csv).expect("valid");
    assert_eq!(pairs(&r)[2], p("Ann Lee", "Bo Chan", "1", "manager"));
}

#[test]
fn a_manager_outside_the_roster_is_a_warning() {
    let csv = "id,name,level,manager\n1,Ann,L2,Zed Director\n2,Bo,L2,Zed Director\n3,Cy,L1,1\n";
    let r = read(csv).expect("valid");
    assert_eq!(codes(&Ok(r)), ["roster-outside-manager"]);
    let r = read(csv).expect("valid");
    assert!(
        r.warnings[0]
            .message
            .contains("the manager of 2 people (rows 2, 3)"),
        "{}",
        r.warnings[0].message
    );
    assert_eq!(pairs(&r)[1], p("Ann", "Zed Director", "", "manager"));
}

#[test]
fn every_people_problem_at_its_cell_at_once() {
    let csv = "id,name,level,manager id,peers\n\
               1,Ann,L2,1,\n\
               2,Bo,L2,9,2\n\
               3,Cy,L2,,\"Ann, Ann\"\n\
               3,Cyrus,L3,,\n\
               4,Dee,L2,1,1\n\
               5,Dee,L2,,\n\
               6,Eve,L2,,Dee\n";
    let r = read(csv);
    assert_eq!(
        codes(&r),
        [
            "roster-duplicate-id",
            "roster-self-manager",
            "roster-unknown-id",
            "roster-self-peer",
            "roster-duplicate-review",
            "roster-peer-is-manager",
            "roster-ambiguous-person",
        ]
    );
    let d = r.expect_err("invalid");
    assert_eq!(position(&d[0]), "r.csv: A5 (column `id`)");
    assert!(d[0].message.contains("row 4"), "{}", d[0].message);
    assert_eq!(position(&d[1]), "r.csv: D2 (column `manager id`)");
    assert_eq!(position(&d[2]), "r.csv: D3 (column `manager id`)");
    assert_eq!(position(&d[3]), "r.csv: E3 (column `peers`)");
    assert_eq!(position(&d[6]), "r.csv: E8 (column `peers`)");
    assert!(d[6].message.contains("row 6, row 7"), "{}", d[6].message);
}

#[test]
fn ids_in_a_plain_manager_column_must_exist() {
    // Every manager given by id: an id that names nobody is a mistake, not an outsider.
    let csv = "id,name,level,manager\n1,Ann,L2,\n2,Bo,L2,1\n3,Cy,L2,7\n";
    assert_eq!(codes(&read(csv)), ["roster-unknown-id"]);
}

#[test]
fn two_manager_columns_are_ambiguous() {
    let csv = "id,name,level,Manager,Supervisor Email\n1,Ann,L2,,\n";
    let r = read(csv);
    assert_eq!(codes(&r), ["roster-duplicate-column"]);
    let d = r.expect_err("invalid");
    assert!(
        d[0].message
            .contains("`Manager` (column D) and `Supervisor Email` (column E)"),
        "{}",
        d[0].message
    );
}

#[test]
fn reviews_asked_for() {
    let csv = "id,name,level,manager,peers\n1,Ann,L2,,2\n2,Bo,L2,1,\n";
    let r = read_with(csv, &[ReviewerRole::Manager]).expect("valid");
    assert_eq!(pairs(&r), [p("Bo", "Ann", "1", "manager")]);
    let r = read(csv).expect("valid");
    assert_eq!(r.reviews.len(), 4, "self, manager and peers by default");
    // Asking for peer reviews needs a peers column.
    let r = read_with(ISSUE_EXAMPLE, &[ReviewerRole::Peer]);
    assert_eq!(codes(&r), ["roster-missing-column"]);
    // Only self reviews need no manager column.
    let r = read_with("id,name,level\n1,Ann,L2\n", &[ReviewerRole::SelfReview]).expect("valid");
    assert_eq!(pairs(&r), [p("Ann", "Ann", "1", "self")]);
    // Nothing of the kinds asked for.
    let r = read_with(
        "id,name,level,manager\n1,Ann,L2,\n",
        &[ReviewerRole::Manager],
    );
    assert_eq!(codes(&r), ["roster-empty"]);
    let d = r.expect_err("no reviews");
    assert!(
        d[0].message
            .contains("none of the roster's 1 row gives a review"),
        "{}",
        d[0].message
    );
    // A review roster keeps the roles asked for.
    let csv = "id,name,level,reviewer,role\n1,Ann,L2,Ann,self\n1,Ann,L2,Bo,peer\n";
    let r = read_with(csv, &[ReviewerRole::Peer]).expect("valid");
    assert_eq!(pairs(&r), [p("Ann", "Bo", "", "peer")]);
}

#[test]
fn two_reviewers_with_one_name_are_refused() {
    let csv = "id,name,level,manager,peers\n1,Ann,L2,2,3\n2,Alex Kim,L2,,\n3,Alex Kim,L2,,\n";
    assert_eq!(codes(&read(csv)), ["roster-same-reviewer-name"]);
}

#[test]
fn encodings_of_hr_exports() {
    let text = "Employee ID\tName\tLevel\tManager\nE1\tJürgen Groß\tL2\t\nE2\tZoë Ærø\tL1\tE1\n";
    let mut utf16 = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let r = read_csv("r.txt", &utf16, &ladder(), &opts()).expect("UTF-16 LE is read");
    assert_eq!(r.read.encoding, Some("UTF-16 LE"));
    assert_eq!(pairs(&r)[2], p("Zoë Ærø", "Jürgen Groß", "E1", "manager"));

    let comma = text.replace('\t', ",");
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(&comma);
    let r = read_csv("r.csv", &cp1252, &ladder(), &opts());
    assert_eq!(codes(&r), ["roster-encoding"]);
    let d = r.expect_err("not UTF-8");
    assert!(d[0].message.contains("Windows-1252"), "{}", d[0].message);
    assert!(
        d[0].hints[0].contains("--encoding windows-1252"),
        "{:?}",
        d[0].hints
    );
    assert_eq!(position(&d[0]), "r.csv: B2");
    let o = ReadOptions {
        encoding: Some(encoding_rs::WINDOWS_1252),
        ..opts()
    };
    let r = read_csv("r.csv", &cp1252, &ladder(), &o).expect("read as chosen");
    assert_eq!(pairs(&r)[0], p("Jürgen Groß", "Jürgen Groß", "E1", "self"));
}
