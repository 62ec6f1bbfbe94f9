//! `rungs tally`: import returned review workbooks, verify every one, and tally them for
//! calibration.
//!
//! Pipeline: find the files ([`discover`]); read and verify each with the workbook format's
//! pre-check and reader, files in parallel, each in bounded memory, nothing kept but its
//! answers, and settle duplicates and conflicts ([`import`]); compute the consensus and the
//! suggested levels ([`consensus`]) and the calibration views ([`views`]); write it
//! ([`output`]). [`read`] reads `tally.json` back, for `rungs packet`.

pub mod consensus;
pub mod discover;
pub mod evidence;
pub mod history;
pub mod import;
pub mod output;
pub mod read;
pub mod views;

use std::path::PathBuf;

use crate::diag::Flags;

/// Settings of one import.
#[derive(Debug, Clone)]
pub struct Options {
    /// Files whose version wins when two returns of one review differ.
    pub prefer: Vec<PathBuf>,
    /// Only reviews of this cycle are accepted.
    pub cycle: Option<String>,
    pub flags: Flags,
}

pub use import::Import;
