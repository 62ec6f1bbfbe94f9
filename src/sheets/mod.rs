//! Review workbooks: the sheet contract shared with the importer, the roster reader, and the
//! XLSX writer behind `rungs sheets`.

pub mod contract;
