"""Fills rungs review workbooks the way a reviewer's spreadsheet app would: openpyxl opens each,
answers every dropdown (list validation) with a value from its own list, and saves it.

usage: fill.py SEED FILE_OR_DIR...  (files are rewritten in place)
"""

import random
import sys
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import range_boundaries


def options(wb, formula):
    f = formula.lstrip("=")
    if f.startswith('"'):
        return f.strip('"').split(",")
    if f in wb.defined_names:
        f = wb.defined_names[f].attr_text.lstrip("=")
    sheet, rng = f.rsplit("!", 1)
    ws = wb[sheet.strip("'").replace("''", "'")]
    c1, r1, c2, r2 = range_boundaries(rng.replace("$", ""))
    vals = []
    for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2, values_only=True):
        vals += [str(v) for v in row if v not in (None, "")]
    return vals


def fill(path, rnd):
    wb = openpyxl.load_workbook(path)
    n = 0
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            if dv.type != "list":
                continue
            opts = options(wb, dv.formula1)
            for rng in str(dv.sqref).split():
                c1, r1, c2, r2 = range_boundaries(rng)
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        ws.cell(row=r, column=c).value = rnd.choice(opts)
                        n += 1
    if n == 0:
        sys.exit(f"fill.py: {path}: no dropdown found")
    wb.save(path)


def main():
    rnd = random.Random(int(sys.argv[1]))
    files = []
    for a in sys.argv[2:]:
        p = Path(a)
        files += sorted(p.rglob("*.xlsx")) if p.is_dir() else [p]
    for f in files:
        if not f.name.startswith((".", "~")):
            fill(f, rnd)


main()
