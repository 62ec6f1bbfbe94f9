//! Malformed-file corpus: hundreds of damaged copies of real returned workbooks (truncated every
//! 4 KiB, seeded byte flips in the zip, seeded damage to the XML inside a valid zip, and crafted
//! hostile files) each go through `rungs tally` in its own process under resource limits. None may
//! panic or abort, every rejection names its file, and each stays within 2 s of CPU and 256 MB.
//!
//! The corpus is generated at test time from workbooks `rungs sheets` wrote and openpyxl filled,
//! with a fixed seed, so nothing binary is committed and a failure reproduces exactly.

mod common;
mod prove;

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use prove::Rng;

/// Per-file budget, enforced by the kernel on the child (CPU seconds are not affected by a busy
/// machine the way wall time is, so this cannot flake): `RLIMIT_CPU` and `RLIMIT_DATA`.
const CPU_SECONDS: u32 = 2;
const DATA_BYTES: u64 = 256 * 1024 * 1024;
/// A hang that sleeps rather than spins is caught by this generous wall-clock watchdog.
const WALL_SECONDS: u32 = 60;
const SEED: u64 = 0x5EED_2026;

struct Case {
    name: String,
    bytes: Vec<u8>,
    /// `None`: any clean outcome (a flip may leave a file valid); `Some(code)`: must be
    /// rejected, with that diagnostic code when not empty.
    reject: Option<String>,
}

#[test]
fn malformed_workbooks_never_crash_and_are_named() {
    let tmp = common::tempdir();
    let bases = returned_workbooks(tmp.path());
    let mut cases = Vec::new();
    truncations(&bases, &mut cases);
    byte_flips(&bases, &mut cases, 200);
    xml_damage(&bases, &mut cases, 110);
    hostile(tmp.path(), &bases, &mut cases);
    assert!(cases.len() >= 300, "only {} corpus files", cases.len());

    let dir = tmp.path().join("corpus");
    std::fs::create_dir_all(&dir).expect("corpus dir");
    let files: Vec<(PathBuf, Option<String>)> = cases
        .iter()
        .map(|c| {
            let p = dir.join(&c.name);
            std::fs::write(&p, &c.bytes).expect("write corpus file");
            (p, c.reject.clone())
        })
        .collect();

    let failures: Vec<String> = common::on_two_threads(&files, |i, (file, reject)| {
        check_one(tmp.path(), file, reject.as_deref(), i).err()
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus files mishandled:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// Runs `rungs tally FILE` under limits; Err describes what went wrong.
fn check_one(root: &Path, file: &Path, reject: Option<&str>, i: usize) -> Result<(), String> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let out = root.join(format!("out-{i}"));
    let inner = prove::tally(root, &[file], &out);
    let mut cmd = Command::new("timeout");
    cmd.args(["-s", "KILL", &WALL_SECONDS.to_string(), "prlimit"])
        .arg(format!("--cpu={CPU_SECONDS}"))
        .arg(format!("--data={DATA_BYTES}"))
        .arg("--")
        .arg(inner.get_program())
        .args(inner.get_args())
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("RUNGS_FAULT");
    let o = cmd
        .output()
        .map_err(|e| format!("{name}: cannot run: {e}"))?;
    let err = String::from_utf8_lossy(&o.stderr);
    let code = o.status.code();
    let why = match code {
        Some(0) if reject.is_some() => Some("accepted, but it must be rejected"),
        Some(1) if !err.contains(&name) => Some("the error does not name the file"),
        Some(1) if reject.is_some_and(|c| !err.contains(c)) => {
            Some("rejected, but not with its own diagnostic code")
        }
        Some(0 | 1) => None,
        Some(137) => Some("killed: over the wall-clock watchdog or the limits (hang?)"),
        Some(101) => Some("panicked"),
        Some(_) => Some("unexpected exit status"),
        // Signals: SIGXCPU (over 2 s CPU), SIGABRT (allocation failure over 256 MB), SIGSEGV…
        None => Some("killed by a signal (abort, CPU or memory limit)"),
    };
    let why = why.or_else(|| {
        err.contains("panicked")
            .then_some("panic message on stderr")
    });
    match why {
        None => Ok(()),
        Some(w) => Err(format!(
            "{name}: {w} (status {:?})\n    {}",
            o.status,
            err.lines().take(6).collect::<Vec<_>>().join("\n    ")
        )),
    }
}

/// Real returned workbooks: written by `rungs sheets`, answered and saved by openpyxl; and, last,
/// one as `rungs sheets` wrote it (unanswered: a reviewer may send it back so).
fn returned_workbooks(root: &Path) -> Vec<(String, Vec<u8>)> {
    let roster = prove::roster(root, 3);
    let out = root.join("sent");
    let o = prove::output(&mut prove::sheets(root, &roster, &out));
    common::assert_code(&o, 0);
    let books = prove::workbooks(&out);
    assert!(!books.is_empty(), "rungs sheets wrote no workbook");
    let blank = std::fs::read(&books[0]).expect("read workbook");
    prove::fill(&out, SEED);
    let mut bases: Vec<(String, Vec<u8>)> = books
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("b{i}"), std::fs::read(p).expect("read workbook")))
        .collect();
    bases.push(("blank".into(), blank));
    bases
}

/// Every 4 KiB prefix of each workbook (and the empty file).
fn truncations(bases: &[(String, Vec<u8>)], cases: &mut Vec<Case>) {
    for (b, bytes) in bases {
        for cut in (0..bytes.len()).step_by(4096) {
            cases.push(Case {
                name: format!("{:03}-trunc-{b}-{cut}.xlsx", cases.len()),
                bytes: bytes[..cut].to_vec(),
                reject: Some(String::new()),
            });
        }
    }
}

/// 1–8 bytes xor-ed anywhere in the zip (headers, compressed data, central directory).
fn byte_flips(bases: &[(String, Vec<u8>)], cases: &mut Vec<Case>, n: usize) {
    let mut rng = Rng(SEED);
    for _ in 0..n {
        let (b, base) = &bases[rng.below(bases.len())];
        let mut bytes = base.clone();
        let flips = 1 + rng.below(8);
        // Half the flips land in the last 1 KiB: the central directory, where sizes live.
        for _ in 0..flips {
            let at = if rng.below(2) == 0 {
                rng.below(bytes.len())
            } else {
                bytes.len() - 1 - rng.below(1024.min(bytes.len()))
            };
            bytes[at] ^= (1 + rng.below(255)) as u8;
        }
        cases.push(Case {
            name: format!("{:03}-flip-{b}.xlsx", cases.len()),
            bytes,
            reject: None,
        });
    }
}

/// Damage to one XML part inside an otherwise valid zip, so the damage reaches the XML readers
/// instead of stopping at the zip's checksums.
fn xml_damage(bases: &[(String, Vec<u8>)], cases: &mut Vec<Case>, n: usize) {
    const TOKENS: &[&str] = &[
        "<c r=\"XFD1048576\"><v>1</v></c>",
        "<c r=\"A1048577\"><v>1</v></c>",
        "<c r=\"ZZZZ1\"><v>1</v></c>",
        "<c r=\"\"><v>1</v></c>",
        "<row r=\"4294967296\">",
        "<v>1e999999</v>",
        "&#0;",
        "&#xFFFFFFFF;",
        "&undefined;",
        "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]>",
        "</sheetData>",
        "<sst count=\"4000000000\" uniqueCount=\"4000000000\">",
        "t=\"s\"><v>999999999</v>",
        "\u{0}",
        "<<<<",
        "<is><t>",
    ];
    let mut rng = Rng(SEED ^ 0xA5A5);
    for k in 0..n {
        let (b, base) = &bases[rng.below(bases.len())];
        let Some(parts) = unzip(base) else { continue };
        let xmls: Vec<usize> = parts
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| {
                Path::new(name).extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("rels")
                })
            })
            .map(|(i, _)| i)
            .collect();
        let mut parts = parts;
        // Sheets and shared strings are where the import looks hardest: pick them more often.
        let pick = if rng.below(2) == 0 {
            xmls.iter()
                .copied()
                .filter(|&i| {
                    let n = &parts[i].0;
                    n.contains("worksheets/") || n.contains("sharedStrings")
                })
                .nth(rng.below(4))
                .unwrap_or(xmls[rng.below(xmls.len())])
        } else {
            xmls[rng.below(xmls.len())]
        };
        let data = &mut parts[pick].1;
        let what = match k % 5 {
            0 => {
                let at = rng.below(data.len());
                data.truncate(at);
                "cut"
            }
            1 => {
                for _ in 0..=rng.below(4) {
                    let at = rng.below(data.len());
                    data[at] ^= (1 + rng.below(255)) as u8;
                }
                "flip"
            }
            2 | 3 => {
                let at = rng.below(data.len());
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, tok.iter().copied());
                "insert"
            }
            _ => {
                let a = rng.below(data.len());
                let len = rng.below(256).min(data.len() - a);
                let chunk: Vec<u8> = data[a..a + len].to_vec();
                let at = rng.below(data.len());
                data.splice(at..at, chunk);
                "dup"
            }
        };
        cases.push(Case {
            name: format!("{:03}-xml{what}-{b}.xlsx", cases.len()),
            bytes: rezip(&parts),
            reject: None,
        });
    }
}

/// The crafted hostile files of the tally tests (`tests/hostile.py`: zip bomb, huge
/// `uniqueCount`, far-apart cells, XXE, billion laughs, encrypted, ODS renamed…), made from each
/// returned workbook. Made from the workbook as rungs wrote it, each must be rejected with its
/// own code; from the openpyxl-saved ones some crafts do not apply (openpyxl writes no
/// `sharedStrings.xml`) and the file may stay valid, so only the no-crash rules hold there.
fn hostile(root: &Path, bases: &[(String, Vec<u8>)], cases: &mut Vec<Case>) {
    for (b, bytes) in bases {
        let strict = b == "blank";
        let base = root.join(format!("hostile-base-{b}.xlsx"));
        std::fs::write(&base, bytes).expect("write base");
        let out = root.join(format!("hostile-{b}"));
        let o = common::tool(
            Command::new(common::python())
                .arg(common::repo().join("tests/hostile.py"))
                .arg(&base)
                .arg(&out),
        );
        for line in common::stdout(&o).lines() {
            let Some((name, code)) = line.split_once('\t') else {
                continue;
            };
            let bytes = std::fs::read(out.join(name)).expect("read hostile file");
            cases.push(Case {
                name: format!("{:03}-hostile-{b}-{name}", cases.len()),
                bytes,
                reject: strict.then(|| code.trim().to_owned()),
            });
        }
    }
}

fn unzip(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).ok()?;
        let mut data = Vec::new();
        f.read_to_end(&mut data).ok()?;
        out.push((f.name().ok()?.into_owned(), data));
    }
    Some(out)
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, data) in parts {
        w.start_file(name.as_str(), opts).expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}
