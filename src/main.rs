//! The `rungs` command: everything is in the library's `cli` module.

use std::process::ExitCode;

/// jemalloc rather than the system allocator: reading thousands of workbooks in parallel, the
/// system allocator fragments until the resident memory is several times the live heap;
/// jemalloc stays near it.
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    rungs::cli::main()
}
