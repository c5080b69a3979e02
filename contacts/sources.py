"""Raw rows of a CSV or XLSX file, streamed: (spreadsheet row number, tuple of cells).

Whatever is wrong with a file ends as a ContactListError: the whole-file checks (type, size,
encoding, number of rows) run when it is opened, before any row is read.
"""
import codecs
import csv
import itertools
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from config import DEFAULTS
from contacts.refusals import ContactListError

__all__ = ["ContactListError", "CsvRows", "Limits", "XlsxRows", "open_rows"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary .xls
MB = 1 << 20
_CHUNK = 1 << 20
# A valid multi-byte UTF-8 character: Windows-1252 text seldom holds one, and never many.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_STRAY_BYTE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of a non-UTF-8 byte
# A <row> element of a sheet (with or without a namespace prefix), and its row number.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])([^>]*)>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']\s*(\d+)""")
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}


@dataclass(frozen=True)
class Limits:
    """How big a list may be: rows (the header included) and bytes a workbook inflates to."""

    max_rows: int = int(DEFAULTS["IMPORT_MAX_ROWS"])
    max_uncompressed_bytes: int = int(DEFAULTS["IMPORT_MAX_UNCOMPRESSED_MB"]) * MB
    # Amounts above this are warned of, not refused (contacts.plausibility).
    warn_amount: Decimal = Decimal(DEFAULTS["IMPORT_WARN_AMOUNT"])

    @classmethod
    def from_config(cls, config):
        return cls(max_rows=int(config["IMPORT_MAX_ROWS"]),
                   max_uncompressed_bytes=int(config["IMPORT_MAX_UNCOMPRESSED_MB"]) * MB,
                   warn_amount=Decimal(config.get("IMPORT_WARN_AMOUNT")
                                       or DEFAULTS["IMPORT_WARN_AMOUNT"]))


def open_rows(path, limits=None):
    """A CsvRows or XlsxRows over the file at `path`; raises ContactListError when it cannot
    be read. The file's content decides which, not its name."""
    limits = limits or Limits()
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ContactListError("cannot_open", reason=exc.strerror) from None
    if magic == ZIP_MAGIC:
        return XlsxRows(path, limits)
    if magic == OLE_MAGIC:
        raise ContactListError("old_xls")
    if str(path).lower().endswith((".xlsx", ".xlsm")):
        raise ContactListError("not_a_workbook")
    return CsvRows(path, limits)


def _guard(number, limits):
    if number > limits.max_rows:
        raise ContactListError("too_many_rows", limit=limits.max_rows)


@dataclass
class TextScan:
    """What one pass over the bytes of a text file found."""

    encoding: str
    stray_bytes: bool   # UTF-8 text with a few bytes that are not
    line_breaks: int


def scan_text(path):
    """Decide the encoding of the whole file: UTF-8 when it is valid UTF-8, or when its UTF-8
    characters outnumber the bytes that are not (a few stray bytes: those rows are rejected,
    not guessed at); Windows-1252 otherwise."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid_utf8, undefined_1252, breaks = True, False, 0
    sequences = stray = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            if b"\x00" in chunk:
                raise ContactListError("not_text")
            breaks += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            high = len(chunk) - len(chunk.translate(None, _HIGH_BYTES))
            if high:
                found = _UTF8_SEQUENCE.findall(chunk)
                sequences += len(found)
                stray += high - sum(map(len, found))
                undefined_1252 = undefined_1252 or _CP1252_UNDEFINED.search(chunk) is not None
            if valid_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid_utf8 = False
    if valid_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid_utf8 = False
    if valid_utf8 or 0 < stray <= sequences:
        return TextScan("utf-8-sig", not valid_utf8, breaks)
    if undefined_1252:
        raise ContactListError("bad_encoding")
    return TextScan("cp1252", False, breaks)


def sniff_delimiter(header_line):
    """The most frequent of `;`, `,` and tab in the header line (comma when none)."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def stray_byte(cells):
    """The first byte of `cells` that was not UTF-8 (as `0xE0`), or None."""
    for cell in cells:
        found = _STRAY_BYTE.search(cell)
        if found:
            return f"0x{ord(found.group()) - 0xDC00:02X}"
    return None


class CsvRows:
    """Rows of a CSV file in UTF-8 (with or without BOM) or Windows-1252, one for the whole file."""

    kind = "csv"

    def __init__(self, path, limits):
        scan = scan_text(path)
        self.encoding = ENCODING_NAMES[scan.encoding]
        self.stray_bytes = scan.stray_bytes
        self.limits = limits
        # surrogateescape keeps a stray byte visible, so its row can be rejected by name.
        errors = "surrogateescape" if scan.stray_bytes else "strict"
        self._file = open(path, encoding=scan.encoding, errors=errors, newline="")
        try:
            first = self._file.readline()
            self.delimiter = sniff_delimiter(first)
            # Every record ends at a line break: only a file with more breaks than allowed rows
            # needs the exact count (quoted cells may hold line breaks of their own).
            self.rows = scan.line_breaks + 1
            if self.rows > limits.max_rows:
                self.rows = self._count_records(first, limits)
        except BaseException:
            self.close()
            raise
        self._reader = csv.reader(itertools.chain([first], self._file), delimiter=self.delimiter)

    def _count_records(self, first, limits):
        count = 0
        try:
            records = csv.reader(itertools.chain([first], self._file), delimiter=self.delimiter)
            for count, _record in enumerate(records, start=1):
                _guard(count, limits)
        except csv.Error as exc:
            raise ContactListError("bad_csv", detail=str(exc)) from None
        self._file.seek(0)
        self._file.readline()  # back to just after the header line, where reading resumes
        return count

    def __iter__(self):
        try:
            for number, cells in enumerate(self._reader, start=1):
                _guard(number, self.limits)
                yield number, tuple(cells)
        except csv.Error as exc:
            raise ContactListError("bad_csv", detail=str(exc)) from None

    def close(self):
        self._file.close()


class XlsxRows:
    """Rows of the first sheet of an XLSX workbook, read without loading it whole."""

    kind = "xlsx"
    encoding = None
    stray_bytes = False

    def __init__(self, path, limits):
        self.limits = limits
        # openpyxl gets an open file, not a name: it would refuse a workbook named .csv.
        self._file = open(path, "rb")
        self._book = None
        try:
            check_archive(self._file, limits)
            self._book = _load_workbook(self._file)
            if not self._book.worksheets:
                raise ContactListError("no_sheet")
            self._sheet = self._book.worksheets[0]
            # Read-only mode trusts the <dimension> the writer stored, and a stale one drops
            # every row past it: ignore it and read the rows the sheet really holds.
            self._sheet.reset_dimensions()
            self.rows = self._count_rows()
        except BaseException:
            self.close()
            raise

    def _count_rows(self):
        """The <row> elements of the sheet, checked to come in order: read-only openpyxl
        silently skips a row numbered below the one before it."""
        count, last = 0, 0
        try:
            with self._book._archive.open(self._sheet._worksheet_path) as part:
                for attributes in _row_tags(part):
                    count += 1
                    _guard(count, self.limits)
                    number = _ROW_NUMBER.search(attributes)
                    number = int(number.group(1)) if number else last + 1
                    if number <= last:
                        raise ContactListError("workbook_damaged",
                                               detail=f"row {number} comes after row {last}")
                    last = number
        except ContactListError:
            raise
        except Exception as exc:  # noqa: BLE001 - any damage in the archive is a refusal
            raise ContactListError("workbook_damaged", detail=_describe(exc)) from None
        return count

    def __iter__(self):
        read = 0
        try:
            for number, cells in enumerate(self._sheet.iter_rows(values_only=True), start=1):
                if cells:  # openpyxl fills a gap in the row numbers with empty rows
                    read += 1
                    _guard(read, self.limits)
                yield number, cells
        except ContactListError:
            raise
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a bad workbook
            raise ContactListError("workbook_damaged", detail=_describe(exc)) from None

    def close(self):
        if self._book is not None:
            self._book.close()
        self._file.close()


def _row_tags(part):
    """The attributes of each <row> tag of a sheet's XML, streamed from the open `part`."""
    carry = b""
    for chunk in iter(lambda: part.read(_CHUNK), b""):
        window = carry + chunk
        # Tags before the last "<" are whole (attribute values hold no "<").
        cut = max(window.rfind(b"<"), 0)
        for tag in _ROW_TAG.finditer(window, 0, cut):
            yield tag.group(1)
        carry = window[cut:]
    for tag in _ROW_TAG.finditer(carry):
        yield tag.group(1)


def check_archive(file, limits):
    """Refuse a ZIP that is no workbook, or that would inflate beyond the limit, before openpyxl
    reads it. The declared sizes are enough: zipfile never inflates a part past its declared
    size (a part that lies fails its CRC check instead)."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            inflated = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ContactListError("not_a_workbook") from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ContactListError("zip_not_xlsx")
    if inflated > limits.max_uncompressed_bytes:
        raise ContactListError("too_big", size_mb=-(-inflated // MB),
                               limit_mb=limits.max_uncompressed_bytes // MB)
    file.seek(0)


def _load_workbook(file):
    from openpyxl import load_workbook  # only XLSX imports pay for it

    try:
        return load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a bad workbook
        raise ContactListError("workbook_damaged", detail=_describe(exc)) from None


def _describe(exc):
    """A short, single-line account of what openpyxl or zipfile tripped on."""
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
