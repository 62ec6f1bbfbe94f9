"""Edits workbooks with openpyxl, the way a person's spreadsheet application would, for the
decisions tests.

Usage: python xlsx_edit.py JOBS.json

JOBS.json: [{"in": "a.xlsx", "out": "b.xlsx", "sheet": "Decisions",
  "by_id": {"E0001": {"J": "L3", "K": "why"}},   # cells of the row whose column A holds the id
  "delete_rows": [12],                           # 1-based rows, deleted bottom-up
  "copy_rows": [[11, 30]],                       # copy row 11's values to row 30
  "cells": [["B11", "text"]],                    # cells by reference, after the rows moved
  "formula_as_text": false}]                     # text starting with "=" stays text when true
Applied in that order. A text starting with "=" becomes a formula (as openpyxl writes it)
unless formula_as_text is set.
"""

import json
import sys

import openpyxl


def main():
    for job in json.load(open(sys.argv[1], encoding="utf-8")):
        wb = openpyxl.load_workbook(job["in"])
        ws = wb[job.get("sheet", "Decisions")]
        as_text = job.get("formula_as_text", False)

        def put(ref, value):
            cell = ws[ref]
            cell.value = value
            if as_text and isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"

        rows = {}
        for row in ws.iter_rows(min_row=11):
            if row[0].value is not None:
                rows[str(row[0].value)] = row[0].row
        for emp, cols in job.get("by_id", {}).items():
            for col, value in cols.items():
                put(f"{col}{rows[emp]}", value)
        for r in sorted(job.get("delete_rows", []), reverse=True):
            ws.delete_rows(r, 1)
        for src, dst in job.get("copy_rows", []):
            for col in range(1, 13):
                ws.cell(dst, col).value = ws.cell(src, col).value
        for ref, value in job.get("cells", []):
            put(ref, value)
        wb.save(job["out"])


if __name__ == "__main__":
    main()
