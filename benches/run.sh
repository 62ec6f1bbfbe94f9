#!/usr/bin/env bash
# Benchmark: builds rungs (release) and the fill helper, sets up a venv with the peer tools
# (benches/.venv: typst, XlsxWriter, openpyxl, python-calamine from PyPI), then times every step
# at each roster size and prints a Markdown table (also written to target/bench/results.md).
#
#   bash benches/run.sh [--scales 100,1000,10000] [--repeat 5] [--no-peers]
#
# CPU-heavy: on a shared machine prefix with `nice -n 19`. Uses CARGO_TARGET_DIR when set.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --locked --quiet --bin rungs --example fill
if [ ! -x benches/.venv/bin/python ]; then
  python3 -m venv benches/.venv
fi
benches/.venv/bin/python -m pip install --quiet --disable-pip-version-check -r benches/requirements.txt
exec benches/.venv/bin/python benches/bench.py \
  --bin "$target/release/rungs" --fill "$target/release/examples/fill" \
  --work "$target/bench" "$@"
