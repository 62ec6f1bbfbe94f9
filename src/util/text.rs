//! Text rules used in more than one place: canonical text for comparing what applications
//! return, cutting text to a size, the formula-injection rule, and how sizes, hashes and I/O
//! errors are put into words.

use std::fmt::Write as _;
use std::io;

/// Text as compared and hashed after a round trip through a spreadsheet application: the
/// escape `_x000D_` (openpyxl, Gnumeric) read as a carriage return, every CRLF and CR as LF,
/// surrounding whitespace trimmed. Applications rewrite exactly these; anything else is an edit.
pub fn canonical(s: &str) -> String {
    s.replace("_x000D_", "\r")
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// Bidi controls, zero-width characters and BOM: invisible, and used to disguise names (file
/// names, sheet names).
pub fn disguises(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// `one` or `many`, whichever fits `n`: the one pluralisation rule of every message.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `n` and its noun: `1 file`, `3 files`, `2 people`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// Names listed in a message before the rest are counted.
const LISTED: usize = 6;

/// `a`, `a and b`, `a, b and c`; past [`LISTED`] names, `a, b, …, f and 12 more`.
pub fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        _ if names.len() > LISTED => format!(
            "{} and {} more",
            names[..LISTED].join(", "),
            names.len() - LISTED
        ),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `s` cut to at most `max` bytes, ending with `…` when cut (for fields with a byte limit).
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    format!("{}…", truncate(s, max.saturating_sub('…'.len_utf8())))
}

/// `s` cut to at most `max` characters, ending with `…` when cut (for values quoted in messages).
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}

/// `s` on one line, its line breaks shown as `⏎`, cut to `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    shorten(&s.replace('\n', " ⏎ "), max)
}

/// Text that a spreadsheet could take for a formula: a line that starts, after spaces or
/// non-breaking spaces, with `=`, `+`, `-`, `@`, tab, CR or LF. One rule for workbook cells
/// (quote-prefixed) and CSV fields (`'`-prefixed).
pub fn looks_like_formula(s: &str) -> bool {
    s.split('\n').any(|l| {
        l.trim_start_matches([' ', '\u{a0}'])
            .starts_with(['=', '+', '-', '@', '\t', '\r', '\n'])
    })
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `1.5 MB`, `812 bytes`: sizes as people read them.
pub fn human_bytes(n: u64) -> String {
    if n < 1000 {
        format!("{n} bytes")
    } else if n < 1_000_000 {
        format!("{:.1} KB", n as f64 / 1e3)
    } else if n < 1_000_000_000 {
        format!("{:.1} MB", n as f64 / 1e6)
    } else {
        format!("{:.1} GB", n as f64 / 1e9)
    }
}

/// An I/O error's reason in words, without the path or error number the system may add.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "not found".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a folder".into(),
        io::ErrorKind::NotADirectory => "not a folder".into(),
        io::ErrorKind::AlreadyExists => "it already exists".into(),
        io::ErrorKind::StorageFull => "no space left on the device".into(),
        kind => kind.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut() {
        let names: Vec<String> = (1..=9).map(|i| format!("f{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(list(&names), "f1, f2, f3, f4, f5, f6 and 3 more");
        assert_eq!(list(&names[..3]), "f1, f2 and f3");
        assert_eq!(list(&names[..1]), "f1");
    }

    #[test]
    fn canonical_text_ignores_what_applications_rewrite() {
        assert_eq!(canonical(" • a\r\n• b_x000D_\n• c\r "), "• a\n• b\n• c");
        assert_eq!(canonical("a\rb"), "a\nb");
        assert_ne!(canonical("a b"), canonical("a  b"));
    }

    #[test]
    fn cutting_keeps_characters_whole() {
        let s = "é".repeat(200);
        let c = clip(&s, 255);
        assert!(c.len() <= 255 && c.ends_with('…'));
        assert_eq!(clip("short", 255), "short");
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(one_line("a\nb", 10), "a ⏎ b");
    }

    #[test]
    fn formula_lookalikes() {
        for s in [
            "=cmd|' /C calc'!A0",
            "+1",
            "-x",
            "@SUM(A1)",
            " =1",
            "\u{a0}=1",
            "\tx",
            "ok\n=2",
        ] {
            assert!(looks_like_formula(s), "{s:?}");
        }
        for s in ["Ada", "a=b", "L3", ""] {
            assert!(!looks_like_formula(s), "{s:?}");
        }
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(human_bytes(812), "812 bytes");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
        assert_eq!(hex(&[0, 255]), "00ff");
    }
}
