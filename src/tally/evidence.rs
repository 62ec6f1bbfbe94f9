//! Evidence texts of the kept reviews, set aside in an unnamed temporary file until `tally.csv`
//! and `tally.json` copy them: evidence is the bulk of what reviewers write and nothing else
//! needs its text, so memory holds 12 bytes per answer however much was written.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// Where one evidence text is in the store; the default is the empty text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    offset: u64,
    len: u32,
}

/// An append-only file of evidence texts. The file has no name (it is gone when the process
/// ends, however it ends) and is created only when the first non-empty text arrives.
#[derive(Debug, Default)]
pub struct Evidence {
    file: Option<BufWriter<File>>,
    end: u64,
}

impl Evidence {
    /// Stores a text; the empty text costs nothing.
    pub fn put(&mut self, text: &str) -> io::Result<Stored> {
        if text.is_empty() {
            return Ok(Stored::default());
        }
        let len = u32::try_from(text.len()).map_err(io::Error::other)?;
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(BufWriter::new(tempfile::tempfile()?)),
        };
        file.write_all(text.as_bytes())?;
        let at = Stored {
            offset: self.end,
            len,
        };
        self.end += u64::from(len);
        Ok(at)
    }

    /// Writes out what is buffered: call once every text is stored, before [`Self::get`].
    pub fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }

    /// Reads a stored text back.
    pub fn get(&self, at: Stored) -> io::Result<String> {
        if at.len == 0 {
            return Ok(String::new());
        }
        let Some(w) = &self.file else {
            return Err(io::Error::other("evidence was never stored"));
        };
        if !w.buffer().is_empty() {
            return Err(io::Error::other(
                "evidence store read before it was flushed",
            ));
        }
        let mut f: &File = w.get_ref();
        f.seek(SeekFrom::Start(at.offset))?;
        let mut bytes = vec![0; at.len as usize];
        f.read_exact(&mut bytes)?;
        // Later texts are appended through the same cursor.
        f.seek(SeekFrom::End(0))?;
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

/// A stored text, read from the store only when serialised (into `tally.json`), so the views
/// that pass ratings around never touch the disk.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    store: &'a Evidence,
    at: Stored,
}

impl<'a> Text<'a> {
    pub fn new(store: &'a Evidence, at: Stored) -> Self {
        Self { store, at }
    }
}

impl serde::Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.store.get(self.at).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_as_stored() {
        let mut e = Evidence::default();
        let texts = ["", "first", "", "zweite — Zeile\nmit ’ und ü", "=1+1", ""];
        let at: Vec<Stored> = texts
            .iter()
            .map(|t| e.put(t).expect("temporary file"))
            .collect();
        assert!(
            e.get(at[1]).is_err(),
            "read before flush must fail, not return wrong text"
        );
        e.flush().expect("temporary file");
        for (t, a) in texts.iter().zip(&at).rev() {
            assert_eq!(e.get(*a).expect("temporary file"), *t);
        }
        // More texts after reading: appended, the earlier ones unchanged.
        let late = e.put("late").expect("temporary file");
        e.flush().expect("temporary file");
        assert_eq!(e.get(late).expect("temporary file"), "late");
        assert_eq!(e.get(at[3]).expect("temporary file"), texts[3]);
    }

    #[test]
    fn no_file_without_text() {
        let mut e = Evidence::default();
        assert_eq!(e.put("").expect("no file needed"), Stored::default());
        e.flush().expect("nothing to flush");
        assert!(e.file.is_none());
        assert_eq!(e.get(Stored::default()).expect("empty"), "");
    }
}
