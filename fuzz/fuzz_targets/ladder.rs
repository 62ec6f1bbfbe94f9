//! Fuzz target: the ladder parser must never panic, on any bytes, and whatever it accepts must
//! export to JSON and render its diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match rungs::ladder::load_str("fuzz.md", data, "fuzz.md") {
        Ok(loaded) => {
            let json = loaded.ladder.to_json();
            assert!(!json.is_empty());
            let _ = rungs::cli::report::render_all(&loaded.warnings);
        }
        Err(e) => {
            // Every rejection explains itself, with at least one error.
            assert!(e.errors() > 0, "rejected without an error");
            assert!(!rungs::cli::report::render_error(&e).is_empty());
        }
    }
});
