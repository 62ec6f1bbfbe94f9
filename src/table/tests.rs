//! Round trips of the table formats, piece by piece: text escaped as Markdown reads back as
//! the same text, Markdown sources of inline structure read back as the same structure, and a
//! ladder exported as a table and imported again has the same fingerprint.

use proptest::prelude::*;

use super::markdown::{inline, source};
use super::{Draft, DraftArea, DraftCompetency, DraftLevel, Item, markdown};
use crate::diag::Location;
use crate::model::Inline;

/// Characters Markdown reads as structure, mixed with ordinary text.
fn tricky() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r"[ a-zA-Z0-9äΩ#*_`\[\]()<>&;!~|\\{}:.=+\-–•\u{a0}\t]{0,24}")
        .expect("a valid regex")
}

/// The expectation a bullet holding `md` reads as.
fn reads(md: &str) -> Option<crate::model::Expectation> {
    crate::ladder::expectation(md)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn escaped_text_reads_back_as_the_same_text(s in tricky()) {
        let text = crate::ladder::collapse(&s).trim().to_owned();
        prop_assume!(!text.is_empty());
        let e = reads(&inline(&text, true)).expect("one expectation");
        prop_assert_eq!(&e.text, &text);
        prop_assert_eq!(e.inlines, vec![Inline::Text { text }]);
    }

    #[test]
    fn headings_read_back_as_the_same_title(s in tricky()) {
        let title = crate::ladder::collapse(&s).trim().to_owned();
        prop_assume!(crate::ladder::slug(&title).chars().any(char::is_alphanumeric));
        let draft = Draft {
            title: title.clone(),
            levels: vec![DraftLevel { code: "L1".into(), title: title.clone(), summary: None }],
            areas: vec![DraftArea {
                title: title.clone(),
                id: None,
                competencies: vec![DraftCompetency {
                    title: title.clone(),
                    id: None,
                    cells: vec![vec![Item::Text("x".into())]],
                    at: Location::File { file: String::new() },
                }],
            }],
            ..Draft::default()
        };
        let md = markdown::write(&draft);
        let loaded = crate::ladder::load_str("t.md", md.as_bytes(), "t.md");
        let l = loaded.unwrap_or_else(|e| panic!("{md}\n{e:?}")).ladder;
        prop_assert_eq!(&l.meta.title, &title);
        prop_assert_eq!(&l.levels[0].title, &title);
        prop_assert_eq!(&l.areas[0].title, &title);
        prop_assert_eq!(&l.areas[0].competencies[0].title, &title);
    }
}

#[test]
fn inline_structure_has_a_source_that_reads_back() {
    for md in [
        "Runs `cargo test` and *reads* the **output**",
        "See [the runbook](https://example.org/a_(b)) and ~~old~~ new",
        "``a ` b`` and ` `` `",
        "[link with *emphasis*](<https://example.org/a b>)",
        "1\\. not a list, \\- not a bullet",
    ] {
        let e = reads(md).expect("valid");
        let again = source(&e.inlines);
        assert_eq!(
            reads(&again).map(|x| x.inlines),
            Some(e.inlines),
            "{md} → {again}"
        );
    }
}

#[test]
fn readable_escapes() {
    assert_eq!(
        inline("Tools & systems, a < b, 50% of 1-2 areas", true),
        "Tools & systems, a < b, 50% of 1-2 areas"
    );
    assert_eq!(
        inline("&amp; <b> *x* _y_ `z` [w] ~v~", false),
        "\\&amp; \\<b> \\*x\\* \\_y\\_ \\`z\\` \\[w] \\~v\\~"
    );
    assert_eq!(inline("1. first", true), "1\\. first");
    assert_eq!(inline("- dash", true), "\\- dash");
    assert_eq!(inline("# hash", true), "\\# hash");
    assert_eq!(inline("# hash", false), "# hash");
}
