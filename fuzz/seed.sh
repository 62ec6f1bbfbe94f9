#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, gitignored) from the repository's own fixtures:
# ladders for `ladder`, every roster field plus hostile names for `names`, and review workbooks
# written by `rungs sheets` (blank and filled) for `import`. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
c=fuzz/corpus
mkdir -p "$c/ladder" "$c/names" "$c/import"

# ladder: the bundled ladder and every Markdown fixture of the tests.
cp ladder/*.md "$c/ladder/"
find tests -name '*.md' 2>/dev/null | while read -r f; do
  cp "$f" "$c/ladder/$(echo "$f" | tr '/' '_')"
done

# Front matter, a relative scale, highest-first order, inline markup and non-Latin text, so
# the fuzzer starts from every branch of the format.
cat > "$c/ladder/relative.md" <<'MD'
+++
id = "eng"
version = "2026.1"
organisation = "Example Corp"
language = "de"
levels_order = "highest-first"

[rating]
scale = "relative"
not_observed = "n/a"
options = [
  { label = "Not yet", value = -1, description = "below" },
  { label = "Meets", value = 0 },
  { label = "Exceeds", value = 1 },
]
+++
# Ingénierie — Leiter

Beschreibung *mit* **Auszeichnung** und `code`.

## Staff (E3)

Zusammenfassung.

### Technik

#### Entwurf

- Entwirft Systeme über [Teams](https://example.org) hinweg — „zuverlässig“.

## Senior (E2)

### Technik

#### Entwurf

- Entwirft Systeme für das Team.

---

## Engineer (E1)

### Technik

#### Entwurf

- Setzt Entwürfe um.
MD
printf '# 职业阶梯\n\n## 初级 (J1)\n\n### 技能\n\n#### 掌握\n\n- 熟悉一个领域 😀\n\n## 高级 (J2)\n\n### 技能\n\n#### 掌握\n\n- 熟悉多个领域\n' > "$c/ladder/cjk.md"

# names: each field of the example roster, and names that have broken file-name code before.
python3 - "$c/names" <<'PY'
import csv, hashlib, sys
from pathlib import Path
out = Path(sys.argv[1])
fields = set()
for row in csv.reader(open("examples/roster.csv", encoding="utf-8")):
    fields.update(row)
fields.update(["..", ".", "../../etc/passwd", "CON", "con.txt", "COM1", "LPT9.xlsx", "NUL ",
               "=cmd|' /C calc'!A0", "a" * 300, "é" * 120, "\u202eexe.xlsx", "\u200b", " . ",
               "名前", "👩‍💻", "a/b\\c", "x\x00y", "\ttab\n", "trailing. . ."])
for f in fields:
    (out / hashlib.sha1(f.encode()).hexdigest()[:12]).write_text(f, encoding="utf-8")
PY

# import: real workbooks from rungs sheets, then the same answered by examples/fill.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --quiet --bin rungs -- --quiet sheets --roster examples/roster.csv --cycle fuzz -o "$tmp/blank"
cp -r "$tmp/blank" "$tmp/filled"
cargo run --quiet --example fill -- "$tmp/filled" >/dev/null
n=0
find "$tmp/blank" "$tmp/filled" -name '*.xlsx' | sort | while read -r f; do
  n=$((n + 1)); cp "$f" "$c/import/wb-$n.xlsx"
done
echo "seeded: $(ls "$c/ladder" | wc -l) ladders, $(ls "$c/names" | wc -l) names, $(ls "$c/import" | wc -l) workbooks"
