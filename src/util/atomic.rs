//! Atomic file output: write to a temporary file in the destination folder, sync, then rename,
//! so a final path only ever holds a complete file; and sets of files that belong together,
//! each complete and synced before the first of them replaces anything ([`write_set`], and
//! [`Staged`] for files made one by one on several threads).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::hooks::{Step, fault, pause};

/// What to do when the destination already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Replace it (outputs that hold nothing a person typed, like PDFs).
    Replace,
    /// Refuse with [`io::ErrorKind::AlreadyExists`] (files that may hold someone's answers).
    Refuse,
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
    if mode == Overwrite::Refuse && fs::symlink_metadata(dest).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the file already exists",
        ));
    }
    let tmp = stage(dest, fill)?;
    let result = (|| {
        pause(Step::Rename);
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

/// The folder a file goes into (`.` for a bare file name).
pub fn folder_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `fill`'s content to a temporary file beside `dest` (creating the folder) and syncs
/// it: the file to rename into place. Nothing is left behind when it fails.
fn stage<F>(dest: &Path, fill: F) -> io::Result<PathBuf>
where
    F: FnOnce(&mut File) -> io::Result<()>,
{
    let dir = folder_of(dest);
    fs::create_dir_all(&dir)?;
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
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Removes the temporary files that other processes left in `dir` (runs killed while writing
/// them) for the files whose names `named` accepts. Call it only while holding the folder's
/// lock (`super::lock`), which makes every such process a dead one.
pub fn clear_stale_in(dir: &Path, named: &dyn Fn(&str) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id().to_string();
    for e in entries.flatten() {
        let file = e.file_name();
        let stale = file
            .to_str()
            .and_then(|f| f.strip_prefix('.')?.strip_suffix(".tmp")?.rsplit_once('.'))
            .is_some_and(|(name, pid)| {
                named(name)
                    && pid != own
                    && !pid.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
            });
        if stale {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Fills one file of a set written by [`write_set`].
pub type Fill<'a> = Box<dyn FnOnce(&mut File) -> io::Result<()> + 'a>;

/// Why [`write_set`] stopped, and how far it got.
#[derive(Debug)]
pub struct SetError {
    /// The file that could not be written or renamed into place.
    pub file: PathBuf,
    pub error: io::Error,
    /// Files already replaced when it stopped (in order): empty unless a rename failed, in
    /// which case the set on disk is part new, part old.
    pub replaced: Vec<PathBuf>,
}

/// Writes files that belong together (one run's outputs) so that no file of the set is
/// replaced before every new one is complete: each is written to a temporary file and synced,
/// and only then are they renamed into place, in the order given, and their folders synced.
/// Put last the file that vouches for the set. A failure before the renames leaves every old
/// file as it was and no temporary file; a failure or a kill during the renames (a window of a
/// few system calls) leaves the first files new and the rest old, which is why each file of a
/// set carries its run's digest for a reader to compare (`super::set`).
pub fn write_set(files: Vec<(PathBuf, Fill<'_>)>) -> Result<(), SetError> {
    let staged = Staged::new(files.iter().map(|(dest, _)| dest.clone()).collect());
    for (dest, fill) in files {
        if let Err(error) = staged.stage(&dest, fill) {
            return Err(SetError {
                file: dest,
                error,
                replaced: Vec::new(),
            });
        }
    }
    staged.commit()
}

/// A set of files being written as [`write_set`] writes one, for files made one by one, maybe
/// on several threads at once: each is staged (written to a temporary file beside its
/// destination and synced) as soon as it is made, and [`Staged::commit`] renames them all into
/// place once every one is. Dropped without a commit (a file could not be made), it removes
/// what it staged, and the earlier files stay as they were.
pub struct Staged {
    /// The destinations, in the order they are renamed into place.
    dests: Vec<PathBuf>,
    /// The temporary file of each destination, once staged.
    tmps: Mutex<Vec<Option<PathBuf>>>,
}

impl Staged {
    /// A set of the files `dests`, to be renamed in this order.
    pub fn new(dests: Vec<PathBuf>) -> Self {
        let tmps = Mutex::new(vec![None; dests.len()]);
        Self { dests, tmps }
    }

    fn tmps(&self) -> std::sync::MutexGuard<'_, Vec<Option<PathBuf>>> {
        self.tmps.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the content of `dest`, one of the set's destinations, to its temporary file and
    /// syncs it. Nothing is left behind when it fails.
    pub fn stage<F>(&self, dest: &Path, fill: F) -> io::Result<()>
    where
        F: FnOnce(&mut File) -> io::Result<()>,
    {
        let i = self.dests.iter().position(|d| d == dest).ok_or_else(|| {
            io::Error::other(format!("{} is not a file of the set", dest.display()))
        })?;
        let tmp = stage(dest, fill)?;
        if let Some(earlier) = self.tmps()[i].replace(tmp) {
            let _ = fs::remove_file(earlier);
        }
        Ok(())
    }

    /// Renames every file into place, in order, then syncs their folders. When a file was
    /// never staged, nothing is renamed.
    pub fn commit(self) -> Result<(), SetError> {
        let tmps = std::mem::take(&mut *self.tmps());
        let clean = |tmps: &[Option<PathBuf>]| {
            for tmp in tmps.iter().flatten() {
                let _ = fs::remove_file(tmp);
            }
        };
        if let Some(i) = tmps.iter().position(Option::is_none) {
            clean(&tmps);
            return Err(SetError {
                file: self.dests[i].clone(),
                error: io::Error::other("it was not made"),
                replaced: Vec::new(),
            });
        }
        let mut replaced = Vec::with_capacity(tmps.len());
        for (i, (dest, tmp)) in self.dests.iter().zip(tmps.iter().flatten()).enumerate() {
            pause(Step::Rename);
            if let Err(error) = fault(Step::Rename).and_then(|()| fs::rename(tmp, dest)) {
                clean(&tmps[i..]);
                return Err(SetError {
                    file: dest.clone(),
                    error,
                    replaced,
                });
            }
            replaced.push(dest.clone());
        }
        let mut folders: Vec<PathBuf> = replaced.iter().map(|d| folder_of(d)).collect();
        folders.sort();
        folders.dedup();
        for dir in folders {
            sync_folder(&dir);
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for tmp in self.tmps().iter().flatten() {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Makes the renames in a folder durable, where the platform can (Unix: fsync of the folder).
/// Best effort: the files themselves are already synced.
fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
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

    #[test]
    fn a_set_replaces_nothing_until_every_file_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        write(&a, b"old a", Overwrite::Replace).expect("test file system");
        write(&b, b"old b", Overwrite::Replace).expect("test file system");
        let fill = |text: &'static [u8]| -> Fill<'static> { Box::new(move |f| f.write_all(text)) };
        let failing: Fill<'static> = Box::new(|_| Err(io::Error::other("broke")));
        let err = write_set(vec![(a.clone(), fill(b"new a")), (b.clone(), failing)])
            .expect_err("the second file failed");
        assert_eq!((err.file.as_path(), err.replaced.len()), (b.as_path(), 0));
        assert_eq!(fs::read(&a).expect("a"), b"old a");
        assert_eq!(fs::read(&b).expect("b"), b"old b");
        assert_eq!(
            fs::read_dir(dir.path()).expect("list").count(),
            2,
            "temp left"
        );
        write_set(vec![
            (a.clone(), fill(b"new a")),
            (b.clone(), fill(b"new b")),
        ])
        .expect("test file system");
        assert_eq!(fs::read(&a).expect("a"), b"new a");
        assert_eq!(fs::read(&b).expect("b"), b"new b");
        assert_eq!(
            fs::read_dir(dir.path()).expect("list").count(),
            2,
            "temp left"
        );
    }

    #[test]
    fn staged_files_made_on_several_threads_replace_nothing_until_committed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dests: Vec<PathBuf> = ["a", "b", "c"].iter().map(|n| dir.path().join(n)).collect();
        for d in &dests {
            write(d, b"old", Overwrite::Replace).expect("test file system");
        }
        let listed = || fs::read_dir(dir.path()).expect("list").count();
        let staged = Staged::new(dests.clone());
        std::thread::scope(|s| {
            for d in &dests[..2] {
                let staged = &staged;
                s.spawn(move || staged.stage(d, |f| f.write_all(b"new")).expect("stage"));
            }
        });
        assert_eq!(listed(), 5, "two temporary files beside the three");
        let err = staged.commit().expect_err("c was never staged");
        assert_eq!(
            (err.file.as_path(), err.replaced.len()),
            (dests[2].as_path(), 0)
        );
        assert_eq!(listed(), 3, "temp left");
        assert!(dests.iter().all(|d| fs::read(d).expect("old") == b"old"));

        let staged = Staged::new(dests.clone());
        staged
            .stage(&dests[0], |f| f.write_all(b"new"))
            .expect("stage");
        drop(staged);
        assert_eq!(listed(), 3, "a dropped set leaves no temporary file");

        let staged = Staged::new(dests.clone());
        for d in dests.iter().rev() {
            staged.stage(d, |f| f.write_all(b"new")).expect("stage");
        }
        staged.commit().expect("test file system");
        assert!(dests.iter().all(|d| fs::read(d).expect("new") == b"new"));
        assert_eq!(listed(), 3, "temp left");
    }

    #[test]
    fn stale_temporary_files_of_other_processes_are_cleared() {
        let dir = tempfile::tempdir().expect("temp dir");
        let own = format!(".tally.csv.{}.tmp", std::process::id());
        for name in [
            ".tally.csv.4294967295.tmp",
            own.as_str(),
            ".tally.csv.x.tmp",
            ".other.1.tmp",
        ] {
            fs::write(dir.path().join(name), b"x").expect("test file system");
        }
        clear_stale_in(dir.path(), &|n| n == "tally.csv");
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".other.1.tmp", own.as_str(), ".tally.csv.x.tmp"]);
    }
}
