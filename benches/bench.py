"""Benchmark of rungs against the tools a user would otherwise reach for (run via benches/run.sh).

Times, on the same data in the same run, each step of a review cycle at several roster sizes:
  pdf     rungs pdf on the ladder, and on a long seven-level ladder (tests/fixtures/long-ladder.md)
                                             vs  the Typst compiler from PyPI (same layouts + JSON)
  import  rungs import of a matrix workbook and of a long table (10 areas × 5 competencies ×
          8 levels, 3,000 expectations; no peer)
  sheets  rungs sheets on a roster           vs  Python XlsxWriter writing the same workbooks
                                                 (benches/sheets_xlsxwriter.py, the layout of
                                                 src/workbook/mod.rs)
  people  rungs sheets on a people roster (one row per person: self, manager and two peer
          reviews each), one workbook per review  vs  the same with --bundle reviewer
  fill    examples/fill (answers every rating; a stand-in for the reviewers, not compared)
  tally   rungs tally on the filled workbooks vs  openpyxl and python-calamine reading them;
          also with --previous (last cycle: the same tally), against the plain tally
  packet  rungs packet on a tally of N people    vs  the Typst compiler from PyPI compiling the
          (three reviews each, with evidence)        same packet.typ with the same data (the
                                                     files `rungs packet --export-data` writes)
  decisions, outcomes  rungs decisions on a generated tally.json of --people people, and rungs
          outcomes of the workbook filled by openpyxl (not timed)
                                             vs  openpyxl reading the same filled workbook
Every measured command runs in its own process; wall time is taken around it and peak RSS comes
from the kernel's rusage for that child (os.wait4, as GNU time's %M).

Peers are subcommands of this same file (`bench.py peer NAME ...`) so that they, too, are
measured as whole processes, interpreter start-up included; each also reports the time of its
work alone (`work=` on stderr), shown in the table's notes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


# ---------------------------------------------------------------------------------------------
# measuring


class Result:
    def __init__(self, step, tool, scale, items, walls, rss_kb, work=None, note="", cpus=()):
        self.step, self.tool, self.scale, self.items = step, tool, scale, items
        self.wall = statistics.median(walls)
        # CPU time (user + system) barely depends on what else the machine runs: on a shared
        # machine it is the steadier number to compare.
        self.cpu = statistics.median(cpus) if cpus else 0.0
        self.runs = len(walls)
        self.rss_mb = rss_kb / 1024
        self.work = work
        self.note = note


def run_measured(cmd, env=None, cwd=None):
    """Runs cmd; returns (wall s, peak RSS KiB, CPU s, stdout, stderr). Raises on failure."""
    start = time.perf_counter()
    p = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd
    )
    # wait4 reports this child's own rusage (ru_maxrss in KiB on Linux). Read the pipes first
    # so a chatty child cannot block on a full pipe.
    out, err = p.stdout.read(), p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"bench: {' '.join(map(str, cmd))} failed with {p.returncode}")
    cpu = ru.ru_utime + ru.ru_stime
    return wall, ru.ru_maxrss, cpu, out.decode(errors="replace"), err.decode(errors="replace")


def alternating(scale, rounds, env, runs) -> list:
    """Runs each (step, cmd, prepare) of `runs` once per round, in turn; one Result each."""
    walls = {step: [] for step, _, _ in runs}
    cpus = {step: [] for step, _, _ in runs}
    rss = dict.fromkeys(walls, 0)
    for _ in range(rounds):
        for step, cmd, prepare in runs:
            prepare()
            wall, kb, cpu, _, _ = run_measured(cmd, env=env)
            walls[step].append(wall)
            cpus[step].append(cpu)
            rss[step] = max(rss[step], kb)
    out = []
    for step in walls:
        r = Result(step, "rungs", scale, scale, walls[step], rss[step],
                   note=f"in turn, {rounds} rounds", cpus=cpus[step])
        print(f"  {step:16} {scale:>6} in turn: wall={r.wall*1000:9.1f} ms  "
              f"cpu={r.cpu*1000:9.1f} ms  rss={r.rss_mb:6.1f} MB", flush=True)
        out.append(r)
    return out


def measure(step, tool, scale, items, make_cmd, repeat, prepare=None, env=None, note=""):
    walls, rss, work, cpus = [], 0, [], []
    for _ in range(repeat):
        if prepare:
            prepare()
        wall, kb, cpu, _, err = run_measured(make_cmd(), env=env)
        walls.append(wall)
        cpus.append(cpu)
        rss = max(rss, kb)
        for line in err.splitlines():
            if line.startswith("work="):
                work.append(float(line[5:]))
    r = Result(step, tool, scale, items, walls, rss, statistics.median(work) if work else None, note,
               cpus)
    print(
        f"  {step:6} {tool:16} {scale:>6} items={items:<6} wall={r.wall*1000:9.1f} ms "
        f"per item={r.wall/items*1000:8.2f} ms  cpu={r.cpu*1000:9.1f} ms  rss={r.rss_mb:6.1f} MB"
        + (f"  (work {r.work*1000:.1f} ms)" if r.work is not None else ""),
        flush=True,
    )
    return r


def fresh(path: Path):
    def go():
        shutil.rmtree(path, ignore_errors=True)

    return go


# ---------------------------------------------------------------------------------------------
# data


FIRST = ["Ada", "Grace", "Linus", "Zoë", "Søren", "Amélie", "Björn", "Chiara", "Dmitri", "Élodie",
         "Farid", "Gülşen", "Hiroshi", "Inès", "José", "Kalani", "Łukasz", "Mónica", "Nuno", "Oğuz"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Ødegaard", "Kierkegaard", "Núñez", "Öberg", "Rossi",
        "Ivanov", "Durand", "Haddad", "Yılmaz", "Tanaka", "Moreau", "García", "Kahale"]
ROLES = ["self", "manager", "peer"]


def write_roster(path: Path, reviews: int, levels: list[str]):
    """A roster of `reviews` rows: each person reviewed by themself, a manager and a peer."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["employee id", "name", "current level", "reviewer", "reviewer role", "email", "team"])
        people = (reviews + 2) // 3
        n = 0
        for p in range(people):
            name = f"{FIRST[p % len(FIRST)]} {LAST[(p * 7) % len(LAST)]} {p}"
            emp = f"E{p:05d}"
            level = levels[p % len(levels)]
            team = f"team-{p % 37}"
            for k, role in enumerate(ROLES):
                if n == reviews:
                    return
                reviewer = name if role == "self" else f"Reviewer {(p * 3 + k) % max(1, people // 5)}"
                w.writerow([emp, name, level, reviewer, role, f"e{p}@example.org", team])
                n += 1


def write_people(path: Path, reviews: int, levels: list[str]):
    """A people roster as an HR system exports it, for about `reviews` reviews: one row per
    person, a manager by employee id (eight reports each) and two peers, so four reviews a
    person (three for the one at the top)."""
    people = max(2, (reviews + 1) // 4)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Employee ID", "Full Name", "Job Level", "Manager ID", "Peers", "Work Email",
                    "Department"])
        for p in range(people):
            name = f"{FIRST[p % len(FIRST)]} {LAST[(p * 7) % len(LAST)]} {p}"
            manager = "" if p == 0 else f"E{(p - 1) // 8:05d}"
            peers = "; ".join(f"E{(p + k) % people:05d}" for k in (1, 7) if (p + k) % people != p)
            w.writerow([f"E{p:05d}", name, levels[p % len(levels)], manager, peers,
                        f"e{p}@example.org", f"team-{p % 37}"])


def count_files(root: Path, suffix: str) -> int:
    return sum(1 for p in root.rglob(f"*{suffix}") if not p.name.startswith((".", "~")))


# ---------------------------------------------------------------------------------------------
# peers (run as `bench.py peer NAME ...` in their own process)


def peer_typst_packet(layouts: str, out: str, marks: str):
    """Compiles packet.typ (whole, as one document) with the PyPI Typst compiler: one
    `typst.Compiler` over the layouts folder, which holds data.json and packet.json."""
    import typst

    start = time.perf_counter()
    compiler = typst.Compiler(root=layouts, font_paths=[str(REPO / "fonts")],
                              ignore_system_fonts=True)
    compiler.compile(input=str(Path(layouts) / "packet.typ"), output=out,
                     sys_inputs={"marks": marks})
    sys.stderr.write(f"work={time.perf_counter() - start}\n")


def peer_typst(layouts: str, data: str, out: str):
    """Compiles every document `rungs pdf` writes with the PyPI Typst compiler as a skilled user
    would: one `typst.Compiler`, made once (fonts loaded once) and reused for every document,
    from the jobs typst_peer_setup wrote."""
    import typst

    jobs = json.loads(Path(data).with_name("typst-jobs.json").read_text(encoding="utf-8"))
    Path(out).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    compiler = typst.Compiler(root=layouts, font_paths=jobs[0]["font_paths"],
                              ignore_system_fonts=True)
    for job in jobs:
        compiler.compile(
            input=str(Path(layouts) / job["main"]),
            output=str(Path(out) / job["output"]),
            sys_inputs=job["inputs"],
        )
    sys.stderr.write(f"work={time.perf_counter() - start}\n")


def _workbooks(root: str):
    return sorted(p for p in Path(root).rglob("*.xlsx") if not p.name.startswith((".", "~")))


def peer_openpyxl(root: str):
    """Reads every value of every sheet of every workbook (values only, as a tally would)."""
    import openpyxl

    start = time.perf_counter()
    cells = 0
    for p in _workbooks(root):
        wb = openpyxl.load_workbook(p, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += sum(v is not None for v in row)
        wb.close()
    sys.stderr.write(f"work={time.perf_counter() - start}\ncells={cells}\n")


def peer_calamine(root: str):
    """Same as peer_openpyxl with python-calamine (Rust calamine behind a Python API)."""
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    cells = 0
    for p in _workbooks(root):
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
                cells += sum(v not in ("", None) for v in row)
    sys.stderr.write(f"work={time.perf_counter() - start}\ncells={cells}\n")


# ---------------------------------------------------------------------------------------------
# the run


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "peer":
        name, rest = sys.argv[2], sys.argv[3:]
        {"typst": peer_typst, "typst-packet": peer_typst_packet, "openpyxl": peer_openpyxl,
         "calamine": peer_calamine, "fill-decisions": peer_fill_decisions,
         "write-tally": peer_write_tally}[name](*rest)
        return

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the release rungs binary")
    ap.add_argument("--fill", required=True, help="the release fill example binary")
    ap.add_argument("--scales", default="100,1000,10000")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each step at scales ≤ 1000")
    ap.add_argument("--work", default=str(REPO / "target" / "bench"))
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-people", action="store_true",
                    help="skip the people-roster steps (one workbook per review, and bundled)")
    ap.add_argument("--pdf-rounds", type=int, default=0,
                    help="also time `rungs pdf` and the PyPI compiler alternately, this many "
                         "rounds each (a host whose speed drifts then slows both alike)")
    ap.add_argument("--ladder", default=str(REPO / "ladder" / "titles-for-ops.md"))
    ap.add_argument("--long-ladder", default=str(REPO / "tests" / "fixtures" / "long-ladder.md"))
    ap.add_argument("--import-rounds", type=int, default=5,
                    help="runs of each import (0: skip the import step)")
    ap.add_argument("--people", default="10000",
                    help="sizes of the generated tallies for decisions and outcomes ('' skips)")
    ap.add_argument("--packet-scales", default="100,1000",
                    help="people in the tallies `rungs packet` prints (empty: skip the step)")
    ap.add_argument("--packet-only", action="store_true", help="run only the packet step")
    a = ap.parse_args()

    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", NO_COLOR="1")
    py = sys.executable
    me = str(Path(__file__).resolve())
    rungs = [a.bin, "--quiet", "--ladder", a.ladder]
    results: list[Result] = []

    print(f"machine: {machine()}")
    subprocess.run(rungs + ["export", "json", "-o", str(work / "ladder.json")], check=True, env=env)
    ladder = json.loads((work / "ladder.json").read_text(encoding="utf-8"))
    codes = [lv["code"] for lv in ladder["levels"]]

    # --- packet: the calibration packet of tallies of N people
    for people in [int(s) for s in a.packet_scales.split(",") if s.strip()]:
        results += packet_step(people, codes, a, work, env)
    if a.packet_only:
        finish(results, work)
        return

    # --- pdf: the bundled ladder and a long one, all documents in one run
    for label, path in [("ladder", a.ladder), ("long ladder", a.long_ladder)]:
        results += pdf_step(label, path, a, work, env)

    # --- import: a large matrix workbook and long table, made by rungs export from a generated ladder
    if a.import_rounds > 0:
        results += import_step(a, work, env)

    for scale in [int(s) for s in a.scales.split(",") if s.strip()]:
        roster = work / f"roster-{scale}.csv"
        write_roster(roster, scale, codes)
        rep = a.repeat if scale <= 1000 else 1
        out = work / f"sheets-{scale}"
        results.append(measure("sheets", "rungs", scale, scale,
                               lambda: rungs + ["sheets", "--roster", str(roster), "--cycle",
                                                "2026-H2", "-o", str(out)],
                               rep, prepare=fresh(out), env=env))
        results.append(measure("fill", "examples/fill", scale, scale,
                               lambda: [a.fill, str(out)], 1, env=env))
        tally_out = work / f"tally-{scale}"
        manifest = next(out.rglob("manifest.json"), None)
        tally_cmd = rungs + ["tally", str(out), "-o", str(tally_out)]
        if manifest:
            tally_cmd += ["--manifest", str(manifest)]
        results.append(measure("tally", "rungs", scale, scale, lambda: tally_cmd,
                               rep, prepare=fresh(tally_out), env=env))
        # Last cycle: the tally just written, so every person and competency matches. Run in
        # turn with the plain tally, so that both see the same drift of the host.
        previous = work / f"previous-{scale}.json"
        shutil.copy(tally_out / "tally.json", previous)
        results += alternating(scale, max(rep, 3), env, [
            ("tally", tally_cmd, fresh(tally_out)),
            ("tally --previous", tally_cmd + ["--previous", str(previous)], fresh(tally_out)),
        ])
        if not a.no_peers:
            px = work / f"xlsxwriter-{scale}"
            results.append(measure("sheets", "XlsxWriter", scale, scale,
                                   lambda: [py, str(REPO / "benches" / "sheets_xlsxwriter.py"),
                                            str(work / "ladder.json"), str(roster), str(px)],
                                   rep if scale <= 100 else 1, prepare=fresh(px), env=env))
            shutil.rmtree(px, ignore_errors=True)
        if not a.no_people:
            results.extend(people_steps(rungs, work, scale, codes, rep, env))
        if not a.no_peers:
            results.append(measure("tally", "openpyxl", scale, scale,
                                   lambda: [py, me, "peer", "openpyxl", str(out)],
                                   rep if scale <= 100 else 1, env=env))
            results.append(measure("tally", "python-calamine", scale, scale,
                                   lambda: [py, me, "peer", "calamine", str(out)], rep, env=env))
        shutil.rmtree(out, ignore_errors=True)

    for people in [int(s) for s in a.people.split(",") if s.strip()]:
        results += decisions_step(people, rungs, a, work, env)

    finish(results, work)


def finish(results: list, work: Path):
    table = render(results)
    (work / "results.md").write_text(table, encoding="utf-8")
    print()
    print(table)
    print(f"(also in {work / 'results.md'})")


def write_tally(path: Path, ladder: dict, people: int):
    """A tally.json as `rungs tally` writes it (format 3), for `people` people each reviewed by
    themself, a manager and a peer, every competency rated with a line of evidence."""
    codes = [lv["code"] for lv in ladder["levels"]]
    comps = [c["id"] for a in ladder["areas"] for c in a["competencies"]]
    roles = [("self", "Person {}"), ("manager", "Manager {}"), ("peer", "Peer {}")]
    persons = []
    for i in range(people):
        cur = i % len(codes)
        reviews = [{"form_id": f"rv-{i:06x}{k}", "reviewer": who.format(i % 97), "role": role,
                    "file": f"r/{i}-{k}.xlsx", "rated": len(comps), "not_observed": 0,
                    "blank": 0, "complete": True} for k, (role, who) in enumerate(roles)]
        competencies = []
        for j, cid in enumerate(comps):
            vals = [(cur + (i + j + k) % 3 - 1) % len(codes) for k in range(3)]
            cons = sorted(vals[1:])[0]
            competencies.append({
                "id": cid, "ratings": [{"reviewer": r["reviewer"], "role": r["role"],
                                        "label": codes[v], "value": v,
                                        "evidence": f"ev {i}.{j}: shipped the change"}
                                       for r, v in zip(reviews, vals)],
                "consensus": cons, "consensus_label": codes[cons], "self_only": False,
                "spread": max(vals) - min(vals), "self_minus_manager": vals[0] - vals[1]})
        sugg = min(cur + (i % 3) - 1, len(codes) - 1) if i % 3 else cur
        sugg = max(sugg, 0)
        persons.append({
            "employee_id": f"E{i:06d}", "name": f"Person {i} Ñandú", "team": f"team-{i % 12}",
            "current_level": codes[cur], "current_index": cur, "reviews": reviews,
            "reviews_expected": 3, "reviews_complete": 3, "not_returned": [],
            "competencies": competencies, "suggested_level": codes[sugg],
            "suggested_index": sugg, "no_suggestion": None, "gap": sugg - cur, "previous": None})
    doc = {"format": "rungs-tally", "format_version": 3, "run_digest": "0" * 16,
           "ladder": {k: ladder["meta"][k] for k in ("id", "title", "version", "fingerprint")},
           "cycles": ["2026-H2"], "rule": "generated",
           "tally": {"scale": "levels", "people": persons, "distribution": [],
                     "disagreements": [], "self_gaps": [], "leniency": [], "history": None},
           "problems": []}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def peer_fill_decisions(src: str, dst: str):
    """Fills a decisions workbook as a meeting would (not timed): agreed = suggested, a reason
    and who decided on every row."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb["Decisions"]
    for row in ws.iter_rows(min_row=11):
        if row[0].value is None:
            continue
        row[9].value = row[4].value or row[3].value
        row[10].value = "calibrated in the meeting"
        row[11].value = "Panel A"
    wb.save(dst)


def peer_write_tally(ladder_json: str, out: str, people: str):
    write_tally(Path(out), json.loads(Path(ladder_json).read_text(encoding="utf-8")), int(people))


def decisions_step(people: int, rungs: list, a, work: Path, env) -> list:
    """rungs decisions on a generated tally of `people` people, then rungs outcomes of the
    workbook filled by openpyxl; openpyxl reading the filled workbook is the peer."""
    py, me = sys.executable, str(Path(__file__).resolve())
    tally = work / f"decisions-tally-{people}"
    # In a child process: this one stays small, so the children it measures do not inherit a
    # large peak RSS from it.
    subprocess.run([py, me, "peer", "write-tally", str(work / "ladder.json"),
                    str(tally / "tally.json"), str(people)], check=True, env=env)
    dec = work / f"decisions-{people}"
    out = []
    out.append(measure("decisions", "rungs", people, people,
                       lambda: rungs + ["decisions", str(tally), "-o", str(dec), "--force"],
                       a.repeat, env=env))
    filled = work / f"decisions-filled-{people}"
    filled.mkdir(exist_ok=True)
    subprocess.run([py, me, "peer", "fill-decisions", str(dec / "decisions.xlsx"),
                    str(filled / "filled.xlsx")], check=True, env=env)
    res = work / f"outcomes-{people}"
    out.append(measure("outcomes", "rungs", people, people,
                       lambda: rungs + ["outcomes", str(filled / "filled.xlsx"), "--tally",
                                        str(tally), "-o", str(res)],
                       a.repeat, prepare=fresh(res), env=env))
    if not a.no_peers:
        out.append(measure("outcomes", "openpyxl", people, people,
                           lambda: [py, me, "peer", "openpyxl", str(filled)], 1, env=env))
    return out

def packet_step(people: int, codes: list[str], a, work: Path, env) -> list:
    """A tally of `people` people (self, manager and peer reviews, every rating with evidence,
    filled by examples/fill) printed by `rungs packet`; then the PyPI compiler on the same
    packet.typ and data (`rungs layouts init` and `rungs packet --export-data`)."""
    py, me = sys.executable, str(Path(__file__).resolve())
    rungs = [a.bin, "--quiet", "--ladder", a.ladder]
    base = work / f"packet-{people}"
    roster, sheets, tally = base / "roster.csv", base / "sheets", base / "tally"
    base.mkdir(parents=True)
    write_roster(roster, people * 3, codes)
    subprocess.run(rungs + ["sheets", "--roster", str(roster), "--cycle", "2026-H2", "-o",
                            str(sheets)], check=True, env=env)
    subprocess.run([a.fill, "--evidence", str(sheets)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    subprocess.run(rungs + ["tally", str(sheets), "--manifest", str(sheets / "manifest.json"),
                            "-o", str(tally)], check=True, env=env)
    out = base / "packet"
    rep = a.repeat if people <= 100 else 3
    r = measure("packet", "rungs", people, people,
                lambda: rungs + ["packet", str(tally), "-o", str(out)],
                rep, prepare=fresh(out), env=env)
    results = [r]
    if a.no_peers:
        return results
    layouts = base / "layouts"
    subprocess.run(rungs + ["layouts", "init", str(layouts)], check=True, env=env)
    subprocess.run(rungs + ["packet", str(tally), "-o", str(base / "export"), "--export-data",
                            str(layouts)], check=True, env=env)
    text = (layouts / "data.json").read_text(encoding="utf-8") + \
        (layouts / "packet.json").read_text(encoding="utf-8")
    marks = "maybe" if may_need_composition(text) else "none"
    peer_pdf = base / "typst-packet.pdf"
    results.append(measure("packet", "typst (PyPI)", people, people,
                           lambda: [py, me, "peer", "typst-packet", str(layouts), str(peer_pdf),
                                    marks],
                           rep, env=env))
    if a.pdf_rounds > 0:
        interleaved(a.pdf_rounds, env, {
            "rungs": (rungs + ["packet", str(tally), "-o", str(out)], fresh(out)),
            "typst (PyPI)": ([py, me, "peer", "typst-packet", str(layouts), str(peer_pdf), marks],
                             lambda: None),
        }, f"packet {people}")
    return results


def people_steps(rungs, work: Path, scale: int, codes, rep: int, env) -> list[Result]:
    """`rungs sheets` on a people roster of about `scale` reviews: one workbook per review, then
    one per reviewer (--bundle reviewer), and the tally of the bundles as sent (unfilled)."""
    roster = work / f"people-{scale}.csv"
    write_people(roster, scale, codes)
    out: list[Result] = []
    for tool, extra in (("rungs (people)", []), ("rungs (bundled)", ["--bundle", "reviewer"])):
        dest = work / f"people-{scale}-{len(extra)}"
        cmd = rungs + ["sheets", "--roster", str(roster), "--cycle", "2026-H2", "-o", str(dest),
                       *extra]
        r = measure("people", tool, scale, scale, lambda: cmd, rep, prepare=fresh(dest), env=env)
        manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
        r.items = len(manifest["reviews"])
        r.note = f"{count_files(dest, '.xlsx')} files"
        out.append(r)
        if extra:
            tally_out = work / f"people-tally-{scale}"
            out.append(measure("tally", "rungs (bundled)", scale, r.items,
                               lambda: rungs + ["tally", str(dest), "--manifest",
                                                str(dest / "manifest.json"), "-o",
                                                str(tally_out)],
                               rep, prepare=fresh(tally_out), env=env))
        shutil.rmtree(dest, ignore_errors=True)
    return out


def pdf_step(label: str, ladder_path: str, a, work: Path, env) -> list:
    """`rungs pdf` on one ladder, then the PyPI compiler on the same layouts and data, and
    both in turn when --pdf-rounds asks for it."""
    py, me = sys.executable, str(Path(__file__).resolve())
    rungs = [a.bin, "--quiet", "--ladder", ladder_path]
    tag = label.replace(" ", "-")
    pdf_out = work / f"pdf-{tag}"
    out = []
    r = measure("pdf", "rungs", label, 1, lambda: rungs + ["pdf", "-o", str(pdf_out)],
                a.repeat, prepare=fresh(pdf_out), env=env)
    r.items = max(1, count_files(pdf_out, ".pdf"))
    out.append(r)
    if a.no_peers:
        return out
    peer = typst_peer_setup(rungs, work / tag, env)
    if not peer:
        return out
    out.append(measure("pdf", "typst (PyPI)", label, r.items,
                       lambda: [py, me, "peer", "typst", *peer],
                       a.repeat, prepare=fresh(Path(peer[2])), env=env))
    if a.pdf_rounds > 0:
        interleaved(a.pdf_rounds, env, {
            "rungs": (rungs + ["pdf", "-o", str(pdf_out)], fresh(pdf_out)),
            "typst (PyPI)": ([py, me, "peer", "typst", *peer], fresh(Path(peer[2]))),
        }, label)
    return out


def import_step(a, work: Path, env) -> list:
    """A ladder of 10 areas × 5 competencies × 8 levels with 7 or 8 expectations a cell (3,000
    in all), exported by rungs as a matrix workbook and as a long table, then imported."""
    md = ["# Import benchmark", ""]
    n = 0
    for lv in range(1, 9):
        md += [f"## Level {lv} (L{lv})", ""]
        for ar in range(1, 11):
            md += [f"### Area {ar}", ""]
            for c in range(1, 6):
                md += [f"#### Competency {ar}.{c}", ""]
                for e in range(7 + (ar + c + lv) % 2):
                    md.append(f"- Expectation {e + 1} of competency {ar}.{c} at L{lv}: "
                              "owns the work and explains the trade-offs to the team.")
                    n += 1
                md.append("")
    ladder = work / "import-ladder.md"
    ladder.write_text("\n".join(md), encoding="utf-8")
    rungs = [a.bin, "--quiet", "--ladder", str(ladder)]
    out = []
    for kind in ["xlsx", "csv"]:
        table = work / f"import-ladder.{kind}"
        subprocess.run(rungs + ["export", kind, "-o", str(table), "--force"], check=True, env=env)
        back = work / f"imported-{kind}.md"
        out.append(measure("import", "rungs", kind, n,
                           lambda: [a.bin, "--quiet", "import", str(table), "-o", str(back), "--force"],
                           a.import_rounds, env=env))
    return out


def interleaved(rounds: int, env, cmds: dict, label: str = "ladder"):
    """Runs each command once per round, in turn, and prints the spread of their wall times."""
    walls = {name: [] for name in cmds}
    for _ in range(rounds):
        for name, (cmd, prepare) in cmds.items():
            prepare()
            walls[name].append(run_measured(cmd, env=env)[0] * 1000)
    print(f"  pdf    {label}, interleaved, {rounds} rounds:")
    for name, w in walls.items():
        q = statistics.quantiles(w, n=4)
        print(f"    {name:14} median {statistics.median(w):6.1f} ms  p25 {q[0]:6.1f}  "
              f"p75 {q[2]:6.1f}  min {min(w):6.1f}")


def may_need_composition(text: str) -> bool:
    """Mirror of `may_need_composition` in src/pdf/coverage.rs."""
    ranges = [(0x0000, 0x02FF), (0x0370, 0x0482), (0x048A, 0x052F), (0x1E00, 0x1FFF),
              (0x2000, 0x20CF), (0x2100, 0x2BFF)]
    return not all(any(lo <= ord(c) <= hi for lo, hi in ranges) for c in text)


def typst_peer_setup(rungs, work: Path, env) -> list[str] | None:
    """Copies the built-in layouts out (`rungs layouts init`, which also writes the ladder's
    data.json beside them) and writes the job list for the PyPI compiler: the matrix and one
    level document per level, with the bundled Inter fonts and no system fonts, exactly what
    `rungs pdf` compiles. Returns the peer's arguments, or None when this build cannot do it.
    """
    work.mkdir(parents=True, exist_ok=True)
    layouts = work / "layouts"
    p = subprocess.run(rungs + ["layouts", "init", str(layouts)], env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"  pdf    typst (PyPI): skipped, cannot copy the layouts: {p.stderr.strip()[:200]}")
        return None
    data = layouts / "data.json"
    ladder = json.loads(data.read_text(encoding="utf-8"))
    fonts = [str(REPO / "fonts")]
    # The inputs rungs gives the layouts: `marks` as src/pdf/coverage.rs decides it.
    text = data.read_text(encoding="utf-8")
    common = {"marks": "maybe" if may_need_composition(text) else "none"}
    jobs = [{"main": "matrix.typ", "output": "matrix.pdf", "font_paths": fonts,
             "inputs": dict(common)}]
    for lv in ladder["levels"]:
        jobs.append({"main": "level.typ", "output": f"{lv['code']}.pdf", "font_paths": fonts,
                     "inputs": {**common, "level": lv["code"]}})
    (work / "typst-jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    return [str(layouts), str(work / "ladder.json"), str(work / "typst-pdf")]


def machine() -> str:
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({model or platform.processor()}){mem}, {platform.system()} {platform.release()}"


def render(results: list[Result]) -> str:
    """A Markdown table, peers next to rungs, with the speed-up of rungs over each peer."""
    base = {(r.step, r.scale): r for r in results if r.tool == "rungs"}
    steps = {"pdf": 0, "import": 1, "sheets": 2, "fill": 3, "tally": 4, "packet": 5}


    steps = {"pdf": 0, "import": 1, "sheets": 2, "people": 3, "fill": 4, "tally": 5}
    results = sorted(results, key=lambda r: (int(r.scale) if str(r.scale).isdigit() else 0,
                                             steps.get(r.step, 9), r.tool != "rungs"))
    lines = [
        f"Machine: {machine()}; load average at the end: {os.getloadavg()[0]:.1f}; "
        "median of the runs shown; RSS = peak resident set of the process.",
        "",
        "| step | scale | tool | items | wall | per item | CPU (user+sys) | peak RSS | rungs faster by (wall / CPU) | runs |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b = base.get((r.step, r.scale))
        speed = ""
        if b and not r.tool.startswith("rungs") and r.tool != "examples/fill":
            speed = f"{r.wall / b.wall:.1f}× / {r.cpu / b.cpu:.1f}×" if b.cpu else f"{r.wall / b.wall:.1f}×"
        lines.append(
            f"| {r.step} | {r.scale} | {r.tool} | {r.items} | {fmt_s(r.wall)} | "
            f"{fmt_s(r.wall / r.items)} | {fmt_s(r.cpu)} | {r.rss_mb:.1f} MB | {speed or r.note} | {r.runs} |"
        )
    return "\n".join(lines) + "\n"


def fmt_s(s: float) -> str:
    return f"{s:.2f} s" if s >= 1 else f"{s * 1000:.1f} ms"


if __name__ == "__main__":
    main()
