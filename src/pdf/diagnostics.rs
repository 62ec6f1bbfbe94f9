//! Typst's errors and warnings turned into rungs diagnostics, located in the layout file
//! (`layouts/matrix.typ:12:5`, the line, a caret) and named by virtual path only.

use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::syntax::{DiagSpan, Span};

use super::world::DocWorld;
use crate::diag::{Diagnostic, Flags, LineIndex, Location};

/// Call sites shown for an error raised inside functions or imports.
const MAX_TRACE: usize = 5;

/// Which step of making a PDF reported a problem.
#[derive(Debug, Clone, Copy)]
pub enum Stage {
    /// Evaluating and laying out the Typst layout.
    Layout,
    /// Writing the PDF (standards conformance, e.g. PDF/A or PDF/UA rules).
    Export,
}

/// Converts typst's diagnostics of one document; spanless ones are put on the main layout file.
pub fn convert(world: &DocWorld<'_>, stage: Stage, diags: &[SourceDiagnostic]) -> Vec<Diagnostic> {
    diags.iter().map(|d| one(world, stage, d)).collect()
}

fn one(world: &DocWorld<'_>, stage: Stage, d: &SourceDiagnostic) -> Diagnostic {
    let location = locate(world, d.span).unwrap_or_else(|| {
        // Errors without a span (e.g. a file typst could not load) belong to the main layout.
        use typst::World;
        Location::File {
            file: world.shared().shown(world.main()),
        }
    });
    let mut hints: Vec<String> = d.hints.iter().filter_map(|h| reword(&h.v)).collect();
    // Where the error surfaced, when it came through a function or an import; a recursion
    // repeats one call site many times, shown once with a count.
    let mut trace: Vec<(String, usize)> = Vec::new();
    for point in &d.trace {
        if let Some(Location::Text {
            file, line, col, ..
        }) = locate(world, point.span.into())
        {
            let here = format!("{} at {file}:{line}:{col}", point.v);
            match trace.last_mut() {
                Some((last, n)) if *last == here => *n += 1,
                _ => trace.push((here, 1)),
            }
        }
    }
    hints.extend(trace.into_iter().take(MAX_TRACE).map(|(here, n)| {
        if n == 1 {
            here
        } else {
            format!("{here} ({n} times)")
        }
    }));
    let message = d.message.to_string();
    let mut diag = match (d.severity, stage) {
        (Severity::Error, Stage::Layout) => Diagnostic::error("layout-error", message, location),
        (Severity::Error, Stage::Export) => Diagnostic::error("pdf-error", message, location),
        (Severity::Warning, _) => Diagnostic::warning("layout-warning", message, location),
    };
    for hint in hints {
        diag = diag.with_hint(hint);
    }
    diag
}

/// Typst's hints speak of its own CLI (`--root`, packages); say what holds in rungs instead.
fn reword(hint: &str) -> Option<String> {
    if hint.contains("--root") {
        None
    } else if hint.contains("outside of the project sandbox") {
        Some("layouts can read only files inside their own folder".into())
    } else {
        Some(hint.to_owned())
    }
}

/// A warning for characters a layout writes that no font can draw, at the place it writes them
/// when typst kept it (text made from a string value has none: then the main layout is named).
pub fn missing_glyphs(
    world: &DocWorld<'_>,
    span: Span,
    chars: &[char],
    file_name: &str,
    flags: &Flags,
) -> Diagnostic {
    use typst::World;
    let location = locate(world, span.into()).unwrap_or_else(|| Location::File {
        file: world.shared().shown(world.main()),
    });
    let list: Vec<String> = chars
        .iter()
        .map(|c| format!("{c} (U+{:04X})", u32::from(*c)))
        .collect();
    Diagnostic::warning(
        "missing-glyphs",
        format!(
            "the fonts cannot draw {}, which the layouts write into {file_name}; they print as empty boxes",
            list.join(", ")
        ),
        location,
    )
    .with_hint(super::coverage::font_hint(flags))
}

fn locate(world: &DocWorld<'_>, span: DiagSpan) -> Option<Location> {
    use typst::World;
    let id = span.id()?;
    let range = world.range(span)?;
    let source = world.source(id).ok()?;
    let index = LineIndex::new(world.shared().shown(id), source.text());
    Some(index.location(range.start, range.end))
}
