"""Raw rows of a CSV or XLSX file, streamed: (spreadsheet row number, tuple of cells)."""
import codecs
import csv
import itertools
import zipfile

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary .xls
_CHUNK = 1 << 20


class ContactListError(Exception):
    """The file as a whole cannot be imported; nothing is changed."""


def open_rows(path):
    """A RowSource over the file at `path`; raises ContactListError when it cannot be read."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ContactListError(f"cannot open {path}: {exc.strerror}") from None
    if magic == ZIP_MAGIC:
        return XlsxRows(path)
    if magic == OLE_MAGIC:
        raise ContactListError("old Excel .xls files are not supported: save it as .xlsx or CSV")
    if str(path).lower().endswith((".xlsx", ".xlsm")):
        raise ContactListError("the file is not a valid XLSX workbook")
    return CsvRows(path)


def detect_encoding(path):
    """`utf-8-sig` when the whole file is valid UTF-8, else `cp1252`; checked in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                if b"\x00" in chunk:
                    raise ContactListError("the file is neither CSV text nor an XLSX workbook")
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def sniff_delimiter(header_line):
    """The most frequent of `;`, `,` and tab in the header line (comma when none)."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class CsvRows:
    """Rows of a CSV file in UTF-8 (with or without BOM) or Windows-1252."""

    def __init__(self, path):
        self.encoding = detect_encoding(path)
        # cp1252 leaves five bytes undefined: a file using them is no text we can trust.
        self._file = open(path, encoding=self.encoding, errors="strict", newline="")
        try:
            first = self._file.readline()
        except UnicodeDecodeError:
            self.close()
            raise ContactListError("the file is neither UTF-8 nor Windows-1252 text") from None
        self.delimiter = sniff_delimiter(first)
        self._reader = csv.reader(itertools.chain([first], self._file), delimiter=self.delimiter)

    def __iter__(self):
        try:
            for number, cells in enumerate(self._reader, start=1):
                yield number, tuple(cells)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ContactListError(f"the file cannot be read as CSV: {exc}") from None

    def close(self):
        self._file.close()


class XlsxRows:
    """Rows of the first sheet of an XLSX workbook, read without loading it whole."""

    def __init__(self, path):
        from openpyxl import load_workbook  # only XLSX imports pay for it

        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ContactListError(f"the file is not a valid XLSX workbook ({exc})") from None
        if not self._book.worksheets:
            self.close()
            raise ContactListError("the workbook has no sheet")
        self._sheet = self._book.worksheets[0]

    def __iter__(self):
        try:
            for number, cells in enumerate(self._sheet.iter_rows(values_only=True), start=1):
                yield number, cells
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ContactListError(f"the workbook cannot be read: {exc}") from None

    def close(self):
        self._book.close()
