//! A spreadsheet cell holding several expectations, split into them: one per line, or one per
//! leading marker (`•`, `-`, `*`, `–`, `1.` …) when the cell uses markers, a line without one
//! then continuing the expectation above it. Surrounding white space is trimmed and runs of it
//! become one space, as the ladder format reads text; everything else is kept as it is.

/// Bullet characters that mark an expectation even with no space after them.
const BULLETS: [char; 5] = ['•', '◦', '▪', '‣', '●'];
/// Characters that mark an expectation when a space follows them.
const DASHES: [char; 5] = ['-', '*', '+', '–', '—'];

/// The expectations in a cell, in order.
pub(crate) fn split(cell: &str) -> Vec<String> {
    let text = cell
        .replace("\r\n", "\n")
        .replace(['\r', '\u{2028}', '\u{2029}', '\u{b}', '\u{c}'], "\n");
    let mut lines: Vec<(bool, &str)> = Vec::new();
    for line in text.split('\n') {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        // `• one • two` on one line: a bullet after white space starts another expectation.
        if line.starts_with(BULLETS) {
            for piece in split_inline_bullets(line) {
                lines.push((true, strip_marker(piece).1));
            }
        } else {
            lines.push(strip_marker(line));
        }
    }
    let marked = lines.iter().any(|(m, _)| *m);
    let mut items: Vec<String> = Vec::new();
    for (i, (marker, body)) in lines.iter().enumerate() {
        match items.last_mut() {
            Some(last) if marked && !marker && i > 0 => {
                last.push(' ');
                last.push_str(body);
            }
            _ => items.push((*body).to_owned()),
        }
    }
    items
        .into_iter()
        .map(|s| crate::ladder::collapse(&s).trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A line that starts with a bullet, cut before every later bullet that follows white space.
fn split_inline_bullets(line: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut prev_space = false;
    for (i, c) in line.char_indices() {
        if i > 0 && prev_space && BULLETS.contains(&c) {
            pieces.push(line[start..i].trim());
            start = i;
        }
        prev_space = c.is_whitespace();
    }
    pieces.push(line[start..].trim());
    pieces
}

/// `(true, body)` when the line starts with a marker, else `(false, line)`.
fn strip_marker(line: &str) -> (bool, &str) {
    let mut chars = line.chars();
    let Some(first) = chars.next() else {
        return (false, line);
    };
    let rest = chars.as_str();
    if BULLETS.contains(&first) {
        return (true, rest.trim_start());
    }
    if DASHES.contains(&first) && rest.starts_with(char::is_whitespace) {
        return (true, rest.trim_start());
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let after = &line[digits..];
        if let Some(body) = after.strip_prefix(['.', ')'])
            && body.starts_with(char::is_whitespace)
        {
            return (true, body.trim_start());
        }
    }
    (false, line)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn each_marker_starts_an_expectation() {
        for (cell, want) in [
            ("• one\n• two", vec!["one", "two"]),
            ("- one\n- two", vec!["one", "two"]),
            ("* one\n* two", vec!["one", "two"]),
            ("– one\n– two", vec!["one", "two"]),
            ("1. one\n2) two\n10. three", vec!["one", "two", "three"]),
            ("•one •two", vec!["one", "two"]),
            ("one\r\ntwo\n\n three ", vec!["one", "two", "three"]),
            (
                "• one that\n  goes on\n• two",
                vec!["one that goes on", "two"],
            ),
            ("just  one", vec!["just one"]),
        ] {
            assert_eq!(split(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn text_is_kept_as_it_is() {
        for cell in [
            "-5% error budget",
            "1.5× faster deploys",
            "“Quotes” — dashes – and ‘more’",
            "*emphasis* is not markup here",
            "e.g. this, i.e. that",
            "2024 goals",
        ] {
            assert_eq!(split(cell), [cell], "{cell:?}");
        }
        assert_eq!(split(" \n \t"), Vec::<String>::new());
        // A marker is taken off once: what follows it is the text.
        assert_eq!(split("• - dash"), ["- dash"]);
        assert_eq!(split("\u{a0}keeps\u{a0}nbsp"), ["keeps\u{a0}nbsp"]);
    }
}
