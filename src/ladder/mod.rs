//! Loading a ladder: finds the file, decodes it, parses the Markdown ([`parse`]), folds it into
//! the model ([`build`]), validates it and checks its quality ([`lint`]); [`changes`] compares
//! each level with the one below. All problems are returned together.

mod build;
mod changes;
mod frontmatter;
mod lint;
mod parse;

use std::path::{Path, PathBuf};

pub(crate) use parse::{collapse, expectation, slug, valid_id, valid_level_code};

use crate::diag::{Diagnostic, Error, LineIndex, Location};
use crate::model::Ladder;
use crate::util::text::io_reason;

/// The ladder shipped in `ladder/`, compiled in so rungs works from any folder.
pub const BUNDLED_LADDER: &str = include_str!("../../ladder/titles-for-ops.md");
/// File name of [`BUNDLED_LADDER`].
pub const BUNDLED_LADDER_NAME: &str = "titles-for-ops.md";

/// A ladder that loaded, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub ladder: Ladder,
    pub warnings: Vec<Diagnostic>,
    /// Where it came from, as shown to the user.
    pub origin: String,
}

/// Where to read the ladder from: the `--ladder` argument, or the default.
///
/// A folder must hold exactly one `.md` ladder (a `README.md` is ignored). With no argument,
/// `./ladder/` is used when it exists, and otherwise the bundled ladder compiled into rungs.
/// `flag` names the setting that gives the path.
fn resolve(path: Option<&Path>, flag: &str) -> Result<Option<PathBuf>, Error> {
    let (dir, explicit) = match path {
        Some(p) if p.is_dir() => (p.to_path_buf(), true),
        Some(p) => return Ok(Some(p.to_path_buf())),
        None if Path::new("ladder").is_dir() => (PathBuf::from("ladder"), false),
        None => return Ok(None),
    };
    let file_loc = |msg: String, hint: String| {
        Error::from(
            Diagnostic::error(
                "ladder-folder",
                msg,
                Location::File {
                    file: dir.display().to_string(),
                },
            )
            .with_hint(hint),
        )
    };
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        file_loc(
            format!("cannot read the folder: {e}"),
            "check the path".into(),
        )
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
                && !p
                    .file_name()
                    .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"))
                && p.is_file()
        })
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.pop()),
        0 if !explicit => Ok(None),
        0 => Err(file_loc(
            "the folder holds no `.md` ladder".into(),
            format!("pass the ladder file itself with `{flag} FILE.md`"),
        )),
        _ => Err(file_loc(
            format!(
                "the folder holds {} ladders: {}",
                found.len(),
                found
                    .iter()
                    .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("pick one with `{flag} FOLDER/NAME.md`"),
        )),
    }
}

/// Loads the ladder at `path` (or the default: see [`resolve`]) and validates it. `flag` names
/// the setting that gives the path, for hints.
pub fn load(path: Option<&Path>, flag: &str) -> Result<Loaded, Error> {
    match resolve(path, flag)? {
        Some(p) => load_file(&p, flag),
        None => load_str(
            BUNDLED_LADDER_NAME,
            BUNDLED_LADDER.as_bytes(),
            "bundled ladder",
        ),
    }
}

/// Loads one ladder file.
fn load_file(path: &Path, flag: &str) -> Result<Loaded, Error> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Error::from(
            Diagnostic::error(
                "unreadable-ladder",
                format!("cannot read the ladder: {}", ladder_io_reason(&e)),
                Location::File {
                    file: shown.clone(),
                },
            )
            .with_hint(format!(
                "check the path given to `{flag}` (a `.md` file or a folder holding one)"
            )),
        )
    })?;
    load_str(&shown, &bytes, &shown)
}

/// Why a ladder file could not be read; a ladder is always a file, so a missing one is "no
/// such file".
fn ladder_io_reason(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "no such file".into()
    } else {
        io_reason(e)
    }
}

/// Parses and validates a ladder from bytes. `file` is the name used in messages.
pub fn load_str(file: &str, bytes: &[u8], origin: &str) -> Result<Loaded, Error> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            // Decoding up to the bad byte is valid UTF-8 by construction.
            let good = std::str::from_utf8(good).unwrap_or("");
            let idx = LineIndex::new(file, good);
            let mut loc = idx.location(good.len(), good.len());
            if let Location::Text { width, .. } = &mut loc {
                *width = 1;
            }
            return Err(Error::from(
                Diagnostic::error(
                    "invalid-utf8",
                    format!(
                        "the file is not valid UTF-8 (byte 0x{:02X} at offset {})",
                        bytes[e.valid_up_to()],
                        e.valid_up_to()
                    ),
                    loc,
                )
                .with_hint("save the file as UTF-8 (most editors: \"Save with encoding\")"),
            ));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let idx = LineIndex::new(file, text);
    let (raw, mut diags) = parse::parse(&idx, text);
    let ladder = build::build(&idx, file, &raw, &mut diags);
    if let Some(l) = &ladder {
        diags.extend(lint::check(&idx, &raw, l));
    }
    diags.sort_by_key(|d| match d.location.as_deref() {
        Some(Location::Text { line, col, .. }) => (*line, *col),
        _ => (0, 0),
    });
    match ladder {
        Some(ladder) if !diags.iter().any(Diagnostic::is_error) => Ok(Loaded {
            ladder,
            warnings: diags,
            origin: origin.to_owned(),
        }),
        // Every problem found, warnings included.
        _ => Err(Error::input(diags)),
    }
}
