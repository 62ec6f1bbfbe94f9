//! The one error type of rungs: typed diagnostics (code, severity, message, location, hints and
//! details as data) and the [`Error`] that carries them out of the library. Nothing here turns
//! them into text: the command line does that, in one place (`cli::report`).

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something worth knowing that needs no action (a duplicate counted once, a review not
    /// returned).
    Note,
    Warning,
    Error,
}

impl Severity {
    /// The word for it, as written in messages and outputs: `error`, `warning`, `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }
}

/// Where in a user's input a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// Nothing more precise than the file.
    File { file: String },
    /// A text file: 1-based line and column (in characters), the line's text and the span width.
    Text {
        file: String,
        line: usize,
        col: usize,
        source_line: String,
        width: usize,
    },
    /// A spreadsheet cell or row, e.g. sheet `Review`, cell `F7` (or row 3 of a CSV).
    Cell {
        file: String,
        sheet: Option<String>,
        cell: String,
    },
}

impl Location {
    /// The file the location is in.
    pub fn file(&self) -> &str {
        match self {
            Self::File { file } | Self::Text { file, .. } | Self::Cell { file, .. } => file,
        }
    }
}

/// One problem found in a user's input or in running a command.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Short stable code, e.g. `bullet-outside-competency`; tests and users can grep for it.
    pub code: &'static str,
    /// Lowercase, no trailing period.
    pub message: String,
    /// Where it is; `None` for problems of the run as a whole (a setting, the output folder).
    /// Boxed: a diagnostic travels as the error of many functions, and errors stay small.
    pub location: Option<Box<Location>>,
    /// How to fix it, one suggestion each.
    pub hints: Vec<String>,
    /// Items the message is about (files, cells), listed under it.
    pub details: Vec<String>,
}

impl Diagnostic {
    fn new(
        severity: Severity,
        code: &'static str,
        message: String,
        location: Option<Location>,
    ) -> Self {
        Self {
            severity,
            code,
            message,
            location: location.map(Box::new),
            hints: Vec::new(),
            details: Vec::new(),
        }
    }

    /// An error at a place in the user's input.
    pub fn error(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Self::new(Severity::Error, code, message.into(), Some(location))
    }

    /// A warning at a place in the user's input.
    pub fn warning(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Self::new(Severity::Warning, code, message.into(), Some(location))
    }

    /// An error of the run as a whole (a setting, the output), with no place in a file.
    pub fn failure(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message.into(), None)
    }

    /// A note on the run as a whole: worth knowing, nothing to do.
    pub fn note(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, message.into(), None)
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    #[must_use]
    pub fn with_details(mut self, details: impl IntoIterator<Item = String>) -> Self {
        self.details.extend(details);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// What kind of failure ends a command; the command line maps it to an exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input (ladder, roster, workbooks, settings) has problems.
    Input,
    /// Output could not be written, or something else failed while running.
    Failed,
}

/// Why a command could not do its job: every problem found, ready to be shown. Warnings found
/// on the way may be among the diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub diagnostics: Vec<Diagnostic>,
}

impl Error {
    /// Problems in the input.
    pub fn input(diagnostics: Vec<Diagnostic>) -> Self {
        Self {
            kind: ErrorKind::Input,
            diagnostics,
        }
    }

    /// A failure to write output or to run.
    pub fn failed(diagnostics: Vec<Diagnostic>) -> Self {
        Self {
            kind: ErrorKind::Failed,
            diagnostics,
        }
    }

    /// Adds a diagnostic after the others (typically a closing summary).
    #[must_use]
    pub fn and(mut self, d: Diagnostic) -> Self {
        self.diagnostics.push(d);
        self
    }

    /// Errors among the diagnostics.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

impl From<Diagnostic> for Error {
    /// One problem in the input.
    fn from(d: Diagnostic) -> Self {
        Self::input(vec![d])
    }
}

/// How the caller names the settings a hint may point to: the command line passes its flags
/// (`--prefer`), so the library never spells one itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    pub ladder: &'static str,
    pub output: &'static str,
    pub force: &'static str,
    pub skip_existing: &'static str,
    pub roster: &'static str,
    pub instructions: &'static str,
    pub name_pattern: &'static str,
    pub manifest: &'static str,
    pub prefer: &'static str,
    pub cycle: &'static str,
    pub font_path: &'static str,
    pub pdf_standard: &'static str,
    pub reviews: &'static str,
    pub encoding: &'static str,
    pub bundle: &'static str,
    pub sheet: &'static str,
    pub window: &'static str,
}

/// Maps byte offsets in a text to 1-based lines and columns.
#[derive(Debug)]
pub struct LineIndex<'a> {
    file: String,
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(file: impl Into<String>, text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            file: file.into(),
            text,
            starts,
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// Text of a 1-based line, without its line ending.
    fn line_text(&self, line: usize) -> &'a str {
        let start = self.starts[line - 1];
        let end = self.starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// A location for the byte range `start..end` (clamped to the first line of the range).
    pub fn location(&self, start: usize, end: usize) -> Location {
        let start = start.min(self.text.len());
        let line = self.line_of(start);
        let line_start = self.starts[line - 1];
        let source_line = self.line_text(line);
        let prefix = self.text.get(line_start..start).unwrap_or("");
        let col = prefix.chars().count() + 1;
        let line_end = line_start + source_line.len();
        // `start` may sit on a line's `\r`, past `line_end`: never clamp with min > max.
        let span_end = end.min(line_end).max(start);
        let width = self
            .text
            .get(start..span_end)
            .map_or(1, |s| s.trim_end().chars().count().max(1));
        Location::Text {
            file: self.file.clone(),
            line,
            col,
            source_line: source_line.to_owned(),
            width,
        }
    }
}
