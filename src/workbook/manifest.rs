//! `manifest.json`: every review sent from one output folder. Written by `rungs sheets` (one
//! entry at a time, so a long roster never has all its entries in memory) and read back, by the
//! one reader here, both by `rungs sheets` (to merge reruns) and by `rungs tally` (`--manifest`).

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{MANIFEST_FORMAT, Provenance, SCHEMA_VERSION};
use crate::diag::{Diagnostic, Flags, Location};

/// `manifest.json`: every review sent from one output folder (merged across runs by form id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// The highest schema version of the reviews listed: [`SCHEMA_VERSION`], or
    /// [`super::BUNDLE_SCHEMA_VERSION`] when any is in a bundle.
    pub schema_version: u32,
    /// `rungs <version>` that wrote it.
    pub generator: String,
    /// The entries kept from earlier runs as they were listed, then the last run's in roster
    /// order. Readers look entries up by form id; the order is for people reading the file.
    pub reviews: Vec<ManifestEntry>,
}

/// One review workbook sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The workbook's provenance (form id, ladder, person, reviewer, cycle, …).
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The reviewer's employee id, when the roster lists the reviewer as a person (people
    /// rosters); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_id: Option<String>,
    /// Path relative to the manifest's folder, `/`-separated.
    pub file: String,
    /// The review's sheet, when the workbook is a bundle of several reviews; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// [`locked_text_hash`] of the workbook as sent.
    pub locked_text_sha256: String,
    /// SHA-256 of the workbook file as sent.
    pub file_sha256: String,
    /// Number of competency rows.
    pub competencies: usize,
    /// The person's team as the roster gave it (`None` when the roster has no team column or
    /// the cell is empty; also for manifests written before rungs recorded it).
    #[serde(default)]
    pub team: Option<String>,
}

impl Manifest {
    /// A manifest of `reviews`; its schema version is the highest of theirs.
    pub fn new(reviews: Vec<ManifestEntry>) -> Self {
        Self {
            format: MANIFEST_FORMAT.to_owned(),
            schema_version: reviews
                .iter()
                .map(|e| e.provenance.schema_version)
                .fold(SCHEMA_VERSION, u32::max),
            generator: format!("rungs {}", env!("CARGO_PKG_VERSION")),
            reviews,
        }
    }
}

/// Writes a [`Manifest`] holding `reviews` as pretty JSON, with the same bytes as
/// `serde_json::to_writer_pretty(&Manifest::new(reviews))`, but taking the entries one at a
/// time: each is built, written and dropped before the next, so a long roster never has all
/// its entries in memory. `reviews` must already be in manifest order, and `schema_version`
/// the highest of theirs.
pub fn write_manifest<W, I>(w: W, schema_version: u32, reviews: I) -> serde_json::Result<()>
where
    W: std::io::Write,
    I: Iterator,
    I::Item: std::borrow::Borrow<ManifestEntry>,
{
    /// One entry, owned or borrowed.
    struct Entry<T>(T);
    impl<T: std::borrow::Borrow<ManifestEntry>> Serialize for Entry<T> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.borrow().serialize(s)
        }
    }
    /// The entries as a JSON array, drawn from the iterator while serialising.
    struct Lazy<I>(std::cell::Cell<Option<I>>);
    impl<I> Serialize for Lazy<I>
    where
        I: Iterator,
        I::Item: std::borrow::Borrow<ManifestEntry>,
    {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let it = self.0.take().ok_or_else(|| {
                serde::ser::Error::custom("the manifest's entries were already written")
            })?;
            s.collect_seq(it.map(Entry))
        }
    }
    /// [`Manifest`] with borrowed header fields and lazy entries (a unit test checks that
    /// both give the same bytes).
    #[derive(Serialize)]
    #[serde(bound = "Lazy<I>: Serialize")]
    struct Streamed<'a, I> {
        format: &'a str,
        schema_version: u32,
        generator: &'a str,
        reviews: Lazy<I>,
    }
    let head = Manifest::new(Vec::new());
    serde_json::to_writer_pretty(
        w,
        &Streamed {
            format: &head.format,
            schema_version: schema_version.max(head.schema_version),
            generator: &head.generator,
            reviews: Lazy(std::cell::Cell::new(Some(reviews))),
        },
    )
}

/// Why a manifest could not be used.
#[derive(Debug)]
pub(crate) enum ManifestProblem {
    /// The file could not be read (it may not exist).
    Io(io::Error),
    /// It is not JSON of a manifest's shape.
    Invalid(serde_json::Error),
    /// It is JSON of that shape, but its `format` is not [`MANIFEST_FORMAT`].
    Format(String),
}

/// Whose manifest is read, which decides what the user is told to do about a bad one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ManifestRole {
    /// The manifest of earlier runs in the folder `rungs sheets` writes to.
    Earlier,
    /// The manifest given to `rungs tally` to check the returns against.
    Sent,
}

/// Reads and checks a manifest.
pub(crate) fn read_manifest(path: &Path) -> Result<Manifest, ManifestProblem> {
    let bytes = std::fs::read(path).map_err(ManifestProblem::Io)?;
    let m: Manifest = serde_json::from_slice(&bytes).map_err(ManifestProblem::Invalid)?;
    if m.format == MANIFEST_FORMAT {
        Ok(m)
    } else {
        Err(ManifestProblem::Format(m.format))
    }
}

impl ManifestProblem {
    /// The problem as a diagnostic on the manifest file.
    pub(crate) fn diagnostic(&self, path: &Path, role: ManifestRole, flags: &Flags) -> Diagnostic {
        let loc = Location::File {
            file: path.display().to_string(),
        };
        match (role, self) {
            (ManifestRole::Earlier, Self::Io(e)) => Diagnostic::error(
                "manifest-unreadable",
                format!("cannot read the manifest: {e}"),
                loc,
            ),
            (ManifestRole::Earlier, Self::Invalid(_) | Self::Format(_)) => Diagnostic::error(
                "manifest-unreadable",
                "the manifest of earlier runs in this folder cannot be read",
                loc,
            )
            .with_hint(format!(
                "move it away (it lists the reviews sent before) or choose another output folder with {}",
                flags.output
            )),
            (ManifestRole::Sent, Self::Io(e)) => Diagnostic::error(
                "manifest-unreadable",
                format!("cannot read the manifest: {e}"),
                loc,
            )
            .with_hint("pass the manifest.json that `rungs sheets` wrote beside the workbooks"),
            (ManifestRole::Sent, Self::Invalid(e)) => Diagnostic::error(
                "manifest-invalid",
                format!("the manifest is not valid: {e}"),
                loc,
            )
            .with_hint("pass the manifest.json that `rungs sheets` wrote, unedited"),
            (ManifestRole::Sent, Self::Format(format)) => Diagnostic::error(
                "manifest-invalid",
                format!("the file's format is '{format}', not a rungs manifest"),
                loc,
            )
            .with_hint("pass the manifest.json that `rungs sheets` wrote"),
        }
    }
}
