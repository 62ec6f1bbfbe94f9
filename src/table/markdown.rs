//! A [`Draft`] written as the canonical rungs Markdown (the bundled ladder's layout): front
//! matter when there are settings, the `#` title, then each level with its areas, competencies
//! (with `{#id}` where the draft has one) and `- ` expectations, levels separated by `---`.
//!
//! Text is written so that the ladder parser reads it back exactly: every character that
//! Markdown would take as structure (a backslash, `*`, `_`, `` ` ``, `[`, `~`, a `<` that starts a tag,
//! an `&` that starts an entity, a leading `#`, `>`, `-`, `+`, `=` or `1.`, a final `#` or `}` in a heading) is escaped
//! with a backslash.

use std::fmt::Write as _;

use super::{Draft, Item};
use crate::model::Inline;

/// The draft as Markdown.
pub(crate) fn write(draft: &Draft) -> String {
    let mut out = String::new();
    front_matter(draft, &mut out);
    let _ = writeln!(out, "# {}\n", heading(&draft.title));
    if let Some(d) = draft
        .settings
        .description
        .as_deref()
        .filter(|d| !d.is_empty())
    {
        paragraphs(d, &mut out);
    }
    for (li, level) in draft.levels.iter().enumerate() {
        if li > 0 {
            out.push_str("---\n\n");
        }
        let _ = writeln!(out, "## {} ({})\n", heading(&level.title), level.code);
        if let Some(s) = level.summary.as_deref().filter(|s| !s.is_empty()) {
            paragraphs(s, &mut out);
        }
        for area in &draft.areas {
            let present: Vec<_> = area
                .competencies
                .iter()
                .filter(|c| !c.cells[li].is_empty())
                .collect();
            if present.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "### {}{}\n",
                heading(&area.title),
                id(area.id.as_deref())
            );
            for comp in present {
                let _ = writeln!(
                    out,
                    "#### {}{}\n",
                    heading(&comp.title),
                    id(comp.id.as_deref())
                );
                for item in &comp.cells[li] {
                    let text = match item {
                        Item::Text(t) => inline(t, true),
                        Item::Markdown(m) => m.clone(),
                    };
                    let _ = writeln!(out, "- {text}");
                }
                out.push('\n');
            }
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn id(id: Option<&str>) -> String {
    id.map(|i| format!(" {{#{i}}}")).unwrap_or_default()
}

/// Paragraphs (blank-line separated) as Markdown paragraphs.
fn paragraphs(text: &str, out: &mut String) {
    for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let _ = writeln!(out, "{}\n", inline(&crate::ladder::collapse(p), true));
    }
}

/// The front matter, when the draft has settings beyond the defaults.
fn front_matter(draft: &Draft, out: &mut String) {
    let s = &draft.settings;
    let mut body = String::new();
    for (key, value) in [
        ("id", &s.id),
        ("version", &s.version),
        ("organisation", &s.organisation),
        ("language", &s.language),
    ] {
        if let Some(v) = value {
            let _ = writeln!(body, "{key} = {}", toml_str(v));
        }
    }
    if let Some(r) = &s.rating {
        body.push_str("\n[rating]\n");
        if r.relative {
            body.push_str("scale = \"relative\"\n");
        }
        if let Some(n) = &r.not_observed {
            let _ = writeln!(body, "not_observed = {}", toml_str(n));
        }
        if r.relative {
            body.push_str("options = [\n");
            for o in &r.options {
                let _ = write!(
                    body,
                    "  {{ label = {}, value = {}",
                    toml_str(&o.label),
                    o.value
                );
                if let Some(d) = &o.description {
                    let _ = write!(body, ", description = {}", toml_str(d));
                }
                body.push_str(" },\n");
            }
            body.push_str("]\n");
        }
    }
    if !body.is_empty() {
        let _ = write!(out, "+++\n{}+++\n\n", body.trim_start_matches('\n'));
    }
}

/// Whether the text after a `&` would make it an entity (`&amp;`, `&#169;`, `&#x2014;`).
fn entity_like(after: &str) -> bool {
    let name: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .take(33)
        .collect();
    !name.is_empty() && after[name.len()..].starts_with(';')
}

/// A TOML string literal.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Heading text: inline text whose final `#` (a closing sequence) or `}` (an attribute block)
/// is escaped too.
fn heading(text: &str) -> String {
    let mut out = inline(text, false);
    if out.ends_with('#') || out.ends_with('}') {
        let last = out.pop().expect("not empty");
        out.push('\\');
        out.push(last);
    }
    out
}

/// Text as Markdown inline content that reads back as exactly this text. `block_start`: the
/// text starts a block (a list item or paragraph), where a leading `#`, `>`, `-`, `+`, `=` or
/// `1.` would start another block.
pub(crate) fn inline(text: &str, block_start: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        let escape = matches!(c, '\\' | '`' | '*' | '_' | '[' | '~')
            || (c == '<'
                && text[i + 1..].starts_with(|n: char| {
                    n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')
                }))
            || (c == '&' && entity_like(&text[i + 1..]))
            || (i == 0 && block_start && matches!(c, '#' | '>' | '-' | '+' | '='));
        if escape {
            out.push('\\');
        }
        out.push(c);
        // `1.` or `1)` at the start of a block is an ordered list: escape its delimiter.
        if block_start
            && matches!(c, '.' | ')')
            && i > 0
            && i <= 9
            && text[..i].chars().all(|d| d.is_ascii_digit())
        {
            let dot = out.pop().expect("just pushed");
            out.push('\\');
            out.push(dot);
        }
    }
    out
}

/// Inline content as Markdown source (what a `- ` bullet would hold): `*emphasis*`,
/// `**strong**`, `~~strikethrough~~`, `` `code` ``, `[text](url)`, text escaped. Callers check
/// that it reads back the same: a few nestings have no source that does.
pub(crate) fn source(nodes: &[Inline]) -> String {
    let mut out = String::new();
    write_inlines(nodes, &mut out);
    out
}

fn write_inlines(nodes: &[Inline], out: &mut String) {
    for n in nodes {
        match n {
            Inline::Text { text } => {
                let start = out.is_empty();
                out.push_str(&inline(text, start));
            }
            Inline::Emphasis { children } => wrap("*", children, out),
            Inline::Strong { children } => wrap("**", children, out),
            Inline::Strikethrough { children } => wrap("~~", children, out),
            Inline::Code { text } => out.push_str(&code(text)),
            Inline::Link { url, children } => {
                out.push('[');
                write_inlines(children, out);
                out.push_str("](");
                out.push_str(&destination(url));
                out.push(')');
            }
        }
    }
}

fn wrap(mark: &str, children: &[Inline], out: &mut String) {
    out.push_str(mark);
    let mut inner = String::new();
    write_inlines(children, &mut inner);
    // Escapes meant for the start of a block do not apply inside.
    out.push_str(&inner);
    out.push_str(mark);
}

/// A code span: fenced by one more backtick than the longest run inside, padded with a space
/// where the code starts or ends with a backtick.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' '))
    {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A link destination: as it is when it is plain, else in `<…>` with `<` and `>` escaped.
fn destination(url: &str) -> String {
    let plain = !url.is_empty()
        && !url.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '(' | ')' | '<' | '>' | '\\')
        });
    if plain {
        url.to_owned()
    } else {
        format!(
            "<{}>",
            url.replace('\\', "\\\\")
                .replace('<', "\\<")
                .replace('>', "\\>")
        )
    }
}
