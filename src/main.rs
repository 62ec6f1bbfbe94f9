//! The `rungs` command line: parses arguments and calls the library; nothing else lives here.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: reading thousands of workbooks in parallel,
/// glibc's malloc fragmented until the tally of 10,000 files held ~260 MB resident for a live
/// heap of ~40 MB; mimalloc returns freed pages and stays near the live heap.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("{err}");
            err.exit_code()
        }
    }
}
