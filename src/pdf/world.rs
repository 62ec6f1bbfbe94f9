//! Our Typst `World`: the layouts folder as the only file system, the data served from memory
//! (the ladder's JSON as `/data.json`, a packet's as `/packet.json`), the bundled fonts, a fixed
//! date, and no packages or network.

use std::collections::HashMap;
use std::sync::Mutex;

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime, Dict, Duration, Value};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use super::fonts::Fonts;
use super::layouts::{self, Found, Layouts};

/// What every document of one run shares: fonts, layout files, the data, the standard library,
/// caches. `Sync`, so the documents can compile on several threads at once.
#[derive(Debug)]
pub struct Shared {
    pub fonts: Fonts,
    pub layouts: Layouts,
    /// The ladder's JSON (`rungs export json`).
    data: String,
    /// Typst's standard library with the `sys.inputs` every document gets. Built and hashed
    /// once and shared, so documents reuse each other's cached results (the evaluated
    /// `lib.typ`, say).
    library: LazyHash<Library>,
    /// `datetime.today()`: the same fixed date as the PDF's creation date.
    today: Datetime,
    /// Files read so far, so each is read and parsed once per run however many documents use it.
    sources: Mutex<HashMap<FileId, FileResult<Source>>>,
    files: Mutex<HashMap<FileId, FileResult<Found>>>,
}

impl Shared {
    pub fn new(
        fonts: Fonts,
        layouts: Layouts,
        data: String,
        today: Datetime,
        inputs: &[(&str, &str)],
    ) -> Self {
        Self {
            fonts,
            layouts,
            data,
            library: library(inputs),
            today,
            sources: Mutex::default(),
            files: Mutex::default(),
        }
    }

    /// The file id of a path in the layouts root, e.g. `matrix.typ`.
    pub fn id(path: &str) -> Option<FileId> {
        let vpath = VirtualPath::new(path).ok()?;
        Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
    }

    /// How a file is named in messages, never a host path: where it was actually read from
    /// (`mine/matrix.typ` from the `--layouts` folder, `layouts/lib.typ` built in).
    pub fn shown(&self, id: FileId) -> String {
        if let Some(Ok(found)) = lock(&self.files).get(&id) {
            return found.shown.clone();
        }
        match id.root() {
            VirtualRoot::Project => self.layouts.shown(id.vpath()),
            VirtualRoot::Package(spec) => format!("{spec}{}", id.vpath().get_with_slash()),
        }
    }

    fn read(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(hit) = lock(&self.files).get(&id) {
            return hit.clone().map(|found| found.bytes);
        }
        let result = self.read_uncached(id);
        lock(&self.files).insert(id, result.clone());
        result.map(|found| found.bytes)
    }

    fn read_uncached(&self, id: FileId) -> FileResult<Found> {
        if served(id) == Some(layouts::DATA) {
            return Ok(Found {
                bytes: Bytes::from_string(self.data.clone()),
                shown: "data.json (the ladder's data)".into(),
            });
        }
        let vpath = match id.root() {
            VirtualRoot::Project => id.vpath(),
            VirtualRoot::Package(spec) => {
                return Err(FileError::Package(PackageError::Other(Some(
                    format!(
                        "rungs layouts cannot use packages such as {spec}: copy the files you need into the layouts folder"
                    )
                    .into(),
                ))));
            }
        };
        self.layouts.read(vpath)
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if let Some(hit) = lock(&self.sources).get(&id) {
            return hit.clone();
        }
        let result = self.read(id).and_then(|bytes| {
            let text = bytes.as_str().map_err(|_| FileError::InvalidUtf8)?;
            // A byte-order mark would shift every column by one.
            Ok(Source::new(
                id,
                text.trim_start_matches('\u{feff}').to_owned(),
            ))
        });
        lock(&self.sources).insert(id, result.clone());
        result
    }
}

/// Which of the files rungs serves from memory `id` is, if any (`data.json`, `packet.json`): a
/// file of that name in the layouts folder is never read.
fn served(id: FileId) -> Option<&'static str> {
    if id.root() != &VirtualRoot::Project {
        return None;
    }
    let path = id.vpath().get_without_slash();
    layouts::SERVED.iter().copied().find(|s| *s == path)
}

/// A poisoned lock only means another document's thread panicked; what it guards (a cache,
/// the parts made so far) is still sound.
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The standard library with these `sys.inputs`.
fn library(inputs: &[(&str, &str)]) -> LazyHash<Library> {
    let mut dict = Dict::new();
    for (key, value) in inputs {
        dict.insert((*key).into(), Value::Str((*value).into()));
    }
    LazyHash::new(Library::builder().with_inputs(dict).build())
}

/// One document to compile: a main layout file, its data, and the shared library or one of its
/// own.
pub struct DocWorld<'a> {
    shared: &'a Shared,
    /// `None`: the shared library.
    library: Option<LazyHash<Library>>,
    /// Where this document's data is served ([`layouts::DATA`], [`layouts::PACKET_DATA`]), and
    /// the data.
    data: (&'static str, Bytes),
    main: FileId,
}

impl<'a> DocWorld<'a> {
    /// With `inputs`, the document gets a library of its own whose `sys.inputs` are those;
    /// without, it uses the shared one.
    pub fn new(
        shared: &'a Shared,
        main: FileId,
        data: (&'static str, Bytes),
        inputs: Option<&[(&str, &str)]>,
    ) -> Self {
        Self {
            shared,
            library: inputs.map(library),
            data,
            main,
        }
    }

    pub fn shared(&self) -> &Shared {
        self.shared
    }
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library.as_ref().unwrap_or(&self.shared.library)
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.shared.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        // This document's own data (a ladder document's with its job); the other files served
        // from memory come from the shared set (the ladder's data), or are missing.
        match served(id) {
            Some(path) if path == self.data.0 => Ok(self.data.1.clone()),
            Some(path) if path != layouts::DATA => Err(FileError::NotFound(path.into())),
            _ => self.shared.read(id),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.shared.today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(dir: Option<&std::path::Path>) -> Shared {
        let fonts = Fonts::load(&[] as &[&std::path::Path], &crate::cli::FLAGS).expect("fonts");
        let layouts = dir.map_or_else(Layouts::built_in, |d| {
            Layouts::with_dir(d).expect("layouts dir")
        });
        let today = Datetime::from_ymd(1980, 1, 1).expect("date");
        Shared::new(fonts, layouts, "{\"x\": 1}".into(), today, &[])
    }

    #[test]
    fn data_json_is_ours_even_if_the_folder_has_one() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("data.json"), "stale").expect("write");
        let s = shared(Some(tmp.path()));
        let id = Shared::id("/data.json").expect("id");
        assert_eq!(s.read(id).expect("data").as_slice(), b"{\"x\": 1}");
    }

    #[test]
    fn files_are_named_where_they_were_read_from() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("matrix.typ"), "mine").expect("write");
        let s = shared(Some(tmp.path()));
        let dir = tmp.path().display();
        for (path, shown) in [
            ("/matrix.typ", format!("{dir}/matrix.typ")),
            ("/level.typ", "layouts/level.typ".to_owned()),
        ] {
            let id = Shared::id(path).expect("id");
            s.read(id).expect("readable");
            assert_eq!(s.shown(id), shown);
        }
    }

    #[test]
    fn packages_are_refused() {
        let s = shared(None);
        let spec = "@preview/cetz:0.3.0".parse().expect("spec");
        let id = RootedPath::new(
            VirtualRoot::Package(spec),
            VirtualPath::new("/lib.typ").expect("path"),
        )
        .intern();
        let err = s.read(id).expect_err("no packages");
        assert!(err.to_string().contains("cannot use packages"), "{err}");
    }

    #[test]
    fn missing_files_are_named_by_virtual_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let s = shared(Some(tmp.path()));
        let id = Shared::id("/etc/passwd").expect("id");
        let err = s.read(id).expect_err("missing").to_string();
        // Named as the folder the user gave plus the virtual path: never the file it resolved to.
        let expected = format!("{}/etc/passwd", tmp.path().display());
        assert_eq!(err, format!("file not found (searched at {expected})"));
    }

    #[test]
    fn a_bom_does_not_shift_columns() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("x.typ"), "\u{feff}hello").expect("write");
        let s = shared(Some(tmp.path()));
        let src = s.source(Shared::id("/x.typ").expect("id")).expect("source");
        assert_eq!(src.text(), "hello");
    }
}
