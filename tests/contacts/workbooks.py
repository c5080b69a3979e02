"""Real XLSX workbooks for tests, and surgery on their ZIP parts to break them on purpose."""
import io
import zipfile

from openpyxl import Workbook

HEADER = ["reference", "name", "phone", "amount", "due_date"]
SHEET = "xl/worksheets/sheet1.xml"


def good_rows(count, start=1):
    """`count` valid contact rows (distinct references and phones)."""
    return [[f"P{i}", f"Nome {i}", f"333{i:07d}", "10,00", "2026-10-15"]
            for i in range(start, start + count)]


def workbook_bytes(rows, header=HEADER):
    """An XLSX saved by openpyxl with `header` and `rows` on its first sheet."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite(data, change):
    """The workbook `data` with each part passed through `change(name, bytes)` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            changed = change(item.filename, source.read(item.filename))
            if changed is not None:
                target.writestr(item.filename, changed)
    return out.getvalue()


def in_sheet(old, new, count=-1):
    """A `change` for rewrite(): replace `old` with `new` in the first sheet's XML."""
    def change(name, part):
        return part.replace(old, new, count) if name == SHEET else part
    return change


def plain_zip():
    """A ZIP archive that is not a workbook."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()
