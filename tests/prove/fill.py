"""Fills rungs review workbooks the way a reviewer's spreadsheet app would: openpyxl opens each,
answers every dropdown (list validation) with a value from its own list, and saves it. With
--evidence it also types evidence into the cell right of each dropdown: numbered texts
(`ev<file>.<row>`) drawn from a pool of awkward ones (Typst and Markdown specials, text that
looks like a formula, several lines, right-to-left script, a long paragraph), some left empty.

usage: fill.py [--evidence] SEED FILE_OR_DIR...  (files are rewritten in place)
"""

import random
import sys
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import range_boundaries

# Each is formatted with the evidence's number; None leaves the cell empty.
EVIDENCE = [
    "{n}: led the incident review and wrote the follow-ups.",
    "{n}: =SUM(A1:A3) is how the report starts, as plain text",
    '{n}: used #read("/etc/passwd") and $x^2$ and *stars* and [a link](https://x.test) in the doc <b>',
    "{n}: mentors two engineers\nsecond line of evidence\n- a dash line",
    "{n}: قاد مراجعة الحادث بنجاح",
    None,
    "{n}: " + " ".join(["consistently ships reliable changes across the platform;"] * 14)
    + " end of the long text.",
]


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


def fill(path, rnd, evidence, number):
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
                        if evidence:
                            text = rnd.choice(EVIDENCE)
                            if text is not None:
                                text = text.format(n=f"ev{number}.{r}")
                            ws.cell(row=r, column=c + 1).value = text
    if n == 0:
        sys.exit(f"fill.py: {path}: no dropdown found")
    wb.save(path)


def main():
    args = sys.argv[1:]
    evidence = args[:1] == ["--evidence"]
    if evidence:
        args = args[1:]
    rnd = random.Random(int(args[0]))
    files = []
    for a in args[1:]:
        p = Path(a)
        files += sorted(p.rglob("*.xlsx")) if p.is_dir() else [p]
    for i, f in enumerate(files):
        if not f.name.startswith((".", "~")):
            fill(f, rnd, evidence, i + 1)


main()
