"""A contact list read into Contacts and Rejections, one row at a time (no Flask, no database)."""
import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contacts import fields
from contacts.fields import FieldError
from contacts.sources import ContactListError, Limits, open_rows, stray_byte

__all__ = ["Contact", "ContactList", "ContactListError", "Limits", "Rejection",
           "open_contact_list"]

# Every accepted header, normalised (lower case, `_` and `-` as spaces), and the field it means.
ALIASES = {
    "reference": ("reference", "riferimento", "pratica", "rif", "id pratica"),
    "name": ("name", "nominativo", "nome", "ragione sociale", "denominazione"),
    "phone": ("phone", "telefono", "cellulare", "tel", "phone number", "numero di telefono"),
    "email": ("email", "e mail", "mail", "indirizzo email"),
    "pec": ("pec", "email pec"),
    "amount": ("amount", "importo", "importo dovuto"),
    "currency": ("currency", "valuta"),
    "due_date": ("due date", "scadenza", "data scadenza"),
    "invoice": ("invoice", "fattura", "documento", "numero fattura", "invoice number"),
    "verification_code": ("verification code", "codice verifica", "codice di verifica",
                          "codice cliente"),
    "language": ("language", "lingua"),
}
REQUIRED = ("reference", "name", "phone", "amount", "due_date")
_HEADER_TO_FIELD = {alias: field for field, names in ALIASES.items() for alias in names}
_SEPARATORS = re.compile(r"[\s_\-]+")


@dataclass(frozen=True)
class Contact:
    """One good row: a position as the creditor described it."""

    row_number: int
    reference: str
    name: str
    phone: str
    amount: Decimal
    due_date: date
    currency: str = "EUR"
    email: str | None = None
    pec: str | None = None
    invoice: str | None = None
    verification_code: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Rejection:
    """One bad row, with its spreadsheet row number (the header is row 1) and why; `reference`
    is what its reference cell says, when it says anything (a complete list counts it present)."""

    row_number: int
    reason: str
    reference: str | None = dataclasses.field(default=None, compare=False)  # a fact kept, not the rejection
    # (field, code, sentence) of each problem, for machines (the API); the reason joins them.
    problems: tuple = dataclasses.field(default=(), compare=False)
    # The reason as a domain.wording.Coded, for a surface that says it in its own language.
    why: object = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, row_number, error, reference=None, problems=()):
        """The rejection of a row for `error` (a Coded): its English as the reason."""
        return cls(row_number, str(error), reference, tuple(problems), error)


def normalise_header(header):
    """`" Codice_Verifica "` → `"codice verifica"`."""
    return _SEPARATORS.sub(" ", fields.cell_text(header).lstrip("\ufeff")).strip().lower()


def map_headers(headers, aliases=ALIASES, required=REQUIRED):
    """{field: column index} for the header row (fields and their `aliases`, as ALIASES);
    raises ContactListError on missing or twin columns."""
    header_to_field = _HEADER_TO_FIELD if aliases is ALIASES else \
        {alias: field for field, names in aliases.items() for alias in names}
    columns = {}
    for index, header in enumerate(headers):
        field = header_to_field.get(normalise_header(header))
        if field is None:
            continue  # extra columns (notes, agent...) are the creditor's business
        if field in columns:
            raise ContactListError("twin_columns", first=fields.cell_text(headers[columns[field]]),
                                   second=fields.cell_text(header), field=field)
        columns[field] = index
    missing = [field for field in required if field not in columns]
    if missing:
        names = ", ".join(f"{field} ({aliases[field][1]})" for field in missing)
        raise ContactListError("missing_columns", columns=names)
    return columns


# field → reader(cell, region); the order is the order problems are listed in a rejection.
READERS = (
    ("reference", lambda v, _r: fields.read_text(v, "reference", 100, required=True)),
    ("name", lambda v, _r: fields.read_text(v, "name", 300, required=True)),
    ("phone", fields.read_phone),
    ("amount", lambda v, _r: fields.read_amount(v)),
    ("due_date", lambda v, _r: fields.read_date(v)),
    ("currency", lambda v, _r: fields.read_currency(v)),
    ("email", lambda v, _r: fields.read_email(v)),
    ("pec", lambda v, _r: fields.read_email(v, "pec")),
    ("invoice", lambda v, _r: fields.read_text(v, "invoice", 100)),
    ("verification_code", lambda v, _r: fields.read_verification_code(v)),
    ("language", lambda v, _r: fields.read_language(v)),
)


def read_contact(row_number, cells, columns, region):
    """A Contact from one row's cells, or a Rejection listing every problem of the row."""
    values, problems = {}, []
    for field, read in READERS:
        index = columns.get(field)
        value = cells[index] if index is not None and index < len(cells) else None
        try:
            values[field] = read(value, region)
        except FieldError as exc:
            problems.append((field, exc))
    if problems:
        return Rejection.of(row_number, FieldError.several(exc for _, exc in problems),
                            raw_reference(cells, columns),
                            [(field, exc.problem, str(exc)) for field, exc in problems])
    return Contact(row_number=row_number, **values)


def raw_reference(cells, columns):
    """The text of a row's reference cell, blanks squeezed; None when it is empty."""
    index = columns.get("reference")
    value = cells[index] if index is not None and index < len(cells) else None
    return " ".join(fields.cell_text(value).split()) or None


def is_blank(cells):
    return all(fields.cell_text(c) == "" for c in cells)


class ContactList:
    """An open contact list: the header is checked on opening, rows are read on iteration.

    `encoding` is the one a CSV was read in (None for XLSX); `rows` about how many it has."""

    def __init__(self, path, region="IT", limits=None):
        self.region = region
        self._source = open_rows(path, limits)
        self.encoding, self.rows = self._source.encoding, self._source.rows
        try:
            self._rows = iter(self._source)
            self.columns = map_headers(self._header())
        except BaseException:
            self.close()
            raise

    def _header(self):
        for _number, cells in self._rows:
            if not is_blank(cells):
                return cells
        raise ContactListError("empty_file")

    def __iter__(self):
        """Contacts and Rejections in file order (a repeated reference is the importer's to catch)."""
        for number, cells in self._rows:
            if self._source.stray_bytes and (byte := stray_byte(cells)):
                yield stray_byte_rejection(number, byte, self._source.encoding,
                                           raw_reference(cells, self.columns))
            elif not is_blank(cells):
                yield read_contact(number, cells, self.columns, self.region)

    def close(self):
        self._source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def stray_byte_rejection(number, byte, encoding, reference=None):
    # Guessing this row's encoding could store a wrong name without a word: say it instead.
    if reference and stray_byte([reference]):
        # Still present for a complete list: its Windows-1252 reading is the likely one.
        reference = reference.encode("utf-8", "surrogateescape").decode("cp1252", "replace")
    return Rejection.of(number, FieldError("stray_byte", byte=byte, encoding=encoding), reference)


def open_contact_list(path, region="IT", limits=None):
    """Open the list at `path` (CSV or XLSX); raises ContactListError when it cannot be imported."""
    return ContactList(path, region, limits)
