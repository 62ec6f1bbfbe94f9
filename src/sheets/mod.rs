//! `rungs sheets`: review workbooks from a roster. The roster is read and checked
//! ([`roster`]), every workbook planned before anything is written ([`plan`]: file names from
//! the pattern in [`names`], collisions, existing files, the instruction template of
//! [`instructions`], the manifest of earlier runs), then built and written on all cores
//! ([`batch`]), one workbook at a time per thread, so memory stays flat in roster size. With
//! `--bundle reviewer`, each reviewer's reviews share one workbook ([`bundles`]). The
//! workbook's format is `crate::workbook`'s; nothing here knows its layout.

pub(crate) mod batch;
pub(crate) mod bundles;
pub(crate) mod instructions;
pub mod names;
pub(crate) mod plan;
pub(crate) mod roster;
mod strings;

use std::path::PathBuf;

use rust_xlsxwriter::ExcelDateTime;

use crate::diag::Flags;
use crate::model::Ladder;
use crate::workbook::{BUNDLE_SCHEMA_VERSION, Provenance, SCHEMA_VERSION, form_id};
pub(crate) use bundles::Bundle;
use instructions::Instructions;
use names::NamePattern;
use roster::Review;

/// Settings of one `rungs sheets` run.
#[derive(Debug)]
pub(crate) struct Options {
    /// The roster's name as shown in messages.
    pub roster_name: String,
    pub out_dir: PathBuf,
    pub cycle: String,
    pub due: Option<String>,
    pub pattern: NamePattern,
    pub instructions: Instructions,
    /// Replace existing workbooks.
    pub force: bool,
    /// Leave existing workbooks as they are and write only the missing ones.
    pub skip_existing: bool,
    /// Seconds since 1970 recorded as the creation date.
    pub epoch: i64,
    /// How reviews are put into workbooks: `None` for one workbook per review.
    pub bundle: Option<Bundle>,
    pub flags: Flags,
}

/// Whether `s` is a calendar date written `YYYY-MM-DD` (from 1900 on).
pub(crate) fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && match (
            parts[0].parse::<u16>(),
            parts[1].parse::<u8>(),
            parts[2].parse::<u8>(),
        ) {
            (Ok(y), Ok(m), Ok(d)) => ExcelDateTime::from_ymd(y, m, d).is_ok() && y >= 1900,
            _ => false,
        }
}

/// The provenance recorded in a review's workbook and manifest entry.
fn provenance(ladder: &Ladder, review: Review<'_>, opts: &Options) -> Provenance {
    Provenance {
        form_id: form_id(&opts.cycle, review.employee_id, review.reviewer),
        schema_version: if opts.bundle.is_some() {
            BUNDLE_SCHEMA_VERSION
        } else {
            SCHEMA_VERSION
        },
        ladder_id: ladder.meta.id.clone(),
        ladder_fingerprint: ladder.meta.fingerprint.clone(),
        ladder_version: ladder.meta.version.clone(),
        employee_id: review.employee_id.to_owned(),
        person_name: review.name.to_owned(),
        current_level: review.current_level.to_owned(),
        reviewer: review.reviewer.to_owned(),
        reviewer_role: review.role,
        cycle: opts.cycle.clone(),
        due_date: opts.due.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn due_dates_are_iso_calendar_dates() {
        assert!(is_date("2026-12-01"));
        assert!(is_date("2028-02-29"));
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "1 Dec",
            "2026-1-01",
            "",
            "2026-12-01T00",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
