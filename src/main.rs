//! The `rungs` command: everything is in the library's `cli` module.

use std::process::ExitCode;

/// jemalloc rather than the system allocator: reading thousands of workbooks in parallel, the
/// system allocator fragments until the resident memory is several times the live heap;
/// jemalloc stays near it.
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once when it starts (before `main`): one arena for all threads.
/// With one arena per thread, each thread's freed memory stayed with it, and the parallel
/// workbook writing and reading paid for it in page faults and resident memory.
/// `_RJEM_MALLOC_CONF` in the environment still overrides it at run time.
// SAFETY: jemalloc declares this symbol weak and reads it as a NUL-terminated `const char *`;
// this is such a pointer to a string that lives for the whole program.
#[allow(unsafe_code)]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: Option<&u8> = Some(&b"narenas:1\0"[0]);

fn main() -> ExitCode {
    rungs::cli::main()
}
