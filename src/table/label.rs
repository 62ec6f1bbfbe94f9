//! Level labels as spreadsheets write them: `Senior SRE (L3)` (the form rungs writes, as in its
//! Markdown headings), `L3 Senior SRE`, `L3 – Senior SRE`, `L3: Senior SRE`, a code alone
//! (`IC3`), or a numbered level (`Level 3`, `Level 3 – Senior SRE`, whose code is `L3`). A
//! label gives a level's code and title.

/// A level's code and title, read from a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label {
    pub code: String,
    /// The title; the code itself when the label has none (`IC3`).
    pub title: String,
}

/// The label rungs writes for a level: `Title (CODE)`.
pub(crate) fn write(code: &str, title: &str) -> String {
    format!("{title} ({code})")
}

/// Reads a level label; `None` when the text is not one.
pub(crate) fn parse(text: &str) -> Option<Label> {
    let s = crate::ladder::collapse(text);
    let s = s.trim();
    if let Some(label) = parenthesised(s) {
        return Some(label);
    }
    let (first, rest) = s.split_once(' ').unwrap_or((s, ""));
    let code = first.trim_end_matches(SEPARATORS);
    if looks_like_code(code) {
        return Some(titled(code, rest, code));
    }
    numbered(first, rest, s)
}

/// What may stand between a code and a title.
const SEPARATORS: [char; 6] = [':', '-', '–', '—', '·', '|'];

/// A label from its code and the text after it (separators and spaces taken off); `bare` is the
/// title when nothing follows.
fn titled(code: &str, rest: &str, bare: &str) -> Label {
    let title = rest
        .trim_start_matches(|c| SEPARATORS.contains(&c) || c == ' ')
        .trim();
    Label {
        code: code.to_owned(),
        title: if title.is_empty() { bare } else { title }.to_owned(),
    }
}

/// `Level 3` (also `Grade`, `Band`, any case), with or without a title after it: the code is
/// the word's initial and the number (`L3`).
fn numbered(word: &str, rest: &str, whole: &str) -> Option<Label> {
    if !["level", "grade", "band"].contains(&word.to_lowercase().as_str()) {
        return None;
    }
    let (number, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let number = number.trim_end_matches(SEPARATORS);
    if !(1..=2).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let initial = word.chars().next()?.to_ascii_uppercase();
    let bare = whole[..whole.len() - rest.len()]
        .trim()
        .trim_end_matches(SEPARATORS);
    Some(titled(&format!("{initial}{number}"), rest, bare))
}

/// `Title (CODE)`, the code any code the ladder format allows.
fn parenthesised(s: &str) -> Option<Label> {
    let inner = s.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let code = inner[open + 1..].trim();
    if !crate::ladder::valid_level_code(code) {
        return None;
    }
    let title = inner[..open].trim();
    Some(Label {
        code: code.to_owned(),
        title: if title.is_empty() { code } else { title }.to_owned(),
    })
}

/// A code as written before a title: one to four letters, an optional `-` or `.`, one or two
/// digits and an optional letter (`L3`, `IC3`, `IC-3`, `E5`, `L10`, `M2a`).
fn looks_like_code(tok: &str) -> bool {
    let chars: Vec<char> = tok.chars().collect();
    let letters = chars.iter().take_while(|c| c.is_alphabetic()).count();
    if !(1..=4).contains(&letters) {
        return false;
    }
    let mut rest = &chars[letters..];
    if let [sep, tail @ ..] = rest
        && matches!(sep, '-' | '.')
    {
        rest = tail;
    }
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&digits) {
        return false;
    }
    match &rest[digits..] {
        [] => true,
        [c] => c.is_alphabetic(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)] // compared with what `parse` returns
    fn l(code: &str, title: &str) -> Option<Label> {
        Some(Label {
            code: code.into(),
            title: title.into(),
        })
    }

    #[test]
    fn the_forms_spreadsheets_use() {
        assert_eq!(parse("Senior SRE (L3)"), l("L3", "Senior SRE"));
        assert_eq!(parse("L3 Senior SRE"), l("L3", "Senior SRE"));
        assert_eq!(parse("L3 – Senior SRE"), l("L3", "Senior SRE"));
        assert_eq!(parse("L3: Senior SRE"), l("L3", "Senior SRE"));
        assert_eq!(parse("L3\nSenior  SRE"), l("L3", "Senior SRE"));
        assert_eq!(parse("IC3"), l("IC3", "IC3"));
        assert_eq!(parse(" IC-3 Staff "), l("IC-3", "Staff"));
        assert_eq!(parse("Einsteiger·in (S1)"), l("S1", "Einsteiger·in"));
        assert_eq!(parse("Lead (IC+3)"), l("IC+3", "Lead"));
        assert_eq!(parse(&write("matrix", "東京")), l("matrix", "東京"));
        assert_eq!(parse("Level 3"), l("L3", "Level 3"));
        assert_eq!(
            parse("level 3 – Senior Engineer"),
            l("L3", "Senior Engineer")
        );
        assert_eq!(parse("Grade 10: Principal"), l("G10", "Principal"));
    }

    #[test]
    fn other_text_is_not_a_label() {
        for text in [
            "Competency",
            "Area",
            "",
            "Communication (written and spoken)",
            "Level three",
            "Levels 3",
            "3",
            "Writes code",
            "ABCDE1 x",
            "L123",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
