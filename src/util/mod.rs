//! Small helpers every part of rungs shares, each written once: atomic file output (single
//! files and sets), the output-folder lock, what else lies in an output folder (sync-client
//! conflict copies, Office lock files), the creation date (`SOURCE_DATE_EPOCH`), text rules,
//! how work is spread over the cores, and the test hooks.

pub mod atomic;
pub mod epoch;
pub mod hooks;
pub mod lock;
pub mod parallel;
pub mod set;
pub mod strays;
pub mod text;

/// An index or count as a `u32`, where rungs keeps many of them (answers, tallies). Each is
/// bounded by the ladder or by memory long before `u32::MAX`; the saturation keeps this total.
pub fn to_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A small count (levels, steps) as an `i32`, saturating.
pub fn to_i32(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}
