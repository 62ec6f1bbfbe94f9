//! `rungs export`: the ladder model as data for layouts and other tools.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::diag::{Diagnostic, Error};
use crate::util::atomic::{self, Overwrite};

#[derive(Debug, clap::Subcommand)]
pub enum Format {
    /// The model as JSON (shape documented in docs/json-contract.md); stdout unless `-o`.
    Json {
        /// Write to this file (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn run(ladder: Option<&Path>, format: &Format) -> Result<ExitCode, Error> {
    let loaded = super::load_ladder(ladder)?;
    let Format::Json { output } = format;
    let json = loaded.ladder.to_json();
    match output {
        None => super::print_stdout(&json),
        Some(path) => {
            let dir = atomic::folder_of(path);
            let _lock = super::lock_output(&dir)?;
            let name = path.file_name().unwrap_or_default();
            super::warn_strays(&dir, false, &|n| std::ffi::OsStr::new(n) == name, &[]);
            atomic::write(path, json.as_bytes(), Overwrite::Replace).map_err(|e| {
                Error::failed(vec![Diagnostic::failure(
                    "write-failed",
                    format!("cannot write {}: {e}", path.display()),
                )])
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
