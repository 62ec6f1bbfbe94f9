//! Typst's errors and warnings turned into rungs diagnostics, located in the layout file
//! (`layouts/matrix.typ:12:5`, the line, a caret) and named by virtual path only.

use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::syntax::DiagSpan;

use super::world::DocWorld;
use crate::diag::{Diagnostic, LineIndex, Location};

/// Converts typst's diagnostics of one document; `main` names the layout for detached ones.
pub fn convert(world: &DocWorld<'_>, diags: &[SourceDiagnostic]) -> Vec<Diagnostic> {
    diags.iter().map(|d| one(world, d)).collect()
}

fn one(world: &DocWorld<'_>, d: &SourceDiagnostic) -> Diagnostic {
    let location = locate(world, d.span).unwrap_or_else(|| {
        // Errors without a span (e.g. a file typst could not load) belong to the main layout.
        use typst::World;
        Location::File {
            file: world.shared().shown(world.main()),
        }
    });
    let mut hints: Vec<String> = d.hints.iter().map(|h| h.v.to_string()).collect();
    // Where the error surfaced, when it came through a function or an import.
    for point in &d.trace {
        if let Some(Location::Text {
            file, line, col, ..
        }) = locate(world, point.span.into())
        {
            hints.push(format!("{} at {file}:{line}:{col}", point.v));
        }
    }
    let message = d.message.to_string();
    let mut diag = match d.severity {
        Severity::Error => Diagnostic::error("layout-error", message, location),
        Severity::Warning => Diagnostic::warning("layout-warning", message, location),
    };
    if !hints.is_empty() {
        diag = diag.with_hint(hints.join("\n    "));
    }
    diag
}

fn locate(world: &DocWorld<'_>, span: DiagSpan) -> Option<Location> {
    use typst::World;
    let id = span.id()?;
    let range = world.range(span)?;
    let source = world.source(id).ok()?;
    let index = LineIndex::new(world.shared().shown(id), source.text());
    Some(index.location(range.start, range.end))
}
