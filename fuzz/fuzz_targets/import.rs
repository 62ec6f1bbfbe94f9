//! Fuzz target: the whole import of one returned workbook, bytes → pre-check → reader →
//! validated review or a list of problems, exactly as `rungs tally` does for each file. It must
//! never panic or abort (calamine aborts on some crafted files: the pre-check must stop them),
//! and a rejection always says why.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rungs::model::Ladder;
use rungs::workbook::{precheck, read};

fn ladder() -> &'static Ladder {
    static LADDER: OnceLock<Ladder> = OnceLock::new();
    LADDER.get_or_init(|| {
        let text = include_str!("../../ladder/titles-for-ops.md");
        rungs::ladder::load_str("titles-for-ops.md", text.as_bytes(), "bundled")
            .expect("the bundled ladder loads")
            .ladder
    })
}

fuzz_target!(|data: &[u8]| {
    let ctx = read::Context::new(ladder(), None, None, &rungs::cli::FLAGS);
    if precheck::check(data, "fuzz.xlsx", &precheck::LIMITS).is_err() {
        return;
    }
    let outcomes = read::read("fuzz.xlsx", data.to_vec(), [0; 32], &ctx);
    assert!(!outcomes.is_empty(), "a file gives at least one outcome");
    for outcome in outcomes {
        if let Err(rejected) = outcome {
            assert!(!rejected.problems.is_empty(), "rejected without a reason");
        }
    }
});
