//! How rungs spreads work over the cores: rayon, with the thread counts decided here and
//! nowhere else. Work that computes (typesetting, reading workbooks) runs on rayon's global
//! pool, one thread per core; work that also waits for the disk after each item (writing and
//! syncing one workbook per review) runs on a pool with two threads per core, so that while one
//! thread waits for its `fsync` another keeps the core busy.

use std::sync::OnceLock;

use rayon::prelude::*;

/// Items handed out per round by [`ordered`]: enough to keep every thread busy, few enough that
/// the results of one round are small.
const ROUND: usize = 256;

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

/// Runs `f` on the pool for `load` (the global pool should the other not start).
pub fn on<R: Send>(load: Load, f: impl FnOnce() -> R + Send) -> R {
    match (load, disk_pool()) {
        (Load::Disk, Some(pool)) => pool.install(f),
        _ => f(),
    }
}

/// `work(i)` for every `i` in `0..n`, computed in parallel and yielded in order of `i`. Items
/// are computed [`ROUND`] at a time, as the iterator reaches them, so memory holds one round of
/// results however many items there are.
pub fn ordered<'a, R: Send + 'a>(
    load: Load,
    n: usize,
    work: impl Fn(usize) -> R + Sync + Send + 'a,
) -> impl Iterator<Item = R> + 'a {
    let mut ready = std::collections::VecDeque::new();
    let mut next = 0;
    std::iter::from_fn(move || {
        if ready.is_empty() && next < n {
            let (start, end) = (next, (next + ROUND).min(n));
            ready.extend(on(load, || {
                (start..end).into_par_iter().map(&work).collect::<Vec<R>>()
            }));
            next = end;
        }
        ready.pop_front()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_order() {
        for load in [Load::Compute, Load::Disk] {
            let seen: Vec<usize> = ordered(load, 1000, |i| i * 2).collect();
            assert_eq!(seen, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        }
        assert_eq!(ordered(Load::Compute, 0, |i| i).count(), 0);
    }
}
