//! The ladder model from the library side: the user's ladder parses to exactly what they wrote,
//! inline structure is kept, other ladder shapes work, and the parser never panics.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rungs::ladder::{BUNDLED_LADDER, load_str};
use rungs::model::{ChangeStatus, Inline, ScaleKind};

fn load(text: &str) -> rungs::model::Ladder {
    match load_str("t.md", text.as_bytes(), "test") {
        Ok(l) => l.ladder,
        Err(e) => panic!(
            "ladder should load:\n{}",
            rungs::cli::report::render_error(&e)
        ),
    }
}

/// The bullets of each `## ... (CODE)` section of the source, taken line by line.
fn source_bullets(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut code = String::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            let start = h.rfind('(').expect("level code") + 1;
            h[start..h.len() - 1].clone_into(&mut code);
        } else if let Some(b) = line.strip_prefix("- ") {
            out.entry(code.clone()).or_default().push(b.to_owned());
        }
    }
    out
}

#[test]
fn the_users_ladder_comes_out_intact() {
    let ladder = load(BUNDLED_LADDER);
    assert_eq!(ladder.meta.title, "Titles for Ops");
    let codes: Vec<_> = ladder.levels.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["L1", "L2", "L3", "L4", "L5"]);
    assert_eq!(ladder.levels[2].title, "Senior SRE");
    assert_eq!(ladder.areas.len(), 3);
    assert_eq!(ladder.competencies().count(), 10);
    assert_eq!(ladder.expectation_count(), 60);

    let want = source_bullets(BUNDLED_LADDER);
    assert_eq!(want.values().map(Vec::len).sum::<usize>(), 60);
    for (li, level) in ladder.levels.iter().enumerate() {
        let mut got: Vec<String> = ladder
            .competencies()
            .flat_map(|c| c.cells[li].items.iter().map(|e| e.text.clone()))
            .collect();
        let mut expected = want[&level.code].clone();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "bullets of {}", level.code);
    }
    // Unicode punctuation survives: the apostrophe and the em dash.
    assert!(
        ladder
            .competencies()
            .any(|c| c.title == "Ownership — Manager of One")
    );
    let l1_ownership = &ladder
        .competency("engagement.ownership-manager-of-one")
        .expect("competency id")
        .cells[0]
        .items[0]
        .text;
    assert!(l1_ownership.contains("what’s been done"), "{l1_ownership}");
}

#[test]
fn competency_ids_are_documented_slugs() {
    let ladder = load(BUNDLED_LADDER);
    let ids: Vec<_> = ladder.competencies().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "skill.mastery",
            "skill.tech-and-tooling",
            "skill.scope",
            "skill.judgment",
            "engagement.ownership-manager-of-one",
            "engagement.communication",
            "engagement.planning",
            "engagement.flexibility",
            "engagement.trust",
            "coachability.feedback",
        ]
    );
}

#[test]
fn promotion_changes_on_the_users_ladder() {
    let ladder = load(BUNDLED_LADDER);
    let comm = ladder
        .competency("engagement.communication")
        .expect("communication");
    assert_eq!(comm.cells[0].change.status, ChangeStatus::First);
    assert_eq!(comm.cells[2].change.status, ChangeStatus::Unchanged);
    assert_eq!(comm.cells[1].change.status, ChangeStatus::Changed);
    let mastery = ladder.competency("skill.mastery").expect("mastery");
    assert_eq!(mastery.cells[1].change.items.len(), 3);
}

#[test]
fn inline_markup_is_kept_as_structure() {
    let l = load(
        "# T\n\n## A (A1)\n\n### X\n\n#### Y\n\n- Uses *care*, **rigour**, `cargo` and [the guide](https://example.com/g).\n",
    );
    let e = &l.competencies().next().expect("one").cells[0].items[0];
    assert_eq!(e.text, "Uses care, rigour, cargo and the guide.");
    assert!(e.inlines.contains(&Inline::Code {
        text: "cargo".into()
    }));
    assert!(
        e.inlines
            .iter()
            .any(|i| matches!(i, Inline::Link { url, .. } if url == "https://example.com/g"))
    );
    assert!(
        e.inlines
            .iter()
            .any(|i| matches!(i, Inline::Emphasis { .. }))
    );
    assert!(e.inlines.iter().any(|i| matches!(i, Inline::Strong { .. })));
}

#[test]
fn other_ladder_shapes() {
    // Highest level first, a competency that starts later, Unicode everywhere, a relative scale.
    let text = "+++\nid = \"ingénierie\"\nversion = \"2\"\nlevels_order = \"highest-first\"\n[rating]\nscale = \"relative\"\noptions = [{ label = \"Pas encore\", value = -1 }, { label = \"Atteint\", value = 0 }, { label = \"Dépasse\", value = 1 }]\n+++\n# Échelle d’ingénierie\n\nNotre échelle.\n\n## Principal·e (P3)\n\n### Métier\n\n#### Code\n\n- Définit l’architecture.\n\n#### Leadership\n\n- Guide l’équipe.\n\n## Confirmé·e (P2)\n\n### Métier\n\n#### Code\n\n- Conçoit des modules.\n\n## Débutant·e (P1)\n\n### Métier\n\n#### Code\n\n- Écrit du code.\n";
    let l = load(text);
    assert_eq!(l.meta.id, "ingénierie");
    assert_eq!(l.meta.description.as_deref(), Some("Notre échelle."));
    let codes: Vec<_> = l.levels.iter().map(|v| v.code.as_str()).collect();
    assert_eq!(codes, ["P1", "P2", "P3"]);
    let lead = l.competency("métier.leadership").expect("later competency");
    assert!(lead.cells[0].items.is_empty() && lead.cells[1].items.is_empty());
    assert_eq!(lead.cells[2].change.status, ChangeStatus::New);
    assert_eq!(l.rating.kind, ScaleKind::Relative);
    assert_eq!(
        l.rating.labels(),
        ["Pas encore", "Atteint", "Dépasse", "Not observed"]
    );
}

#[test]
fn fingerprint_follows_content_not_formatting() {
    let a = load(BUNDLED_LADDER);
    let b = load(&BUNDLED_LADDER.replace(
        "# Titles for Ops",
        "+++\nversion = \"9\"\n+++\n# Titles for Ops",
    ));
    assert_eq!(a.meta.fingerprint, b.meta.fingerprint);
    assert_eq!(a.meta.fingerprint.len(), 16);
    let c = load(&BUNDLED_LADDER.replace("Hungry for growth", "Eager for growth"));
    assert_ne!(a.meta.fingerprint, c.meta.fingerprint);
}

#[test]
fn json_round_trips() {
    let a = load(BUNDLED_LADDER);
    let back: rungs::model::Ladder = serde_json::from_str(&a.to_json()).expect("valid JSON");
    assert_eq!(a, back);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary bytes never panic the loader.
    #[test]
    fn loader_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_str("f.md", &bytes, "fuzz");
    }

    /// Ladder-shaped text built from the format's own pieces never panics either.
    #[test]
    fn loader_never_panics_on_ladder_like_text(parts in proptest::collection::vec(
        prop_oneof![
            Just("# T\n"), Just("## L (X)\n"), Just("## L\n"), Just("### A\n"), Just("#### C\n"),
            Just("- e\n"), Just("  - n\n"), Just("---\n"), Just("+++\n"), Just("text\n"), Just("\n"),
            Just("\r\n"), Just("\u{feff}"), Just("```\n"), Just("| a |\n"), Just("- *x* `y` [z](w)\n"),
            Just("id = \"x\"\n"), Just("[rating]\n"), Just("##### D\n"), Just("- \n"), Just("(\n"),
        ], 0..40)) {
        let text: String = parts.concat();
        let _ = load_str("f.md", text.as_bytes(), "fuzz");
    }
}
