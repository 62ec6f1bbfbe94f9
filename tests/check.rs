//! `rungs check` end to end: the bundled ladder's summary, and one test per error and warning
//! message with its exact location, run through the built binary.

mod common;

use common::{assert_code, run, stderr, stdout, tempdir, write};

/// Writes `ladder` to a temp file, runs `rungs --ladder FILE check ARGS`, returns (code, stdout, stderr).
fn check(ladder: &str, args: &[&str]) -> (i32, String, String) {
    check_bytes(ladder.as_bytes(), args)
}

fn check_bytes(ladder: &[u8], args: &[&str]) -> (i32, String, String) {
    let dir = tempdir();
    let path = dir.path().join("ladder.md");
    std::fs::write(&path, ladder).expect("write ladder");
    let mut all = vec!["--ladder", "ladder.md", "check"];
    all.extend_from_slice(args);
    let o = run(dir.path(), &all);
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

/// A small valid ladder to break in one place per test.
const BASE: &str = "# Ladder\n\n## One (L1)\n\n### Craft\n\n#### Code\n\n- Writes code.\n\n## Two (L2)\n\n### Craft\n\n#### Code\n\n- Writes good code.\n";

/// Asserts `stderr` holds an error or warning with `code`, `message` at `location` (`line:col`).
#[track_caller]
fn assert_diag(stderr: &str, kind: &str, code: &str, message: &str, location: &str) {
    let head = format!("{kind}[{code}]: {message}");
    let Some(at) = stderr.find(&head) else {
        panic!("expected `{head}` in stderr:\n{stderr}");
    };
    let rest = &stderr[at..];
    let arrow = rest.lines().nth(1).unwrap_or("");
    let want = if location.is_empty() {
        "--> ladder.md".to_owned()
    } else {
        format!("--> ladder.md:{location}")
    };
    assert_eq!(arrow.trim(), want, "location of `{code}` in:\n{stderr}");
}

macro_rules! error_case {
    ($name:ident, $ladder:expr, $code:literal, $msg:literal, $loc:literal) => {
        #[test]
        fn $name() {
            let (status, _, err) = check($ladder, &[]);
            assert_eq!(status, 1, "{err}");
            assert_diag(&err, "error", $code, $msg, $loc);
            assert!(err.contains("= hint: "), "every error has a hint:\n{err}");
        }
    };
}

macro_rules! warning_case {
    ($name:ident, $ladder:expr, $code:literal, $msg:literal, $loc:literal) => {
        #[test]
        fn $name() {
            let (status, out, err) = check($ladder, &[]);
            assert_eq!(status, 0, "{err}");
            assert!(out.contains("ok: no errors"), "{out}");
            assert_diag(&err, "warning", $code, $msg, $loc);
            let (denied, _, _) = check($ladder, &["--deny-warnings"]);
            assert_eq!(denied, 1, "--deny-warnings turns warnings into failure");
        }
    };
}

#[test]
fn bundled_ladder_summary() {
    let o = run(&common::repo(), &["check"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    for want in [
        "levels:       5 (L1, L2, L3, L4, L5)",
        "areas:        3",
        "competencies: 10",
        "expectations: 60",
        "fingerprint:  ",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
    // The user's ladder repeats itself at L3; rungs says so.
    let err = stderr(&o);
    assert_diag_file(
        &err,
        "`Communication` at L3 is word for word the same as at L2",
        "ladder/titles-for-ops.md:135:1",
    );
    assert_diag_file(
        &err,
        "`Scope` at L3 repeats L2: 94% of its words are already there",
        "ladder/titles-for-ops.md:121:1",
    );
}

#[track_caller]
fn assert_diag_file(stderr: &str, message: &str, location: &str) {
    let at = stderr
        .find(message)
        .unwrap_or_else(|| panic!("expected `{message}` in:\n{stderr}"));
    let arrow = stderr[at..].lines().nth(1).unwrap_or("");
    assert_eq!(arrow.trim(), format!("--> {location}"));
}

#[test]
fn default_ladder_is_used_outside_the_repo() {
    // No ./ladder folder: rungs falls back to the bundled copy.
    let dir = tempdir();
    let o = run(dir.path(), &["check", "--quiet"]);
    assert_code(&o, 0);
    let o = run(dir.path(), &["check"]);
    assert!(stdout(&o).contains("bundled ladder"), "{}", stdout(&o));
}

#[test]
fn ladder_folder_with_one_file() {
    let dir = tempdir();
    write(dir.path(), "mine/README.md", "# not a ladder\n\ntext\n");
    write(dir.path(), "mine/ours.md", BASE);
    let o = run(dir.path(), &["--ladder", "mine", "check"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("expectations: 2"));
}

#[test]
fn ladder_folder_with_two_files_is_ambiguous() {
    let dir = tempdir();
    write(dir.path(), "mine/a.md", BASE);
    write(dir.path(), "mine/b.md", BASE);
    let o = run(dir.path(), &["--ladder", "mine", "check"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("error[ladder-folder]: the folder holds 2 ladders: a.md, b.md"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn missing_ladder_file() {
    let dir = tempdir();
    let o = run(dir.path(), &["--ladder", "nope.md", "check"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("error[unreadable-ladder]: cannot read the ladder: no such file"),
        "{err}"
    );
    assert!(err.contains("--> nope.md"), "{err}");
}

#[test]
fn all_problems_are_reported_at_once() {
    let ladder =
        "# L\n\n## One\n\n- stray\n\n## Two (L2)\n\n### A\n\n#### C\n\n- ok\n\n#### C\n\n- twice\n";
    let (status, _, err) = check(ladder, &[]);
    assert_eq!(status, 1);
    assert!(err.contains("error[level-without-code]"), "{err}");
    assert!(err.contains("error[bullet-outside-competency]"), "{err}");
    assert!(err.contains("error[duplicate-competency]"), "{err}");
    assert!(err.contains("the ladder has 3 errors"), "{err}");
}

error_case!(
    text_before_title,
    &format!("Hello there.\n\n{BASE}"),
    "text-outside-structure",
    "text before the `#` ladder title",
    "1:1"
);
error_case!(
    text_under_competency,
    &BASE.replace("- Writes code.", "Writes code."),
    "text-outside-structure",
    "text outside the heading structure: expectations must be `- ` bullets",
    "9:1"
);
error_case!(
    text_under_area,
    &BASE.replace(
        "### Craft\n\n#### Code\n\n- Writes code.",
        "### Craft\n\nSome words.\n\n#### Code\n\n- Writes code."
    ),
    "text-outside-structure",
    "text between an area heading and its first competency",
    "7:1"
);
error_case!(
    bullet_without_competency,
    "# L\n\n## One (L1)\n\n- Floating.\n",
    "bullet-outside-competency",
    "expectation bullet with no competency",
    "5:1"
);
error_case!(
    level_without_code,
    &BASE.replace("## Two (L2)", "## Two"),
    "level-without-code",
    "level heading `Two` has no level code",
    "11:1"
);
error_case!(
    duplicate_level_code,
    &BASE.replace("(L2)", "(L1)"),
    "duplicate-level-code",
    "level code `L1` is already used on line 3",
    "11:1"
);
error_case!(
    bad_level_code,
    &BASE.replace("(L2)", "(level two)"),
    "bad-level-code",
    "level code `level two` is not a short code",
    "11:1"
);
error_case!(
    level_without_title,
    &BASE.replace("## Two (L2)", "## (L2)"),
    "level-without-title",
    "level `L2` has no title",
    "11:1"
);
error_case!(
    competency_twice_in_a_level,
    &format!("{BASE}\n#### Code\n\n- Again.\n"),
    "duplicate-competency",
    "competency `Code` appears twice in area `Craft` of level L2",
    "19:1"
);
error_case!(
    area_twice_in_a_level,
    &format!("{BASE}\n### Craft\n\n#### Tests\n\n- Tests.\n"),
    "duplicate-area",
    "area `Craft` appears twice in level L2",
    "19:1"
);
error_case!(
    area_outside_level,
    "# L\n\n### Craft\n\n#### Code\n\n- x\n",
    "area-outside-level",
    "area `Craft` is not inside a level",
    "3:1"
);
error_case!(
    competency_outside_area,
    "# L\n\n## One (L1)\n\n#### Code\n\n- x\n",
    "competency-outside-area",
    "competency `Code` is not inside an area",
    "5:1"
);
error_case!(
    heading_too_deep,
    &BASE.replace("- Writes code.", "##### Detail"),
    "heading-too-deep",
    "heading `Detail` is deeper than `####`",
    "9:1"
);
error_case!(
    second_title,
    &format!("{BASE}\n# Another\n"),
    "second-title",
    "a ladder has one `#` title, this is a second one",
    "19:1"
);
error_case!(
    empty_bullet,
    &BASE.replace("- Writes code.", "- Writes code.\n-"),
    "empty-bullet",
    "empty expectation bullet",
    "10:1"
);
error_case!(
    nested_bullets,
    &BASE.replace("- Writes code.", "- Writes code.\n  - in Rust"),
    "nested-list",
    "nested bullets are not part of the ladder format",
    "10:3"
);
error_case!(
    code_block,
    &BASE.replace("- Writes code.", "```\ncode\n```"),
    "unsupported-block",
    "a code block is not part of the ladder format",
    "9:1"
);
error_case!(
    table_block,
    &BASE.replace("- Writes code.", "| a | b |\n|---|---|\n| 1 | 2 |"),
    "unsupported-block",
    "a table is not part of the ladder format",
    "9:1"
);
error_case!(
    empty_ladder,
    "# Only a title\n",
    "empty-ladder",
    "the ladder has no levels",
    ""
);
error_case!(
    no_title,
    "## One (L1)\n\n### A\n\n#### C\n\n- x\n",
    "no-title",
    "the ladder has no `#` title",
    ""
);
error_case!(
    unknown_front_matter_key,
    &format!("+++\nversion = \"1\"\ncolour = \"red\"\n+++\n{BASE}"),
    "bad-front-matter",
    "front matter: unknown field `colour`, expected one of `id`, `title`, `version`, `organisation`, `language`, `levels_order`, `rating`",
    "3:1"
);
error_case!(
    broken_front_matter,
    &format!("+++\nversion = \"1.2\nid = \"x\"\n+++\n{BASE}"),
    "bad-front-matter",
    "front matter: invalid basic string, expected `\"`",
    "2:15"
);
error_case!(
    yaml_front_matter,
    &format!("---\nversion: 1\n---\n{BASE}"),
    "yaml-front-matter",
    "front matter between `---` lines (YAML) is not supported",
    "1:1"
);
error_case!(
    relative_scale_without_options,
    &format!("+++\n[rating]\nscale = \"relative\"\n+++\n{BASE}"),
    "bad-rating",
    "a `relative` rating scale needs options",
    "1:1"
);
error_case!(
    duplicate_rating_label,
    &format!(
        "+++\n[rating]\nscale = \"relative\"\nnot_observed = \"meets\"\noptions = [{{ label = \"Meets\", value = 0 }}]\n+++\n{BASE}"
    ),
    "bad-rating",
    "rating label `meets` is used twice (labels are compared ignoring case)",
    "1:1"
);
error_case!(
    bad_ladder_id,
    &format!("+++\nid = \"My Ladder\"\n+++\n{BASE}"),
    "bad-ladder-id",
    "ladder id `My Ladder` must be lowercase letters, digits and `-`",
    "1:1"
);

#[test]
fn invalid_utf8_points_at_the_byte() {
    let mut bytes = BASE.as_bytes().to_vec();
    let at = BASE.find("good").expect("fixture word");
    bytes[at] = 0xFF;
    let (status, _, err) = check_bytes(&bytes, &[]);
    assert_eq!(status, 1);
    assert_diag(
        &err,
        "error",
        "invalid-utf8",
        &format!("the file is not valid UTF-8 (byte 0xFF at offset {at})"),
        "17:10",
    );
}

warning_case!(
    competency_missing_at_a_level,
    &format!("{BASE}\n#### Tests\n\n- Writes tests.\n"),
    "missing-competency",
    "competency `Craft / Tests` is missing at L1",
    "19:1"
);
warning_case!(
    identical_adjacent_levels,
    &BASE.replace("Writes good code.", "Writes code."),
    "repeated-expectations",
    "`Code` at L2 is word for word the same as at L1",
    "15:1"
);
warning_case!(
    near_identical_adjacent_levels,
    "# L\n\n## One (L1)\n\n### A\n\n#### C\n\n- Works on small projects and helps the team with reviews and planning.\n\n## Two (L2)\n\n### A\n\n#### C\n\n- Works on small projects and helps the team with reviews.\n",
    "repeated-expectations",
    "`C` at L2 repeats L1: 90% of its words are already there",
    "15:1"
);
warning_case!(
    competencies_in_another_order,
    "# L\n\n## One (L1)\n\n### A\n\n#### X\n\n- x1\n\n#### Y\n\n- y1\n\n## Two (L2)\n\n### A\n\n#### Y\n\n- y2\n\n#### X\n\n- x2\n",
    "order-differs",
    "competency `X` comes in a different order at L2 than at the levels before",
    "23:1"
);
warning_case!(
    empty_competency_heading,
    &BASE.replace("- Writes code.", ""),
    "empty-competency",
    "competency `Code` has no expectations at L1",
    "7:1"
);

#[test]
fn line_endings_bom_tabs_and_trailing_spaces_do_not_matter() {
    let plain = check(BASE, &[]);
    assert_eq!(plain.0, 0, "{}", plain.2);
    let fingerprint = |out: &str| {
        out.lines()
            .find(|l| l.contains("fingerprint:"))
            .map(str::to_owned)
            .expect("a fingerprint line")
    };
    let want = fingerprint(&plain.1);
    let variants = [
        BASE.replace('\n', "\r\n"),
        format!("\u{feff}{BASE}"),
        BASE.replace("- Writes code.", "-\tWrites code.   "),
        BASE.trim_end().to_owned(),
        BASE.replace("## Two (L2)", "---\n\n## Two (L2)  "),
    ];
    for v in &variants {
        let (status, out, err) = check(v, &[]);
        assert_eq!(status, 0, "{v:?}\n{err}");
        assert_eq!(
            fingerprint(&out),
            want,
            "same content, same fingerprint: {v:?}"
        );
    }
}

#[test]
fn crlf_errors_point_at_the_right_line() {
    let (status, _, err) = check(
        &BASE.replace("## Two (L2)", "## Two").replace('\n', "\r\n"),
        &[],
    );
    assert_eq!(status, 1);
    assert_diag(
        &err,
        "error",
        "level-without-code",
        "level heading `Two` has no level code",
        "11:1",
    );
    assert!(!err.contains('\r'), "no carriage returns echoed: {err:?}");
}

#[test]
fn html_comments_are_allowed_other_html_is_not() {
    let (status, _, err) = check(&format!("<!-- owner: ops -->\n\n{BASE}"), &[]);
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = check(&format!("{BASE}\n<div>hi</div>\n"), &[]);
    assert_eq!(status, 1);
    assert_diag(
        &err,
        "error",
        "unsupported-block",
        "an HTML block is not part of the ladder format",
        "19:1",
    );
}

// ---- Explicit ids -------------------------------------------------------------------------

/// BASE with explicit ids on every competency heading.
fn with_ids(ladder: &str) -> String {
    ladder.replace("#### Code\n", "#### Code {#code}\n")
}

error_case!(
    id_not_a_slug,
    &with_ids(BASE).replacen("{#code}", "{#Code_1}", 1),
    "bad-id",
    "the id `Code_1` is not made of lowercase letters, digits and `-`, in parts joined by `.` (at most 64 characters)",
    "7:1"
);
error_case!(
    area_id_with_a_dot,
    &BASE.replacen("### Craft\n", "### Craft {#a.b}\n", 1),
    "bad-id",
    "the id `a.b` is not made of lowercase letters, digits and `-` (at most 64 characters)",
    "5:1"
);
error_case!(
    heading_class_is_not_an_id,
    &BASE.replacen("#### Code\n", "#### Code {.wide}\n", 1),
    "heading-attributes",
    "the `{…}` after the heading `Code` is not an id",
    "7:1"
);
error_case!(
    empty_braces_are_not_an_id,
    &BASE.replacen("#### Code\n", "#### Code {}\n", 1),
    "heading-attributes",
    "the `{…}` after the heading `Code` is not an id",
    "7:1"
);
error_case!(
    level_heading_with_an_id,
    &BASE.replace("## Two (L2)", "## Two (L2) {#two}"),
    "heading-id",
    "the heading `Two (L2)` carries an id, but only areas and competencies take one",
    "11:1"
);
error_case!(
    one_id_on_two_competencies_of_a_level,
    &format!("{}\n#### Tests {{#code}}\n\n- Tests.\n", with_ids(BASE)),
    "duplicate-id",
    "competency `Tests` has the id `code`, which `Code` on line 15 already has in level L2",
    "19:1"
);
error_case!(
    explicit_id_equal_to_an_implicit_one,
    &format!("{BASE}\n#### Tests {{#craft.code}}\n\n- Tests.\n"),
    "duplicate-id",
    "competency `Tests` has the id `craft.code`, which `Code` on line 15 already has in level L2",
    "19:1"
);
error_case!(
    one_id_in_two_areas,
    &with_ids(BASE)
        .replacen("### Craft\n", "### Other\n", 2)
        .replacen("### Other\n", "### Craft\n", 1),
    "duplicate-id",
    "the id `code` of `Code` in area `Other` at L2 belongs to a competency of the area `craft`",
    "15:1"
);
error_case!(
    id_forgotten_at_a_level,
    &with_ids(BASE).replacen("#### Code {#code}\n", "#### Code\n", 1),
    "missing-id",
    "competency `Code` has no id here, but the id `code` at other levels",
    "7:1"
);
warning_case!(
    title_differs_between_levels,
    &with_ids(BASE).replacen(
        "#### Code {#code}\n\n- Writes good",
        "#### Coding {#code}\n\n- Writes good",
        1
    ),
    "title-differs",
    "competency `code` is titled `Coding` at L2; the matrix and review workbooks use the title of its lowest level, `Code`",
    "15:1"
);
warning_case!(
    some_ids_explicit_some_not,
    &format!("{}\n#### Tests\n\n- Tests.\n", with_ids(BASE)),
    "mixed-ids",
    "1 of 2 competencies have no explicit id (`Tests`): renaming one of them gives it a new id, and review history does not follow it",
    "19:1"
);

/// The ladder as `rungs export json` gives it.
fn export(ladder: &str) -> serde_json::Value {
    let dir = tempdir();
    write(dir.path(), "ladder.md", ladder);
    let o = run(dir.path(), &["--ladder", "ladder.md", "export", "json"]);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).expect("JSON")
}

#[test]
fn explicit_ids_are_the_ids_and_renaming_keeps_the_fingerprint() {
    let ids = with_ids(BASE).replace("### Craft\n", "### Craft {#craft-area}\n");
    let json = export(&ids);
    let area = &json["areas"][0];
    assert_eq!(area["id"], "craft-area");
    assert_eq!(area["explicit_id"], true);
    assert_eq!(area["competencies"][0]["id"], "code");
    assert_eq!(area["competencies"][0]["explicit_id"], true);
    let fingerprint =
        |j: &serde_json::Value| j["meta"]["fingerprint"].as_str().expect("fp").to_owned();
    // Competency and area titles with explicit ids are free to change…
    let renamed = ids
        .replace("#### Code {#code}", "#### Programming {#code}")
        .replace("### Craft {", "### Making {");
    let after = export(&renamed);
    assert_eq!(after["areas"][0]["competencies"][0]["title"], "Programming");
    assert_eq!(fingerprint(&after), fingerprint(&json));
    // …expectations are not.
    assert_ne!(
        fingerprint(&export(
            &ids.replace("Writes good code.", "Writes great code.")
        )),
        fingerprint(&json)
    );
    // Without explicit ids the title is part of the id, and of the fingerprint.
    let plain = export(BASE);
    assert_eq!(plain["areas"][0]["competencies"][0]["id"], "craft.code");
    assert_eq!(plain["areas"][0]["competencies"][0]["explicit_id"], false);
    assert_ne!(
        fingerprint(&export(&BASE.replace("#### Code", "#### Programming"))),
        fingerprint(&plain)
    );
    // A title may end in braces when the last one is escaped.
    let braces = export(&BASE.replacen("#### Code\n", "#### Code {x\\}\n", 1));
    assert_eq!(braces["areas"][0]["competencies"][0]["title"], "Code {x}");
}
