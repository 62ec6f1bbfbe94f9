//! Characters that no available font can draw. Typst would print them as empty boxes without a
//! word (it only fails under PDF/A), so rungs checks the data's text (the ladder; the tally's
//! names and evidence for a packet) before typesetting, and each laid-out document for text the
//! layouts themselves wrote (e.g. translated labels).

use std::collections::{HashMap, HashSet};

use typst::layout::{Frame, FrameItem};
use typst::syntax::Span;
use typst_layout::PagedDocument;

use super::fonts::Fonts;
use crate::diag::{Diagnostic, Flags, Location};
use crate::model::Ladder;
use crate::util::text::count;

/// Places named per character before the rest are summarised as "and N more".
const MAX_PLACES: usize = 3;

/// Where the text being checked comes from, for the warning: what it is ("the ladder", "the
/// ladder and the tally") and the file it is located at.
#[derive(Debug, Clone)]
pub struct Subject {
    pub what: String,
    pub file: String,
}

/// Collects the characters no font can draw, and where each occurs.
pub struct Scan<'f> {
    fonts: &'f Fonts,
    /// char → places, in order of first appearance.
    missing: Vec<(char, Vec<String>)>,
    seen: HashMap<char, usize>,
    /// A text has a few hundred distinct characters but tens of thousands in all: the fonts
    /// are asked once per character.
    drawable: HashMap<char, bool>,
}

impl Scan<'_> {
    /// Checks `text`; `place` names where it is ("level L3", "E1001 Amara Okafor: name"),
    /// built only when a character is missing.
    pub fn text(&mut self, text: &str, place: &dyn Fn() -> String) {
        for c in text.chars() {
            let fonts = self.fonts;
            if *self
                .drawable
                .entry(c)
                .or_insert_with(|| is_invisible(c) || fonts.covers(c))
            {
                continue;
            }
            let i = *self.seen.entry(c).or_insert_with(|| {
                self.missing.push((c, Vec::new()));
                self.missing.len() - 1
            });
            let places = &mut self.missing[i].1;
            let here = place();
            if !places.contains(&here) {
                places.push(here);
            }
        }
    }
}

/// One warning listing every character the fonts lack in the texts `source` hands to the scan,
/// and where each occurs (or none), and the set of those characters.
pub fn check(
    subject: &Subject,
    source: &dyn Fn(&mut Scan),
    fonts: &Fonts,
    flags: &Flags,
) -> (Option<Diagnostic>, HashSet<char>) {
    let mut scan = Scan {
        fonts,
        missing: Vec::new(),
        seen: HashMap::new(),
        drawable: HashMap::new(),
    };
    source(&mut scan);
    let missing = scan.missing;
    let chars_missing: HashSet<char> = missing.iter().map(|(c, _)| *c).collect();
    if missing.is_empty() {
        return (None, chars_missing);
    }
    // Characters found in the same places (the letters of one name or text) share a line.
    let mut lines: Vec<(Vec<char>, &[String])> = Vec::new();
    for (c, places) in &missing {
        match lines.iter_mut().find(|(_, p)| *p == places.as_slice()) {
            Some((chars, _)) => chars.push(*c),
            None => lines.push((vec![*c], places)),
        }
    }
    let chars: Vec<String> = lines
        .iter()
        .map(|(chars, places)| {
            let mut shown: Vec<&str> = places.iter().take(MAX_PLACES).map(String::as_str).collect();
            let more = places.len().saturating_sub(MAX_PLACES);
            let more = (more > 0).then(|| format!("and {more} more"));
            shown.extend(more.as_deref());
            let chars: Vec<String> = chars
                .iter()
                .map(|c| format!("{c} (U+{:04X})", u32::from(*c)))
                .collect();
            format!("{} in {}", chars.join(", "), shown.join(", "))
        })
        .collect();
    let n = missing.len();
    let message = format!(
        "the fonts cannot draw {} of {}; they would print as empty boxes:\n    {}",
        count(n, "character", "characters"),
        subject.what,
        chars.join("\n    ")
    );
    let diag = Diagnostic::warning(
        "missing-glyphs",
        message,
        Location::File {
            file: subject.file.clone(),
        },
    )
    .with_hint(font_hint(flags));
    (Some(diag), chars_missing)
}

/// Hands every text of the ladder to the scan, with its place.
pub fn ladder_texts(ladder: &Ladder, scan: &mut Scan) {
    let m = &ladder.meta;
    scan.text(&m.title, &|| "the ladder title".into());
    if let Some(org) = &m.organisation {
        scan.text(org, &|| "the organisation".into());
    }
    if let Some(d) = &m.description {
        scan.text(d, &|| "the ladder description".into());
    }
    scan.text(&m.version, &|| "the version".into());
    for level in &ladder.levels {
        scan.text(&level.code, &|| format!("level {}", level.code));
        scan.text(&level.title, &|| format!("level {}", level.code));
        if let Some(s) = &level.summary {
            scan.text(s, &|| format!("level {} summary", level.code));
        }
    }
    for area in &ladder.areas {
        scan.text(&area.title, &|| format!("area {}", area.title));
        for comp in &area.competencies {
            scan.text(&comp.title, &|| format!("competency {}", comp.title));
            for cell in &comp.cells {
                for item in &cell.items {
                    scan.text(&item.text, &|| format!("{} at {}", comp.title, cell.level));
                }
            }
        }
    }
}

/// How to fix missing glyphs.
pub(super) fn font_hint(flags: &Flags) -> String {
    format!(
        "add a folder of fonts that have them with {} DIR (the bundled Inter covers Latin, Greek and Cyrillic; e.g. Noto Sans CJK for Chinese, Japanese and Korean names, Noto Sans Arabic or Hebrew for right-to-left scripts, Noto Emoji for emoji)",
        flags.font_path
    )
}

/// Characters a laid-out document draws as the font's "missing glyph" box, grouped by the place
/// in the layout that wrote them, in page order. Characters in `known` (already reported from
/// the ladder) are left out.
pub(super) fn in_document(doc: &PagedDocument, known: &HashSet<char>) -> Vec<(Span, Vec<char>)> {
    let mut found: Vec<(Span, Vec<char>)> = Vec::new();
    for page in doc.pages() {
        walk(&page.frame, &mut |span, c| {
            if known.contains(&c) || is_invisible(c) {
                return;
            }
            match found.iter_mut().find(|(s, _)| *s == span) {
                Some((_, chars)) if chars.contains(&c) => {}
                Some((_, chars)) => chars.push(c),
                None => found.push((span, vec![c])),
            }
        });
    }
    found
}

fn walk(frame: &Frame, found: &mut impl FnMut(Span, char)) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => walk(&group.frame, found),
            FrameItem::Text(text) => {
                // Glyph 0 is `.notdef`: what a font draws for a character it does not have.
                for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                    for c in text.text.get(glyph.range()).unwrap_or("").chars() {
                        found(glyph.span.0, c);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Characters that draw nothing themselves: spaces, controls, joiners, variation selectors.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{E0100}'..='\u{E01EF}' | '\u{00AD}')
}

/// Whether `text` may need glyph composition (the OpenType `ccmp` feature): true unless every
/// character is in a block known to hold no combining marks (Latin, Greek, Cyrillic, general
/// punctuation and symbols). In the bundled Inter composition acts only on combining marks, yet
/// running it is a sizeable share of the typesetting time, so rungs turns it off when this
/// says it has nothing to do. Anything else keeps it on.
pub fn may_need_composition(text: &str) -> bool {
    // ASCII needs no composition: only the other characters are decoded and looked at (the
    // ladder's JSON is mostly ASCII, and this runs before typesetting starts).
    let mut rest = text;
    while let Some(i) = rest.bytes().position(|b| !b.is_ascii()) {
        let Some(c) = rest[i..].chars().next() else {
            break;
        };
        if needs_composition(c) {
            return true;
        }
        rest = &rest[i + c.len_utf8()..];
    }
    false
}

/// Whether `c` is outside the blocks where the bundled Inter composes nothing.
fn needs_composition(c: char) -> bool {
    !matches!(
        u32::from(c),
        0x0000..=0x02FF // Latin, IPA, spacing modifier letters
            | 0x0370..=0x0482 // Greek and Coptic, Cyrillic (combining 0483–0489 excluded)
            | 0x048A..=0x052F // Cyrillic, Cyrillic supplement
            | 0x1E00..=0x1FFF // Latin extended additional, Greek extended
            | 0x2000..=0x20CF // punctuation, super- and subscripts, currency
            | 0x2100..=0x2BFF // letterlike, arrows, maths, technical, shapes, symbols
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_is_needed_only_for_marks_and_unknown_scripts() {
        assert!(!may_need_composition(
            "Owns on-call — “quickly”, Ж, Ω, café, Łódź ≥ 2 → ✓"
        ));
        for text in [
            "cafe\u{301}",
            "Ӑ\u{483}",
            "→\u{20DD}",
            "مرحبا",
            "हिन्दी",
            "漢字",
        ] {
            assert!(may_need_composition(text), "{text}");
        }
    }
}
