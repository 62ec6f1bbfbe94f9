//! Parses the Markdown ladder format (`#` title, `## Level (CODE)`, `### Area`, `#### Competency`,
//! `- expectation`) into the model, collecting every problem with its source position.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, MetadataBlockKind, Options, Parser, Tag, TagEnd};

use super::frontmatter::{self, FrontMatter};
use crate::diag::{Diagnostic, LineIndex};
use crate::model::{Expectation, Inline};

/// A level as written, with where its parts are in the source.
#[derive(Debug)]
pub(crate) struct RawLevel {
    pub code: String,
    pub title: String,
    pub summary: Option<String>,
    pub areas: Vec<RawArea>,
}

#[derive(Debug)]
pub(crate) struct RawArea {
    pub title: String,
    /// The explicit id (`### Area {#id}`), else the title's slug.
    pub id: String,
    /// Whether the heading gave the id.
    pub explicit: bool,
    pub span: Range<usize>,
    pub competencies: Vec<RawCompetency>,
}

#[derive(Debug)]
pub(crate) struct RawCompetency {
    pub title: String,
    /// The explicit id (`#### Competency {#id}`), which is the whole id; else the title's slug,
    /// which the area's id prefixes (see [`RawCompetency::model_id`]).
    pub id: String,
    /// Whether the heading gave the id.
    pub explicit: bool,
    pub span: Range<usize>,
    pub items: Vec<Expectation>,
}

impl RawCompetency {
    /// The competency's id in the model: its explicit id, else `area-id.title-slug`.
    pub fn model_id(&self, area: &RawArea) -> String {
        if self.explicit {
            self.id.clone()
        } else {
            format!("{}.{}", area.id, self.id)
        }
    }
}

/// The document as written, before it is folded into the model.
#[derive(Debug, Default)]
pub(crate) struct RawLadder {
    pub front: FrontMatter,
    pub front_span: Option<Range<usize>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub levels: Vec<RawLevel>,
}

/// Turns a heading into a URL- and id-safe slug: Unicode letters and digits kept (lowercased),
/// every other run of characters becomes one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

fn options() -> Options {
    let mut o = Options::empty();
    o.insert(Options::ENABLE_STRIKETHROUGH);
    o.insert(Options::ENABLE_TABLES);
    o.insert(Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS);
    o.insert(Options::ENABLE_YAML_STYLE_METADATA_BLOCKS);
    o.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    o
}

/// Whether `code` is a level code: 1 to 16 letters, digits, `-`, `_`, `.` or `+`.
pub(crate) fn valid_level_code(code: &str) -> bool {
    !code.is_empty()
        && code.chars().count() <= 16
        && code
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

/// Longest explicit id, in characters.
pub(crate) const MAX_ID_CHARS: usize = 64;

/// Whether `id` is a valid explicit id: slugs (lowercase letters and digits, single `-`
/// between them), joined by `.` where `dots` allows (competencies) or one slug (areas).
pub(crate) fn valid_id(id: &str, dots: bool) -> bool {
    !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && (dots || !id.contains('.'))
        && id
            .split('.')
            .all(|part| !part.is_empty() && slug(part) == part)
}

/// What a heading's `{…}` block held.
#[derive(Debug, Default)]
struct Attrs {
    /// `#id`.
    id: Option<String>,
    /// Classes (`.x`) or key-value attributes (`x=y`), which the ladder format has no use for.
    other: bool,
    /// Whether a `{…}` block was taken off the end of the heading at all (an empty `{}` is).
    consumed: bool,
}

/// Where new content goes, depending on the last heading seen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Start,
    Title,
    Level,
    Area,
    Competency,
}

struct State<'a> {
    idx: &'a LineIndex<'a>,
    text: &'a str,
    raw: RawLadder,
    diags: Vec<Diagnostic>,
    scope: Scope,
    level_codes: HashMap<String, Range<usize>>,
}

impl State<'_> {
    fn error(&mut self, code: &'static str, msg: String, span: &Range<usize>, hint: &str) {
        let d = Diagnostic::error(code, msg, self.idx.location(span.start, span.end));
        self.diags.push(if hint.is_empty() {
            d
        } else {
            d.with_hint(hint)
        });
    }

    fn heading(
        &mut self,
        level: HeadingLevel,
        inlines: &[Inline],
        span: &Range<usize>,
        attrs: &Attrs,
    ) {
        let text = plain_text(inlines);
        self.check_attrs(level, &text, span, attrs);
        let id = attrs.id.as_deref();
        match level {
            HeadingLevel::H1 => self.title_heading(text, span),
            HeadingLevel::H2 => self.level_heading(&text, span),
            HeadingLevel::H3 => self.area_heading(text, span, id),
            HeadingLevel::H4 => self.competency_heading(text, span, id),
            _ => self.error(
                "heading-too-deep",
                format!("heading `{text}` is deeper than `####`"),
                span,
                "the ladder uses `#` title, `##` level, `###` area, `####` competency; make this an expectation bullet",
            ),
        }
    }

    /// A heading's `{…}` block may hold only an id, and only on area and competency headings.
    fn check_attrs(&mut self, level: HeadingLevel, text: &str, span: &Range<usize>, attrs: &Attrs) {
        let takes_id = matches!(level, HeadingLevel::H3 | HeadingLevel::H4);
        if attrs.other || (attrs.id.is_none() && attrs.consumed) {
            self.error(
                "heading-attributes",
                format!("the `{{…}}` after the heading `{text}` is not an id"),
                span,
                if takes_id {
                    "write the id as `{#id}`, e.g. `{#ownership}`; to end the title with braces, write the last one as `\\}`"
                } else {
                    "to end the title with braces, write the last one as `\\}`"
                },
            );
        } else if attrs.id.is_some() && !takes_id {
            self.error(
                "heading-id",
                format!("the heading `{text}` carries an id, but only areas and competencies take one"),
                span,
                "remove the `{#…}`; a level is identified by its code, the ladder by the front matter's `id`",
            );
        }
    }

    /// The id a heading gives itself (checked), else `None` for the title's slug.
    fn explicit_id(&mut self, id: Option<&str>, dots: bool, span: &Range<usize>) -> Option<String> {
        let id = id?;
        if valid_id(id, dots) {
            return Some(id.to_owned());
        }
        let parts: Vec<&str> = if dots {
            id.split('.').collect()
        } else {
            vec![id]
        };
        let suggestion: Vec<String> = parts
            .into_iter()
            .map(slug)
            .filter(|s| !s.is_empty())
            .collect();
        let suggestion = if suggestion.is_empty() {
            "ownership".to_owned()
        } else {
            suggestion.join(".")
        };
        let what = if dots {
            "lowercase letters, digits and `-`, in parts joined by `.`"
        } else {
            "lowercase letters, digits and `-`"
        };
        self.error(
            "bad-id",
            format!("the id `{id}` is not made of {what} (at most {MAX_ID_CHARS} characters)"),
            span,
            &format!("write it as `{{#{suggestion}}}`"),
        );
        None
    }

    /// `# Title`: the ladder's title, once, first.
    fn title_heading(&mut self, text: String, span: &Range<usize>) {
        if self.raw.title.is_some() {
            self.error(
                "second-title",
                "a ladder has one `#` title, this is a second one".into(),
                span,
                "make it a `##` level heading, or split the file into two ladders",
            );
            return;
        }
        if self.scope != Scope::Start {
            self.error(
                "title-not-first",
                "the `#` ladder title must come before the levels".into(),
                span,
                "move this heading to the top of the file",
            );
        }
        self.raw.title = Some(text);
        self.scope = Scope::Title;
    }

    /// `### Area` or `### Area {#id}`, inside a level.
    fn area_heading(&mut self, text: String, span: &Range<usize>, id: Option<&str>) {
        if self.raw.levels.is_empty() {
            self.error(
                "area-outside-level",
                format!("area `{text}` is not inside a level"),
                span,
                "put a `## Level title (CODE)` heading before it",
            );
            return;
        }
        let explicit = self.explicit_id(id, false, span);
        let level = self.raw.levels.last_mut().expect("checked above");
        let (id, explicit) = match explicit {
            Some(id) => (id, true),
            None => (slug(&text), false),
        };
        if let Some(prev) = level.areas.iter().find(|a| a.id == id) {
            let first = self.idx.line_of(prev.span.start);
            let code = level.code.clone();
            self.error(
                "duplicate-area",
                if explicit {
                    format!("area id `{id}` appears twice in level {code}")
                } else {
                    format!("area `{text}` appears twice in level {code}")
                },
                span,
                &format!("merge it with the one on line {first}"),
            );
        } else if slug(&text).is_empty() {
            self.error(
                "empty-heading",
                "area heading has no letters or digits".into(),
                span,
                "give the area a name",
            );
        } else {
            level.areas.push(RawArea {
                title: text,
                id,
                explicit,
                span: span.clone(),
                competencies: Vec::new(),
            });
        }
        self.scope = Scope::Area;
    }

    /// `#### Competency` or `#### Competency {#id}`, inside an area.
    fn competency_heading(&mut self, text: String, span: &Range<usize>, id: Option<&str>) {
        if self
            .raw
            .levels
            .last()
            .and_then(|l| l.areas.last())
            .is_none()
        {
            self.error(
                "competency-outside-area",
                format!("competency `{text}` is not inside an area"),
                span,
                "put a `### Area` heading (inside a `## Level (CODE)`) before it",
            );
            return;
        }
        let explicit = self.explicit_id(id, true, span);
        let area = self
            .raw
            .levels
            .last_mut()
            .and_then(|l| l.areas.last_mut())
            .expect("checked above");
        let (id, explicit) = match explicit {
            Some(id) => (id, true),
            None => (slug(&text), false),
        };
        if let Some(prev) = area
            .competencies
            .iter()
            .find(|c| c.id == id && c.explicit == explicit)
        {
            let first = self.idx.line_of(prev.span.start);
            let area_title = area.title.clone();
            let prev_title = prev.title.clone();
            let code = self
                .raw
                .levels
                .last()
                .map(|l| l.code.clone())
                .unwrap_or_default();
            if explicit {
                self.error(
                    "duplicate-id",
                    format!("competency `{text}` has the id `{id}`, which `{prev_title}` on line {first} already has in level {code}"),
                    span,
                    "give every competency its own id",
                );
            } else {
                self.error(
                    "duplicate-competency",
                    format!(
                        "competency `{text}` appears twice in area `{area_title}` of level {code}"
                    ),
                    span,
                    &format!("merge its bullets with the section on line {first}"),
                );
            }
        } else if slug(&text).is_empty() {
            self.error(
                "empty-heading",
                "competency heading has no letters or digits".into(),
                span,
                "give the competency a name",
            );
        } else {
            area.competencies.push(RawCompetency {
                title: text,
                id,
                explicit,
                span: span.clone(),
                items: Vec::new(),
            });
        }
        self.scope = Scope::Competency;
    }

    fn level_heading(&mut self, text: &str, span: &Range<usize>) {
        self.scope = Scope::Level;
        let parsed = text
            .strip_suffix(')')
            .and_then(|t| t.rfind('(').map(|i| (t[..i].trim(), t[i + 1..].trim())));
        let Some((title, code)) = parsed else {
            self.error(
                "level-without-code",
                format!("level heading `{text}` has no level code"),
                span,
                &format!("end it with a short code in parentheses, e.g. `## {text} (L1)`"),
            );
            // Keep parsing its contents under a placeholder so later errors still show up.
            self.push_level(String::new(), text.to_owned());
            return;
        };
        if !valid_level_code(code) {
            self.error(
                "bad-level-code",
                format!("level code `{code}` is not a short code"),
                span,
                "use 1 to 16 letters, digits, `-`, `_`, `.` or `+`, e.g. `L3` or `IC-3`",
            );
        } else if let Some(prev) = self.level_codes.get(code) {
            let first = self.idx.line_of(prev.start);
            self.error(
                "duplicate-level-code",
                format!("level code `{code}` is already used on line {first}"),
                span,
                "give every level its own code",
            );
        } else {
            self.level_codes.insert(code.to_owned(), span.clone());
        }
        if title.is_empty() {
            self.error(
                "level-without-title",
                format!("level `{code}` has no title"),
                span,
                &format!("write the title before the code, e.g. `## Senior Engineer ({code})`"),
            );
        }
        self.push_level(code.to_owned(), title.to_owned());
    }

    fn push_level(&mut self, code: String, title: String) {
        self.raw.levels.push(RawLevel {
            code,
            title,
            summary: None,
            areas: Vec::new(),
        });
    }

    fn paragraph(&mut self, inlines: &[Inline], span: &Range<usize>) {
        let text = plain_text(inlines);
        if text.is_empty() {
            return;
        }
        let target = match self.scope {
            Scope::Title => Some(&mut self.raw.description),
            Scope::Level => self.raw.levels.last_mut().map(|l| &mut l.summary),
            _ => None,
        };
        if let Some(slot) = target {
            match slot {
                Some(existing) => {
                    existing.push_str("\n\n");
                    existing.push_str(&text);
                }
                None => *slot = Some(text),
            }
            return;
        }
        let (msg, hint) = match self.scope {
            Scope::Start => (
                "text before the `#` ladder title",
                "start the file with `# Ladder title`; put settings in `+++` front matter",
            ),
            Scope::Area => (
                "text between an area heading and its first competency",
                "put it under a `#### Competency` heading as a `- ` bullet, or remove it",
            ),
            _ => (
                "text outside the heading structure: expectations must be `- ` bullets",
                "start the line with `- ` to make it an expectation",
            ),
        };
        self.error("text-outside-structure", msg.into(), span, hint);
    }

    fn list_item(&mut self, inlines: Vec<Inline>, span: &Range<usize>) {
        let text = plain_text(&inlines);
        if text.is_empty() {
            self.error(
                "empty-bullet",
                "empty expectation bullet".into(),
                span,
                "write the expectation after `- `, or delete the line",
            );
            return;
        }
        let comp = if self.scope == Scope::Competency {
            self.raw
                .levels
                .last_mut()
                .and_then(|l| l.areas.last_mut())
                .and_then(|a| a.competencies.last_mut())
        } else {
            None
        };
        match comp {
            Some(c) => c.items.push(Expectation { text, inlines }),
            None => self.error(
                "bullet-outside-competency",
                "expectation bullet with no competency".into(),
                span,
                "put a `#### Competency` heading (under a `### Area`) before it",
            ),
        }
    }
}

/// Collects inline events into a tree until `end` closes the block that opened it.
struct InlineBuilder {
    stack: Vec<(Option<Tag<'static>>, Vec<Inline>)>,
}

impl InlineBuilder {
    fn new() -> Self {
        Self {
            stack: vec![(None, Vec::new())],
        }
    }

    fn push_text(&mut self, t: &str) {
        let top = &mut self.stack.last_mut().expect("stack never empty").1;
        if let Some(Inline::Text { text }) = top.last_mut() {
            text.push_str(t);
        } else {
            top.push(Inline::Text { text: t.to_owned() });
        }
    }

    fn code(&mut self, t: &str) {
        let top = &mut self.stack.last_mut().expect("stack never empty").1;
        top.push(Inline::Code { text: t.to_owned() });
    }

    fn open(&mut self, tag: Tag<'static>) {
        self.stack.push((Some(tag), Vec::new()));
    }

    fn close(&mut self) {
        if self.stack.len() < 2 {
            return;
        }
        let (tag, children) = self.stack.pop().expect("checked length");
        let node = match tag {
            Some(Tag::Emphasis) => Inline::Emphasis { children },
            Some(Tag::Strong) => Inline::Strong { children },
            Some(Tag::Strikethrough) => Inline::Strikethrough { children },
            Some(Tag::Link { dest_url, .. }) => Inline::Link {
                url: dest_url.to_string(),
                children,
            },
            // Images and anything else: keep their text.
            _ => {
                for c in children {
                    self.stack.last_mut().expect("stack never empty").1.push(c);
                }
                return;
            }
        };
        self.stack
            .last_mut()
            .expect("stack never empty")
            .1
            .push(node);
    }

    fn finish(mut self) -> Vec<Inline> {
        while self.stack.len() > 1 {
            self.close();
        }
        let mut out = self.stack.pop().map(|s| s.1).unwrap_or_default();
        normalise(&mut out);
        trim_ends(&mut out);
        out
    }
}

/// Collapses whitespace runs inside text nodes to one space.
fn normalise(nodes: &mut Vec<Inline>) {
    for n in nodes.iter_mut() {
        match n {
            Inline::Text { text } | Inline::Code { text } => *text = collapse(text),
            Inline::Emphasis { children }
            | Inline::Strong { children }
            | Inline::Strikethrough { children }
            | Inline::Link { children, .. } => normalise(children),
        }
    }
    nodes.retain(|n| !matches!(n, Inline::Text { text } if text.is_empty()));
}

/// Each run of white space as one space (non-breaking spaces are kept: they are deliberate),
/// as the ladder's text is read.
pub(crate) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        // Non-breaking spaces are deliberate: keep them.
        if c.is_whitespace() && c != '\u{a0}' && c != '\u{202f}' {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

fn trim_ends(nodes: &mut [Inline]) {
    if let Some(Inline::Text { text }) = nodes.first_mut() {
        *text = text.trim_start().to_owned();
    }
    if let Some(Inline::Text { text }) = nodes.last_mut() {
        *text = text.trim_end().to_owned();
    }
}

/// The plain text of inline content, whitespace collapsed.
pub fn plain_text(nodes: &[Inline]) -> String {
    fn walk(nodes: &[Inline], out: &mut String) {
        for n in nodes {
            match n {
                Inline::Text { text } | Inline::Code { text } => out.push_str(text),
                Inline::Emphasis { children }
                | Inline::Strong { children }
                | Inline::Strikethrough { children }
                | Inline::Link { children, .. } => walk(children, out),
            }
        }
    }
    let mut out = String::new();
    walk(nodes, &mut out);
    collapse(&out).trim().to_owned()
}

/// The expectation a `- ` bullet holding `source` (inline Markdown, one line) reads as in a
/// ladder, or `None` when it is not exactly one valid expectation.
pub(crate) fn expectation(source: &str) -> Option<Expectation> {
    if source.contains(['\n', '\r']) {
        return None;
    }
    let text = format!("# T\n\n## L (L1)\n\n### A\n\n#### C\n\n- {source}\n");
    let idx = LineIndex::new("", &text);
    let (mut raw, diags) = parse(&idx, &text);
    if !diags.is_empty() {
        return None;
    }
    let items = &mut raw
        .levels
        .first_mut()?
        .areas
        .first_mut()?
        .competencies
        .first_mut()?
        .items;
    if items.len() == 1 { items.pop() } else { None }
}

/// Parses a ladder document. Returns what could be read and every problem found.
pub(crate) fn parse(idx: &LineIndex<'_>, text: &str) -> (RawLadder, Vec<Diagnostic>) {
    let mut st = State {
        idx,
        text,
        raw: RawLadder::default(),
        diags: Vec::new(),
        scope: Scope::Start,
        level_codes: HashMap::new(),
    };
    let mut events = Parser::new_ext(text, options())
        .into_offset_iter()
        .peekable();
    while let Some((event, span)) = events.next() {
        match event {
            Event::Start(Tag::MetadataBlock(kind)) => {
                let mut body = String::new();
                let mut body_start = None;
                for (ev, sp) in events.by_ref() {
                    match ev {
                        Event::Text(t) => {
                            body_start.get_or_insert(sp.start);
                            body.push_str(&t);
                        }
                        Event::End(TagEnd::MetadataBlock(_)) => break,
                        _ => {}
                    }
                }
                front_matter(
                    &mut st,
                    kind,
                    &body,
                    body_start.unwrap_or(span.start),
                    &span,
                );
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let inlines = collect_inlines(&mut events, |e| matches!(e, TagEnd::Heading(_)));
                let attrs = Attrs {
                    id: id.map(|i| i.to_string()),
                    other: !classes.is_empty() || !attrs.is_empty(),
                    consumed: ends_in_attribute_block(text.get(span.clone()).unwrap_or("")),
                };
                st.heading(level, &inlines, &span, &attrs);
            }
            Event::Start(Tag::Paragraph) => {
                let inlines = collect_inlines(&mut events, |e| matches!(e, TagEnd::Paragraph));
                st.paragraph(&inlines, &span);
            }
            Event::Start(Tag::List(_)) => list(&mut st, &mut events),
            Event::Start(Tag::HtmlBlock) => {
                let mut html = String::new();
                for (ev, _) in events.by_ref() {
                    match ev {
                        Event::Html(t) | Event::Text(t) => html.push_str(&t),
                        Event::End(_) => break,
                        _ => {}
                    }
                }
                let html = html.trim();
                // Comments are how people annotate Markdown; anything else would be lost.
                if !(html.starts_with("<!--") && html.ends_with("-->")) {
                    st.error(
                        "unsupported-block",
                        "an HTML block is not part of the ladder format".into(),
                        &span,
                        "remove it; HTML comments (`<!-- … -->`) are fine",
                    );
                }
            }
            Event::Start(tag) => {
                let what = match tag {
                    Tag::CodeBlock(_) => "a code block",
                    Tag::BlockQuote(_) => "a block quote",
                    Tag::Table(_) => "a table",
                    _ => "this kind of block",
                };
                st.error(
                    "unsupported-block",
                    format!("{what} is not part of the ladder format"),
                    &span,
                    "expectations are `- ` bullets under `####` competency headings; remove it or turn it into bullets",
                );
                skip_block(&mut events);
            }
            // Rules (`---`) separate levels; nothing else reaches the top level.
            _ => {}
        }
    }
    (st.raw, st.diags)
}

type Events<'a> = std::iter::Peekable<pulldown_cmark::OffsetIter<'a>>;

/// Whether an ATX heading's source ends in a `{…}` block, which the Markdown parser takes off
/// as attributes (the rule of `pulldown-cmark`: a final `}` not escaped with a backslash, and a
/// `{` before it with no `{`, `}`, `<`, `>`, backslash or line break between them).
fn ends_in_attribute_block(source: &str) -> bool {
    let line = source.lines().next().unwrap_or("").trim_end();
    let Some(inner) = line.strip_suffix('}') else {
        return false;
    };
    let tail: String = inner
        .chars()
        .rev()
        .take_while(|c| !matches!(c, '{' | '}' | '<' | '>' | '\\'))
        .collect();
    inner[..inner.len() - tail.len()].ends_with('{')
}

fn skip_block(events: &mut Events<'_>) {
    let mut depth = 1usize;
    for (ev, _) in events.by_ref() {
        match ev {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

fn collect_inlines(events: &mut Events<'_>, is_end: impl Fn(&TagEnd) -> bool) -> Vec<Inline> {
    let mut b = InlineBuilder::new();
    for (ev, _) in events.by_ref() {
        match ev {
            Event::End(ref end) if is_end(end) => break,
            Event::Text(t)
            | Event::InlineHtml(t)
            | Event::InlineMath(t)
            | Event::DisplayMath(t) => {
                b.push_text(&t);
            }
            Event::Code(t) => b.code(&t),
            Event::SoftBreak | Event::HardBreak => b.push_text(" "),
            Event::FootnoteReference(t) => b.push_text(&format!("[^{t}]")),
            Event::Start(tag) => b.open(tag.into_static()),
            Event::End(_) => b.close(),
            _ => {}
        }
    }
    b.finish()
}

/// Reads a list: each item becomes an expectation. Nested lists and other blocks inside an item
/// are reported, since a ladder cell is a flat list of sentences.
fn list(st: &mut State<'_>, events: &mut Events<'_>) {
    while let Some((ev, span)) = events.next() {
        match ev {
            Event::End(TagEnd::List(_)) => return,
            Event::Start(Tag::Item) => {
                let mut b = InlineBuilder::new();
                let item_span = span.clone();
                let mut depth = 0usize;
                while let Some((ev, sp)) = events.next() {
                    match ev {
                        Event::End(TagEnd::Item) if depth == 0 => break,
                        Event::Start(Tag::Paragraph) if depth == 0 && !b.stack[0].1.is_empty() => {
                            b.push_text(" ");
                        }
                        Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
                            if depth == 0 => {}
                        Event::Start(Tag::List(_)) => {
                            st.error(
                                "nested-list",
                                "nested bullets are not part of the ladder format".into(),
                                &sp,
                                "make each sub-bullet its own `- ` expectation at the top level",
                            );
                            skip_block(events);
                        }
                        Event::Start(
                            Tag::CodeBlock(_) | Tag::BlockQuote(_) | Tag::Table(_) | Tag::HtmlBlock,
                        ) => {
                            st.error(
                                "unsupported-block",
                                "a block inside a bullet is not part of the ladder format".into(),
                                &sp,
                                "keep each expectation to plain text with inline formatting",
                            );
                            skip_block(events);
                        }
                        Event::Text(t) | Event::InlineHtml(t) | Event::InlineMath(t) => {
                            b.push_text(&t);
                        }
                        Event::Code(t) => b.code(&t),
                        Event::SoftBreak | Event::HardBreak => b.push_text(" "),
                        Event::Start(tag) => {
                            depth += 1;
                            b.open(tag.into_static());
                        }
                        Event::End(_) => {
                            depth = depth.saturating_sub(1);
                            b.close();
                        }
                        _ => {}
                    }
                }
                st.list_item(b.finish(), &trim_span(st.text, &item_span));
            }
            _ => {}
        }
    }
}

/// An item's span ends after its trailing newline; keep the caret on the item's own line.
fn trim_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let s = text.get(span.clone()).unwrap_or("");
    span.start..span.start + s.trim_end().len()
}

fn front_matter(
    st: &mut State<'_>,
    kind: MetadataBlockKind,
    body: &str,
    body_start: usize,
    span: &Range<usize>,
) {
    if kind == MetadataBlockKind::YamlStyle {
        st.error(
            "yaml-front-matter",
            "front matter between `---` lines (YAML) is not supported".into(),
            span,
            "write it as TOML between `+++` lines, e.g. `+++` / `version = \"2026.1\"` / `+++`",
        );
        return;
    }
    if st.scope != Scope::Start || st.raw.front_span.is_some() {
        st.error(
            "misplaced-front-matter",
            "front matter must be the very first thing in the file".into(),
            span,
            "move the `+++` block to the top",
        );
        return;
    }
    st.raw.front_span = Some(span.clone());
    match frontmatter::parse(body) {
        Ok(front) => st.raw.front = front,
        Err((msg, range)) => {
            let range = range.map_or(span.clone(), |r| body_start + r.start..body_start + r.end);
            st.error(
                "bad-front-matter",
                format!("front matter: {msg}"),
                &range,
                "see the front-matter keys in README.md (`id`, `title`, `version`, `organisation`, `language`, `levels_order`, `[rating]`)",
            );
        }
    }
}
