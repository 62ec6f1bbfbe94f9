"""Crafts hostile and broken files from a real review workbook, for `rungs tally` tests.

Usage: python hostile.py BASE.xlsx OUT_DIR

Writes one file per case into OUT_DIR, named `<case>.<ext>`; the expected diagnostic code of
each case is printed as `name<TAB>code`, one per line. Standard library only, so the fuzzing
and corpus harnesses can reuse it.
"""

import io
import struct
import sys
import zipfile
from pathlib import Path


def read_zip(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def write_zip(entries, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of one case
        with zipfile.ZipFile(buf, "w", method) as z:
            for name, data in entries:
                if isinstance(name, zipfile.ZipInfo):
                    z.writestr(name, data)
                else:
                    z.writestr(name, data)
    return buf.getvalue()


def replace(entries, name, fn):
    return [(n, fn(d) if n == name else d) for n, d in entries]


def with_dtd(s, dtd):
    """Puts a document type declaration before the root element."""
    if s.startswith("<?xml"):
        decl, rest = s.split("?>", 1)
        return decl + "?>" + dtd + rest
    return dtd + s


def review_sheet_name(entries):
    # rungs writes the Review sheet first: xl/worksheets/sheet1.xml.
    return "xl/worksheets/sheet1.xml"


def cfb(stream_names):
    """A minimal, well-formed OLE compound file: header, one FAT sector, one directory sector
    holding the root and one empty stream per name."""
    sector = 512
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into("<I", header, 60, 0xFFFFFFFE)  # no mini FAT
    struct.pack_into("<I", header, 68, 0xFFFFFFFE)  # no DIFAT sectors
    struct.pack_into("<I", header, 76, 0)  # FAT at sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * sector)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)  # FAT sector, directory chain end
    directory = bytearray(sector)

    def entry(i, name, kind, child=0xFFFFFFFF, right=0xFFFFFFFF):
        raw = name.encode("utf-16-le") + b"\0\0"
        off = i * 128
        directory[off : off + len(raw)] = raw
        struct.pack_into("<HBB", directory, off + 64, len(raw), kind, 1)
        struct.pack_into("<III", directory, off + 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<I", directory, off + 116, 0xFFFFFFFE if kind == 5 else 0)

    entry(0, "Root Entry", 5, child=1)
    for i, n in enumerate(stream_names[:3], start=1):
        entry(i, n, 2, right=i + 1 if i < len(stream_names) else 0xFFFFFFFF)
    return bytes(header + fat + directory)


def main():
    base, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    raw = base.read_bytes()
    entries = read_zip(base)
    sheet = review_sheet_name(entries)
    cases = []

    def emit(name, data, code):
        (out / name).write_bytes(data)
        cases.append((name, code))

    emit("empty.xlsx", b"", "empty-file")
    for pct in (5, 50, 97):
        emit(f"truncated-{pct}.xlsx", raw[: len(raw) * pct // 100], "truncated")

    bomb = entries + [("xl/media/image1.bin", b"\0" * (24 << 20))]
    emit("zip-bomb.xlsx", write_zip(bomb), "zip-bomb")

    def huge_count(d):
        s = d.decode()
        head, rest = s.split("<sst", 1)
        tag, after = rest.split(">", 1)
        import re

        tag = re.sub(r'uniqueCount="\d+"', 'uniqueCount="4000000000000"', tag)
        if "uniqueCount" not in tag:
            tag += ' uniqueCount="4000000000000"'
        return (head + "<sst" + tag + ">" + after).encode()

    emit("huge-unique-count.xlsx", write_zip(replace(entries, "xl/sharedStrings.xml", huge_count)), "shared-strings-count")

    def far_cells(d):
        s = d.decode()
        extra = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'
        return s.replace("</sheetData>", extra + "</sheetData>").encode()

    emit("far-apart-cells.xlsx", write_zip(replace(entries, sheet, far_cells)), "cell-outside-form")

    def beyond(d):
        s = d.decode()
        extra = '<row r="2000000"><c r="XFZ2000000" t="inlineStr"><is><t>x</t></is></c></row>'
        return s.replace("</sheetData>", extra + "</sheetData>").encode()

    emit("beyond-xfd.xlsx", write_zip(replace(entries, sheet, beyond)), "cell-outside-form")

    def xxe(d):
        dtd = '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        return with_dtd(d.decode().replace("<t>", "<t>&xxe;", 1), dtd).encode()

    emit("xxe.xlsx", write_zip(replace(entries, "xl/sharedStrings.xml", xxe)), "xml-entities")

    def laughs(d):
        ents = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
        ]
        dtd = "<!DOCTYPE workbook [" + "".join(ents) + "]>"
        return with_dtd(d.decode().replace("<sheets>", "<sheets>&lol9;", 1), dtd).encode()

    emit("billion-laughs.xlsx", write_zip(replace(entries, "xl/workbook.xml", laughs)), "xml-entities")

    def entity_in_body(d):
        return d.decode().replace("<t>", "<t>&lol9;", 1).encode()

    emit("undeclared-entity.xlsx", write_zip(replace(entries, "xl/sharedStrings.xml", entity_in_body)), "xml-entities")

    dup = entries + [(sheet, b"<worksheet/>")]
    emit("duplicate-entries.xlsx", write_zip(dup), "duplicate-entries")

    emit("encrypted.xlsx", cfb(["EncryptionInfo", "EncryptedPackage"]), "encrypted")
    emit("legacy.xls", cfb(["Workbook"]), "legacy-xls")
    emit("legacy-renamed.XLSX", cfb(["Workbook"]), "legacy-xls")

    mimetype = zipfile.ZipInfo("mimetype")
    mimetype.compress_type = zipfile.ZIP_STORED
    ods = write_zip(
        [
            (mimetype, b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
            ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest/>'),
        ]
    )
    emit("ods-renamed.xlsx", ods, "ods")
    emit("review.ods", ods, "ods")
    emit("review.csv", "employee id,rating\nE1,L3\n".encode(), "csv-file")
    emit("csv-renamed.xlsx", "competency,rating\nskill.mastery,L3\n".encode(), "csv-file")
    emit("docx-renamed.xlsx", write_zip([("word/document.xml", b"<w:document/>")]), "docx")
    emit("plain.zip.xlsx", write_zip([("notes.txt", b"hello")]), "not-a-workbook")
    emit("report.pdf.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf-file")
    emit("garbage.xlsx", bytes(range(256)) * 4, "not-a-workbook")

    def shared_formula(d):
        s = d.decode()
        # A shared formula with an enormous index in a rating cell: readers that expand shared
        # formulas would allocate for it.
        import re

        return re.sub(
            r'<c r="D12"([^>]*)/>',
            r'<c r="D12"\1><f t="shared" si="4000000000" ref="D12:D13">1+1</f><v>2</v></c>',
            s,
            count=1,
        ).encode()

    emit("formula-huge-index.xlsx", write_zip(replace(entries, sheet, shared_formula)), "formula-in-input")

    for name, code in cases:
        print(f"{name}\t{code}")


if __name__ == "__main__":
    main()
