//! The choices a user makes for `rungs pdf`, checked before anything compiles: paper size,
//! PDF standards, creation date.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use typst::foundations::Datetime;
use typst::layout::Paper as TypstPaper;
use typst_pdf::{PdfStandard, PdfStandards};

use crate::diag::{Diagnostic, Flags};

/// Short names people type, mapped to Typst's paper names.
const PAPER_ALIASES: [(&str, &str); 4] = [
    ("letter", "us-letter"),
    ("legal", "us-legal"),
    ("tabloid", "us-tabloid"),
    ("executive", "us-executive"),
];

/// A paper size Typst knows, by its Typst name (`a4`, `us-letter`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paper(String);

impl Paper {
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl Default for Paper {
    fn default() -> Self {
        Self("a4".into())
    }
}

impl FromStr for Paper {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_lowercase();
        let name = PAPER_ALIASES
            .iter()
            .find(|(alias, _)| *alias == lower)
            .map_or(lower.as_str(), |(_, name)| name);
        if TypstPaper::from_str(name).is_ok() {
            Ok(Self(name.to_owned()))
        } else {
            Err(format!(
                "unknown paper size `{s}`: use a4, a3, a5, letter, legal, tabloid or another Typst paper name (iso-b5, jis-b5, us-executive, …; https://typst.app/docs/reference/layout/page/#parameters-paper)"
            ))
        }
    }
}

impl fmt::Display for Paper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The standards typst-pdf can enforce, as written on the command line.
pub const STANDARD_NAMES: [&str; 17] = [
    "1.4", "1.5", "1.6", "1.7", "2.0", "a-1a", "a-1b", "a-2a", "a-2b", "a-2u", "a-3a", "a-3b",
    "a-3u", "a-4", "a-4e", "a-4f", "ua-1",
];

/// One PDF standard or version (`a-2b`, `ua-1`, `2.0`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standard(PdfStandard);

impl FromStr for Standard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_lowercase();
        let lower = lower
            .strip_prefix("pdf/")
            .or_else(|| lower.strip_prefix("pdf"))
            .unwrap_or(&lower);
        let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            lower.into_deserializer();
        PdfStandard::deserialize(de).map(Self).map_err(|_| {
            format!(
                "unknown PDF standard `{s}`: use one of {}",
                STANDARD_NAMES.join(", ")
            )
        })
    }
}

/// Checks that the standards can hold together (at most one PDF/A, one PDF/UA, one version,
/// and overlapping versions).
pub fn standards(list: &[Standard], flags: &Flags) -> Result<PdfStandards, Diagnostic> {
    let raw: Vec<PdfStandard> = list.iter().map(|s| s.0).collect();
    let flag = flags.pdf_standard;
    // typst-pdf accepts this pair and only fails on export, once per document: say it once, now.
    if raw.contains(&PdfStandard::Ua_1)
        && (raw.contains(&PdfStandard::A_1b) || raw.contains(&PdfStandard::A_1a))
    {
        return Err(Diagnostic::failure(
            "pdf-standard",
            format!("{flag}: PDF/A-1 and PDF/UA-1 cannot be combined (PDF/A-1 means PDF 1.4, which cannot tag headers and footers)"),
        )
        .with_hint("use a-2b (or a-2a, a-2u) with ua-1"));
    }
    PdfStandards::new(&raw).map_err(|e| {
        let mut d = Diagnostic::failure("pdf-standard", format!("{flag}: {}", e.message()));
        for hint in e.hints() {
            d = d.with_hint(hint.as_str());
        }
        d.with_hint(format!(
            "combine at most one PDF/A standard with ua-1, e.g. `{flag} a-2b {flag} ua-1`"
        ))
    })
}

/// The creation date from seconds since 1970 (UTC).
pub fn datetime(timestamp: i64) -> Result<Datetime, Diagnostic> {
    let t = time::OffsetDateTime::from_unix_timestamp(timestamp).ok();
    t.filter(|t| t.year() >= 1970)
        .and_then(|t| {
            Datetime::from_ymd_hms(
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
            )
        })
        .ok_or_else(|| crate::util::epoch::out_of_range(timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn papers_and_aliases() {
        assert_eq!("A4".parse::<Paper>().expect("a4").name(), "a4");
        assert_eq!(
            "letter".parse::<Paper>().expect("letter").name(),
            "us-letter"
        );
        assert_eq!(
            "us-letter".parse::<Paper>().expect("us").name(),
            "us-letter"
        );
        let err = "a44".parse::<Paper>().expect_err("unknown");
        assert!(err.contains("unknown paper size `a44`"), "{err}");
    }

    #[test]
    fn every_listed_standard_parses() {
        for name in STANDARD_NAMES {
            assert!(name.parse::<Standard>().is_ok(), "{name}");
        }
        assert!("PDF/A-2b".parse::<Standard>().is_ok());
        assert!("a-9".parse::<Standard>().is_err());
    }

    #[test]
    fn impossible_combinations_are_explained() {
        let parse = |v: &[&str]| -> Vec<Standard> {
            v.iter().map(|s| s.parse().expect("standard")).collect()
        };
        let flags = crate::cli::FLAGS;
        assert!(standards(&parse(&["a-2b", "ua-1"]), &flags).is_ok());
        let err = standards(&parse(&["a-2b", "a-3b"]), &flags).expect_err("two PDF/A");
        assert!(err.message.contains("at most one PDF/A"), "{err:?}");
        let err = standards(&parse(&["a-1b", "ua-1"]), &flags).expect_err("PDF 1.4 cannot tag");
        assert!(err.hints[0].contains("use a-2b"), "{err:?}");
        let err = standards(&parse(&["2.0", "a-2b"]), &flags).expect_err("no common version");
        assert!(err.message.starts_with("--pdf-standard:"), "{err:?}");
    }

    #[test]
    fn dates() {
        let d = datetime(crate::util::epoch::DEFAULT).expect("1980");
        assert_eq!(
            (d.year(), d.month(), d.day()),
            (Some(1980), Some(1), Some(1))
        );
        assert!(datetime(-1).is_err());
        assert!(datetime(i64::MAX).is_err());
    }
}
