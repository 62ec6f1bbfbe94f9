//! Level labels as spreadsheets write them: `Senior SRE (L3)` (the form rungs writes, as in its
//! Markdown headings), `L3 Senior SRE`, `L3 – Senior SRE`, `L3: Senior SRE`, or a code alone
//! (`IC3`). A label gives a level's code and title.

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
    let code = first.trim_end_matches([':', '-', '–', '—', '·', '|']);
    if !looks_like_code(code) {
        return None;
    }
    let title = rest
        .trim_start_matches(['-', '–', '—', ':', '·', '|', ' '])
        .trim();
    Some(Label {
        code: code.to_owned(),
        title: if title.is_empty() { code } else { title }.to_owned(),
    })
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
    }

    #[test]
    fn other_text_is_not_a_label() {
        for text in [
            "Competency",
            "Area",
            "",
            "Communication (written and spoken)",
            "Level 3",
            "3",
            "Writes code",
            "ABCDE1 x",
            "L123",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
