//! Bundles (schema version [`super::BUNDLE_SCHEMA_VERSION`]): one workbook holding several reviews by
//! one reviewer, one review sheet each. What differs from a single review's workbook is
//! defined here; a review sheet itself is laid out exactly as the single `Review` sheet.
//!
//! | sheet | visibility | content |
//! |---|---|---|
//! | [`INSTRUCTIONS_SHEET`] | visible, first, protected | one text for every review |
//! | one per review, named by [`sheet_names`] | visible (the first opens), protected | as the `Review` sheet |
//! | [`PROVENANCE_SHEET`] | very hidden | row 0 `sheet` / `key` / `value`, then one row per sheet and key ([`PROVENANCE_COLUMNS`]) |
//! | [`RATINGS_SHEET`] | hidden | as in a single review's workbook |
//!
//! Provenance of each review, in three copies as for a single review: the review sheet's
//! visible header; the `Provenance` sheet's block of rows whose column A is the sheet's name;
//! and custom document properties [`property_name`]`(form_id, key)` for the twelve keys plus
//! [`KEY_SHEET`]. Each review sheet's header cells also have sheet-scoped defined names
//! `rungs_<key>`.

use super::{INSTRUCTIONS_SHEET, PROVENANCE_SHEET, RATINGS_SHEET, REVIEW_SHEET};
use crate::util::text::disguises;

/// The key naming a review's sheet, in the `Provenance` sheet's header and the properties.
pub const KEY_SHEET: &str = "sheet";

/// Row 0 of a bundle's `Provenance` sheet; a single review's has `key` / `value` only.
pub const PROVENANCE_COLUMNS: [&str; 3] = [KEY_SHEET, "key", "value"];

/// The most reviews one bundle holds: far more than one reviewer writes in a cycle, and within
/// the bounds the reader checks before it parses a returned file.
pub const MAX_REVIEWS: usize = 500;

/// Excel's longest sheet name, in UTF-16 code units.
pub const MAX_SHEET_NAME: usize = 31;

/// Custom document property of one review's `key` in a bundle: `rungs_<form_id>_<key>`.
pub fn property_name(form_id: &str, key: &str) -> String {
    format!("rungs_{form_id}_{key}")
}

/// The form id and key of a bundle's property name, if it is one (form ids hold no `_`).
pub fn parse_property_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("rungs_rv-")?;
    let (hex, key) = rest.split_once('_')?;
    let form_id = &name["rungs_".len().."rungs_rv-".len() + hex.len()];
    (!key.is_empty() && !hex.is_empty()).then_some((form_id, key))
}

/// Sheet names for reviews of these people (name, employee id), in order: each the person's
/// name made safe (Excel forbids `[ ] : * ? / \`, a leading or trailing `'`, more than 31
/// characters, and names equal ignoring case), unique, and never one of the workbook's other
/// sheets. Two people of one name are told apart by their employee ids.
pub fn sheet_names<'a>(people: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut taken: Vec<String> = [
        INSTRUCTIONS_SHEET,
        PROVENANCE_SHEET,
        RATINGS_SHEET,
        "History",
    ]
    .iter()
    .map(|s| s.to_lowercase())
    .collect();
    let mut out = Vec::new();
    for (name, employee_id) in people {
        let base = safe_sheet_name(name);
        let candidates = std::iter::once(base.clone())
            .chain(std::iter::once(with_suffix(
                &base,
                &format!(" ({})", cut_utf16(&safe_sheet_name(employee_id), 12)),
            )))
            .chain((2..).map(|n| with_suffix(&base, &format!(" ({n})"))));
        for candidate in candidates {
            let key = candidate.to_lowercase();
            if !taken.contains(&key) {
                taken.push(key);
                out.push(candidate);
                break;
            }
        }
    }
    out
}

/// A name Excel accepts as a sheet name: forbidden characters replaced (`[` `]` by
/// parentheses, the others by `_`), control and invisible characters dropped, white space
/// runs made one space, apostrophes trimmed from the ends, cut to [`MAX_SHEET_NAME`].
fn safe_sheet_name(name: &str) -> String {
    let mut cleaned = String::with_capacity(name.len());
    for c in name.chars() {
        let c = match c {
            '[' => '(',
            ']' => ')',
            ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() || c.is_whitespace() => ' ',
            c if disguises(c) => continue,
            c => c,
        };
        cleaned.push(c);
    }
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let joined = words.join(" ");
    let trimmed = joined.trim_matches('\'').trim();
    let cut = cut_utf16(trimmed, MAX_SHEET_NAME);
    let cut = cut.trim_end().trim_end_matches('\'');
    if cut.is_empty() {
        REVIEW_SHEET.to_owned()
    } else {
        cut.to_owned()
    }
}

/// `base` cut so that `base` + `suffix` fits in [`MAX_SHEET_NAME`].
fn with_suffix(base: &str, suffix: &str) -> String {
    let suffix = cut_utf16(suffix, MAX_SHEET_NAME - 4);
    let room = MAX_SHEET_NAME - suffix.encode_utf16().count();
    let head = cut_utf16(base, room).trim_end().trim_end_matches('\'');
    format!("{head}{suffix}")
}

/// The longest prefix of `s` of at most `max` UTF-16 code units (Excel counts those).
fn cut_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_safe_unique_and_short() {
        let long = "Maximiliane Wolkenstein-Rodenegg von Trostburg";
        let names = sheet_names([
            ("Ann Lee", "E1"),
            ("ann lee", "E2"),
            ("Ann Lee", "E2"),
            ("a[b]:c*d?e/f\\g", "E3"),
            ("'Quoted'", "E4"),
            ("Ratings", "E5"),
            (long, "E6"),
            (long, "E7-with-a-very-long-employee-id"),
            ("", "E8"),
            ("\u{202E}evil\u{202C}\nname", "E9"),
            ("👩‍💻👩‍💻👩‍💻👩‍💻👩‍💻👩‍💻", "E10"),
        ]);
        assert_eq!(names[0], "Ann Lee");
        assert_eq!(names[1], "ann lee (E2)");
        assert_eq!(names[2], "Ann Lee (2)");
        assert_eq!(names[3], "a(b)_c_d_e_f_g");
        assert_eq!(names[4], "Quoted");
        assert_eq!(names[5], "Ratings (E5)");
        assert_eq!(names[6], "Maximiliane Wolkenstein-Rodeneg");
        assert_eq!(names[8], "Review");
        assert_eq!(names[9], "evil name");
        let mut lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        lower.sort();
        lower.dedup();
        assert_eq!(lower.len(), names.len(), "{names:?}");
        for n in &names {
            rust_xlsxwriter::check_sheet_name(n).unwrap_or_else(|e| panic!("{n:?}: {e}"));
            assert!(n.encode_utf16().count() <= MAX_SHEET_NAME, "{n}");
        }
    }

    #[test]
    fn property_names_round_trip() {
        let name = property_name("rv-0123456789ab", "person_name");
        assert_eq!(name, "rungs_rv-0123456789ab_person_name");
        assert_eq!(
            parse_property_name(&name),
            Some(("rv-0123456789ab", "person_name"))
        );
        assert_eq!(parse_property_name("rungs_form_id"), None);
        assert_eq!(parse_property_name("rungs_rv-_x"), None);
        assert_eq!(parse_property_name("rungs_rv-abc_"), None);
    }
}
