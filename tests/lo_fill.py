"""Fills review workbooks through LibreOffice itself (Python-UNO, system python3).

Usage: /usr/bin/python3 lo_fill.py JOBS.json

JOBS.json: {"profile": "/tmp/unique-dir", "jobs": [{"in": "a.xlsx", "out": "b.xlsx",
"insert_rows": [["Review", 13, 1]], "cells": [["Review", "D12", "L3"], ["Review", "E12", 2.0]],
"rename": [["Review", "Other"]]}]}, applied in that order. Text values are typed with
setString, numbers with setValue; LibreOffice writes into locked cells too (a realistic tamper).
Each job is loaded, edited and stored as xlsx with LibreOffice's own filter.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def pv(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def url(path):
    return uno.systemPathToFileUrl(os.path.abspath(path))


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    pipe = "rungs_" + uuid.uuid4().hex
    proc = subprocess.Popen(
        [
            "soffice",
            "-env:UserInstallation=" + url(spec["profile"]),
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        ctx = None
        for _ in range(600):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.1)
        if ctx is None:
            sys.exit("lo_fill: soffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for job in spec["jobs"]:
            doc = desktop.loadComponentFromURL(url(job["in"]), "_blank", 0, (pv("Hidden", True),))
            for sheet, index, count in job.get("insert_rows", []):
                # Protection forbids inserting rows; a reviewer can lift it (no password).
                doc.Sheets.getByName(sheet).unprotect("")
                doc.Sheets.getByName(sheet).Rows.insertByIndex(index, count)
            for sheet, cell, value in job.get("cells", []):
                c = doc.Sheets.getByName(sheet).getCellRangeByName(cell)
                if isinstance(value, (int, float)):
                    c.setValue(value)
                else:
                    c.setString(value)
            for old, new in job.get("rename", []):
                doc.Sheets.getByName(old).setName(new)
            doc.storeToURL(url(job["out"]), (pv("FilterName", "Calc MS Excel 2007 XML"),))
            doc.close(True)
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
