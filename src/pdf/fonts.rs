//! Fonts for the PDFs: Inter compiled into the binary (SIL OFL, `fonts/OFL.txt`), plus any the
//! user adds with `--font-path`. Never the system's fonts, so every machine prints the same.

use std::fs;
use std::io;
use std::path::Path;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

use crate::diag::{Diagnostic, Flags};
use crate::util::text::io_reason;

/// The bundled family, as layouts name it.
#[cfg(test)]
const FAMILY: &str = "Inter";

/// Inter Regular, Italic, Bold and Bold Italic.
const BUNDLED: [&[u8]; 4] = [
    include_bytes!("../../fonts/Inter-Regular.otf"),
    include_bytes!("../../fonts/Inter-Italic.otf"),
    include_bytes!("../../fonts/Inter-Bold.otf"),
    include_bytes!("../../fonts/Inter-BoldItalic.otf"),
];

/// File extensions read from `--font-path` folders.
const EXTENSIONS: [&str; 4] = ["ttf", "otf", "ttc", "otc"];

/// Every font available to the layouts, parsed once and shared by all documents and threads.
#[derive(Debug)]
pub struct Fonts {
    pub book: LazyHash<FontBook>,
    pub fonts: Vec<Font>,
}

impl Fonts {
    /// The bundled fonts, then the fonts found in `extra` folders (searched recursively, in
    /// file-name order so the result does not depend on the file system's listing order).
    pub fn load(extra: &[impl AsRef<Path>], flags: &Flags) -> Result<Self, Diagnostic> {
        let mut fonts: Vec<Font> = BUNDLED
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        for dir in extra {
            let dir = dir.as_ref();
            let mut files = Vec::new();
            let flag = flags.font_path;
            collect(dir, &mut files).map_err(|e| {
                Diagnostic::failure(
                    "font-folder",
                    format!(
                        "cannot read the font folder {}: {}",
                        dir.display(),
                        io_reason(&e)
                    ),
                )
                .with_hint(format!(
                    "{flag} takes a folder holding .ttf, .otf, .ttc or .otc files"
                ))
            })?;
            if files.is_empty() {
                return Err(Diagnostic::failure(
                    "font-folder",
                    format!(
                        "no fonts in {} (looked for .ttf, .otf, .ttc and .otc files)",
                        dir.display()
                    ),
                )
                .with_hint(format!("{flag} takes a folder holding font files")));
            }
            files.sort();
            for file in files {
                let data = fs::read(&file).map_err(|e| {
                    Diagnostic::failure(
                        "font-file",
                        format!("cannot read the font {}: {e}", file.display()),
                    )
                })?;
                let before = fonts.len();
                fonts.extend(Font::iter(Bytes::new(data)));
                if fonts.len() == before {
                    return Err(Diagnostic::failure(
                        "font-file",
                        format!("{} is not a font rungs can read", file.display()),
                    )
                    .with_hint("remove it from the folder, or use an OpenType or TrueType file"));
                }
            }
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Self { book, fonts })
    }

    /// Whether some font can draw `c` (typst falls back through all of them).
    pub fn covers(&self, c: char) -> bool {
        self.fonts
            .iter()
            .any(|f| f.info().coverage.contains(u32::from(c)))
    }
}

/// Font files below `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_family_has_four_styles() {
        let fonts = Fonts::load(&[] as &[&Path], &crate::cli::FLAGS).expect("bundled fonts");
        assert_eq!(fonts.fonts.len(), 4);
        assert!(fonts.fonts.iter().all(|f| f.info().family == FAMILY));
        assert!(fonts.covers('’') && fonts.covers('—') && fonts.covers('Ж'));
        assert!(!fonts.covers('漢') && !fonts.covers('😀'));
    }

    #[test]
    fn an_empty_font_folder_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let err = Fonts::load(&[tmp.path()], &crate::cli::FLAGS).expect_err("no fonts");
        assert!(err.message.contains("no fonts in"), "{err:?}");
    }
}
