//! The Instructions sheet's text: a minijinja template (compiled in, replaceable with
//! `--instructions FILE`), rendered per workbook with strict undefined variables: per review,
//! or once for a bundle of one reviewer's reviews (then `person` and `form_id` are undefined
//! and `reviews` lists them all).

use std::path::Path;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::diag::{Diagnostic, LineIndex, Location};

/// The default template, compiled into the binary.
pub const DEFAULT_TEMPLATE: &str = include_str!("instructions.txt.j2");
/// Name of the default template in messages.
pub const DEFAULT_NAME: &str = "instructions.txt.j2 (built in)";

const ID: &str = "instructions";

/// Everything the instruction template can use (documented in README.md).
#[derive(Debug, Serialize)]
pub struct Context<'a> {
    pub ladder: LadderCtx<'a>,
    pub rating: &'a crate::model::RatingScale,
    /// The person reviewed; undefined in a bundle (see `reviews`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonCtx<'a>>,
    pub reviewer: ReviewerCtx<'a>,
    pub cycle: &'a str,
    pub due_date: Option<&'a str>,
    /// The review's form id; undefined in a bundle (see `reviews`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form_id: Option<&'a str>,
    pub competencies: usize,
    /// Whether the workbook is a bundle of several reviews.
    pub bundle: bool,
    /// Every review of the workbook (one, unless it is a bundle), in sheet order.
    pub reviews: Vec<ReviewCtx<'a>>,
}

/// One review of a workbook, for `reviews`.
#[derive(Debug, Serialize)]
pub struct ReviewCtx<'a> {
    pub person: PersonCtx<'a>,
    pub role: &'a str,
    pub form_id: &'a str,
    /// The review's sheet.
    pub sheet: &'a str,
}

#[derive(Debug, Serialize)]
pub struct LadderCtx<'a> {
    pub title: &'a str,
    pub version: &'a str,
    pub levels: &'a [crate::model::Level],
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PersonCtx<'a> {
    pub name: &'a str,
    pub employee_id: &'a str,
    pub current_level: &'a str,
    pub current_level_title: &'a str,
    pub email: Option<&'a str>,
    pub team: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct ReviewerCtx<'a> {
    pub name: &'a str,
    /// The reviewer's role; undefined in a bundle, whose reviews may differ (see `reviews`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'a str>,
}

/// A compiled instruction template.
#[derive(Debug)]
pub struct Instructions {
    env: Environment<'static>,
    file: String,
    source: String,
}

impl Instructions {
    /// The built-in template.
    pub fn builtin() -> Self {
        Self::compile(DEFAULT_NAME, DEFAULT_TEMPLATE)
            .unwrap_or_else(|d| unreachable!("the built-in template compiles: {d:?}"))
    }

    /// Reads and compiles a user template; `flag` names the setting that gave its path.
    pub fn from_file(path: &Path, flag: &str) -> Result<Self, Diagnostic> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(
                "template-unreadable",
                format!("cannot read the instruction template: {e}"),
                Location::File { file: file.clone() },
            )
            .with_hint(format!(
                "check the path given to {flag} (a UTF-8 text file)"
            ))
        })?;
        Self::compile(&file, &text)
    }

    /// Compiles `source`; syntax errors point at the template's line.
    pub fn compile(file: &str, source: &str) -> Result<Self, Diagnostic> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let this = |env| Self {
            env,
            file: file.to_owned(),
            source: source.to_owned(),
        };
        match env.add_template_owned(ID, source.to_owned()) {
            Ok(()) => Ok(this(env)),
            Err(e) => Err(this(Environment::new()).diagnostic(&e)),
        }
    }

    /// Renders the text of one workbook.
    pub fn render(&self, ctx: &Context<'_>) -> Result<String, Diagnostic> {
        let t = self.env.get_template(ID).map_err(|e| self.diagnostic(&e))?;
        t.render(minijinja::value::Serde(ctx)).map_err(|e| {
            let d = self.diagnostic(&e);
            if ctx.bundle && e.kind() == minijinja::ErrorKind::UndefinedError {
                d.with_hint("a bundle has one Instructions sheet for all its reviews: `person`, `form_id` and `reviewer.role` are undefined there; use `reviews` (each has `person`, `role`, `form_id`, `sheet`), and `{% if bundle %}` for text that differs")
            } else {
                d
            }
        })
    }

    fn diagnostic(&self, e: &minijinja::Error) -> Diagnostic {
        let message = format!(
            "instruction template: {}",
            e.detail()
                .map_or_else(|| e.kind().to_string(), str::to_owned)
        );
        let location = match (e.line(), e.range()) {
            (_, Some(r)) => {
                LineIndex::new(self.file.clone(), &self.source).location(r.start, r.end)
            }
            (Some(line), None) => {
                let idx = LineIndex::new(self.file.clone(), &self.source);
                let start = self
                    .source
                    .split_inclusive('\n')
                    .take(line.saturating_sub(1))
                    .map(str::len)
                    .sum();
                idx.location(start, start)
            }
            _ => Location::File {
                file: self.file.clone(),
            },
        };
        let hint = if e.kind() == minijinja::ErrorKind::UndefinedError {
            "variables: ladder.{title,version,levels}, rating.{kind,options,not_observed}, person.{name,employee_id,current_level,current_level_title,email,team}, reviewer.{name,role}, cycle, due_date, form_id, competencies, bundle, reviews"
        } else {
            "the template language is minijinja (Jinja2): `{{ variable }}`, `{% if … %}…{% endif %}`, `{% for … %}…{% endfor %}`"
        };
        Diagnostic::error("template-error", message, location).with_hint(hint)
    }
}
