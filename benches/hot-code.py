#!/usr/bin/env python3
"""Regenerates benches/hot-code.txt: the functions `rungs` runs for its main jobs, grouped by job.

build.rs hands the list to the linker (lld's --symbol-ordering-file), which places those
functions next to each other at the start of the code. Only about 2 MB of the binary's 28 MB of
code runs for `rungs pdf`, `sheets` or `tally`, but it is spread over the whole binary, and the
kernel maps code in 64 KB blocks around every page touched: `rungs pdf` held about 17 MB of code
in memory. Packed together, it holds what it runs.

The list is an input to the build, not an output: rebuilding without it gives the same program,
only laid out differently. Regenerate it after updating the typst stack or other large
dependencies (names that no longer exist are ignored, so a stale list costs memory, not
correctness):

    cargo build --release --bin rungs --example fill
    python3 benches/hot-code.py target/release/rungs

Needs valgrind (callgrind), which counts every function executed, not a sample of them.
"""

import collections
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "hot-code.txt")


def roster(path, people, levels):
    """A roster of `people` each reviewed by themselves and their manager."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("employee id,name,current level,reviewer,reviewer role\n")
        for i in range(people):
            level = levels[i % len(levels)]
            f.write(f"E{i:04},Person {i},{level},Person {i},self\n")
            f.write(f"E{i:04},Person {i},{level},Manager {i // 8},manager\n")


def workloads(binary, tmp):
    """The main jobs on the bundled ladder, as a user runs them."""
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    out = os.path.join(tmp, "out")
    sheets = os.path.join(tmp, "sheets")
    tally = os.path.join(tmp, "tally")
    csv = os.path.join(tmp, "roster.csv")
    roster(csv, 20, ["L1", "L2", "L3", "L4", "L5"])
    fill = os.path.join(os.path.dirname(binary), "examples", "fill")
    manifest = os.path.join(sheets, "manifest.json")
    return env, [
        ([binary, "--quiet", "pdf", "-o", out], True),
        ([binary, "--quiet", "check"], True),
        ([binary, "--quiet", "sheets", "--roster", csv, "--cycle", "2026-H2", "-o", sheets], True),
        ([fill, sheets], False),  # answers, so the tally reads ratings; not profiled
        ([binary, "--quiet", "tally", sheets, "-o", tally, "--manifest", manifest], True),
    ]


def executed(profile):
    """Self cost of every function in a callgrind profile, by mangled name."""
    names = {}
    cost = collections.Counter()
    current = None
    after_call = False
    for line in open(profile, encoding="utf-8", errors="replace"):
        head = line[:4]
        if line.startswith(("fn=", "cfn=")):
            m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.strip())
            if m.group(2):
                # callgrind marks recursion levels as name'2; the symbol is the name.
                names[m.group(1)] = re.sub(r"'\d+$", "", m.group(2))
            if line.startswith("fn="):
                current = m.group(1)
        elif line.startswith("calls="):
            after_call = True  # the next cost line is the call's inclusive cost
        elif head[:1].isdigit() or head[:1] in "+-*":
            if after_call:
                after_call = False
            elif current is not None:
                parts = line.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    cost[current] += int(parts[1])
    total = collections.Counter()
    for fid, c in cost.items():
        if fid in names:
            total[names[fid]] += c
    return total


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    nm = subprocess.run(
        ["nm", "--defined-only", binary], capture_output=True, text=True, check=True
    ).stdout
    code = {p[2] for p in (l.split() for l in nm.splitlines()) if len(p) == 3 and p[1] in "tTwW"}
    total = collections.Counter()
    users = collections.defaultdict(set)  # function -> the jobs that run it
    with tempfile.TemporaryDirectory() as tmp:
        env, jobs = workloads(binary, tmp)
        for i, (job, profiled) in enumerate(jobs):
            if not profiled:
                subprocess.run(job, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
                continue
            profile = os.path.join(tmp, f"cg.{i}")
            subprocess.run(
                ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={profile}", *job],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # Each job counts equally, whatever its length: the shortest still pages its code in.
            costs = executed(profile)
            whole = sum(costs.values()) or 1
            for name, c in costs.items():
                total[name] += c / whole
                users[name].add(i)
    # Code every job runs comes first, then each job's own, so that one job's functions are not
    # spread among another's (a job then touches few pages beyond its own); hottest first
    # within each group.
    hot = sorted(
        (name for name in total if name in code),
        key=lambda name: (-len(users[name]), sorted(users[name]), -total[name], name),
    )
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(hot) + "\n")
    print(f"{OUT}: {len(hot)} functions")


if __name__ == "__main__":
    main()
