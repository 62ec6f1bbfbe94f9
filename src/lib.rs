//! rungs: turns a career ladder into calibration PDFs, fillable review workbooks and a tally of
//! the returned reviews. The binary (`src/main.rs`) only parses arguments and calls in here.

pub mod atomic;
pub mod diag;
pub mod ladder;
pub mod model;
pub mod pdf;
pub mod sheets;
pub mod tally;
