//! Benchmark helper, not shipped: fills review workbooks written by `rungs sheets` with answers,
//! the way a reviewer would, by rewriting the rating cells' XML inside each zip.
//!
//! Usage: `cargo run --release --example fill -- [--seed N] [--evidence] DIR_OR_FILE...`
//!
//! Rating cells are found through the workbook's list data validations (the dropdowns), and the
//! allowed values through the range the validation points at, so nothing here assumes a layout.
//! With `--evidence`, the cell right of each rating gets a few sentences of evidence (the
//! review layout's evidence column). Each file is rewritten in place, atomically. Prints the
//! number of files and cells filled.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use calamine::{Data, Reader, Xlsx};
use zip::write::SimpleFileOptions;

#[path = "../tests/prove/rng.rs"]
mod rng;
use rng::Rng;

fn main() -> ExitCode {
    let mut seed: u64 = 1;
    let mut evidence = false;
    let mut roots = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(1),
            "--evidence" => evidence = true,
            "-h" | "--help" => {
                println!("usage: fill [--seed N] [--evidence] DIR_OR_FILE...");
                return ExitCode::SUCCESS;
            }
            _ => roots.push(PathBuf::from(a)),
        }
    }
    let mut files = Vec::new();
    for r in &roots {
        collect(r, &mut files);
    }
    files.sort();
    let (mut done, mut cells) = (0usize, 0usize);
    for (i, f) in files.iter().enumerate() {
        match fill_file(f, seed.wrapping_add(i as u64), evidence) {
            Ok(n) => {
                done += 1;
                cells += n;
            }
            Err(e) => {
                eprintln!("fill: {}: {e}", f.display());
                return ExitCode::FAILURE;
            }
        }
    }
    println!("filled {cells} rating cells in {done} workbooks");
    ExitCode::SUCCESS
}

/// Every `.xlsx` under `p` (or `p` itself), skipping Office lock files and temp files.
fn collect(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                collect(&e.path(), out);
            }
        }
    } else if p.extension().is_some_and(|e| e == "xlsx")
        && !p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(['.', '~']))
    {
        out.push(p.to_path_buf());
    }
}

type Error = Box<dyn std::error::Error>;

/// Pieces of evidence text, combined at random.
const SENTENCES: [&str; 8] = [
    "Led the incident review for the storage outage and wrote the follow-up actions.",
    "Mentored two new engineers through their first on-call rotations.",
    "Shipped the capacity planning dashboard that the team now uses every week.",
    "Could take more ownership of cross-team dependencies before they become blockers.",
    "Explains trade-offs clearly in design reviews; the migration plan was adopted as written.",
    "Automated the certificate renewals, removing a recurring manual task.",
    "Asked for feedback after the quarterly review and acted on it.",
    "Needs support when priorities change mid-sprint.",
];

fn fill_file(path: &Path, seed: u64, evidence: bool) -> Result<usize, Error> {
    let bytes = std::fs::read(path)?;
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..]))?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes[..]))?;
    let names: BTreeMap<String, String> = book.defined_names().iter().cloned().collect();
    let sheet_paths = sheet_paths(&mut zip)?;

    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut changed: BTreeMap<String, String> = BTreeMap::new();
    let mut filled = 0;
    for part in sheet_paths.values() {
        let xml = read_part(&mut zip, part)?;
        let rules = list_validations(&xml);
        if rules.is_empty() {
            continue;
        }
        let mut xml = xml;
        for (sqref, formula) in rules {
            let options = list_values(&mut book, &names, &formula)?;
            if options.is_empty() {
                return Err(format!("the dropdown list {formula} is empty").into());
            }
            for cell in expand_sqref(&sqref) {
                // Mostly real ratings, now and then the last option (usually "Not observed").
                let pick = rng.below(options.len());
                xml = set_inline_string(&xml, &cell, &options[pick])
                    .ok_or_else(|| format!("cell {cell} not found in {part}"))?;
                filled += 1;
                if evidence {
                    let (r, c) = cell_ref(&cell).ok_or("bad cell")?;
                    let next = format!("{}{}", col_name(c + 1), r + 1);
                    let text: Vec<&str> = (0..=rng.below(3))
                        .map(|_| SENTENCES[rng.below(SENTENCES.len())])
                        .collect();
                    xml = set_inline_string(&xml, &next, &text.join(" "))
                        .ok_or_else(|| format!("cell {next} not found in {part}"))?;
                }
            }
        }
        changed.insert(part.clone(), xml);
    }
    if changed.is_empty() {
        return Err("no dropdown (list validation) found: not a rungs review workbook?".into());
    }

    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() + 4096)));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for i in 0..zip.len() {
        let name = zip.by_index_raw(i)?.name()?.into_owned();
        if let Some(xml) = changed.get(&name) {
            out.start_file(name, opts)?;
            out.write_all(xml.as_bytes())?;
        } else {
            out.raw_copy_file(zip.by_index_raw(i)?)?;
        }
    }
    let data = out.finish()?.into_inner();
    let tmp = path.with_extension("xlsx.fill-tmp");
    std::fs::write(&tmp, &data)?;
    std::fs::rename(&tmp, path)?;
    Ok(filled)
}

fn read_part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<String, Error> {
    let mut s = String::new();
    zip.by_name(name)?.read_to_string(&mut s)?;
    Ok(s)
}

/// Sheet name → worksheet part path, from `xl/workbook.xml` and its relationships.
fn sheet_paths<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Result<BTreeMap<String, String>, Error> {
    let wb = read_part(zip, "xl/workbook.xml")?;
    let rels = read_part(zip, "xl/_rels/workbook.xml.rels")?;
    let mut targets = BTreeMap::new();
    for tag in tags(&rels, "Relationship") {
        if let (Some(id), Some(t)) = (attr(tag, "Id"), attr(tag, "Target")) {
            let t = t.trim_start_matches('/');
            let t = t.strip_prefix("xl/").unwrap_or(t);
            targets.insert(id, format!("xl/{t}"));
        }
    }
    let mut out = BTreeMap::new();
    for tag in tags(&wb, "sheet") {
        if let (Some(name), Some(rid)) = (attr(tag, "name"), attr(tag, "r:id"))
            && let Some(t) = targets.get(&rid)
        {
            out.insert(unescape(&name), t.clone());
        }
    }
    Ok(out)
}

/// Start tags `<name ...>` in `xml` (the text between `<` and `>`).
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    xml.match_indices(open.as_str())
        .filter_map(|(i, _)| xml[i..].find('>').map(|j| &xml[i..i + j]))
        .collect()
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')?;
    Some(tag[start..start + end].to_owned())
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `(sqref, formula1)` of every list validation in a worksheet.
fn list_validations(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, _) in xml.match_indices("<dataValidation ") {
        let rest = &xml[i..];
        let Some(end) = rest.find("</dataValidation>") else {
            continue;
        };
        let el = &rest[..end];
        let head = &el[..el.find('>').unwrap_or(el.len())];
        if attr(head, "type").as_deref() != Some("list") {
            continue;
        }
        let (Some(sqref), Some(f1)) = (
            attr(head, "sqref"),
            between(el, "<formula1>", "</formula1>"),
        ) else {
            continue;
        };
        out.push((sqref, unescape(f1)));
    }
    out
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// The values a list validation allows: an inline `"a,b"` list, a range, or a defined name.
fn list_values<R: Read + std::io::Seek>(
    book: &mut Xlsx<R>,
    names: &BTreeMap<String, String>,
    formula: &str,
) -> Result<Vec<String>, Error> {
    let f = formula.trim().trim_start_matches('=');
    if let Some(list) = f.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Ok(list.split(',').map(str::to_owned).collect());
    }
    let f = names
        .get(f)
        .map_or(f, String::as_str)
        .trim_start_matches('=');
    let (sheet, range) = f
        .rsplit_once('!')
        .ok_or_else(|| format!("cannot read the dropdown list {formula}"))?;
    let sheet = sheet.trim_matches('\'').replace("''", "'");
    let (a, b) = range.split_once(':').unwrap_or((range, range));
    let (r1, c1) = cell_ref(a).ok_or("bad range")?;
    let (r2, c2) = cell_ref(b).ok_or("bad range")?;
    let data = book.worksheet_range(&sheet)?;
    let mut out = Vec::new();
    for r in r1..=r2 {
        for c in c1..=c2 {
            match data.get_value((r, c)) {
                Some(Data::String(s)) if !s.is_empty() => out.push(s.clone()),
                Some(Data::Float(x)) => out.push(x.to_string()),
                Some(Data::Int(x)) => out.push(x.to_string()),
                _ => {}
            }
        }
    }
    Ok(out)
}

/// `$B$12` → zero-based (row, col).
fn cell_ref(s: &str) -> Option<(u32, u32)> {
    let s = s.replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    let mut col = 0u32;
    for ch in letters.chars() {
        if !ch.is_ascii_uppercase() {
            return None;
        }
        col = col * 26 + (ch as u32 - 'A' as u32 + 1);
    }
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

fn col_name(mut c: u32) -> String {
    let mut s = Vec::new();
    c += 1;
    while c > 0 {
        s.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// `E8:E17 G8` → `E8`, `E9`, …, `G8`.
fn expand_sqref(sqref: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in sqref.split_whitespace() {
        let (a, b) = part.split_once(':').unwrap_or((part, part));
        if let (Some((r1, c1)), Some((r2, c2))) = (cell_ref(a), cell_ref(b)) {
            for r in r1..=r2 {
                for c in c1..=c2 {
                    out.push(format!("{}{}", col_name(c), r + 1));
                }
            }
        }
    }
    out
}

/// Replaces cell `r`'s element with an inline string, keeping its style; `None` if absent.
fn set_inline_string(xml: &str, r: &str, value: &str) -> Option<String> {
    let key = format!("<c r=\"{r}\"");
    let start = xml
        .match_indices(&key)
        .map(|(i, _)| i)
        .find(|&i| matches!(xml.as_bytes().get(i + key.len()), Some(b' ' | b'>' | b'/')))?;
    let head_end = start + xml[start..].find('>')?;
    let end = if xml.as_bytes()[head_end - 1] == b'/' {
        head_end + 1
    } else {
        start + xml[start..].find("</c>")? + "</c>".len()
    };
    let style = attr(&xml[start..head_end], "s")
        .map(|s| format!(" s=\"{s}\""))
        .unwrap_or_default();
    let cell = format!(
        "<c r=\"{r}\"{style} t=\"inlineStr\"><is><t>{}</t></is></c>",
        escape(value)
    );
    Some(format!("{}{cell}{}", &xml[..start], &xml[end..]))
}
