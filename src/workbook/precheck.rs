//! Hostile-file defence: decides what a returned file is and whether it is safe to hand to
//! calamine, before calamine sees a single byte.
//!
//! calamine 0.38 aborts the whole process (not a catchable panic) on a few tiny crafted files:
//! a huge `uniqueCount` in `xl/sharedStrings.xml` makes it reserve terabytes at open (its issue
//! #684). So every file is sniffed by its magic bytes, its zip directory is checked against
//! bounds a review form never comes near (entries, declared sizes, compression ratio, duplicate
//! names), and the parts calamine parses are checked for a hostile shared-string count and for
//! document type declarations. The zip crate enforces the declared sizes while inflating, so
//! bounding them bounds the bytes read and the time spent. Cells are then read with the
//! streaming reader (see `read.rs`), never `worksheet_range` (issue #693).

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use quick_xml::events::Event;
use zip::{CompressionMethod, ZipArchive};

use crate::diag::{Diagnostic, Location};
use crate::util::text::{human_bytes, shorten};

/// Bounds far above any review workbook (a rungs form is 10–60 KB, its parts well under 1 MB even
/// with pages of evidence) and far below what would hurt the machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Size of the file on disk.
    pub file_bytes: u64,
    /// Entries in the zip.
    pub entries: usize,
    /// Declared uncompressed size of one entry.
    pub entry_bytes: u64,
    /// Sum of the declared uncompressed sizes.
    pub total_bytes: u64,
    /// Uncompressed / compressed size of an entry, checked for entries above `ratio_floor` bytes.
    pub ratio: u64,
    pub ratio_floor: u64,
    /// Declared size of the shared-string table, which calamine holds in memory whole.
    pub shared_strings_bytes: u64,
    /// `uniqueCount` / `count` of the shared-string table.
    pub shared_strings: u64,
    /// Bytes of an XML part read to find its root element.
    pub prolog_bytes: u64,
}

/// The bounds used by `rungs tally`.
pub const LIMITS: Limits = Limits {
    file_bytes: 32 << 20,
    entries: 1_000,
    entry_bytes: 48 << 20,
    total_bytes: 96 << 20,
    ratio: 200,
    ratio_floor: 1 << 20,
    shared_strings_bytes: 4 << 20,
    shared_strings: 500_000,
    prolog_bytes: 64 << 10,
};

/// A file refused before it was parsed: the diagnostic, at the file.
fn reject(
    file: &str,
    code: &'static str,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(
        code,
        message,
        Location::File {
            file: file.to_owned(),
        },
    )
    .with_hint(hint)
}

const RESEND: &str = "ask the reviewer to send the .xlsx review workbook again";
const SAVE_AS_XLSX: &str = "open it, choose File › Save As… with the type \"Excel Workbook (.xlsx)\", and import that file; better, ask the reviewer to fill in the .xlsx workbook rungs sent, since only it carries the form's hidden ids";

/// What the first bytes say a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Zip,
    /// OLE compound file: a legacy `.xls`, or an encrypted OOXML file.
    Ole,
    Pdf,
    /// Text: CSV, TSV, HTML, XML or anything else printable.
    Text,
    Unknown,
}

/// Classifies a file by its magic bytes.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Sniffed::Zip
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Sniffed::Ole
    } else if bytes.starts_with(b"%PDF") {
        Sniffed::Pdf
    } else if looks_like_text(bytes) {
        Sniffed::Text
    } else {
        Sniffed::Unknown
    }
}

fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    // A cut in the middle of a UTF-8 sequence at the end of the sample is still text.
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() || e.valid_up_to() > head.len().saturating_sub(4),
    };
    let head_is_utf16 = head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF");
    head_is_utf16
        || (valid
            && !head
                .iter()
                .any(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))))
}

/// Reads a file with a bounded amount of memory; refuses what cannot be a review workbook
/// without reading it (too large, not a regular file).
pub fn read_bounded(path: &Path, file: &str, limits: &Limits) -> Result<Vec<u8>, Diagnostic> {
    let unreadable = |e: std::io::Error| {
        reject(
            file,
            "unreadable",
            format!("cannot read the file: {e}"),
            "check that the file exists and that you may read it",
        )
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(reject(
            file,
            "not-a-file",
            "not a regular file (a folder, pipe or device)",
            "pass workbook files or folders holding them",
        ));
    }
    if meta.len() > limits.file_bytes {
        return Err(too_large(file, meta.len(), limits));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    File::open(path)
        .and_then(|f| f.take(limits.file_bytes + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > limits.file_bytes {
        return Err(too_large(file, bytes.len() as u64, limits));
    }
    Ok(bytes)
}

fn too_large(file: &str, len: u64, limits: &Limits) -> Diagnostic {
    reject(
        file,
        "too-large",
        format!(
            "the file is {}, far larger than a review workbook (at most {} accepted)",
            human_bytes(len),
            human_bytes(limits.file_bytes)
        ),
        "a returned review is a few dozen KB: check that this is the right file",
    )
}

/// Checks `bytes` (a whole file) before calamine may open it. `Ok` means: a zip holding an
/// xlsx workbook within every bound, without duplicate entries, encryption, a hostile
/// shared-string count or a DTD in the parts calamine parses.
pub fn check(bytes: &[u8], file: &str, limits: &Limits) -> Result<(), Diagnostic> {
    if bytes.is_empty() {
        return Err(reject(
            file,
            "empty-file",
            "the file is empty (0 bytes)",
            format!("the save, copy or download failed; {RESEND}"),
        ));
    }
    match sniff(bytes) {
        Sniffed::Zip => check_zip(bytes, file, limits),
        Sniffed::Ole => Err(classify_ole(bytes, file)),
        Sniffed::Pdf => Err(reject(
            file,
            "pdf-file",
            "this is a PDF, not a review workbook",
            format!("a printed or exported review cannot be read back; {RESEND}"),
        )),
        Sniffed::Text => Err(classify_text(bytes, file)),
        Sniffed::Unknown => Err(reject(
            file,
            "not-a-workbook",
            "not a workbook: the file does not start like any spreadsheet format",
            format!("it may be damaged or another kind of file; {RESEND}"),
        )),
    }
}

/// An OLE compound file is either encrypted OOXML (Office wraps password-protected workbooks
/// in one, with `EncryptionInfo` and `EncryptedPackage` streams) or a legacy binary document.
fn classify_ole(bytes: &[u8], file: &str) -> Diagnostic {
    let has = |name: &str| {
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        bytes.windows(utf16.len()).any(|w| w == utf16.as_slice())
    };
    if has("EncryptedPackage") || has("EncryptionInfo") {
        reject(
            file,
            "encrypted",
            "the workbook is password-protected (encrypted), so it cannot be read",
            "ask the reviewer to remove the password to open (Excel: File › Info › Protect Workbook › Encrypt with Password, clear it; LibreOffice: File › Save As… without \"Save with password\") and send it again",
        )
    } else if has("Workbook") || has("Book") {
        reject(
            file,
            "legacy-xls",
            "this is a legacy Excel 97–2003 workbook (.xls), not the .xlsx review form",
            SAVE_AS_XLSX,
        )
    } else {
        reject(
            file,
            "legacy-office",
            "this is a legacy Office document (OLE compound file), not the .xlsx review form",
            format!("it may be a .doc or .ppt saved by mistake; {RESEND}"),
        )
    }
}

fn classify_text(bytes: &[u8], file: &str) -> Diagnostic {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<?xml") && head.contains("urn:schemas-microsoft-com:office:spreadsheet") {
        reject(
            file,
            "xml-spreadsheet",
            "this is an Excel 2003 XML spreadsheet, not the .xlsx review form",
            SAVE_AS_XLSX,
        )
    } else if head.starts_with("<!doctype html") || head.starts_with("<html") {
        reject(
            file,
            "html-file",
            "this is a web page (HTML), not the .xlsx review form",
            format!("a spreadsheet exported as a web page cannot be read back; {RESEND}"),
        )
    } else if head.starts_with('<') {
        reject(
            file,
            "xml-file",
            "this is an XML text file, not the .xlsx review form",
            RESEND,
        )
    } else {
        reject(
            file,
            "csv-file",
            "this is a text file (CSV or similar), not the .xlsx review form",
            format!(
                "a CSV export keeps no hidden ids, so rungs cannot tell whose review it is; {RESEND}"
            ),
        )
    }
}

fn check_zip(bytes: &[u8], file: &str, limits: &Limits) -> Result<(), Diagnostic> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        if has_end_of_directory(bytes) {
            reject(
                file,
                "damaged-zip",
                format!("the file is damaged: its zip structure cannot be read ({e})"),
                RESEND,
            )
        } else {
            reject(
                file,
                "truncated",
                format!(
                    "the file is truncated: it starts like a workbook but ends after {} without the zip directory",
                    human_bytes(bytes.len() as u64)
                ),
                format!("the save, copy or download was cut short; {RESEND}"),
            )
        }
    })?;
    if zip.len() > limits.entries {
        return Err(reject(
            file,
            "too-many-entries",
            format!(
                "the zip holds {} entries; a workbook has a few dozen (at most {} accepted)",
                zip.len(),
                limits.entries
            ),
            format!("this is not a review workbook, or it was crafted; {RESEND}"),
        ));
    }
    if zip.has_duplicate_names() {
        let names = duplicate_names(&zip);
        return Err(reject(
            file,
            "duplicate-entries",
            format!(
                "the zip holds more than one entry named {names}: a reader would silently pick one"
            ),
            format!(
                "no spreadsheet application writes such a file: it was crafted or damaged; {RESEND}"
            ),
        ));
    }
    let mut total: u64 = 0;
    let mut has_workbook = false;
    let mut kind_hint = None;
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|e| {
            reject(
                file,
                "damaged-zip",
                format!("the file is damaged: zip entry {i} cannot be read ({e})"),
                RESEND,
            )
        })?;
        let (name, size) = check_entry(&entry, file, limits)?;
        total = total.saturating_add(size);
        match name.to_ascii_lowercase().as_str() {
            "xl/workbook.xml" => has_workbook = true,
            "xl/workbook.bin" => kind_hint = Some(Kind::Xlsb),
            "mimetype" | "content.xml" => kind_hint = kind_hint.or(Some(Kind::OpenDocument)),
            "word/document.xml" => kind_hint = Some(Kind::Word),
            "ppt/presentation.xml" => kind_hint = Some(Kind::PowerPoint),
            _ => {}
        }
    }
    if total > limits.total_bytes {
        return Err(bomb(
            file,
            &format!(
                "the workbook would expand to {} in total, far more than a review workbook (at most {})",
                human_bytes(total),
                human_bytes(limits.total_bytes)
            ),
        ));
    }
    if !has_workbook {
        return Err(not_xlsx(&mut zip, file, kind_hint));
    }
    check_parts(&mut zip, file, limits)
}

/// One zip entry within every bound: not encrypted, compressed the way spreadsheet
/// applications compress, not expanding beyond the limits. Returns its name and declared size.
fn check_entry(
    entry: &zip::read::ZipFileEntry<'_>,
    file: &str,
    limits: &Limits,
) -> Result<(String, u64), Diagnostic> {
    let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
    if entry.encrypted() {
        return Err(reject(
            file,
            "encrypted",
            format!("the zip entry '{name}' is encrypted, so the workbook cannot be read"),
            format!("remove the password and save again; {RESEND}"),
        ));
    }
    if !matches!(
        entry.compression(),
        CompressionMethod::Stored | CompressionMethod::Deflated
    ) {
        return Err(reject(
            file,
            "unsupported-compression",
            format!(
                "the zip entry '{name}' uses the compression method {}, which spreadsheet applications never write",
                entry.compression()
            ),
            format!("the file was made by another tool or crafted; {RESEND}"),
        ));
    }
    let size = entry.size();
    if size > limits.entry_bytes {
        return Err(bomb(
            file,
            &format!(
                "the zip entry '{name}' would expand to {}, far more than any part of a review workbook (at most {})",
                human_bytes(size),
                human_bytes(limits.entry_bytes)
            ),
        ));
    }
    let compressed = entry.compressed_size().max(1);
    if size > limits.ratio_floor && size / compressed > limits.ratio {
        return Err(bomb(
            file,
            &format!(
                "the zip entry '{name}' expands {}× ({} from {}): a zip bomb",
                size / compressed,
                human_bytes(size),
                human_bytes(compressed)
            ),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if let Some((_, cap)) = HELD_WHOLE.iter().find(|(part, _)| lower == *part)
        && size > *cap
    {
        return Err(bomb(
            file,
            &format!(
                "the part '{name}' is {}, far more than a review workbook holds (at most {}); readers keep it in memory whole",
                human_bytes(size),
                human_bytes(*cap)
            ),
        ));
    }
    Ok((name, size))
}

/// Parts calamine parses into memory whole at open (the shared strings are bounded separately,
/// by [`Limits::shared_strings_bytes`]); a rungs workbook's are a few KB.
const HELD_WHOLE: [(&str, u64); 5] = [
    // Each `<xf>` becomes a few hundred bytes of styles in memory.
    ("xl/styles.xml", 1 << 20),
    ("xl/workbook.xml", 4 << 20),
    ("xl/_rels/workbook.xml.rels", 1 << 20),
    ("_rels/.rels", 1 << 20),
    ("docprops/custom.xml", 1 << 20),
];

fn bomb(file: &str, message: &str) -> Diagnostic {
    reject(
        file,
        "zip-bomb",
        message,
        format!(
            "no review workbook looks like this: the file was crafted or is not a review; {RESEND}"
        ),
    )
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Xlsb,
    OpenDocument,
    Word,
    PowerPoint,
}

fn not_xlsx(zip: &mut ZipArchive<Cursor<&[u8]>>, file: &str, kind: Option<Kind>) -> Diagnostic {
    match kind {
        Some(Kind::OpenDocument) => {
            let mimetype = read_prefix(zip, "mimetype", 200).unwrap_or_default();
            let mimetype = String::from_utf8_lossy(&mimetype);
            if mimetype.contains("opendocument.spreadsheet") || mimetype.is_empty() {
                reject(
                    file,
                    "ods",
                    "this is an OpenDocument spreadsheet (.ods), not the .xlsx review form",
                    "in LibreOffice choose File › Save As… with the type \"Excel 2007-365 (.xlsx)\" and import that file",
                )
            } else {
                reject(
                    file,
                    "opendocument",
                    format!(
                        "this is an OpenDocument file ({}), not the .xlsx review form",
                        mimetype.trim()
                    ),
                    RESEND,
                )
            }
        }
        Some(Kind::Xlsb) => reject(
            file,
            "xlsb",
            "this is an Excel binary workbook (.xlsb), not the .xlsx review form",
            SAVE_AS_XLSX,
        ),
        Some(Kind::Word) => reject(
            file,
            "docx",
            "this is a Word document (.docx), not the .xlsx review form",
            RESEND,
        ),
        Some(Kind::PowerPoint) => reject(
            file,
            "pptx",
            "this is a PowerPoint presentation (.pptx), not the .xlsx review form",
            RESEND,
        ),
        None => reject(
            file,
            "not-a-workbook",
            "this is a zip archive without xl/workbook.xml, not an Excel workbook",
            format!("if the reviews were zipped together, unzip them first; {RESEND}"),
        ),
    }
}

/// Looks into the parts calamine parses: the shared-string table's declared counts, and a DTD
/// (`<!DOCTYPE`) before any root element, which no spreadsheet application writes and which XML
/// entity attacks (XXE, billion laughs) need.
fn check_parts(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    file: &str,
    limits: &Limits,
) -> Result<(), Diagnostic> {
    let names: Vec<String> = (0..zip.len())
        .filter_map(|i| {
            zip.by_index_data(i)
                .ok()
                .map(|e| String::from_utf8_lossy(e.name_raw()).into_owned())
        })
        .collect();
    for name in names {
        let lower = name.to_ascii_lowercase();
        let ext = Path::new(&lower).extension().and_then(|e| e.to_str());
        // Parts calamine never parses (themes, drawings, content types) are not worth inflating.
        let unread = [
            "xl/theme/",
            "xl/drawings/",
            "xl/media/",
            "xl/printersettings/",
            "customxml/",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
            || lower == "[content_types].xml";
        if unread || !matches!(ext, Some("xml" | "rels")) {
            continue;
        }
        let is_sst = lower.ends_with("sharedstrings.xml");
        let root = root_element(zip, file, &name, limits)?;
        if is_sst {
            check_shared_strings(zip, file, &name, root.as_ref(), limits)?;
        }
    }
    Ok(())
}

/// The root element's local name and attributes (raw, undecoded), or `None` for a part with no
/// root element in its first `prolog_bytes`.
#[derive(Debug)]
struct Root {
    local_name: String,
    attrs: Vec<(String, String)>,
}

fn root_element(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    file: &str,
    name: &str,
    limits: &Limits,
) -> Result<Option<Root>, Diagnostic> {
    let entry = zip
        .by_name(name)
        .map_err(|e| damaged_part(file, name, &e))?;
    let mut reader =
        quick_xml::Reader::from_reader(std::io::BufReader::new(entry.take(limits.prolog_bytes)));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::DocType(_)) => {
                return Err(reject(
                    file,
                    "xml-entities",
                    format!(
                        "the part '{name}' contains a document type declaration (<!DOCTYPE …>), which no spreadsheet application writes; XML entity attacks (XXE, billion laughs) rely on it"
                    ),
                    format!("the file was crafted; do not open it elsewhere either; {RESEND}"),
                ));
            }
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let local_name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let attrs = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .map(|a| {
                        (
                            String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                            String::from_utf8_lossy(&a.value).into_owned(),
                        )
                    })
                    .collect();
                return Ok(Some(Root { local_name, attrs }));
            }
            // A part cut short or a malformed prolog: calamine reports it, with context, if it
            // ever reads the part.
            Ok(Event::Eof) | Err(_) => return Ok(None),
            Ok(_) => {}
        }
    }
}

fn check_shared_strings(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    file: &str,
    name: &str,
    root: Option<&Root>,
    limits: &Limits,
) -> Result<(), Diagnostic> {
    let size = zip
        .by_name(name)
        .map_err(|e| damaged_part(file, name, &e))?
        .size();
    if size > limits.shared_strings_bytes {
        return Err(bomb(
            file,
            &format!(
                "the shared-string table '{name}' is {}, far more than a review workbook holds (at most {})",
                human_bytes(size),
                human_bytes(limits.shared_strings_bytes)
            ),
        ));
    }
    let Some(root) = root.filter(|r| r.local_name == "sst") else {
        return Ok(());
    };
    // `<si/>` is the shortest possible entry: five bytes each. `uniqueCount` is the number of
    // entries (what readers reserve room for); `count` counts the cells using them, which in
    // a bundle can far exceed the entries, so only the overall bound applies to it.
    let fits = size / 5 + 1;
    for (key, value) in &root.attrs {
        let bound = match key.as_str() {
            "uniqueCount" => fits.min(limits.shared_strings),
            "count" => limits.shared_strings,
            _ => continue,
        };
        let parsed = value.trim().parse::<u64>().ok();
        match parsed {
            Some(n) if n <= bound => {}
            Some(n) => {
                let why = if n > limits.shared_strings {
                    format!("far more than a review workbook uses (at most {bound})")
                } else {
                    format!(
                        "but its {} can hold at most {bound} strings",
                        human_bytes(size)
                    )
                };
                return Err(reject(
                    file,
                    "shared-strings-count",
                    format!(
                        "the shared-string table '{name}' declares {key}=\"{n}\", {why}: a crafted file that makes readers reserve huge memory"
                    ),
                    format!("the file was crafted or damaged; {RESEND}"),
                ));
            }
            None => {
                return Err(reject(
                    file,
                    "shared-strings-count",
                    format!(
                        "the shared-string table '{name}' declares {key}=\"{}\", which is not a count",
                        shorten(value, 40)
                    ),
                    format!("the file was crafted or damaged; {RESEND}"),
                ));
            }
        }
    }
    Ok(())
}

fn damaged_part(file: &str, name: &str, e: &zip::result::ZipError) -> Diagnostic {
    reject(
        file,
        "damaged-zip",
        format!("the file is damaged: the part '{name}' cannot be read ({e})"),
        RESEND,
    )
}

fn read_prefix(zip: &mut ZipArchive<Cursor<&[u8]>>, name: &str, max: u64) -> Option<Vec<u8>> {
    let entry = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    entry.take(max).read_to_end(&mut out).ok()?;
    Some(out)
}

fn duplicate_names(zip: &ZipArchive<Cursor<&[u8]>>) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let mut dups = std::collections::BTreeSet::new();
    for name in zip.file_names_raw() {
        let name = String::from_utf8_lossy(name).into_owned();
        if !seen.insert(name.clone()) {
            dups.insert(name);
        }
    }
    if dups.is_empty() {
        // The zip crate also counts names equal after decoding.
        "the same name".to_owned()
    } else {
        dups.iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether the end-of-central-directory signature appears where a zip keeps it (within the
/// last 64 KiB + 22 bytes); without it the file was cut short.
fn has_end_of_directory(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub((64 << 10) + 22)..];
    tail.windows(4).any(|w| w == b"PK\x05\x06")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Sniffed::Zip);
        assert_eq!(
            sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Sniffed::Ole
        );
        assert_eq!(sniff(b"%PDF-1.7"), Sniffed::Pdf);
        assert_eq!(sniff("a,b\nc,d\n".as_bytes()), Sniffed::Text);
        assert_eq!(sniff(&[0, 1, 2, 3, 200, 201]), Sniffed::Unknown);
    }

    #[test]
    fn every_rejection_has_its_own_code() {
        let code = |b: &[u8]| check(b, "f.xlsx", &LIMITS).err().map(|r| r.code);
        assert_eq!(code(b""), Some("empty-file"));
        assert_eq!(code(b"PK\x03\x04\x14\x00"), Some("truncated"));
        assert_eq!(code(b"name,rating\n"), Some("csv-file"));
        assert_eq!(code(b"<!DOCTYPE html><html>"), Some("html-file"));
        assert_eq!(code(b"%PDF-1.4"), Some("pdf-file"));
    }
}
