//! The creation date recorded in every output: `SOURCE_DATE_EPOCH` (the reproducible-builds
//! convention) when set, else a fixed date, so that the same input always gives the same bytes.
//! One rule for every command: unset or blank means the fixed date.

use crate::diag::Diagnostic;

/// 1980-01-01T00:00:00Z, the earliest date the zip format (and so most reproducible-build
/// tooling) can record.
pub const DEFAULT: i64 = 315_532_800;

/// 9999-12-31T23:59:59Z: the last date PDF and spreadsheet dates can hold.
const LAST: i64 = 253_402_300_799;

/// The environment variable read.
pub const VARIABLE: &str = "SOURCE_DATE_EPOCH";

/// The creation date from the environment, in seconds since 1970 (UTC).
pub fn from_env() -> Result<i64, Diagnostic> {
    parse(std::env::var(VARIABLE).ok().as_deref())
}

/// The creation date from the variable's value (`None`: unset).
pub fn parse(value: Option<&str>) -> Result<i64, Diagnostic> {
    let Some(v) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(DEFAULT);
    };
    let seconds: i64 = v.trim().parse().map_err(|_| {
        Diagnostic::failure(
            "source-date-epoch",
            format!("{VARIABLE} is `{v}`, not a whole number of seconds since 1970"),
        )
        .with_hint(format!(
            "e.g. {VARIABLE}=$(git log -1 --format=%ct), or unset it for the fixed date 1980-01-01"
        ))
    })?;
    if (0..=LAST).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(out_of_range(seconds))
    }
}

/// Why a creation date cannot be recorded.
pub fn out_of_range(seconds: i64) -> Diagnostic {
    Diagnostic::failure(
        "source-date-epoch",
        format!("the creation date {seconds} (seconds since 1970) is out of range"),
    )
    .with_hint(format!(
        "set {VARIABLE} to a date between 1970 and 9999, or unset it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_and_blank_mean_the_fixed_date() {
        assert_eq!(parse(None), Ok(DEFAULT));
        assert_eq!(parse(Some("")), Ok(DEFAULT));
        assert_eq!(parse(Some("  ")), Ok(DEFAULT));
        assert_eq!(parse(Some(" 1700000000 ")), Ok(1_700_000_000));
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        let e = parse(Some("yesterday")).expect_err("not a number");
        assert!(e.message.contains("`yesterday`"), "{e:?}");
        assert!(parse(Some("-1")).is_err());
        assert!(parse(Some("253402300800")).is_err());
        assert_eq!(parse(Some("253402300799")), Ok(LAST));
    }
}
