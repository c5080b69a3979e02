"""Reading the raw rows of a CSV or XLSX file, and refusing every file that cannot be read."""
import io
import re
import struct
import zipfile

import pytest

from contacts.sources import ContactListError, Limits, open_rows
from tests.contacts.workbooks import good_rows, in_sheet, plain_zip, rewrite, workbook_bytes


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def read_rows(path, **kwargs):
    source = open_rows(path, **kwargs)
    try:
        return list(source)
    finally:
        source.close()


GOOD = workbook_bytes(good_rows(11))

BROKEN_WORKBOOKS = {
    "a workbook named csv": ("lista.csv", GOOD, None),
    "a plain zip named csv": ("lista.csv", plain_zip(), "not an XLSX workbook"),
    "a plain zip named xlsx": ("lista.xlsx", plain_zip(), "not an XLSX workbook"),
    "broken xml in the sheet": ("lista.xlsx", rewrite(GOOD, in_sheet(b"<row", b"<row <", 1)),
                                "damaged"),
    "broken xml in the workbook part": (
        "lista.xlsx", rewrite(GOOD, lambda n, d: d[:-20] if n == "xl/workbook.xml" else d),
        "damaged"),
    "an unknown attribute on dimension": (
        "lista.xlsx", rewrite(GOOD, in_sheet(b"<dimension ", b'<dimension foo="1" ')), None),
    "no sheet at all": (
        "lista.xlsx", rewrite(GOOD, lambda n, d: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d)
                              if n == "xl/workbook.xml" else d), "has no sheet"),
    "the sheet part missing": (
        "lista.xlsx", rewrite(GOOD, lambda n, d: None if n.endswith("sheet1.xml") else d), None),
}


@pytest.mark.parametrize("case", BROKEN_WORKBOOKS)
def test_a_damaged_or_mislabelled_workbook_is_refused_or_read_never_a_crash(tmp_path, case):
    name, data, message = BROKEN_WORKBOOKS[case]
    path = write(tmp_path, name, data)
    try:
        rows = read_rows(path)
    except ContactListError as exc:
        assert message is None or message in str(exc)
        assert exc.message("it") != str(exc)  # the console says it in Italian
    else:
        assert message is None, f"{case} was read: {rows[:2]}"
        assert len(rows) == 12


def test_a_workbook_named_csv_is_read_as_the_workbook_it_is(tmp_path):
    rows = read_rows(write(tmp_path, "lista.csv", GOOD))
    assert rows[0] == (1, ("reference", "name", "phone", "amount", "due_date"))
    assert len(rows) == 12


def test_a_stale_dimension_does_not_hide_the_rows_past_it(tmp_path):
    stale = rewrite(GOOD, in_sheet(b'<dimension ref="A1:E12"', b'<dimension ref="A1:E2"'))
    assert b'ref="A1:E2"' in stale_sheet(stale)
    rows = read_rows(write(tmp_path, "lista.xlsx", stale))
    assert [number for number, _cells in rows] == list(range(1, 13))
    assert rows[-1][1] == ("P11", "Nome 11", "3330000011", "10,00", "2026-10-15")


def stale_sheet(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_a_stale_dimension_narrower_than_the_rows_keeps_every_column(tmp_path):
    stale = rewrite(GOOD, in_sheet(b'<dimension ref="A1:E12"', b'<dimension ref="A1:B12"'))
    rows = read_rows(write(tmp_path, "lista.xlsx", stale))
    assert rows[1][1] == ("P1", "Nome 1", "3330000001", "10,00", "2026-10-15")


def test_a_utf8_file_is_read_as_utf8_and_says_so(tmp_path):
    path = write(tmp_path, "l.csv", "nome\nNiccolò\n".encode("utf-8"))
    source = open_rows(path)
    assert (source.encoding, source.stray_bytes) == ("UTF-8", False)
    assert [cells for _n, cells in source] == [("nome",), ("Niccolò",)]
    source.close()


def test_a_utf8_file_with_a_stray_windows_1252_byte_stays_utf8(tmp_path):
    data = "nome\nNiccolò\n".encode("utf-8") + "Società\n".encode("cp1252")
    source = open_rows(write(tmp_path, "l.csv", data))
    assert (source.encoding, source.stray_bytes) == ("UTF-8", True)
    rows = [cells for _n, cells in source]
    source.close()
    assert rows[1] == ("Niccolò",)  # not "NiccolÃ²"
    assert rows[2][0].startswith("Societ") and rows[2][0] != "Società"


def test_a_windows_1252_file_is_read_as_windows_1252_and_says_so(tmp_path):
    source = open_rows(write(tmp_path, "l.csv", "nome\nNiccolò Società\n".encode("cp1252")))
    assert (source.encoding, source.stray_bytes) == ("Windows-1252", False)
    assert list(source)[1][1] == ("Niccolò Società",)
    source.close()


def test_windows_1252_text_that_happens_to_hold_a_utf8_pair_stays_windows_1252(tmp_path):
    # "É»" is C9 BB, a valid UTF-8 character: one such pair among many accents is chance.
    text = "nome\n«PERCHÉ» Società\nNiccolò Città\n"
    source = open_rows(write(tmp_path, "l.csv", text.encode("cp1252")))
    assert (source.encoding, source.stray_bytes) == ("Windows-1252", False)
    assert list(source)[1][1] == ("«PERCHÉ» Società",)
    source.close()


def test_a_byte_undefined_in_windows_1252_is_refused_before_any_row(tmp_path):
    with pytest.raises(ContactListError, match="neither UTF-8 nor Windows-1252"):
        open_rows(write(tmp_path, "l.csv", b"nome\nNiccol\xf2\n\x81\n"))


def test_a_workbook_inflating_past_the_limit_is_refused_before_openpyxl_reads_it(tmp_path):
    padded = rewrite(GOOD, in_sheet(b"<sheetData>", b"<sheetData>" + b" " * (3 << 20)))
    assert len(padded) < 100_000
    with pytest.raises(ContactListError, match="inflates to 4 MB, more than the 2 MB allowed"):
        open_rows(write(tmp_path, "l.xlsx", padded), Limits(max_uncompressed_bytes=2 << 20))


def test_a_part_that_lies_about_its_size_is_not_inflated_past_it(tmp_path):
    padded = rewrite(GOOD, in_sheet(b"<sheetData>", b"<sheetData>" + b" " * (3 << 20)))
    lying = shrink_declared_size(padded, "xl/worksheets/sheet1.xml", 1000)
    with pytest.raises(ContactListError, match="damaged"):
        read_rows(write(tmp_path, "l.xlsx", lying), limits=Limits(max_uncompressed_bytes=2 << 20))


def shrink_declared_size(data, name, size):
    """The archive with the uncompressed size of `name` declared as `size`, in both headers."""
    data = bytearray(data)
    encoded = name.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_length = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30:local + 30 + name_length] == encoded:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + name_length] == encoded:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


@pytest.mark.parametrize("name, data", [
    ("l.csv", ("nome\n" + "riga\n" * 10).encode()),
    ("l.xlsx", workbook_bytes(good_rows(10))),
])
def test_a_list_with_more_rows_than_allowed_is_refused_at_the_limit_accepted(tmp_path, name, data):
    path = write(tmp_path, name, data)
    assert len(read_rows(path, limits=Limits(max_rows=11))) == 11
    with pytest.raises(ContactListError, match="more than 10 rows"):
        open_rows(path, Limits(max_rows=10))


@pytest.mark.parametrize("text", ['\ufeffnome,nota\n"Mario","una\nnota\nlunga"\n',
                                  'nome;nota\nMario;"una\nnota\nlunga"\n'])
def test_quoted_line_breaks_do_not_count_as_rows(tmp_path, text):
    path = write(tmp_path, "l.csv", text.encode())
    rows = read_rows(path, limits=Limits(max_rows=2))
    assert [cells for _n, cells in rows] == [("nome", "nota"), ("Mario", "una\nnota\nlunga")]


def test_rows_out_of_order_are_refused_rather_than_skipped(tmp_path):
    # Read-only openpyxl skips a row numbered below the one before it, without a word.
    shuffled = rewrite(GOOD, in_sheet(b'<row r="3"', b'<row r="30"'))
    with pytest.raises(ContactListError, match="row 4 comes after row 30"):
        open_rows(write(tmp_path, "l.xlsx", shuffled))

