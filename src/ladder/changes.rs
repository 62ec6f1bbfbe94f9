//! Compares each level's expectations with the level below: the "what changes at promotion"
//! view, and the near-duplicate check behind the `repeated-expectations` warning.

use std::collections::HashMap;

use similar::{ChangeTag, TextDiff};
use unicode_segmentation::UnicodeSegmentation;

use crate::model::{
    Change, ChangeStatus, Expectation, ItemChange, ItemStatus, Run, Segment, SegmentKind,
};

/// Below this word-similarity an expectation counts as new rather than reworded.
const REWORDED_RATIO: f32 = 0.5;

/// Word-level diff of `old` → `new` as runs of same / added / removed text.
pub fn word_diff(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::from_words(old, new);
    let mut out: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => SegmentKind::Same,
            ChangeTag::Insert => SegmentKind::Added,
            ChangeTag::Delete => SegmentKind::Removed,
        };
        let value = change.value();
        // Runs of one kind merge; spaces stay with their own kind so that same+added rebuilds
        // this level's text and same+removed the level below's, exactly.
        match out.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(value),
            _ => out.push(Segment {
                text: value.to_owned(),
                kind,
            }),
        }
    }
    out
}

/// `text` as runs to print, with the words `segments` (its word diff) adds marked: what a level's
/// document highlights. Marks cover words only, never the spaces around them; a single short kept
/// word between two added runs ("to", "in", "and") is marked with them, so a rewritten phrase
/// reads as one mark rather than a picket fence. The runs always concatenate to `text`; empty if
/// the diff's words are not found in order in `text`.
pub fn marked_runs(text: &str, segments: &[Segment]) -> Vec<Run> {
    // (added, text before the words, the words), then what follows the last of them.
    let mut runs: Vec<(bool, &str, &str)> = Vec::new();
    let mut rest = text;
    for seg in segments {
        let core = seg.text.trim();
        if seg.kind == SegmentKind::Removed || core.is_empty() {
            continue;
        }
        let Some(pos) = rest.find(core) else {
            return Vec::new();
        };
        runs.push((seg.kind == SegmentKind::Added, &rest[..pos], core));
        rest = &rest[pos + core.len()..];
    }
    for i in 1..runs.len().saturating_sub(1) {
        let (added, _, words) = runs[i];
        if !added
            && runs[i - 1].0
            && runs[i + 1].0
            && words.graphemes(true).count() <= 3
            && !words.contains(' ')
        {
            runs[i].0 = true;
        }
    }
    // Neighbouring runs of one kind become one, the spaces between them included.
    let mut out: Vec<Run> = Vec::new();
    let mut push = |text: &str, added: bool| match out.last_mut() {
        _ if text.is_empty() => {}
        Some(last) if last.added == added => last.text.push_str(text),
        _ => out.push(Run {
            text: text.to_owned(),
            added,
        }),
    };
    let mut marking = false;
    for (added, gap, words) in runs {
        // A gap between two marked runs is marked too; before a mark it is not.
        push(gap, added && marking);
        push(words, added);
        marking = added;
    }
    push(rest, false);
    out
}

/// One expectation's comparison, with its runs to print.
fn item_change(
    text: &str,
    status: ItemStatus,
    segments: Vec<Segment>,
    previous: Option<String>,
) -> ItemChange {
    ItemChange {
        status,
        runs: marked_runs(text, &segments),
        segments,
        previous,
    }
}

/// Similarity of two texts in 0..=1 (share of words in common).
pub fn similarity(a: &str, b: &str) -> f32 {
    TextDiff::from_words(a, b).ratio()
}

/// The tokens `TextDiff::from_words` compares: runs of whitespace and runs of anything else.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut space = None;
    for (i, c) in s.char_indices() {
        let ws = c.is_whitespace();
        if space.is_some_and(|prev| prev != ws) {
            out.push(&s[start..i]);
            start = i;
        }
        space = Some(ws);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// How many of `new`'s tokens (whitespace runs too, or not) also occur in `old`, as multisets:
/// no diff can match more, so this bounds `similarity` and `coverage` from above without one.
fn shared_tokens(old: &str, new: &str, with_whitespace: bool) -> (usize, usize, usize) {
    let keep = |t: &&str| with_whitespace || !t.trim().is_empty();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut old_len = 0;
    for t in tokens(old).into_iter().filter(keep) {
        *counts.entry(t).or_default() += 1;
        old_len += 1;
    }
    let (mut shared, mut new_len) = (0, 0);
    for t in tokens(new).into_iter().filter(keep) {
        new_len += 1;
        if let Some(n) = counts.get_mut(t).filter(|n| **n > 0) {
            *n -= 1;
            shared += 1;
        }
    }
    (shared, old_len, new_len)
}

/// An upper bound of `similarity(a, b)`, a fraction of its cost.
#[allow(clippy::cast_precision_loss)] // token counts of one bullet
fn similarity_bound(a: &str, b: &str) -> f32 {
    let (shared, la, lb) = shared_tokens(a, b, true);
    // The same arithmetic as the diff's ratio, so the bound is never below it after rounding.
    if la + lb == 0 {
        1.0
    } else {
        2.0 * shared as f32 / (la + lb) as f32
    }
}

/// An upper bound of `coverage(old, new)`, a fraction of its cost.
#[allow(clippy::cast_precision_loss)] // token counts of one cell
pub fn coverage_bound(old: &str, new: &str) -> f32 {
    let (shared, _, total) = shared_tokens(old, new, false);
    if total == 0 {
        1.0
    } else {
        shared as f32 / total as f32
    }
}

/// Share of `new`'s words that already appear, in order, in `old` (1.0: says nothing new).
pub fn coverage(old: &str, new: &str) -> f32 {
    let diff = TextDiff::from_words(old, new);
    let (mut same, mut total) = (0usize, 0usize);
    for c in diff.iter_all_changes() {
        if c.value().trim().is_empty() {
            continue;
        }
        match c.tag() {
            ChangeTag::Equal => {
                same += 1;
                total += 1;
            }
            ChangeTag::Insert => total += 1,
            ChangeTag::Delete => {}
        }
    }
    if total == 0 {
        1.0
    } else {
        same as f32 / total as f32
    }
}

/// The change of `here` relative to `below` (`None` for the lowest level).
pub fn compare(below: Option<&[Expectation]>, here: &[Expectation]) -> Change {
    let Some(below) = below else {
        return Change {
            status: if here.is_empty() {
                ChangeStatus::Absent
            } else {
                ChangeStatus::First
            },
            items: Vec::new(),
            removed: Vec::new(),
        };
    };
    match (below.is_empty(), here.is_empty()) {
        (true, true) => {
            return Change {
                status: ChangeStatus::Absent,
                items: Vec::new(),
                removed: Vec::new(),
            };
        }
        (false, true) => {
            return Change {
                status: ChangeStatus::Dropped,
                items: Vec::new(),
                removed: below.iter().map(|e| e.text.clone()).collect(),
            };
        }
        _ => {}
    }
    let mut used = vec![false; below.len()];
    let mut items = Vec::with_capacity(here.len());
    for e in here {
        // Exact match first, then the most similar unused bullet below.
        let exact = below
            .iter()
            .enumerate()
            .find(|(i, b)| !used[*i] && b.text == e.text);
        if let Some((i, _)) = exact {
            used[i] = true;
            let same = vec![Segment {
                text: e.text.clone(),
                kind: SegmentKind::Same,
            }];
            items.push(item_change(&e.text, ItemStatus::Same, same, None));
            continue;
        }
        // The most similar unused bullet below (the first of equals) if it is similar enough.
        // A bullet whose bound cannot reach the threshold, or beat the best so far, skips the diff.
        let mut best: Option<(usize, f32)> = None;
        for (i, b) in below.iter().enumerate().filter(|(i, _)| !used[*i]) {
            let bound = similarity_bound(&b.text, &e.text);
            if bound < REWORDED_RATIO || best.is_some_and(|(_, r)| bound <= r) {
                continue;
            }
            let ratio = similarity(&b.text, &e.text);
            if ratio >= REWORDED_RATIO && best.is_none_or(|(_, r)| ratio > r) {
                best = Some((i, ratio));
            }
        }
        if let Some((i, _)) = best {
            used[i] = true;
            items.push(item_change(
                &e.text,
                ItemStatus::Reworded,
                word_diff(&below[i].text, &e.text),
                Some(below[i].text.clone()),
            ));
        } else {
            let added = vec![Segment {
                text: e.text.clone(),
                kind: SegmentKind::Added,
            }];
            items.push(item_change(&e.text, ItemStatus::New, added, None));
        }
    }
    let removed: Vec<String> = below
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(b, _)| b.text.clone())
        .collect();
    let unchanged = removed.is_empty() && items.iter().all(|i| i.status == ItemStatus::Same);
    Change {
        status: if below.is_empty() {
            ChangeStatus::New
        } else if unchanged {
            ChangeStatus::Unchanged
        } else {
            ChangeStatus::Changed
        },
        items,
        removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(t: &str) -> Expectation {
        Expectation {
            text: t.into(),
            inlines: vec![],
        }
    }

    #[test]
    fn bounds_are_never_below_the_diff() {
        let texts = [
            "",
            "Works on small projects.",
            "Works on  large projects, small ones too.",
            "projects small on Works.",
            "Leads incident reviews and owns the follow-ups",
            "Owns the follow-ups; leads   incident reviews.",
            "a a a b",
            "b a a",
        ];
        for a in texts {
            for b in texts {
                assert!(similarity_bound(a, b) >= similarity(a, b), "{a:?} / {b:?}");
                assert!(coverage_bound(a, b) >= coverage(a, b), "{a:?} / {b:?}");
            }
        }
        assert_eq!(tokens(" a  bc\td "), [" ", "a", "  ", "bc", "\t", "d", " "]);
    }

    #[test]
    fn identical_cells_are_unchanged() {
        let a = [exp("Does a thing."), exp("Does another.")];
        assert_eq!(compare(Some(&a), &a).status, ChangeStatus::Unchanged);
    }

    #[test]
    fn reworded_bullet_shows_added_and_removed_words() {
        let c = compare(
            Some(&[exp("Works on small projects.")]),
            &[exp("Works on large projects.")],
        );
        assert_eq!(c.status, ChangeStatus::Changed);
        assert_eq!(c.items[0].status, ItemStatus::Reworded);
        let added: Vec<_> = c.items[0]
            .segments
            .iter()
            .filter(|s| s.kind == SegmentKind::Added)
            .map(|s| s.text.trim())
            .collect();
        assert_eq!(added, ["large"]);
    }

    #[test]
    fn kept_and_added_runs_rebuild_the_new_text() {
        let old = "Is sought out for advice and pitches projects to the team.";
        let new = "Is sought for advice. Pitches projects and plans to the whole team.";
        let rebuilt: String = word_diff(old, new)
            .iter()
            .filter(|s| s.kind != SegmentKind::Removed)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(rebuilt, new);
        let before: String = word_diff(old, new)
            .iter()
            .filter(|s| s.kind != SegmentKind::Added)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(before, old);
    }

    fn seg(text: &str, kind: SegmentKind) -> Segment {
        Segment {
            text: text.into(),
            kind,
        }
    }

    /// (text, added) of each run.
    fn runs(text: &str, segments: &[Segment]) -> Vec<(String, bool)> {
        marked_runs(text, segments)
            .into_iter()
            .map(|m| (m.text, m.added))
            .collect()
    }

    #[test]
    fn marks_cover_added_words_not_the_spaces_around_them() {
        let c = compare(
            Some(&[exp("Works on small projects.")]),
            &[exp("Works on large projects.")],
        );
        let got: Vec<_> = c.items[0]
            .runs
            .iter()
            .map(|m| (m.text.as_str(), m.added))
            .collect();
        assert_eq!(
            got,
            [("Works on ", false), ("large", true), (" projects.", false)]
        );
        // A new bullet is marked whole, one the same as below not at all.
        let c = compare(Some(&[exp("Same.")]), &[exp("Same."), exp("All new.")]);
        assert_eq!(
            c.items[0].runs,
            [Run {
                text: "Same.".into(),
                added: false
            }]
        );
        assert_eq!(
            c.items[1].runs,
            [Run {
                text: "All new.".into(),
                added: true
            }]
        );
    }

    #[test]
    fn a_short_kept_word_between_two_marks_joins_them() {
        use SegmentKind::{Added, Removed, Same};
        let text = "Plans and leads incident reviews";
        let segments = [
            seg("Plans", Added),
            seg("Joins", Removed),
            seg(" and ", Same),
            seg("leads", Added),
            seg(" incident reviews", Same),
        ];
        assert_eq!(
            runs(text, &segments),
            [
                ("Plans and leads".to_owned(), true),
                (" incident reviews".to_owned(), false)
            ]
        );
        // Four letters is a word worth showing as kept; so is a kept phrase.
        for kept in [" with ", " at the "] {
            let text = format!("Plans{kept}reviews");
            let segments = [seg("Plans", Added), seg(kept, Same), seg("reviews", Added)];
            assert_eq!(
                runs(&text, &segments),
                [
                    ("Plans".to_owned(), true),
                    (kept.to_owned(), false),
                    ("reviews".to_owned(), true)
                ]
            );
        }
    }

    #[test]
    fn runs_always_rebuild_the_text() {
        let pairs = [
            (
                "Is sought out for advice and pitches projects to the team.",
                "Is sought for advice. Pitches projects and plans to the whole team.",
            ),
            (
                "Handles “simple” incidents — with help.",
                "Handles “complex” incidents — alone, and writes them up.",
            ),
            ("", "Brand new."),
            ("Gone entirely.", ""),
            ("a  b", "a b c"),
        ];
        for (old, new) in pairs {
            let marks = marked_runs(new, &word_diff(old, new));
            let rebuilt: String = marks.iter().map(|m| m.text.as_str()).collect();
            assert_eq!(rebuilt, new, "{old:?} → {new:?}");
            for m in marks.iter().filter(|m| m.added) {
                assert_eq!(
                    m.text.trim(),
                    m.text,
                    "a mark with spaces at its ends: {m:?}"
                );
            }
            assert!(
                marks.windows(2).all(|w| w[0].added != w[1].added),
                "{marks:?}"
            );
        }
        // A diff of some other text cannot be shown: no runs, and the layout prints it plain.
        assert!(marked_runs("Other text", &[seg("Plans", SegmentKind::Added)]).is_empty());
    }

    #[test]
    fn unrelated_bullet_is_new_and_old_one_removed() {
        let c = compare(
            Some(&[exp("Writes code.")]),
            &[exp("Leads incident response.")],
        );
        assert_eq!(c.items[0].status, ItemStatus::New);
        assert_eq!(c.removed, ["Writes code."]);
    }

    #[test]
    fn missing_below_is_new() {
        assert_eq!(compare(Some(&[]), &[exp("x")]).status, ChangeStatus::New);
        assert_eq!(
            compare(Some(&[exp("x")]), &[]).status,
            ChangeStatus::Dropped
        );
        assert_eq!(compare(None, &[exp("x")]).status, ChangeStatus::First);
    }

    #[test]
    fn coverage_of_a_subset_is_full() {
        assert!(coverage("a b c d e f", "a b c") > 0.99);
        assert!(coverage("a b c", "a b c d e f") < 0.6);
    }
}
