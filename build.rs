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
}

/// Kinds of file a layout can load. Anything else (rendered previews, PDFs, editor backups) stays
/// out of the binary.
const EMBEDDED: &[&str] = &[
    "typ", "json", "toml", "yaml", "yml", "csv", "txt", "xml", "bib", "svg", "png", "jpg", "jpeg",
];

/// Every layout file below `dir`, as (path relative to `root` with `/`, absolute path).
/// Hidden files, `data.json` and `packet.json` (exported data a designer keeps there for
/// `typst watch`; rungs always serves its own) are left out.
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
            if rel == "data.json" || rel == "packet.json" {
                continue;
            }
            println!("cargo::rerun-if-changed={}", path.display());
            out.push((rel, path.display().to_string()));
        }
    }
}
