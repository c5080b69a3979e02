"""Hostile contact lists, and how long (and how much memory) refusing or reading them takes.

    .venv/bin/python bench/hostile_lists.py [--max-rows 200000] [--max-uncompressed-mb 100]

Writes under bench/out/: an XLSX of under 1 MB that inflates to about 1 GB, an XLSX of a
million bad rows, and a CSV of a million bad rows; each is opened and read as `import` would,
in a process of its own, reporting the outcome, the seconds and the peak memory, each also as a
ratio of the same figures for the baseline measured first in the same run: an ordinary list (the
sample, 10,000 good rows) read the same way. A refusal should cost about what that costs.
"""
import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
OUT = os.path.join(ROOT, "bench", "out")

CONTENT_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                 b'2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
                 b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
                 b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
                 b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
                 b'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                 b'officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
             b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
             b'</Relationships>')
WORKBOOK = (b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Foglio1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                 b'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                 b'Target="worksheets/sheet1.xml"/></Relationships>')
HEADER_ROW = (b'<row r="1">' + b"".join(
    b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (col, name) for col, name in
    zip((b"A", b"B", b"C", b"D", b"E"), (b"reference", b"name", b"phone", b"amount", b"due_date")))
    + b"</row>")


def write_xlsx(path, rows_xml):
    """A minimal workbook whose one sheet streams `rows_xml` (an iterable of bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><dimension ref="A1:E2"/><sheetData>')
            sheet.write(HEADER_ROW)
            for chunk in rows_xml:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")


def bomb_rows(megabytes):
    """One real row padded with ~`megabytes` of blank space: tiny once deflated."""
    yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>P1</t></is></c></row>'
    pad = b" " * (1 << 20)
    for _ in range(megabytes):
        yield pad


def bad_rows(count):
    for number in range(2, count + 2):
        yield (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>R%d</t></is></c><c r="C%d" '
               b't="inlineStr"><is><t>12</t></is></c></row>' % (number, number, number, number))


def write_bad_csv(path, count):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["reference", "name", "phone", "amount", "due_date"])
        for number in range(count):
            writer.writerow([f"R{number}", "", "12", "x", ""])


def write_good_csv(path, count):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["reference", "name", "phone", "amount", "due_date"])
        for number in range(count):
            writer.writerow([f"R{number}", f"Nome {number}", f"333{number:07d}", "10,50",
                             "15/10/2026"])


def measure(path, max_rows, max_mb):
    """In this process: open and read the list like `import`, print the outcome as JSON."""
    from contacts.parse import open_contact_list
    from contacts.sources import MB, ContactListError, Limits

    started = time.perf_counter()
    outcome = {}
    try:
        with open_contact_list(path, limits=Limits(max_rows, max_mb * MB)) as contact_list:
            outcome["read"] = sum(1 for _ in contact_list)
    except ContactListError as exc:
        outcome["refused"] = str(exc)
    outcome["seconds"] = round(time.perf_counter() - started, 2)
    outcome["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(outcome))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-rows", type=int, default=200_000)
    parser.add_argument("--max-uncompressed-mb", type=int, default=100)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.measure, args.max_rows, args.max_uncompressed_mb)
    os.makedirs(OUT, exist_ok=True)
    files = {"baseline-10k-good-rows.csv": lambda p: write_good_csv(p, 10_000),
             "bomb.xlsx": lambda p: write_xlsx(p, bomb_rows(1000)),
             "million-bad-rows.xlsx": lambda p: write_xlsx(p, bad_rows(1_000_000)),
             "million-bad-rows.csv": lambda p: write_bad_csv(p, 1_000_000)}
    baseline = None
    for name, make in files.items():
        path = os.path.join(OUT, name)
        if not os.path.exists(path):
            make(path)
        result = subprocess.run(
            [sys.executable, __file__, "--measure", path, "--max-rows", str(args.max_rows),
             "--max-uncompressed-mb", str(args.max_uncompressed_mb)],
            capture_output=True, text=True, check=True)
        outcome = json.loads(result.stdout)
        baseline = baseline or outcome
        ratios = (f"x{outcome['seconds'] / max(baseline['seconds'], 0.01):.2f} time, "
                  f"x{outcome['peak_rss_mb'] / baseline['peak_rss_mb']:.2f} memory of the baseline")
        print(f"{name} ({os.path.getsize(path) / 1e6:.1f} MB): {json.dumps(outcome)}  {ratios}")

if __name__ == "__main__":
    main()
