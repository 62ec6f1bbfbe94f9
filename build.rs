//! Build script: embeds every file under `layouts/` into the binary (the default Typst layouts
//! of `rungs pdf`), so a layout designer adds a file without editing a list in Rust.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let layouts = root.join("layouts");
    println!("cargo::rerun-if-changed=layouts");
    let mut files = Vec::new();
    if layouts.is_dir() {
        collect(&layouts, &layouts, &mut files);
    }
    files.sort();
    let mut out = String::from("&[\n");
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_bytes!({abs:?})),").expect("write to a String");
    }
    out.push_str("]\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("layouts.rs");
    fs::write(dest, out).expect("write layouts.rs into OUT_DIR");
    relative_relocations();
    hot_code_first(&root);
}

/// On Linux with glibc, packs the binary's ~100,000 relative relocations into a compact table
/// (`DT_RELR`): the loader otherwise reads a 2.4 MB relocation table at every start, and those
/// pages stay resident for the whole run. The linker leaves it out where glibc cannot load it.
fn relative_relocations() {
    let var = |name| env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Where rust-lld links (`x86_64` Linux with glibc, the default there since Rust 1.90), lays out the
/// functions the main jobs run (`benches/hot-code.txt`, made by `benches/hot-code.py`) side by
/// side at the start of the code. They are 2 MB of 28 MB, and scattered: the kernel maps code in
/// 64 KB blocks around each page touched, so `rungs pdf` held 17 MB of code in memory. Names the
/// list has but the binary lacks are skipped, so a stale list costs memory, never correctness
/// (symbol names change with the toolchain, the lock file and the release profile: the list
/// fits the ones it was made with). Skipped when another linker is chosen (it may not know the
/// option), or with `RUNGS_NO_HOT_CODE` set.
fn hot_code_first(root: &Path) {
    println!("cargo::rerun-if-env-changed=RUNGS_NO_HOT_CODE");
    println!("cargo::rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    let list = root.join("benches").join("hot-code.txt");
    println!("cargo::rerun-if-changed={}", list.display());
    let var = |name: &str| env::var(name).unwrap_or_default();
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    let default_linker = var("TARGET") == "x86_64-unknown-linux-gnu"
        && var("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_empty()
        && !["linker", "link-self-contained", "fuse-ld"]
            .iter()
            .any(|f| flags.contains(f));
    if env::var_os("RUNGS_NO_HOT_CODE").is_some()
        || !default_linker
        || !list.is_file()
        || !rustc_links_with_lld()
    {
        return;
    }
    println!(
        "cargo::rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
        list.display()
    );
    println!("cargo::rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
}

/// Whether this rustc links `x86_64` Linux binaries with its own lld by default (1.90 and later).
fn rustc_links_with_lld() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = std::process::Command::new(rustc).arg("-V").output() else {
        return false;
    };
    let version = String::from_utf8_lossy(&out.stdout);
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let mut parts = version
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}

/// Kinds of file a layout can load. Anything else (rendered previews, PDFs, editor backups) stays
/// out of the binary.
const EMBEDDED: &[&str] = &[
    "typ", "json", "toml", "yaml", "yml", "csv", "txt", "xml", "bib", "svg", "png", "jpg", "jpeg",
];

/// Every layout file below `dir`, as (path relative to `root` with `/`, absolute path).
/// Hidden files and `data.json` (exported data a designer keeps there for `typst watch`;
/// rungs always serves its own) are left out.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect(root, &path, out);
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|e| EMBEDDED.contains(&e.to_string_lossy().as_ref()))
        {
            let rel = path
                .strip_prefix(root)
                .expect("walked below root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if rel == "data.json" {
                continue;
            }
            println!("cargo::rerun-if-changed={}", path.display());
            out.push((rel, path.display().to_string()));
        }
    }
}
