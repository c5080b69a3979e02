"""A bounded fuzz test of the importer: hundreds of malformed CSV and XLSX lists per run.

Each file ends in one of two ways: a clean refusal (ContactListError) that changed nothing, or
an import in which every non-blank data row is accounted for (imported, updated or rejected)
and the database holds exactly what the result says. Its preview, run first, writes nothing
and says the same. Any other exception fails the test.
FUZZ_SEED and FUZZ_FILES explore further: FUZZ_FILES=5000 FUZZ_SEED=7 pytest tests/contacts/...
"""
import csv
import io
import os
import random
import re
import zipfile

from openpyxl import load_workbook
from sqlalchemy import func, select

from contacts.fields import cell_text
from contacts.importer import import_file
from contacts.sources import Limits
from db import get_sessionmaker
from db.models import ImportBatch, Position
from tests.contacts.workbooks import HEADER, SHEET, rewrite, workbook_bytes
from tests.factories import make_creditor

SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
FILES = int(os.environ.get("FUZZ_FILES", "400"))
# Small limits, so that some lists meet them (and the exact count of CSV records runs).
LIMITS = Limits(max_rows=25, max_uncompressed_bytes=2 << 20)
NAMES = ["Mario Rossi", "Niccolò Società", "Zoë Ærø", "Bar Sport S.n.c.", "D'Angelo €", "名前"]


def contact_rows(rnd, prefix, count):
    """Rows of which some are bad on purpose (a phone, an amount, a date, a missing name)."""
    rows = []
    for i in range(count):
        row = [f"{prefix}-{i}", rnd.choice(NAMES), f"333{rnd.randint(0, 9_999_999):07d}",
               rnd.choice(["10,00", "1.234,56", "89.9", "0", "abc", ""]),
               rnd.choice(["2026-10-15", "15/10/2026", "31/02/2026", ""])]
        rows.append(row)
    return rows


# --- CSV ---------------------------------------------------------------------------------

def csv_bytes(rnd, prefix):
    delimiter = rnd.choice([",", ";", "\t"])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=rnd.choice(["\n", "\r\n", "\r"]))
    writer.writerow(rnd.choice([HEADER] * 4 + [["Riferimento", "Nominativo", "Telefono",
                                                 "Importo", "Scadenza"], HEADER[:3]]))
    writer.writerows(contact_rows(rnd, prefix, rnd.randint(0, 30)))
    text = out.getvalue()
    encoding = rnd.choice(["utf-8", "utf-8-sig", "cp1252"])
    return text.encode(encoding, errors="replace")


def mutate_bytes(rnd, data):
    data = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        kind = rnd.randrange(7)
        at = rnd.randint(0, len(data))
        if kind == 0 and data:
            data[min(at, len(data) - 1)] = rnd.randrange(256)
        elif kind == 1:
            del data[at:]
        elif kind == 2:
            data[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
        elif kind == 3:
            data[at:at] = rnd.choice([b'"', b"\x00", b"\xe0", b"\x81", b"\r", b";;", b"\xef\xbb\xbf",
                                      "ò".encode(), b"PK\x03\x04"])
        elif kind == 4:
            data[at:at] = b"x" * rnd.choice([10, 140_000])
        elif kind == 5 and data:
            start = rnd.randrange(len(data))
            data[start:start] = data[start:start + rnd.randint(1, 200)]
        elif kind == 6:
            data = bytearray(b"\n" * rnd.randint(0, 3))
    return bytes(data)


def csv_case(rnd, prefix):
    data = csv_bytes(rnd, prefix)
    return data if rnd.random() < 0.1 else mutate_bytes(rnd, data)


# --- XLSX --------------------------------------------------------------------------------

def xlsx_bases(rnd, prefix, count=8):
    """A few real workbooks to mutate (saving one with openpyxl is the slow part)."""
    return [workbook_bytes(contact_rows(rnd, f"{prefix}{n}", rnd.randint(0, 25)),
                           header=HEADER[:4] if n == 1 else HEADER)
            for n in range(count)]


XML_MUTATIONS = [
    lambda rnd, x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', x),
    lambda rnd, x: x.replace(b"<dimension ", b'<dimension zz="1" '),
    lambda rnd, x: re.sub(rb'<row r="(\d+)"', lambda m: b'<row r="%d"' % rnd.randint(1, 10 ** 6), x),
    lambda rnd, x: x.replace(b't="s"', b't="s"><v>99999</v></c><c t="s"', 1),
    lambda rnd, x: re.sub(rb"<v>[^<]*</v>", lambda m: rnd.choice([b"<v>abc</v>", b"<v></v>",
                                                                 b"<v>1e400</v>"]), x, count=3),
    lambda rnd, x: x.replace(b't="inlineStr"', rnd.choice([b't="d"', b't="b"', b't="e"', b't="zz"'])),
    lambda rnd, x: x[:rnd.randint(0, len(x))],
    lambda rnd, x: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", x),
    lambda rnd, x: x.replace(b"<c ", b"<c foo='1' ", 1),
    lambda rnd, x: re.sub(rb'r="[A-Z]+\d+"',
                          lambda m: rnd.choice([b'r="ZZZZ1"', b'r="A0"', b'r=""']), x, count=2),
    lambda rnd, x: bytes(b if rnd.random() > 0.002 else rnd.randrange(256) for b in x),
]


def xlsx_case(rnd, bases):
    data = rnd.choice(bases)
    kind = rnd.random()
    if kind < 0.1:
        return data
    if kind < 0.25:
        return mutate_bytes(rnd, data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.namelist()
    # The first sheet is picked most often: it is where the rows are.
    target = rnd.choice([p for p in parts if p.endswith((".xml", ".rels"))] + [SHEET] * 4)
    if kind < 0.35:
        return rewrite(data, lambda name, part: None if name == target else part)
    mutation = rnd.choice(XML_MUTATIONS)
    return rewrite(data, lambda name, part: mutation(rnd, part) if name == target else part)


# --- the oracle --------------------------------------------------------------------------

def data_rows_of_workbook(path):
    """Non-blank data rows of the first sheet, read by openpyxl's full (not read-only) mode."""
    try:
        sheet = load_workbook(path, data_only=True).worksheets[0]
        rows = [r for r in sheet.iter_rows(values_only=True) if any(cell_text(c) for c in r)]
    except Exception:  # noqa: BLE001 - the oracle cannot read it either: nothing to compare
        return None
    return len(rows) - 1 if rows else None


def data_rows_of_csv(data, encoding):
    text = data.decode("utf-8-sig" if encoding == "UTF-8" else "cp1252", errors="surrogateescape")
    header_line = text.splitlines()[0] if text.strip() else ""
    delimiter = max((";", ",", "\t"), key=header_line.count) if any(
        d in header_line for d in ";,\t") else ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            if any(c.strip() for c in r)]
    return len(rows) - 1


def same_outcome(preview, outcome):
    if preview.refusal or outcome.refusal:
        return getattr(preview.refusal, "code", None) == getattr(outcome.refusal, "code", None)
    first, second = preview.result, outcome.result
    return (first.imported, first.updated, first.rejections, first.encoding) == (
        second.imported, second.updated, second.rejections, second.encoding)


def counts(session, creditor_id):
    session.expire_all()
    return (session.scalar(select(func.count(Position.id)).where(Position.creditor_id == creditor_id)),
            session.scalar(select(func.count(ImportBatch.id))))


def test_malformed_lists_are_refused_cleanly_or_imported_whole(app, session, tmp_path):
    rnd = random.Random(SEED)
    creditor = make_creditor(session)
    session.commit()
    bases = xlsx_bases(rnd, "X")
    tally, codes = {"files": 0, "refused": 0, "imported": 0}, {}
    for n in range(FILES):
        is_xlsx = n % 2 == 1
        data = xlsx_case(rnd, bases) if is_xlsx else csv_case(rnd, f"C{n}")
        named_xlsx = is_xlsx != (rnd.random() < 0.1)  # one in ten misnamed
        path = tmp_path / f"case{n}{'.xlsx' if named_xlsx else '.csv'}"
        path.write_bytes(data)
        before = counts(session, creditor.id)
        preview = import_file(get_sessionmaker(app), creditor.id, str(path), limits=LIMITS,
                              commit=False)
        assert counts(session, creditor.id) == before, f"case {n}: a preview wrote"
        outcome = import_file(get_sessionmaker(app), creditor.id, str(path), limits=LIMITS)
        after = counts(session, creditor.id)
        assert same_outcome(preview, outcome), f"case {n}: the preview said otherwise"
        tally["files"] += 1
        if outcome.refusal is not None:
            tally["refused"] += 1
            codes[outcome.refusal.code] = codes.get(outcome.refusal.code, 0) + 1
            for language in ("en", "it"):
                outcome.refusal.message(language).encode("utf-8")  # printable, shown as is
            assert after == before, f"case {n}: a refused file changed the database"
            continue
        tally["imported"] += 1
        result = outcome.result
        assert after == (before[0] + result.imported, before[1] + 1), f"case {n}"
        accounted = result.imported + result.updated + result.rejected
        expected = data_rows_of_workbook(path) if data[:2] == b"PK" else \
            data_rows_of_csv(data, result.encoding)
        if expected is not None:
            assert accounted == expected, f"case {n}: {expected - accounted} rows silently dropped"
    print(f"fuzz seed {SEED}: {tally}, refusals {codes}")
    assert tally["refused"] and tally["imported"], tally
