//! `rungs layouts`: copy the built-in Typst layouts out for editing, or list them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::diag::Error;
use crate::pdf::layouts::{self, Copied};
use crate::util::atomic::{self, Overwrite};

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Copy the built-in layouts into a folder for editing, with the ladder's data.json.
    ///
    /// Files already there are kept (edits are never overwritten) unless --force. data.json (the
    /// ladder as `rungs export json` writes it) is always refreshed: it lets the stock typst
    /// compiler preview the layouts while you edit them. Then print with
    /// `rungs pdf --layouts DIR`.
    #[command(
        after_help = "Edit with live preview (needs the typst CLI):\n  rungs layouts init my-layouts\n  typst watch my-layouts/matrix.typ\n  typst watch --input level=L3 my-layouts/level.typ\n  rungs pdf --layouts my-layouts"
    )]
    Init {
        /// Folder to copy them into.
        #[arg(value_name = "DIR", default_value = "layouts")]
        dir: PathBuf,
        /// Replace files that already exist (your edits to them are lost).
        #[arg(long)]
        force: bool,
    },
    /// List the built-in layout files.
    List,
}

pub fn run(ladder: Option<&Path>, quiet: bool, action: &Action) -> Result<ExitCode, Error> {
    match action {
        Action::List => {
            let mut list = String::new();
            for (name, bytes) in layouts::BUILT_IN {
                let _ = writeln!(list, "{name}\t{} bytes", bytes.len());
            }
            super::print_stdout(&list);
            Ok(ExitCode::SUCCESS)
        }
        Action::Init { dir, force } => {
            let loaded = super::load_ladder(ladder)?;
            let failed = |d| Error::failed(vec![d]);
            let _lock = super::claim_output(
                dir,
                &super::OwnFiles::files(&|name| {
                    name == layouts::DATA || layouts::BUILT_IN.iter().any(|(n, _)| *n == name)
                }),
            )?;
            let done = layouts::init(dir, *force).map_err(failed)?;
            let data = dir.join(layouts::DATA);
            atomic::write(
                &data,
                loaded.ladder.to_json().as_bytes(),
                Overwrite::Replace,
            )
            .map_err(|e| failed(layouts::not_copied(dir, &e.to_string())))?;
            if !quiet {
                super::print_stdout(&summary(dir, &data, &done));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn summary(dir: &Path, data: &Path, done: &[Copied]) -> String {
    let mut out = String::new();
    for c in done {
        let _ = match c {
            Copied::Written(name) => writeln!(out, "wrote {}", dir.join(name).display()),
            Copied::Kept(name) => writeln!(
                out,
                "kept  {} (already there; --force replaces it)",
                dir.join(name).display()
            ),
        };
    }
    let _ = writeln!(
        out,
        "wrote {} (the ladder's data)\nnext: edit, preview with `typst watch {}`, print with `rungs pdf --layouts {}`",
        data.display(),
        dir.join(layouts::MATRIX).display(),
        dir.display()
    );
    out
}
