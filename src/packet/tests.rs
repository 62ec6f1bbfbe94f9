//! The packet's plan and data from a small tally: who is selected, the documents and their
//! file names, the grid, the marks, and what anonymity removes.

use super::*;
use crate::tally::read::{CompetencyTally, Given, LadderRef, Leniency, Missing, Review, Tally};
use crate::workbook::ReviewerRole;
use data::DISAGREEMENTS_PER_PART;
use serde_json::Value;

fn ladder() -> Ladder {
    crate::ladder::load(None, "--ladder")
        .expect("the bundled ladder")
        .ladder
}

/// A person at `level` rated by self, a manager and a peer with the given level indexes.
fn person(
    ladder: &Ladder,
    id: &str,
    name: &str,
    level: &str,
    team: Option<&str>,
    rated: [i32; 3],
) -> Person {
    let reviewers = [
        (name, ReviewerRole::SelfReview),
        ("Morgan Manager", ReviewerRole::Manager),
        ("Pat Peer", ReviewerRole::Peer),
    ];
    let code = |v: i32| ladder.levels[v as usize].code.clone();
    let competencies = ladder
        .competencies()
        .map(|c| CompetencyTally {
            id: c.id.clone(),
            ratings: rated
                .iter()
                .map(|&v| Given {
                    label: code(v),
                    value: Some(v),
                    evidence: format!("{name}: #strong[x] =1+1"),
                })
                .collect(),
            consensus: Some(rated[1].min(rated[2])),
            consensus_label: Some(code(rated[1].min(rated[2]))),
            self_only: false,
            spread: Some(rated.iter().max().unwrap_or(&0) - rated.iter().min().unwrap_or(&0)),
            self_minus_manager: Some(rated[0] - rated[1]),
            previous_consensus_label: None,
            consensus_change: None,
        })
        .collect();
    let current =
        i32::try_from(ladder.level(level).expect("a level").index).expect("a small index");
    let suggested = rated[1].min(rated[2]);
    Person {
        employee_id: id.into(),
        name: name.into(),
        team: team.map(str::to_owned),
        current_level: level.into(),
        reviews: reviewers
            .iter()
            .enumerate()
            .map(|(i, (who, role))| Review {
                form_id: format!("rv-{id}-{i}"),
                reviewer: (*who).into(),
                role: *role,
                complete: true,
            })
            .collect(),
        reviews_expected: Some(4),
        not_returned: vec![Missing {
            reviewer: "Quinn Quiet".into(),
            role: ReviewerRole::Peer,
        }],
        competencies,
        suggested_level: Some(code(suggested)),
        no_suggestion: None,
        gap: Some(suggested - current),
        previous: None,
    }
}

fn tally(ladder: &Ladder) -> TallyFile {
    TallyFile {
        run_digest: None,
        ladder: LadderRef {
            title: ladder.meta.title.clone(),
            fingerprint: ladder.meta.fingerprint.clone(),
        },
        cycles: vec!["2026-H2".into()],
        rule: "the rule".into(),
        tally: Tally {
            people: vec![
                person(ladder, "E2", "Bea", "L3", Some("Ops"), [4, 3, 3]),
                person(ladder, "E1", "Ana", "L2", Some("Platform"), [1, 0, 1]),
                person(ladder, "E3", "Ana", "L2", None, [1, 1, 1]),
            ],
            leniency: vec![
                Leniency {
                    reviewer: "Morgan Manager".into(),
                    roles: vec![ReviewerRole::Manager],
                    ratings: 30,
                    mean_offset: 0.25,
                },
                Leniency {
                    reviewer: "Pat Peer".into(),
                    roles: vec![ReviewerRole::Peer],
                    ratings: 30,
                    mean_offset: -0.5,
                },
            ],
            history: None,
        },
    }
}

fn opts() -> Options {
    Options {
        levels: Vec::new(),
        team: None,
        people: Vec::new(),
        split: false,
        group_by: None,
        anonymous_peers: false,
        evidence: true,
        source: "tally.json".into(),
        flags: crate::cli::FLAGS,
    }
}

fn files(plan: &Plan) -> Vec<&str> {
    plan.documents.iter().map(|d| d.file.as_str()).collect()
}

#[test]
fn one_packet_in_level_then_name_order_with_ids_where_names_collide() {
    let l = ladder();
    let plan = plan(&tally(&l), &l, &opts()).expect("a plan");
    assert_eq!(files(&plan), ["packet.pdf"]);
    let data = &plan.documents[0].data;
    let shown: Vec<&str> = data.people.iter().map(|p| p.shown.as_str()).collect();
    assert_eq!(shown, ["Ana (E1)", "Ana (E3)", "Bea"]);
    // L2 row: Ana (E1) suggested L1 (−1), Ana (E3) suggested L2 (0); L3 row: Bea at L4 (+1).
    assert_eq!(data.grid[0].level.code, "L2");
    assert_eq!(data.grid[0].cells[1], ["Ana (E1)"]);
    assert_eq!(data.grid[0].cells[2], ["Ana (E3)"]);
    assert_eq!(data.grid[1].cells[3], ["Bea"]);
    assert_eq!(data.counts.reviews_returned, 9);
    assert_eq!(data.counts.reviews_expected, Some(12));
    let bea = &data.people[2];
    assert_eq!(bea.rows[0].consensus.relation, Some("above"));
    assert_eq!(data.people[0].rows[0].consensus.relation, Some("below"));
    assert!(
        bea.next
            .as_ref()
            .is_some_and(|n| n.level.code == "L4" && n.competencies.is_empty())
    );
    assert_eq!(
        data.people[1].next.as_ref().map(|n| n.competencies.len()),
        Some(10)
    );
}

#[test]
fn filters_groups_and_split_file_names() {
    let l = ladder();
    let t = tally(&l);
    let o = Options {
        levels: vec!["l2".into()],
        split: true,
        group_by: Some(GroupBy::Team),
        ..opts()
    };
    let p = plan(&t, &l, &o).expect("a plan");
    assert_eq!(
        files(&p),
        [
            "packet-platform.pdf",
            "packet-no-team.pdf",
            "people/E1-ana.pdf",
            "people/E3-ana.pdf"
        ]
    );
    let by_level = plan(
        &t,
        &l,
        &Options {
            group_by: Some(GroupBy::Level),
            ..opts()
        },
    )
    .expect("plan");
    assert_eq!(
        files(&by_level),
        ["packet-L2-sre.pdf", "packet-L3-senior-sre.pdf"]
    );

    let o = Options {
        team: Some(" ops ".into()),
        people: vec!["E2".into()],
        ..opts()
    };
    assert_eq!(plan(&t, &l, &o).expect("plan").people, 1);
    let none = plan(
        &t,
        &l,
        &Options {
            levels: vec!["L5".into()],
            ..opts()
        },
    )
    .expect("plan");
    assert_eq!(none.people, 0);
    assert_eq!(none.warnings[0].code, "packet-empty");
}

#[test]
fn unknown_levels_teams_and_people_are_reported_together() {
    let l = ladder();
    let o = Options {
        levels: vec!["L9".into()],
        team: Some("Nope".into()),
        people: vec!["E9".into()],
        ..opts()
    };
    let err = plan(&tally(&l), &l, &o).expect_err("unknown");
    let codes: Vec<&str> = err.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["unknown-level", "unknown-team", "unknown-person"]);
    assert!(
        err.diagnostics[1].hints[0].contains("Ops, Platform"),
        "{err:?}"
    );
    let mut no_teams = tally(&l);
    for p in &mut no_teams.tally.people {
        p.team = None;
    }
    let err = plan(
        &no_teams,
        &l,
        &Options {
            team: Some("Ops".into()),
            ..opts()
        },
    )
    .expect_err("no teams");
    assert_eq!(err.diagnostics[0].code, "no-teams");
    assert!(
        err.diagnostics[0].hints[0].contains("--manifest"),
        "{err:?}"
    );
}

#[test]
fn anonymous_peers_leave_no_peer_name_in_the_data() {
    let l = ladder();
    let o = Options {
        anonymous_peers: true,
        evidence: false,
        ..opts()
    };
    let p = plan(&tally(&l), &l, &o).expect("a plan");
    let json = serde_json::to_string(&p.documents[0].data).expect("JSON");
    for name in ["Pat Peer", "Quinn Quiet"] {
        assert!(!json.contains(name), "{name} in {json}");
    }
    assert!(json.contains("Morgan Manager") && json.contains("\"Peer 1\""));
    assert!(json.contains("Peer reviewer 1"));
    assert!(!json.contains("#strong[x]"), "evidence left out");
    let named = plan(&tally(&l), &l, &opts()).expect("a plan");
    let json = serde_json::to_string(&named.documents[0].data).expect("JSON");
    assert!(json.contains("Pat Peer") && json.contains("#strong[x] =1+1"));
}

#[test]
fn the_disagreements_are_split_over_parts_by_level_and_lose_nothing() {
    let l = ladder();
    let mut t = tally(&l);
    // Every competency of every person two or more steps apart: at L2 more rows than a part
    // holds, at L3 more than what L2 leaves of a part.
    let per_person = l.competencies().count();
    let at_l2 = DISAGREEMENTS_PER_PART / per_person + 2;
    let at_l3 = DISAGREEMENTS_PER_PART / per_person;
    t.tally.people = (0..at_l2 + at_l3)
        .map(|i| {
            let level = if i < at_l2 { "L2" } else { "L3" };
            person(
                &l,
                &format!("E{i:03}"),
                &format!("P{i:03}"),
                level,
                None,
                [0, 3, 1],
            )
        })
        .collect();
    let plan = plan(&t, &l, &opts()).expect("a plan");
    let data = &plan.documents[0].data;
    assert_eq!(data.disagreements.len(), (at_l2 + at_l3) * per_person);
    let parts: Vec<Value> = data
        .parts()
        .expect("the parts")
        .iter()
        .map(|(json, _)| serde_json::from_str(json).expect("json"))
        .collect();
    let back: Vec<&Value> = parts
        .iter()
        .filter(|p| p["job"]["part"] == "back")
        .collect();
    // L2 in two parts, the second going on with it; L3 in one: (first, continues, level).
    // (With fewer rows, L3 would share the second part: levels are packed.)
    // Each part after the first starts with a row marked to start a new page.
    let shape: Vec<(bool, bool, Vec<&str>, bool)> = back
        .iter()
        .map(|p| {
            let rows = p["disagreements"].as_array().expect("rows");
            let mut levels: Vec<&str> = rows
                .iter()
                .map(|d| d["level"]["code"].as_str().expect("a level"))
                .collect();
            levels.dedup();
            let new_page = rows.first().is_some_and(|d| d["new_page"] == true);
            (
                p["job"]["first"] == true,
                p["job"]["continues"] == true,
                levels,
                new_page,
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (true, false, vec!["L2"], false),
            (false, true, vec!["L2"], true),
            (false, false, vec!["L3"], true),
        ]
    );
    // No other row starts a new page.
    let breaks = data.disagreements.iter().filter(|d| d.new_page).count();
    assert_eq!(breaks, 2);
    // The leniency chart opens the back matter, once.
    assert_eq!(back[0]["leniency"].as_array().map(Vec::len), Some(2));
    assert!(
        back[1..]
            .iter()
            .all(|p| p["leniency"] == serde_json::json!([]))
    );
    // Every row once, in order, and in no other part.
    let rows: Vec<&Value> = back
        .iter()
        .flat_map(|p| p["disagreements"].as_array().expect("rows"))
        .collect();
    let whole = serde_json::to_value(&data.disagreements).expect("json");
    assert_eq!(
        rows,
        whole.as_array().expect("rows").iter().collect::<Vec<_>>()
    );
    assert_eq!(parts.last().expect("parts")["job"]["part"], "back");
    assert!(
        parts
            .iter()
            .filter(|p| p["job"]["part"] != "back")
            .all(|p| p["disagreements"] == serde_json::json!([]))
    );
}
