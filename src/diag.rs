//! Diagnostics shown to users: errors and warnings located in their files, rendered with the
//! offending line, a caret and a hint (the style of rustc, just and typst).

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// Where in a user's file a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// One problem found in a user's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Short stable code, e.g. `bullet-outside-competency`; tests and users can grep for it.
    pub code: &'static str,
    /// Lowercase, no trailing period.
    pub message: String,
    pub location: Location,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            location,
            hint: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Self {
            severity: Severity::Warning,
            code,
            message: message.into(),
            location,
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, `file: sheet 'S', cell C` or `file`.
    pub fn position(&self) -> String {
        match &self.location {
            Location::File { file } => file.clone(),
            Location::Text {
                file, line, col, ..
            } => format!("{file}:{line}:{col}"),
            Location::Cell {
                file,
                sheet: Some(sheet),
                cell,
            } => format!("{file}: sheet '{sheet}', {cell}"),
            Location::Cell {
                file,
                sheet: None,
                cell,
            } => format!("{file}: {cell}"),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}[{}]: {}", self.code, self.message)?;
        writeln!(f, "  --> {}", self.position())?;
        if let Location::Text {
            line,
            col,
            source_line,
            width,
            ..
        } = &self.location
        {
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            // Tabs would misalign the caret: show them as single spaces.
            let shown: String = source_line
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            writeln!(f, "{pad} |")?;
            writeln!(f, "{line} | {shown}")?;
            writeln!(
                f,
                "{pad} | {}{}",
                " ".repeat(col.saturating_sub(1)),
                "^".repeat((*width).max(1))
            )?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = hint: {hint}")?;
        }
        Ok(())
    }
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
    pub fn line_text(&self, line: usize) -> &'a str {
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

/// Renders diagnostics one after another, errors and warnings in the order given.
pub fn render_all(diags: &[Diagnostic]) -> String {
    use std::fmt::Write;
    diags.iter().fold(String::new(), |mut s, d| {
        let _ = writeln!(s, "{d}");
        s
    })
}
