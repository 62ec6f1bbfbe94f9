//! The rows of a roster file, whatever its format: a CSV (separated by `,`, `;` or tabs, in the
//! encodings of [`super::encoding`]) or the first sheet of a spreadsheet (XLSX, XLS, ODS).

use std::path::Path;

use encoding_rs::Encoding;

use super::encoding::{self, Decoded};
use super::{Record, column_name};
use crate::diag::{Diagnostic, Flags, Location};

/// A roster file's content, read whole but not yet split into rows (rows are made one at a
/// time by [`Source::records`], so only the reviews that pass are kept, never the table).
pub(super) enum Source {
    Csv(Decoded),
    Sheet {
        name: String,
        range: calamine::Range<calamine::Data>,
    },
}

impl Source {
    /// The sheet read, for a spreadsheet.
    pub(super) fn sheet(&self) -> Option<String> {
        match self {
            Self::Csv(_) => None,
            Self::Sheet { name, .. } => Some(name.clone()),
        }
    }

    /// The encoding read, when it is not plain UTF-8.
    pub(super) fn encoding(&self) -> Option<&'static str> {
        match self {
            Self::Csv(d) => d.read_as,
            Self::Sheet { .. } => None,
        }
    }

    /// The rows, one at a time.
    pub(super) fn records<'a>(
        &'a self,
        file: &'a str,
        flags: &'a Flags,
    ) -> Box<dyn Iterator<Item = Record> + 'a> {
        match self {
            Self::Csv(decoded) => Box::new(csv_records(file, decoded, flags)),
            Self::Sheet { range, .. } => Box::new(sheet_records(range)),
        }
    }
}

/// Reads the rows of a roster file. `chosen` is the encoding the user gave for a CSV.
pub(super) fn open(
    path: &Path,
    file: &str,
    chosen: Option<&'static Encoding>,
    flags: &Flags,
) -> Result<Source, Diagnostic> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let file_loc = || Location::File {
        file: file.to_owned(),
    };
    match ext.as_str() {
        "csv" | "tsv" | "txt" => {
            let bytes = std::fs::read(path).map_err(|e| {
                Diagnostic::error(
                    "roster-unreadable",
                    format!("cannot read the roster: {e}"),
                    file_loc(),
                )
                .with_hint(format!("check the path given to {}", flags.roster))
            })?;
            Ok(Source::Csv(encoding::decode(bytes, chosen, file)?))
        }
        "xlsx" | "xlsm" | "xls" | "ods" => open_sheet(path, file, flags),
        _ => Err(Diagnostic::error(
            "roster-format",
            format!("cannot tell the roster's format from its name (`.{ext}`)"),
            file_loc(),
        )
        .with_hint("give a `.csv`, `.tsv`, `.txt` (Unicode text), `.xlsx` or `.ods` file")),
    }
}

/// The records of a decoded CSV file, one at a time. The first line decides the separator.
pub(super) fn csv_records<'a>(
    file: &'a str,
    decoded: &'a Decoded,
    flags: &'a Flags,
) -> impl Iterator<Item = Record> + 'a {
    let bytes: &[u8] = &decoded.bytes;
    let rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(bytes))
        .from_reader(bytes);
    rdr.into_byte_records().enumerate().map(move |(i, rec)| {
        let row = i + 1;
        let rec = rec.map_err(|e| {
            Diagnostic::error(
                "roster-csv",
                format!("the CSV cannot be read: {e}"),
                Location::Cell {
                    file: file.to_owned(),
                    sheet: None,
                    cell: format!("row {row}"),
                },
            )
            .with_hint("save the roster as CSV (UTF-8) from your spreadsheet application")
        })?;
        let mut fields = Vec::with_capacity(rec.len());
        for (c, f) in rec.iter().enumerate() {
            let s = std::str::from_utf8(f)
                .map_err(|_| not_utf8(file, row, c, decoded.likely, flags))?;
            fields.push(s.trim().to_owned());
        }
        Ok((row, fields))
    })
}

/// A field of a file read as UTF-8 that is not: the file is in another encoding.
fn not_utf8(file: &str, row: usize, col: usize, likely: Option<&str>, flags: &Flags) -> Diagnostic {
    let likely = likely.unwrap_or("another encoding");
    let label = if likely == "Windows-1252" {
        "windows-1252"
    } else {
        "LABEL"
    };
    Diagnostic::error(
        "roster-encoding",
        format!("the roster is not UTF-8: this field is not valid UTF-8 (the file looks like {likely})"),
        Location::Cell {
            file: file.to_owned(),
            sheet: None,
            cell: format!("{}{row}", column_name(col)),
        },
    )
    .with_hint(format!(
        "pass {} {label} to read it as it is, or save the roster as \"CSV UTF-8\" (Excel) or \"Unicode text\"",
        flags.encoding
    ))
}

/// Excel saves CSV with `;` in many European locales, and "Unicode text" with tabs: the
/// separator that occurs most often in the first line wins (`,` on a tie).
pub(super) fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    // Pieces between separators: one more than the separators, which does not change the winner.
    let count = |d: u8| first.split(|b| *b == d).count();
    [b';', b'\t'].into_iter().fold(
        b',',
        |best, d| if count(d) > count(best) { d } else { best },
    )
}

/// A spreadsheet's first sheet.
fn open_sheet(path: &Path, file: &str, flags: &Flags) -> Result<Source, Diagnostic> {
    use calamine::{Reader, open_workbook_auto};
    let fail = |e: String| {
        Diagnostic::error(
            "roster-unreadable",
            format!("cannot read the roster workbook: {e}"),
            Location::File {
                file: file.to_owned(),
            },
        )
        .with_hint(format!(
            "check the path given to {}; the roster is read from the first sheet",
            flags.roster
        ))
    };
    let mut wb = open_workbook_auto(path).map_err(|e| fail(e.to_string()))?;
    let Some(sheet) = wb.sheet_names().first().cloned() else {
        return Err(fail("it has no sheets".into()));
    };
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| fail(e.to_string()))?;
    Ok(Source::Sheet { name: sheet, range })
}

/// The rows of a sheet, numbered as the application shows them (the range may start below
/// row 1).
fn sheet_records(range: &calamine::Range<calamine::Data>) -> impl Iterator<Item = Record> + '_ {
    use calamine::Data;
    let (start_row, _) = range.start().unwrap_or((0, 0));
    range.rows().enumerate().map(move |(i, r)| {
        let cells = r
            .iter()
            .map(|d| match d {
                Data::Empty => String::new(),
                // Ids typed as numbers come back as floats: `1001.0` means `1001`.
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                other => other.to_string().trim().to_owned(),
            })
            .collect();
        Ok((start_row as usize + i + 1, cells))
    })
}
