//! Forgiving reading of a rating cell: the label picked from the dropdown, or what an
//! application or a person made of it (spaces, non-breaking spaces, case, a level code's number
//! stored as text, a number or a date), accepted only when it maps to exactly one choice.

use crate::model::RatingScale;

/// A rating cell's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    Blank,
    NotObserved,
    /// Index into `scale.options`.
    Option(usize),
    Invalid,
}

/// Trims, turns non-breaking and other Unicode spaces into plain ones, collapses runs of
/// whitespace and lowercases.
pub fn normalise(s: &str) -> String {
    s.split(|c: char| {
        c.is_whitespace() || matches!(c, '\u{a0}' | '\u{202f}' | '\u{2007}' | '\u{feff}')
    })
    .filter(|w| !w.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase()
}

/// Reads a text rating.
pub fn parse_text(scale: &RatingScale, s: &str) -> Parsed {
    let n = normalise(s);
    if n.is_empty() {
        return Parsed::Blank;
    }
    if n == normalise(&scale.not_observed) {
        return Parsed::NotObserved;
    }
    if let Some(i) = scale.options.iter().position(|o| normalise(&o.label) == n) {
        return Parsed::Option(i);
    }
    // A number typed as text ("3", "3.0"): the option whose label's number it is.
    match n.parse::<f64>() {
        Ok(f) => parse_number(scale, f),
        Err(_) => Parsed::Invalid,
    }
}

/// Reads a number (or a date's serial number): it names the option whose label is that number,
/// or whose label's only digits are that number (`3` → `L3`), when exactly one does.
pub fn parse_number(scale: &RatingScale, f: f64) -> Parsed {
    if !f.is_finite() || f.fract() != 0.0 || !(0.0..=1e6).contains(&f) {
        return Parsed::Invalid;
    }
    let text = format_number(f);
    if let Some(i) = scale
        .options
        .iter()
        .position(|o| normalise(&o.label) == text)
    {
        return Parsed::Option(i);
    }
    let matches: Vec<usize> = scale
        .options
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            let digits: String = o.label.chars().filter(char::is_ascii_digit).collect();
            let digits = digits.trim_start_matches('0');
            !digits.is_empty() && digits == text
        })
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [i] => Parsed::Option(*i),
        _ => Parsed::Invalid,
    }
}

/// `3` for 3.0, `2.5` for 2.5: numbers as a person typed them.
pub fn format_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RatingOption, ScaleKind};

    fn levels() -> RatingScale {
        RatingScale {
            kind: ScaleKind::Levels,
            options: ["L1", "L2", "L3", "L4", "L5"]
                .iter()
                .enumerate()
                .map(|(i, l)| RatingOption {
                    label: (*l).to_owned(),
                    value: i32::try_from(i).unwrap_or_default(),
                    description: None,
                })
                .collect(),
            not_observed: "Not observed".to_owned(),
        }
    }

    #[test]
    fn forgiving_but_unambiguous() {
        let s = levels();
        assert_eq!(parse_text(&s, "L3"), Parsed::Option(2));
        assert_eq!(parse_text(&s, " l3\u{a0}"), Parsed::Option(2));
        assert_eq!(parse_text(&s, "3"), Parsed::Option(2));
        assert_eq!(parse_text(&s, "3.0"), Parsed::Option(2));
        assert_eq!(parse_number(&s, 3.0), Parsed::Option(2));
        assert_eq!(parse_text(&s, "NOT  observed"), Parsed::NotObserved);
        assert_eq!(parse_text(&s, "\u{a0} "), Parsed::Blank);
        assert_eq!(parse_text(&s, "Senior"), Parsed::Invalid);
        assert_eq!(parse_text(&s, "L6"), Parsed::Invalid);
        assert_eq!(parse_number(&s, 2.5), Parsed::Invalid);
        assert_eq!(parse_number(&s, 6.0), Parsed::Invalid);
    }

    #[test]
    fn ambiguous_numbers_are_refused() {
        let mut s = levels();
        s.options[0].label = "E3".to_owned();
        assert_eq!(parse_number(&s, 3.0), Parsed::Invalid);
        assert_eq!(parse_text(&s, "e3"), Parsed::Option(0));
    }
}
