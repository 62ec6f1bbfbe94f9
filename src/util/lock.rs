//! One writer per output folder: an exclusive advisory lock on a file inside the folder
//! ([`LOCK_FILE`]), held for as long as the [`FolderLock`] lives, through the standard
//! library's file locks (`flock` on Unix, `LockFileEx` on Windows).
//!
//! What it guarantees:
//! - Two processes never hold the lock of one folder at the same time (however the folder is
//!   named: the lock is on the file inside it). Different folders are independent.
//! - The operating system releases the lock when its process ends, however it ends: a file
//!   left by a killed run never blocks anyone by itself.
//! - While it waits, the caller is told once, with the holder's process id when the holder
//!   wrote it.
//! - Where the file system cannot lock (some network shares), the lock is taken as granted and
//!   the caller is told why ([`FolderLock::unlocked`]): a run never hangs on it.
//! - On Unix a clean release removes the lock file, and the folders the lock created when they
//!   are still empty (a run that wrote nothing leaves nothing). Taking the lock checks that the
//!   file locked is still the one at the path, so a removal never lets two runs in at once.
//!   Elsewhere the file stays, emptied.
//! - A process locking a folder it already holds gets a second handle on the same lock, never
//!   a wait for itself; the last handle dropped releases it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::hooks::{Step, fault, pause};

/// The lock file's name inside a locked folder (hidden on Unix; holds the holder's process id).
pub const LOCK_FILE: &str = ".rungs.lock";

/// What to do when another process holds the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Wait until it is released.
    Block,
    /// Give up at once with [`LockError::Busy`].
    Fail,
}

/// Why a folder could not be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds the lock (only with [`Wait::Fail`]); its process id, if known.
    Busy(Option<u32>),
    /// The folder or its lock file cannot be created or opened (the folder is not writable).
    Io(io::Error),
}

/// An output folder locked for this process, until it is dropped (the last of the
/// `FolderLock`s of one folder releases it).
#[derive(Debug)]
pub struct FolderLock {
    dir: PathBuf,
    /// Why the folder is not really locked, if its file system cannot lock.
    unlocked: Option<std::sync::Arc<io::Error>>,
}

/// A folder this process holds.
#[derive(Debug)]
struct Held {
    /// Its canonical path.
    dir: PathBuf,
    /// How many `FolderLock`s of it are alive.
    count: usize,
    /// The open lock file holding the lock (`None` where the file system cannot lock).
    file: Option<File>,
    unlocked: Option<std::sync::Arc<io::Error>>,
    /// Folders taking the lock created, deepest first: removed on release when empty.
    created: Vec<PathBuf>,
}

/// The folders this process holds. Consulted before and after waiting, never during: threads
/// of one process locking one folder wait for each other like processes.
static HELD: Mutex<Vec<Held>> = Mutex::new(Vec::new());

/// The key a folder is held under: its canonical path (the folder exists by then).
fn key(dir: &Path) -> PathBuf {
    fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Locks `dir` (created if missing) for this process. `waiting` is called once, with the
/// holder's process id if known, before waiting for another process to release it.
pub fn lock(
    dir: &Path,
    wait: Wait,
    waiting: &mut dyn FnMut(Option<u32>),
) -> Result<FolderLock, LockError> {
    let mut created = create(dir).map_err(LockError::Io)?;
    let key = key(dir);
    if let Some(held) = registry().iter_mut().find(|h| h.dir == key) {
        held.count += 1;
        return Ok(FolderLock {
            dir: key,
            unlocked: held.unlocked.clone(),
        });
    }
    match acquire(dir, wait, waiting, &mut created) {
        Ok(taken) => {
            let (file, unlocked) = match taken {
                Ok(file) => (Some(file), None),
                Err(e) => (None, Some(std::sync::Arc::new(e))),
            };
            registry().push(Held {
                dir: key.clone(),
                count: 1,
                file,
                unlocked: unlocked.clone(),
                created,
            });
            pause(Step::Locked);
            Ok(FolderLock { dir: key, unlocked })
        }
        Err(e) => {
            remove_empty(&created);
            Err(e)
        }
    }
}

/// Takes the lock on the file in `dir`: the open file, or why the file system cannot lock.
fn acquire(
    dir: &Path,
    wait: Wait,
    waiting: &mut dyn FnMut(Option<u32>),
    created: &mut Vec<PathBuf>,
) -> Result<Result<File, io::Error>, LockError> {
    let path = dir.join(LOCK_FILE);
    let mut told = false;
    let mut last = None;
    // Each retry means another process removed the file between our open and our lock (it
    // released the folder and left it); bounded all the same, so nothing can spin forever.
    for _ in 0..100 {
        created.extend(create(dir).map_err(LockError::Io)?);
        let (file, fresh) = match open(&path) {
            Ok(opened) => opened,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                last = Some(e);
                continue;
            }
            Err(e) => return Err(LockError::Io(e)),
        };
        match take(&file, wait, &path, &mut told, waiting) {
            Ok(()) if is_at(&file, &path) => {
                write_pid(&file);
                return Ok(Ok(file));
            }
            Ok(()) => {}
            Err(Taken::Busy) => return Err(LockError::Busy(holder(&path))),
            Err(Taken::Unsupported(e)) => {
                // Without locks the file means nothing: leave the folder as it was.
                if fresh {
                    drop(file);
                    let _ = fs::remove_file(&path);
                }
                return Ok(Err(e));
            }
            Err(Taken::Failed(e)) => last = Some(e),
        }
    }
    Err(LockError::Io(last.unwrap_or_else(|| {
        io::Error::other("the lock file kept being replaced by other processes")
    })))
}

/// The folders this process holds (see [`HELD`]).
fn registry() -> std::sync::MutexGuard<'static, Vec<Held>> {
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes the folders a lock created (deepest first) while they are empty.
fn remove_empty(created: &[PathBuf]) {
    for dir in created {
        if fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

/// Creates `dir` and returns the folders that did not exist, deepest first.
fn create(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| fs::symlink_metadata(a).is_err())
        .map(Path::to_path_buf)
        .collect();
    fs::create_dir_all(dir)?;
    Ok(missing)
}

/// Opens the lock file, creating it if missing (then `true`), for writing its process id;
/// read-only when only that is allowed (a file another user's killed run left).
fn open(path: &Path) -> io::Result<(File, bool)> {
    let rw = || OpenOptions::new().read(true).write(true).clone();
    match rw().create_new(true).open(path) {
        Ok(f) => return Ok((f, true)),
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
        Err(_) => {}
    }
    match rw().open(path) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            File::open(path).map(|f| (f, false)).map_err(|_| e)
        }
        other => other.map(|f| (f, false)),
    }
}

/// How a lock attempt ended.
enum Taken {
    /// Held by another process, and the caller does not wait.
    Busy,
    /// The file system cannot lock.
    Unsupported(io::Error),
    /// Another error; the attempt is repeated.
    Failed(io::Error),
}

/// Locks `file`, waiting if asked (and telling `waiting` once).
fn take(
    file: &File,
    wait: Wait,
    path: &Path,
    told: &mut bool,
    waiting: &mut dyn FnMut(Option<u32>),
) -> Result<(), Taken> {
    if let Err(e) = fault(Step::Lock) {
        return Err(Taken::Unsupported(e));
    }
    match file.try_lock() {
        Ok(()) => return Ok(()),
        Err(fs::TryLockError::Error(e)) => return Err(classify(e)),
        Err(fs::TryLockError::WouldBlock) => {}
    }
    if wait == Wait::Fail {
        return Err(Taken::Busy);
    }
    if !*told {
        *told = true;
        waiting(holder(path));
    }
    loop {
        match file.lock() {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(classify(e)),
        }
    }
}

/// Whether a locking error means "cannot lock here" (go on without) or something to retry.
/// Any error other than an interruption is taken as the former: a file system that refuses
/// locks (`Unsupported`, or `ENOLCK` from a share without a lock service) must not stop a run.
fn classify(e: io::Error) -> Taken {
    if e.kind() == io::ErrorKind::Interrupted {
        Taken::Failed(e)
    } else {
        Taken::Unsupported(e)
    }
}

/// Whether `file` is still the file at `path`: the holder before us may have removed it on
/// release, and then our lock is on a file nobody else will ever open.
fn is_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        // The file is never removed here, so it is always the one at the path.
        let _ = (file, path);
        true
    }
}

/// Records this process as the holder, for the message of a process that waits: its id,
/// padded to a fixed width, written over whatever a killed holder left. Never truncated to
/// zero first: on ext4 that marks the file for an immediate data flush when it is closed,
/// which would cost every run a disk write.
fn write_pid(mut file: &File) {
    use std::io::{Seek, SeekFrom};
    let text = format!("{:<10}\n", std::process::id());
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.write_all(text.as_bytes()));
    if file.metadata().is_ok_and(|m| m.len() > text.len() as u64) {
        let _ = file.set_len(text.len() as u64);
    }
}

/// The process id the holder recorded, if it can be read.
fn holder(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

impl FolderLock {
    /// Why the folder is not really locked (its file system cannot lock), if so.
    pub fn unlocked(&self) -> Option<&io::Error> {
        self.unlocked.as_deref()
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let mut registry = registry();
        let Some(i) = registry.iter().position(|h| h.dir == self.dir) else {
            return;
        };
        registry[i].count -= 1;
        if registry[i].count > 0 {
            return;
        }
        let held = registry.swap_remove(i);
        drop(registry);
        if let Some(file) = held.file {
            // Removed while still locked, and only if it is still ours: whoever opened it
            // meanwhile finds it is no longer at the path (`is_at`) and opens a new one.
            let path = self.dir.join(LOCK_FILE);
            if !cfg!(unix) {
                let _ = file.set_len(0);
            } else if is_at(&file, &path) {
                let _ = fs::remove_file(&path);
            }
        }
        remove_empty(&held.created);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_wait(_: Option<u32>) {
        panic!("no other process holds it");
    }

    #[test]
    fn a_folder_is_created_locked_released_and_left_as_found() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("out/reviews");
        let held = lock(&dir, Wait::Fail, &mut no_wait).expect("locks");
        assert!(held.unlocked().is_none());
        let pid: u32 = fs::read_to_string(dir.join(LOCK_FILE))
            .expect("lock file")
            .trim()
            .parse()
            .expect("a process id");
        assert_eq!(pid, std::process::id());
        // The same process again (another command's helper): no wait for itself, and the
        // folder stays locked until the last of the two is dropped, in any order.
        let nested =
            lock(&tmp.path().join("out/./reviews"), Wait::Fail, &mut no_wait).expect("nested");
        drop(held);
        let other = File::open(dir.join(LOCK_FILE)).expect("the lock file is there");
        assert!(matches!(
            other.try_lock(),
            Err(fs::TryLockError::WouldBlock)
        ));
        drop(other);
        drop(nested);
        if cfg!(unix) {
            assert!(
                !tmp.path().join("out").exists(),
                "empty folders it made are gone"
            );
        }
        // A folder with content stays, and so does the content.
        let held = lock(&dir, Wait::Fail, &mut no_wait).expect("locks");
        fs::write(dir.join("kept.txt"), b"x").expect("write");
        drop(held);
        assert!(dir.join("kept.txt").exists());
        if cfg!(unix) {
            assert!(!dir.join(LOCK_FILE).exists());
        }
    }

    #[test]
    fn another_holder_is_waited_for_or_refused() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_path_buf();
        // Another process's lock: a separate open file, as another process has.
        let mut other = File::create(dir.join(LOCK_FILE)).expect("lock file");
        other.lock().expect("lock");
        other.write_all(b"4242\n").expect("write");
        match lock(&dir, Wait::Fail, &mut no_wait) {
            Err(LockError::Busy(pid)) => assert_eq!(pid, Some(4242)),
            other => panic!("expected busy, got {other:?}"),
        }
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(other);
        });
        let mut told = Vec::new();
        let held = lock(&dir, Wait::Block, &mut |pid| told.push(pid)).expect("waits, then locks");
        assert_eq!(told, [Some(4242)], "told once, with the holder");
        release.join().expect("thread");
        drop(held);
    }

    #[test]
    fn only_an_interruption_is_retried() {
        assert!(matches!(
            classify(io::Error::from(io::ErrorKind::Interrupted)),
            Taken::Failed(_)
        ));
        for kind in [io::ErrorKind::Unsupported, io::ErrorKind::Other] {
            assert!(matches!(
                classify(io::Error::from(kind)),
                Taken::Unsupported(_)
            ));
        }
    }
}
