"""Benchmark baseline for `rungs sheets`: the same review workbooks written with Python XlsxWriter.

Writes, for every roster row, a workbook with the layout of src/workbook/mod.rs (Review sheet
with header, one row per competency, dropdown + evidence cells, conditional formats, protection,
print setup; Instructions; hidden Provenance and Ratings sheets; custom properties), one after
another as a Python script naturally would. Not part of the tests; run by benches/sheets.sh:

    rungs export json -o ladder.json
    python benches/sheets_xlsxwriter.py ladder.json roster.csv OUTDIR

Needs `pip install xlsxwriter==3.3.1` (not in tests/requirements.txt: only the benchmark uses it).
"""

import csv
import hashlib
import json
import os
import sys

import xlsxwriter


def main(ladder_path, roster_path, out_dir):
    ladder = json.load(open(ladder_path, encoding="utf-8"))
    levels = ladder["levels"]
    labels = [o["label"] for o in ladder["rating"]["options"]] + [ladder["rating"]["not_observed"]]
    rows = list(csv.DictReader(open(roster_path, encoding="utf-8")))
    os.makedirs(out_dir, exist_ok=True)
    for r in rows:
        key = f"C\0{r['employee id']}\0{r['reviewer']}\0".encode()
        form_id = "rv-" + hashlib.sha256(key).hexdigest()[:12]
        path = os.path.join(out_dir, f"{r['employee id']}-{form_id}.xlsx")
        wb = xlsxwriter.Workbook(path)
        prov = {
            "form_id": form_id, "schema_version": "1", "ladder_id": ladder["meta"]["id"],
            "ladder_fingerprint": ladder["meta"]["fingerprint"], "employee_id": r["employee id"],
            "person_name": r["name"], "current_level": r["current level"],
            "reviewer": r["reviewer"], "reviewer_role": r.get("reviewer role", ""), "cycle": "C",
        }
        wb.set_properties({"title": f"Review: {r['name']}"})
        for k, v in prov.items():
            wb.set_custom_property(f"rungs_{k}", v)
        ws = wb.add_worksheet("Review")
        base = {"font_size": 10, "valign": "top"}
        head = wb.add_format({**base, "bold": True, "font_color": "white", "bg_color": "#2F3E4E", "text_wrap": True, "border": 1})
        wrap = wb.add_format({**base, "text_wrap": True, "border": 1})
        bold = wb.add_format({**base, "bold": True, "text_wrap": True, "border": 1})
        inp = wb.add_format({**base, "text_wrap": True, "border": 1, "locked": False, "bg_color": "#FFFBEA"})
        ws.write_string(0, 1, f"Review: {r['name']}", wb.add_format({"bold": True, "font_size": 15}))
        for i, (k, v) in enumerate(prov.items()):
            if i < 8:
                ws.write_string(1 + i, 1, k)
                ws.write_string(1 + i, 2, v)
        for c, t in enumerate(["Competency id", "Area", "Competency", "Rating", "Evidence"]):
            ws.write_string(10, c, t, head)
        for i, l in enumerate(levels):
            ws.write_string(10, 5 + i, f"{l['code']} {l['title']}", head)
        row = 11
        for area in ladder["areas"]:
            for comp in area["competencies"]:
                ws.write_string(row, 0, comp["id"])
                ws.write_string(row, 1, area["title"], bold)
                ws.write_string(row, 2, comp["title"], bold)
                ws.write_blank(row, 3, None, inp)
                ws.write_blank(row, 4, None, inp)
                for i, cell in enumerate(comp["cells"]):
                    ws.write_string(row, 5 + i, "\n".join("• " + e["text"] for e in cell["items"]), wrap)
                ws.set_row(row, 120)
                row += 1
        last = row - 1
        ws.set_column(0, 0, 24, None, {"hidden": True})
        ws.set_column(1, 2, 18)
        ws.set_column(4, 4, 42)
        ws.set_column(5, 4 + len(levels), 34)
        ws.data_validation(11, 3, last, 3, {"validate": "list", "source": f"=Ratings!$A$1:$A${len(labels)}", "error_title": "Not a rating", "error_message": "Pick one of the choices in the list."})
        ws.conditional_format(11, 3, last, 3, {"type": "blanks", "format": wb.add_format({"bg_color": "#FBE3E1"})})
        for i in range(len(levels)):
            ws.conditional_format(11, 5 + i, last, 5 + i, {"type": "formula", "criteria": f'=$D12="{labels[i]}"', "format": wb.add_format({"bg_color": "#D8F0D2", "bold": True})})
        ws.protect("", {"format_rows": True})
        ws.freeze_panes(11, 5)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(10)
        ins = wb.add_worksheet("Instructions")
        for i in range(20):
            ins.write_string(i, 1, f"Instruction line {i} for {r['name']}")
        ins.protect()
        p = wb.add_worksheet("Provenance")
        for i, (k, v) in enumerate(prov.items()):
            p.write_string(i + 1, 0, k)
            p.write_string(i + 1, 1, v)
        p.very_hidden()
        rt = wb.add_worksheet("Ratings")
        for i, l in enumerate(labels):
            rt.write_string(i, 0, l)
        rt.hide()
        wb.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
