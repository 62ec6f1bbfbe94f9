//! `tally.json`: the tally and its problems for other tools (`"format": "rungs-tally"`), the
//! shape documented in `docs/json-contract.md`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Problem, problems};
use crate::diag::Flags;
use crate::model::Ladder;
use crate::tally::Import;
use crate::tally::consensus::{RULE, Tally};

/// `tally.json`'s format name and version.
pub const JSON_FORMAT: &str = "rungs-tally";
pub const JSON_FORMAT_VERSION: u32 = 3;

/// Which ladder a JSON output was made with: `{id, title, version, fingerprint}`.
#[derive(Serialize)]
pub(crate) struct JsonLadder<'a> {
    id: &'a str,
    title: &'a str,
    version: &'a str,
    fingerprint: &'a str,
}

impl<'a> JsonLadder<'a> {
    pub(crate) fn of(ladder: &'a Ladder) -> Self {
        Self {
            id: &ladder.meta.id,
            title: &ladder.meta.title,
            version: &ladder.meta.version,
            fingerprint: &ladder.meta.fingerprint,
        }
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    format: &'static str,
    format_version: u32,
    /// The run's digest (`set::DIGEST_FIELD`), shared by the set's three files.
    run_digest: &'a str,
    ladder: JsonLadder<'a>,
    cycles: Vec<String>,
    rule: &'static str,
    tally: &'a Tally<'a>,
    problems: Vec<Problem>,
}

/// Writes `tally.json` to `out` as it is serialised.
pub fn json<W: Write>(
    mut w: W,
    ladder: &Ladder,
    import: &Import,
    tally: &Tally,
    flags: &Flags,
    digest: &str,
) -> io::Result<()> {
    let cycles = import.cycles();
    let doc = JsonOut {
        format: JSON_FORMAT,
        format_version: JSON_FORMAT_VERSION,
        run_digest: digest,
        ladder: JsonLadder::of(ladder),
        cycles,
        rule: RULE,
        tally,
        problems: problems(import, flags),
    };
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.write_all(b"\n")?;
    w.flush()
}
