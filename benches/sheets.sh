#!/usr/bin/env bash
# Benchmark of `rungs sheets` (issue 4): a 1,000-review roster with the release build, against
# the same workbooks written with Python XlsxWriter (benches/sheets_xlsxwriter.py), and peak RSS
# for 100 vs 1,000 reviews (should be flat). Usage: bash benches/sheets.sh [path/to/rungs]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rungs="${1:-${CARGO_TARGET_DIR:-$here/target}/release/rungs}"
py="$here/.venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$py" - "$work" <<'PY'
import sys
rows = ["employee id,name,current level,reviewer,reviewer role"]
i = 0
while len(rows) <= 1000:
    i += 1
    name, level = f"Person {i} Example", f"L{i % 5 + 1}"
    for reviewer, role in ((name, "self"), (f"Manager {i % 40}", "manager"), (f"Peer {i * 7 % 300}", "peer")):
        if len(rows) <= 1000:
            rows.append(f"E{i:05},{name},{level},{reviewer},{role}")
open(f"{sys.argv[1]}/r1000.csv", "w").write("\n".join(rows) + "\n")
open(f"{sys.argv[1]}/r100.csv", "w").write("\n".join(rows[:101]) + "\n")
PY
for n in 100 1000; do
  /usr/bin/time -f "rungs sheets, $n reviews: %e s wall, %U s user, %M KB peak RSS" \
    "$rungs" -q sheets --roster "$work/r$n.csv" --cycle C -o "$work/out$n"
done
"$rungs" export json -o "$work/ladder.json"
if "$py" -c "import xlsxwriter" 2>/dev/null; then
  /usr/bin/time -f "python xlsxwriter, 1000 reviews: %e s wall" \
    "$py" "$here/benches/sheets_xlsxwriter.py" "$work/ladder.json" "$work/r1000.csv" "$work/py"
else
  echo "python xlsxwriter: not installed (.venv/bin/pip install xlsxwriter==3.3.1)"
fi
