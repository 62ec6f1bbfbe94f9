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
        f.write_all(bytes)?;
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
