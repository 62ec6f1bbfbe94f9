//! What rungs wrote into a PDF's document information, read back: its keywords (where a
//! packet's PDFs carry their run digest). Read with hayro-syntax, which joining already uses.

use hayro_write::hayro_syntax::{LoadPdfError, Pdf};

/// The keywords of the PDF `bytes` (its document information's `Keywords`, split at commas);
/// empty when it has none. `Err` says why it cannot be read as a PDF.
pub(crate) fn keywords(bytes: Vec<u8>) -> Result<Vec<String>, String> {
    let pdf = Pdf::new(bytes).map_err(|e| match e {
        LoadPdfError::Decryption(_) => "it is encrypted".to_owned(),
        LoadPdfError::Invalid => "it is not a PDF that can be read".to_owned(),
    })?;
    let Some(raw) = &pdf.metadata().keywords else {
        return Ok(Vec::new());
    };
    Ok(text(raw)
        .split(',')
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect())
}

/// A PDF text string: UTF-16BE after its byte-order mark, UTF-8 after its (PDF 2.0), else
/// `PDFDocEncoding`, which is Latin-1 in every character rungs writes into keywords.
fn text(raw: &[u8]) -> String {
    if let Some(rest) = raw.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = raw.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        raw.iter().map(|&b| char::from(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn text_strings_in_each_encoding() {
        assert_eq!(text(b"rungs-run-ab, x"), "rungs-run-ab, x");
        assert_eq!(text(&[0xFE, 0xFF, 0, b'r', 0x20, 0x14]), "r\u{2014}");
        assert_eq!(text(&[0xEF, 0xBB, 0xBF, b'r']), "r");
    }
}
