//! Atomic file output: write to a temporary file in the destination folder, sync, then rename,
//! so a final path only ever holds a complete file.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What to do when the destination already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Replace it (outputs that hold nothing a person typed, like PDFs).
    Replace,
    /// Refuse with [`io::ErrorKind::AlreadyExists`] (files that may hold someone's answers).
    Refuse,
}

/// Steps of [`write`], named so tests can inject a failure at each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Create,
    Write,
    Sync,
    Rename,
}

/// Writes `bytes` to `dest` atomically; creates missing parent folders.
pub fn write(dest: &Path, bytes: &[u8], mode: Overwrite) -> io::Result<()> {
    write_with(dest, mode, |f| f.write_all(bytes))
}

/// Like [`write`], but `fill` writes the content straight into the temporary file, so a large
/// output never has to be held whole in memory. The file is a plain [`File`] (it also seeks,
/// which zip writers need); wrap it in a [`io::BufWriter`] for many small writes. The file
/// reaches `dest` only if `fill` succeeds.
pub fn write_with<F>(dest: &Path, mode: Overwrite, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut File) -> io::Result<()>,
{
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir)?;
    if mode == Overwrite::Refuse && fs::symlink_metadata(dest).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the file already exists",
        ));
    }
    let name = dest
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        fault(Step::Create)?;
        let mut f = File::create(&tmp)?;
        fault(Step::Write)?;
        fill(&mut f)?;
        fault(Step::Sync)?;
        f.sync_all()?;
        drop(f);
        fault(Step::Rename)?;
        match mode {
            Overwrite::Replace => fs::rename(&tmp, dest),
            // A hard link fails if `dest` appeared meanwhile: no window for a silent overwrite.
            Overwrite::Refuse => fs::hard_link(&tmp, dest).map(|()| {
                let _ = fs::remove_file(&tmp);
            }),
        }
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Test hook: `RUNGS_FAULT=step[:n]` makes the n-th (default first) occurrence of that step fail.
/// Lets the write-fault tests prove no partial file is left behind; costs one env lookup.
fn fault(step: Step) -> io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];
    let Ok(spec) = std::env::var("RUNGS_FAULT") else {
        return Ok(());
    };
    let (name, nth) = spec
        .split_once(':')
        .map_or((spec.as_str(), 1), |(n, k)| (n, k.parse().unwrap_or(1)));
    let wanted = match name {
        "create" => Step::Create,
        "write" => Step::Write,
        "sync" => Step::Sync,
        "rename" => Step::Rename,
        _ => return Ok(()),
    };
    if wanted != step {
        return Ok(());
    }
    let seen = COUNT[step as usize].fetch_add(1, Ordering::SeqCst) + 1;
    if seen == nth {
        Err(io::Error::other(format!(
            "injected fault at {name} (RUNGS_FAULT)"
        )))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_fill_leaves_nothing_and_keeps_the_old_file() {
        let dir = std::env::temp_dir().join(format!("rungs-atomic-{}", std::process::id()));
        let dest = dir.join("out.json");
        write(&dest, b"old", Overwrite::Replace).expect("test file system");
        let err = write_with(&dest, Overwrite::Replace, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("broke midway"))
        })
        .expect_err("the fill failed");
        assert_eq!(err.to_string(), "broke midway");
        assert_eq!(fs::read(&dest).expect("test file system"), b"old");
        assert_eq!(
            fs::read_dir(&dir).expect("test file system").count(),
            1,
            "temp file left behind"
        );
        write_with(&dest, Overwrite::Replace, |f| f.write_all(b"new")).expect("test file system");
        assert_eq!(fs::read(&dest).expect("test file system"), b"new");
        let refused = write_with(&dest, Overwrite::Refuse, |f| f.write_all(b"x"))
            .expect_err("the file exists");
        assert_eq!(refused.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&dest).expect("test file system"), b"new");
        fs::remove_dir_all(&dir).expect("test file system");
    }
}
