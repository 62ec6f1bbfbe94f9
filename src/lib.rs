//! rungs: turns a career ladder into calibration PDFs, fillable review workbooks and a tally of
//! the returned reviews. The binary (`src/main.rs`) calls [`cli::main`].
//!
//! Where things are, following the data:
//!
//! | module | what it holds |
//! |---|---|
//! | [`model`] | the ladder model every backend reads (its JSON is the layouts' data) |
//! | [`ladder`] | reading a ladder: parse the Markdown, fold it into the model, lint, diff levels |
//! | `pdf` | PDFs with the Typst built into rungs: the ladder's documents, and any other (the packet) |
//! | `table` | the ladder as a spreadsheet: `rungs import` (matrix or long table → Markdown), `rungs export xlsx`/`csv` |
//! | [`workbook`] | the review-workbook format: layout, provenance, manifest, writer, reader |
//! | [`sheets`] | `rungs sheets`: roster, file names, planning, writing the batch |
//! | `tally` | `rungs tally`: finding and importing returns, consensus, views, outputs; `tally.json` read back |
//! | `decisions` | `rungs decisions` and `rungs outcomes`: the decisions workbook (layout, writer, reader), merging the returned copies, outcomes and audit |
//! | `packet` | `rungs packet`: choosing people and documents, the packet's data for `layouts/packet.typ` |
//! | [`diag`] | the one error type: diagnostics as data |
//! | [`cli`] | the command line, and the one place diagnostics become text (`cli::report`) |
//! | `util` | atomic writes (files and sets), the output-folder lock, stray files (conflict copies, Office locks), the creation date, text rules, parallel work, test hooks |
//!
//! Everything else is private to the crate. What is public is what the command line, the
//! integration tests, the fuzz targets and the benchmarks use: loading a ladder, the model,
//! the workbook format (its layout constants, provenance, manifest, pre-check and reader),
//! file-name sanitising, and the diagnostics.

pub mod cli;
mod decisions;
pub mod diag;
pub mod ladder;
pub mod model;
mod packet;
mod pdf;
pub mod sheets;
mod table;
mod tally;
mod util;
pub mod workbook;
