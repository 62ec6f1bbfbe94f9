//! `tally.csv`: one row per rating (blank and "not observed" included, marked as such), with
//! every field a spreadsheet would run as a formula prefixed with `'`.

use std::borrow::Cow;
use std::io::Write;

use super::set::DIGEST_FIELD;
use crate::model::Ladder;
use crate::tally::Import;
use crate::util::text::looks_like_formula;
use crate::workbook::read::Rating;

/// A CSV field made safe for spreadsheets: text that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, tab, CR or LF, also after leading spaces or non-breaking
/// spaces, on any line) gets a leading `'`.
pub fn csv_safe(s: &str) -> String {
    if looks_like_formula(s) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Writes `tally.csv` to `out` as it goes: one row per rating (blank and "not observed"
/// included, marked as such), each ending in the run's digest (a last column, so readers that
/// take columns by name or position are unaffected, and any row tells its run).
pub fn csv<W: Write>(
    out: W,
    ladder: &Ladder,
    import: &Import,
    digest: &str,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "cycle",
        "employee_id",
        "person",
        "current_level",
        "reviewer",
        "reviewer_role",
        "form_id",
        "area",
        "competency_id",
        "competency",
        "status",
        "rating",
        "rating_value",
        "evidence",
        "file",
        DIGEST_FIELD,
    ])?;
    let comps: Vec<_> = ladder.competencies_by_area().collect();
    for k in &import.reviews {
        let r = &k.returned;
        for (a, stored) in r.answers.iter().zip(&k.evidence) {
            let Some((area, comp)) = comps.get(a.competency as usize) else {
                continue;
            };
            let (status, label, value) = match a.rating {
                Rating::Blank => ("blank", String::new(), String::new()),
                Rating::NotObserved => (
                    "not_observed",
                    ladder.rating.not_observed.clone(),
                    String::new(),
                ),
                Rating::Option(i) => (
                    "rated",
                    ladder.rating.options[i as usize].label.clone(),
                    ladder.rating.options[i as usize].value.to_string(),
                ),
            };
            let fields = [
                r.prov.cycle.clone(),
                r.prov.employee_id.clone(),
                r.prov.person_name.clone(),
                r.prov.current_level.clone(),
                r.prov.reviewer.clone(),
                r.prov.reviewer_role.as_str().to_owned(),
                r.prov.form_id.clone(),
                area.title.clone(),
                comp.id.clone(),
                comp.title.clone(),
                status.to_owned(),
                label,
                value,
                import.evidence.get(*stored)?,
                r.file.clone(),
            ];
            let safe = fields.iter().map(|f| Cow::Owned(csv_safe(f).into_bytes()));
            w.write_record(safe.chain(std::iter::once(Cow::Borrowed(digest.as_bytes()))))?;
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_never_run() {
        for s in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\t=x",
            " =x",
            "\u{a0}=x",
            "ok\n=cmd|' /C calc'!A0",
        ] {
            assert!(csv_safe(s).starts_with('\''), "{s:?}");
        }
        for s in ["L3", "Not observed", "a-b", "x = y"] {
            assert_eq!(csv_safe(s), s);
        }
    }
}
