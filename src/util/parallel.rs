//! How rungs spreads work over the cores: rayon, with the thread counts decided here and
//! nowhere else. Work that computes (typesetting, reading workbooks) runs on rayon's global
//! pool, one thread per core; work that also waits for the disk after each item (writing and
//! syncing one workbook per review) runs on a pool with two threads per core, so that while one
//! thread waits for its `fsync` another keeps the core busy.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Results that may wait, computed but not yet taken, before the workers pause: keeps memory
/// bounded when the caller consumes more slowly than the workers compute.
const AHEAD: usize = 256;

/// Threads of rayon's global pool: one per core.
pub fn cpu_threads() -> usize {
    rayon::current_num_threads()
}

/// Whether work runs on the pool for work that waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Computing only: one thread per core.
    Compute,
    /// Computing, then waiting for the disk: two threads per core.
    Disk,
}

/// The pool for [`Load::Disk`], built on first use.
fn disk_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(cpu_threads() * 2)
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `work(i)` once for every `i` in `0..n` on the compute pool, each thread taking the next
/// index when it is done, in order: for a few long jobs (one document each) that must not nest.
/// Each thread runs one taker, so a job that waits inside the pool (as Typst's deferred work
/// does) never picks up a second job on the same thread: no more jobs are in memory at once
/// than there are threads.
pub fn queue(n: usize, work: impl Fn(usize) + Sync) {
    let next = AtomicUsize::new(0);
    rayon::broadcast(|_| {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            work(i);
        }
    });
}

/// Computes `work(i)` for every `i` in `0..n` on the compute pool and returns the results in
/// order of `i`. The calling thread works too, so this may run inside a job of [`queue`]: the
/// pool's idle threads help it, the busy ones go on with their own jobs.
pub fn map<R: Send>(n: usize, work: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    use rayon::iter::{IntoParallelIterator, ParallelIterator};
    (0..n).into_par_iter().map(work).collect()
}

/// Computes `work(i)` for every `i` in `0..n` on the pool for `load`, and hands the results,
/// in order of `i`, to `consume` as an iterator on the calling thread while the workers go on.
/// Each pool thread takes the next index when it is done, so the work streams without pauses,
/// and at most [`AHEAD`] results wait to be consumed. Should `consume` return early, the
/// workers stop after the item each has in hand.
pub fn ordered<R: Send, T>(
    load: Load,
    n: usize,
    work: impl Fn(usize) -> R + Sync,
    consume: impl FnOnce(&mut dyn Iterator<Item = R>) -> T,
) -> T {
    let pool = match load {
        Load::Disk => disk_pool(),
        Load::Compute => None,
    };
    let threads = pool.map_or_else(
        rayon::current_num_threads,
        rayon::ThreadPool::current_num_threads,
    );
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, R)>(AHEAD);
    // One sender per thread: when every worker is done (or has panicked), the channel closes,
    // so the consumer never waits for a result that cannot come.
    let senders: Vec<Slot<R>> = (0..threads).map(|_| Mutex::new(Some(tx.clone()))).collect();
    drop(tx);
    let shared = Workers {
        senders: &senders,
        next: &next,
        n,
        work: &work,
    };
    match pool {
        Some(pool) => pool.in_place_scope(|s| stream(s, &shared, rx, consume)),
        None => rayon::in_place_scope(|s| stream(s, &shared, rx, consume)),
    }
}

/// A worker's sender, taken by the worker when it starts.
type Slot<R> = Mutex<Option<SyncSender<(usize, R)>>>;

/// What the workers of [`ordered`] share.
struct Workers<'a, R, W> {
    senders: &'a [Slot<R>],
    next: &'a AtomicUsize,
    n: usize,
    work: &'a W,
}

/// Starts one worker per pool thread in `s`, and feeds their results, in order, to `consume`.
fn stream<'scope, R, T, W>(
    s: &rayon::Scope<'scope>,
    w: &'scope Workers<'scope, R, W>,
    rx: Receiver<(usize, R)>,
    consume: impl FnOnce(&mut dyn Iterator<Item = R>) -> T,
) -> T
where
    R: Send + 'scope,
    W: Fn(usize) -> R + Sync,
{
    s.spawn_broadcast(move |_, ctx| {
        let tx = w
            .senders
            .get(ctx.index())
            .and_then(|m| m.lock().unwrap_or_else(PoisonError::into_inner).take());
        let Some(tx) = tx else { return };
        loop {
            let i = w.next.fetch_add(1, Ordering::Relaxed);
            if i >= w.n || tx.send((i, (w.work)(i))).is_err() {
                break;
            }
        }
    });
    // Results that came in before one ahead of them.
    let mut early = std::collections::BTreeMap::new();
    let mut expected = 0;
    let mut results = std::iter::from_fn(move || {
        loop {
            if let Some(r) = early.remove(&expected) {
                expected += 1;
                return Some(r);
            }
            let (i, r) = rx.recv().ok()?;
            early.insert(i, r);
        }
    });
    let out = consume(&mut results);
    // Closes the channel, so workers waiting to send stop and the scope can end.
    drop(results);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_order() {
        for load in [Load::Compute, Load::Disk] {
            let seen: Vec<usize> = ordered(load, 1000, |i| i * 2, |r| r.collect());
            assert_eq!(seen, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        }
        assert_eq!(ordered(Load::Compute, 0, |i| i, |r| r.count()), 0);
        // Stopping early ends the run.
        let first: Vec<usize> = ordered(Load::Disk, 100_000, |i| i, |r| r.take(3).collect());
        assert_eq!(first, [0, 1, 2]);
    }

    #[test]
    fn the_queue_runs_every_job_once() {
        let done: Vec<AtomicUsize> = (0..50).map(|_| AtomicUsize::new(0)).collect();
        queue(done.len(), |i| {
            done[i].fetch_add(1, Ordering::Relaxed);
        });
        assert!(done.iter().all(|d| d.load(Ordering::Relaxed) == 1));
    }
}
