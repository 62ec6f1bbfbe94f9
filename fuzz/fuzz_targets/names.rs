//! Fuzz target: file names of review workbooks. Whatever text a roster holds, each sanitised
//! component is one safe, non-empty path component within the length limit, and a rendered
//! workbook path stays relative, inside the output folder, and ends in `.xlsx`.
#![no_main]

use std::path::Component;

use libfuzzer_sys::fuzz_target;
use rungs::sheets::names::{MAX_COMPONENT_BYTES, NamePattern, NameVars, sanitize_component};

/// The property, as one function so a failure message says which part broke.
fn check_component(input: &str, out: &str) {
    let fail = |why: &str| panic!("{why}: {input:?} -> {out:?}");
    if out.is_empty() {
        fail("empty");
    }
    if out.len() > MAX_COMPONENT_BYTES {
        fail("too long");
    }
    if out == "." || out == ".." || out.starts_with('.') {
        fail("dot name");
    }
    if out.ends_with(['.', ' ']) || out.starts_with(' ') {
        fail("leading space or trailing dot/space (Windows drops them)");
    }
    if out.chars().any(|c| {
        c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
    }) {
        fail("forbidden character");
    }
    if out.chars().any(|c| {
        // Bidi controls and zero-width spaces disguise names; the zero-width joiner (U+200D)
        // stays, since emoji sequences need it.
        matches!(c, '\u{061C}' | '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    }) {
        fail("invisible or bidi mark");
    }
    let stem = out.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        fail("Windows reserved name");
    }
    let mut comps = std::path::Path::new(out).components();
    if !matches!((comps.next(), comps.next()), (Some(Component::Normal(_)), None)) {
        fail("not exactly one normal path component");
    }
    // Sanitising is idempotent: a safe name stays as it is.
    if sanitize_component(out) != out {
        fail("not idempotent");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_component(&text, &sanitize_component(&text));

    // The whole file name, from the default pattern, with the text in every field.
    let parts: Vec<&str> = text.splitn(4, '\u{1}').collect();
    let get = |i: usize| parts.get(i).copied().unwrap_or("x");
    let pattern = NamePattern::new(rungs::sheets::names::DEFAULT_PATTERN).expect("default pattern");
    let vars = NameVars {
        cycle: get(0),
        reviewer: get(1),
        employee_id: get(2),
        name: get(3),
        level: "L1",
        role: "peer",
        team: get(1),
        form_id: "rv-0123456789ab",
    };
    let path = pattern.render(&vars).expect("the default pattern renders");
    assert!(path.is_relative(), "{path:?}");
    assert!(
        path.to_string_lossy().to_ascii_lowercase().ends_with(".xlsx"),
        "{path:?}"
    );
    for c in path.components() {
        match c {
            Component::Normal(s) => {
                let s = s.to_string_lossy();
                check_component(&text, &s);
            }
            other => panic!("unsafe component {other:?} in {path:?} from {text:?}"),
        }
    }
});
