//! Test hooks, read from the environment once per process: `RUNGS_FAULT=step[:n]` makes the
//! n-th (default first) occurrence of a step fail, `RUNGS_PAUSE=step:ms` sleeps before every
//! occurrence of a step. They let the fault and concurrency tests put a failure or a kill at an
//! exact point of a run; unset (as in every real run) they cost nothing but a cached lookup.

use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The points of a run a hook can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Creating a temporary file ([`super::atomic`]).
    Create,
    /// Filling it.
    Write,
    /// Syncing it to disk.
    Sync,
    /// Renaming it into place.
    Rename,
    /// Locking an output folder ([`super::lock`]); a fault here reads as "not supported".
    Lock,
    /// Just after an output folder was locked (a pause here holds the lock).
    Locked,
}

const STEPS: [(&str, Step); 6] = [
    ("create", Step::Create),
    ("write", Step::Write),
    ("sync", Step::Sync),
    ("rename", Step::Rename),
    ("lock", Step::Lock),
    ("locked", Step::Locked),
];

/// A parsed `step[:n]` specification.
fn parse(var: &str) -> Option<(Step, u64)> {
    let spec = std::env::var(var).ok()?;
    let (name, n) = spec.split_once(':').unwrap_or((spec.as_str(), ""));
    let step = STEPS.iter().find(|(s, _)| *s == name)?.1;
    Some((step, n.parse().unwrap_or(0)))
}

/// Fails the step when `RUNGS_FAULT` names this occurrence of it.
pub fn fault(step: Step) -> io::Result<()> {
    static SPEC: OnceLock<Option<(Step, u64)>> = OnceLock::new();
    static COUNT: [AtomicUsize; STEPS.len()] = [const { AtomicUsize::new(0) }; STEPS.len()];
    let Some((wanted, nth)) = *SPEC.get_or_init(|| parse("RUNGS_FAULT")) else {
        return Ok(());
    };
    if wanted != step {
        return Ok(());
    }
    let seen = COUNT[step as usize].fetch_add(1, Ordering::SeqCst) + 1;
    if seen as u64 != nth.max(1) {
        return Ok(());
    }
    let name = STEPS[step as usize].0;
    let kind = if step == Step::Lock {
        io::ErrorKind::Unsupported
    } else {
        io::ErrorKind::Other
    };
    Err(io::Error::new(
        kind,
        format!("injected fault at {name} (RUNGS_FAULT)"),
    ))
}

/// Sleeps before the step when `RUNGS_PAUSE` names it.
pub fn pause(step: Step) {
    static SPEC: OnceLock<Option<(Step, u64)>> = OnceLock::new();
    if let Some((wanted, ms)) = *SPEC.get_or_init(|| parse("RUNGS_PAUSE"))
        && wanted == step
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}
