//! File names of review workbooks: a minijinja pattern rendered per review, every path
//! component made safe by one function, [`sanitize_component`].

use std::path::PathBuf;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::diag::Diagnostic;
use crate::util::text::{disguises, truncate};

/// Default `--name-pattern`. The form id keeps two reviews from ever sharing a file.
pub const DEFAULT_PATTERN: &str =
    "{{ cycle }}/{{ reviewer }}/{{ employee_id }}-{{ name }}-{{ form_id }}.xlsx";

/// Default `--name-pattern` of bundles (one workbook per reviewer). The bundle id keeps two
/// reviewers of one name from sharing a file.
pub const DEFAULT_BUNDLE_PATTERN: &str = "{{ cycle }}/{{ reviewer }}-{{ bundle_id }}.xlsx";

/// Longest component, in bytes (file systems allow 255; paths inside zips and on Windows are
/// happier well below).
pub const MAX_COMPONENT_BYTES: usize = 100;

/// Longest value inserted into the pattern, in bytes, so that one long name cannot push the
/// form id out of a 100-byte file name.
const MAX_VALUE_BYTES: usize = 40;

/// Values a name pattern can use.
#[derive(Debug, Clone, Serialize)]
pub struct NameVars<'a> {
    pub cycle: &'a str,
    pub reviewer: &'a str,
    pub employee_id: &'a str,
    pub name: &'a str,
    pub level: &'a str,
    pub role: &'a str,
    pub team: &'a str,
    pub form_id: &'a str,
}

/// Names the pattern may use, for messages.
pub const PATTERN_VARS: &str = "cycle, reviewer, employee_id, name, level, role, team, form_id";

/// Values a bundle's name pattern can use.
#[derive(Debug, Clone, Serialize)]
pub struct BundleVars<'a> {
    pub cycle: &'a str,
    pub reviewer: &'a str,
    /// The reviewer's employee id, or empty when the roster does not list them as a person.
    pub reviewer_id: &'a str,
    /// `rb-` and 12 hex digits, from the cycle and the reviewer.
    pub bundle_id: &'a str,
}

/// Names a bundle's pattern may use, for messages.
pub const BUNDLE_PATTERN_VARS: &str = "cycle, reviewer, reviewer_id, bundle_id";

/// A compiled name pattern.
#[derive(Debug)]
pub struct NamePattern {
    env: Environment<'static>,
}

impl NamePattern {
    /// Compiles a pattern; the error names the problem and the pattern's line.
    pub fn new(pattern: &str) -> Result<Self, Diagnostic> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_template_owned("name-pattern", pattern.to_owned())
            .map_err(|e| describe(&e))?;
        Ok(Self { env })
    }

    /// The relative path of one workbook: each `/`-separated component sanitised, `.xlsx`
    /// added when the pattern does not end with it. Values cannot add path separators.
    pub fn render(&self, vars: &NameVars<'_>) -> Result<PathBuf, Diagnostic> {
        let owned = [
            cap(vars.cycle),
            cap(vars.reviewer),
            cap(vars.employee_id),
            cap(vars.name),
            cap(vars.level),
            cap(vars.role),
            cap(vars.team),
            cap(vars.form_id),
        ];
        self.render_safe(&NameVars {
            cycle: &owned[0],
            reviewer: &owned[1],
            employee_id: &owned[2],
            name: &owned[3],
            level: &owned[4],
            role: &owned[5],
            team: &owned[6],
            form_id: &owned[7],
        })
    }

    /// The relative path of one bundle, as [`NamePattern::render`] makes a review's.
    pub fn render_bundle(&self, vars: &BundleVars<'_>) -> Result<PathBuf, Diagnostic> {
        let owned = [
            cap(vars.cycle),
            cap(vars.reviewer),
            cap(vars.reviewer_id),
            cap(vars.bundle_id),
        ];
        self.render_safe(&BundleVars {
            cycle: &owned[0],
            reviewer: &owned[1],
            reviewer_id: &owned[2],
            bundle_id: &owned[3],
        })
    }

    fn render_safe(&self, vars: &impl Serialize) -> Result<PathBuf, Diagnostic> {
        let tmpl = self
            .env
            .get_template("name-pattern")
            .map_err(|e| describe(&e))?;
        let text = tmpl
            .render(minijinja::value::Serde(vars))
            .map_err(|e| describe(&e))?;
        let mut parts: Vec<&str> = text
            .split(['/', '\\'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let last = parts.pop().unwrap_or("review");
        let file = if last.to_ascii_lowercase().ends_with(".xlsx") {
            last.to_owned()
        } else {
            format!("{last}.xlsx")
        };
        let mut path: PathBuf = parts.into_iter().map(sanitize_component).collect();
        path.push(sanitize_component(&file));
        Ok(path)
    }
}

/// A value as a pattern may use it: cut to [`MAX_VALUE_BYTES`], without path separators (the
/// whole component is sanitised afterwards).
fn cap(s: &str) -> String {
    truncate(s, MAX_VALUE_BYTES).replace(['/', '\\'], "_")
}

/// A template error, described with the pattern's line.
fn describe(e: &minijinja::Error) -> Diagnostic {
    let mut s = e.detail().unwrap_or("invalid pattern").to_owned();
    if let Some(line) = e.line() {
        s = format!("line {line}: {s}");
    }
    Diagnostic::failure("name-pattern", format!("{} ({s})", e.kind()))
}

/// Makes `s` one safe, non-empty path component of at most [`MAX_COMPONENT_BYTES`] bytes:
/// path separators, NUL, control characters and characters Windows forbids (`<>:"|?*`) become
/// `_`; bidirectional and zero-width marks are dropped (they disguise names); whitespace runs
/// become one space; leading dots (`..`, hidden files) and trailing dots and spaces go; Windows
/// reserved names (`CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`, any extension)
/// get a `_` prefix; a long name is cut on a character boundary, keeping a short extension.
pub fn sanitize_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if disguises(c) {
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        let bad =
            c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*');
        out.push(if bad { '_' } else { c });
    }
    let mut out = tidy_ends(&out);
    if is_reserved(&out) {
        out.insert(0, '_');
    }
    if out.len() > MAX_COMPONENT_BYTES {
        out = shorten(&out);
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// Drops leading dots and spaces and trailing dots and spaces.
fn tidy_ends(s: &str) -> String {
    s.trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_owned()
}

fn is_reserved(s: &str) -> bool {
    let stem = s.split('.').next().unwrap_or("").trim_end();
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit())
}

/// Cuts `s` to the byte limit, keeping an extension of up to 8 ASCII alphanumerics.
fn shorten(s: &str) -> String {
    let ext = s
        .rfind('.')
        .map(|i| &s[i..])
        .filter(|e| {
            e.len() <= 9 && e.len() > 1 && e[1..].bytes().all(|b| b.is_ascii_alphanumeric())
        })
        .unwrap_or("");
    let stem = &s[..s.len() - ext.len()];
    let cut = tidy_ends(truncate(stem, MAX_COMPONENT_BYTES - ext.len()));
    let cut = if cut.is_empty() { "_".to_owned() } else { cut };
    format!("{cut}{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn is_safe(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= MAX_COMPONENT_BYTES
            && s != "."
            && s != ".."
            && !s.starts_with('.')
            && !s.ends_with(['.', ' '])
            && !s.chars().any(|c| {
                c.is_control()
                    || matches!(
                        c,
                        '/' | '\\' | '\0' | '<' | '>' | ':' | '"' | '|' | '?' | '*'
                    )
            })
            && !is_reserved(s)
    }

    #[test]
    fn hostile_components() {
        assert_eq!(sanitize_component("../../x"), "_.._x");
        assert_eq!(sanitize_component(".."), "_");
        assert_eq!(sanitize_component(""), "_");
        assert_eq!(sanitize_component("   "), "_");
        assert_eq!(sanitize_component("CON"), "_CON");
        assert_eq!(sanitize_component("con.xlsx"), "_con.xlsx");
        assert_eq!(sanitize_component("COM1"), "_COM1");
        assert_eq!(sanitize_component("COM10"), "COM10");
        assert_eq!(sanitize_component("Lpt9.txt"), "_Lpt9.txt");
        assert_eq!(sanitize_component("a\0b\nc"), "a_b c");
        assert_eq!(sanitize_component("name. . "), "name");
        assert_eq!(
            sanitize_component("=cmd|' /C calc'!A0"),
            "=cmd_' _C calc'!A0"
        );
        assert_eq!(sanitize_component("\u{202E}fdp.xlsx"), "fdp.xlsx");
        assert_eq!(sanitize_component("Zoë 👩‍💻"), "Zoë 👩‍💻");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.xlsx", "é".repeat(300));
        let s = sanitize_component(&long);
        assert!(s.len() <= MAX_COMPONENT_BYTES, "{}", s.len());
        assert!(s.ends_with("é.xlsx"), "{s}");
    }

    #[test]
    fn pattern_keeps_values_inside_their_component() {
        let p = NamePattern::new(DEFAULT_PATTERN).expect("default compiles");
        let path = p
            .render(&NameVars {
                cycle: "2026/H2",
                reviewer: "../../etc",
                employee_id: "E1",
                name: "CON",
                level: "L1",
                role: "manager",
                team: "",
                form_id: "rv-0123456789ab",
            })
            .expect("renders");
        let parts: Vec<_> = path
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        assert_eq!(parts, ["2026_H2", "_.._etc", "E1-CON-rv-0123456789ab.xlsx"]);
    }

    #[test]
    fn pattern_errors_are_described() {
        let e = NamePattern::new("{{ name")
            .expect_err("syntax error")
            .message;
        assert!(e.contains("line 1"), "{e}");
        let p = NamePattern::new("{{ nmae }}").expect("compiles");
        let vars = NameVars {
            cycle: "c",
            reviewer: "r",
            employee_id: "e",
            name: "n",
            level: "l",
            role: "manager",
            team: "",
            form_id: "f",
        };
        let e = p.render(&vars).expect_err("strict undefined").message;
        assert!(e.contains("undefined"), "{e}");
    }

    proptest! {
        #[test]
        fn sanitized_is_one_safe_component(s in "\\PC{0,400}|[./\\\\ \\x00-\\x1f]{0,20}|(con|CON|nul|lpt1|com9)(\\.[a-z]{0,4})?") {
            let out = sanitize_component(&s);
            prop_assert!(is_safe(&out), "{:?} -> {:?}", s, out);
            prop_assert_eq!(sanitize_component(&out), out.clone());
        }
    }
}
