//! The text encoding of a CSV roster, decided before a byte is parsed (`encoding_rs` decodes).
//!
//! How an encoding is recognised, in this order:
//!
//! 1. a byte-order mark: UTF-8 (`EF BB BF`, Excel's "CSV UTF-8"), UTF-16 LE (`FF FE`, Excel's
//!    "Unicode text"), UTF-16 BE (`FE FF`); a mark always wins, also over a chosen encoding;
//! 2. the encoding the user chose (a WHATWG label: `windows-1252`, `latin1`, `utf-16le`, …);
//! 3. UTF-16 without a mark, when every second byte of the first line is zero (text of
//!    Latin letters in UTF-16 cannot look otherwise, and no 8-bit text has zero bytes);
//! 4. otherwise UTF-8, which must be valid: a file that is not is refused at its first bad
//!    field, with the encoding it most likely is (Windows-1252, when every byte above 127 is a
//!    Windows-1252 character) and how to read it. Guessing further would risk wrong letters in
//!    a name, which must never happen.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::diag::{Diagnostic, Location};

/// A roster file's bytes as UTF-8, and how they were read.
#[derive(Debug)]
pub(super) struct Decoded {
    /// UTF-8 text, byte-order mark removed; for a file read as UTF-8, the file's own bytes,
    /// which may still hold invalid sequences (found field by field, where they are).
    pub(super) bytes: Vec<u8>,
    /// The encoding read, when it is not plain UTF-8 without a mark (for the summary).
    pub(super) read_as: Option<&'static str>,
    /// When the bytes are not valid UTF-8: the encoding they most likely are, for the message.
    pub(super) likely: Option<&'static str>,
}

/// The name of an encoding as people know it.
pub(super) fn display_name(e: &'static Encoding) -> &'static str {
    if e == UTF_8 {
        "UTF-8"
    } else if e == UTF_16LE {
        "UTF-16 LE"
    } else if e == UTF_16BE {
        "UTF-16 BE"
    } else if e == WINDOWS_1252 {
        "Windows-1252"
    } else {
        e.name()
    }
}

/// The encoding a label names (`utf-8`, `utf-16le`, `windows-1252`, `latin1`, `cp1252`, …: the
/// WHATWG labels), if it names one.
pub fn for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label_no_replacement(label.trim().as_bytes())
}

/// Decodes a roster's bytes as the rules above say; an error names the encoding tried.
pub(super) fn decode(
    mut bytes: Vec<u8>,
    chosen: Option<&'static Encoding>,
    file: &str,
) -> Result<Decoded, Diagnostic> {
    let (encoding, skip, how) = match Encoding::for_bom(&bytes) {
        Some((e, n)) => (e, n, "its byte-order mark"),
        None => match chosen.or_else(|| utf16_without_mark(&bytes)) {
            Some(e) => (e, 0, "the encoding chosen"),
            None => (UTF_8, 0, ""),
        },
    };
    if encoding == UTF_8 {
        bytes.drain(..skip);
        let valid = std::str::from_utf8(&bytes).is_ok();
        let likely = (!valid).then(|| likely_encoding(&bytes));
        return Ok(Decoded {
            bytes,
            read_as: (skip > 0).then_some("UTF-8 with a byte-order mark"),
            likely,
        });
    }
    let name = display_name(encoding);
    match encoding.decode_without_bom_handling_and_without_replacement(&bytes[skip..]) {
        Some(text) => Ok(Decoded {
            bytes: text.into_owned().into_bytes(),
            read_as: Some(name),
            likely: None,
        }),
        None => Err(Diagnostic::error(
            "roster-encoding",
            format!(
                "the roster is not valid {name} text (read as {name} because of {})",
                if how.is_empty() { "its content" } else { how }
            ),
            Location::File {
                file: file.to_owned(),
            },
        )
        .with_hint(
            "the file is cut short or in another encoding: save the roster again as \"CSV UTF-8\" and use that file",
        )),
    }
}

/// UTF-16 without a byte-order mark, when the first line says so unmistakably.
fn utf16_without_mark(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(256) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let zero_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 10 >= pairs * 9 && even == 0 {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 9 && odd == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The encoding text that is not UTF-8 most likely is: Windows-1252 (what Excel on Windows
/// saves as "CSV" in Western Europe and the Americas) when every byte above 127 is one of its
/// characters, otherwise some other 8-bit encoding.
fn likely_encoding(bytes: &[u8]) -> &'static str {
    // The five bytes Windows-1252 leaves undefined.
    let undefined = |b: &u8| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D);
    if bytes.iter().any(undefined) {
        "an 8-bit encoding other than Windows-1252"
    } else {
        "Windows-1252"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool, mark: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if mark {
            out.extend(if big_endian {
                [0xFE, 0xFF]
            } else {
                [0xFF, 0xFE]
            });
        }
        for unit in text.encode_utf16() {
            out.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    }

    fn text(d: &Decoded) -> String {
        String::from_utf8(d.bytes.clone()).expect("decoded text is UTF-8")
    }

    #[test]
    fn marks_decide_and_utf16_is_read_with_or_without_one() {
        let s = "id\tname\nE1\tZoë Ærø Σ7\n";
        for (be, mark) in [(false, true), (true, true), (false, false), (true, false)] {
            let d = decode(utf16(s, be, mark), None, "r.txt").expect("readable");
            assert_eq!(text(&d), s, "be={be} mark={mark}");
            assert_eq!(d.read_as, Some(if be { "UTF-16 BE" } else { "UTF-16 LE" }));
        }
        // A mark wins over the encoding chosen.
        let d = decode(utf16(s, false, true), Some(WINDOWS_1252), "r.txt").expect("readable");
        assert_eq!(text(&d), s);
        let d = decode("\u{feff}a,b\n".into(), None, "r.csv").expect("readable");
        assert_eq!(
            (text(&d).as_str(), d.read_as),
            ("a,b\n", Some("UTF-8 with a byte-order mark"))
        );
    }

    #[test]
    fn windows_1252_is_read_when_chosen_and_named_when_not() {
        let bytes = b"name\nJ\xfcrgen Gro\xdf \x80\n";
        let d = decode(bytes.to_vec(), Some(WINDOWS_1252), "r.csv").expect("readable");
        assert_eq!(text(&d), "name\nJürgen Groß €\n");
        let d = decode(bytes.to_vec(), None, "r.csv").expect("left to the fields");
        assert_eq!(d.likely, Some("Windows-1252"));
        let d = decode(b"a\x81b".to_vec(), None, "r.csv").expect("left to the fields");
        assert_eq!(d.likely, Some("an 8-bit encoding other than Windows-1252"));
        assert_eq!(
            decode(b"plain".to_vec(), None, "r.csv")
                .expect("utf-8")
                .likely,
            None
        );
    }

    #[test]
    fn broken_utf16_is_refused_naming_the_encoding() {
        let mut bytes = utf16("id,name\n", false, true);
        bytes.extend([0x00, 0xD8, b'a', 0]); // a lone high surrogate
        let e = decode(bytes, None, "r.csv").expect_err("broken");
        assert!(e.message.contains("not valid UTF-16 LE"), "{}", e.message);
        assert!(e.message.contains("byte-order mark"), "{}", e.message);
    }

    #[test]
    fn labels() {
        assert_eq!(for_label("latin1"), Some(WINDOWS_1252));
        assert_eq!(for_label(" CP1252 "), Some(WINDOWS_1252));
        assert_eq!(for_label("utf-16le"), Some(UTF_16LE));
        assert_eq!(for_label("klingon"), None);
    }
}
