//! The `rungs` command line: parses arguments and calls the library; nothing else lives here.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

/// jemalloc rather than the system allocator: reading thousands of workbooks in parallel,
/// glibc's malloc fragmented until the tally of 10,000 files held ~260 MB resident for a live
/// heap of ~40 MB. jemalloc stays near the live heap (mimalloc, also tried, kept half as much
/// again for the tally and more for small runs).
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
