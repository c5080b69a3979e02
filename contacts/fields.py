"""Reading one cell of a contact list: phones, amounts, dates, codes and addresses.

Each reader takes the raw cell (a string from a CSV, or whatever openpyxl gives for an XLSX
cell) and returns the clean value, or raises FieldError with a sentence a newcomer understands.
"""
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers

from contacts.e164 import plain_e164
from domain.wording import N_, Coded, Term, register

MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)
LANGUAGES = ("it", "en")

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]{2,}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT_NOISE = re.compile(r"[\s\u00a0\u202f'€]|EUR", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}([.,])\d{3}(?:\1\d{3})*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
_ITALIAN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class FieldError(Coded):
    """A cell that cannot be used: a code of MESSAGES and its facts (`label` names the column
    or field, a Term the console translates)."""

    def __init__(self, code, **params):
        if isinstance(params.get("label"), str):
            params["label"] = Term(params["label"])
        super().__init__(code, **params)

    @property
    def problem(self):
        """The API's word for it (PROBLEMS)."""
        return PROBLEMS.get(self.code, "invalid")


# What the HTTP API calls each problem (its problem details' `code`, listed in api/schemas.py):
# machines read these words, people the catalogue's sentences. Any other is "invalid".
PROBLEMS = {"amount_not_positive": "not_positive", "amount_too_large": "too_large",
            "field_missing": "missing", "amount_ambiguous": "ambiguous",
            "date_not_in_calendar": "not_in_calendar", "code_too_long": "too_long",
            "text_too_long": "too_long"}


MESSAGES = register({
    "phone_invalid": N_("phone '{text}' is not a valid phone number"),
    "amount_not_positive": N_("{label} '{text}' must be greater than zero"),
    "amount_too_large": N_("{label} '{text}' is too large"),
    "field_missing": N_("{label} is missing"),
    "amount_form": N_("{label} '{text}' is not a number like 1234,56 or 1.234,56"),
    "amount_ambiguous": N_("{label} '{text}' is ambiguous: write it with two decimals, like "
                           "1.234,00 or 1,23"),
    "date_not_in_calendar": N_("{label} '{text}' does not exist in the calendar"),
    "date_form": N_("{label} '{text}' is not a date like 2026-10-15 or 15/10/2026"),
    "currency_form": N_("currency '{text}' is not a three-letter code like EUR"),
    "language_unknown": N_("language '{text}' is not one of: {choices}"),
    "code_not_digits": N_("verification code '{text}' must contain digits only"),
    "code_too_long": N_("verification code '{text}' is longer than 16 digits"),
    "email_invalid": N_("{label} '{text}' is not a valid email address"),
    "text_too_long": N_("{label} is longer than {length} characters"),
    "stray_byte": N_("byte {byte} is not {encoding} text like the rest of the file: retype "
                     "the accented letters of this row"),
    "reference_erased": N_("reference '{reference}': its personal data was erased; a new "
                           "position needs a new reference"),
    "reference_repeated": N_("reference '{reference}' already appears in row {row}"),
})
# The labels the readers are given, for the catalogue.
LABELS = (N_("amount"), N_("due date"), N_("email"), N_("pec"), N_("reference"), N_("name"),
          N_("invoice"), N_("report email"), N_("contact email"), N_("amount paid"),
          N_("payment date"), N_("importo"))


def cell_text(value):
    """The text of a cell: integral numbers without `.0`, dates as ISO, everything trimmed."""
    if type(value) is str:  # every cell of a CSV: a dozen a row
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_phone(value, region):
    """A phone number in E.164 (`+390612345678`), read with `region` as the default country."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _numeric_phone(cell_text(value), region)
    return _text_phone(cell_text(value), region)


@lru_cache(maxsize=8192)
def _text_phone(text, region):
    # Cached by raw writing: lists repeat the same number across positions of one debtor.
    e164 = _e164(text, region)
    if e164 is None:
        raise FieldError("phone_invalid", text=text)
    return e164


def _numeric_phone(text, region):
    # A number typed into a spreadsheet loses its leading 0 (landlines) or its leading +.
    for candidate in (text, "0" + text, "+" + text):
        e164 = _e164(candidate, region)
        if e164 is not None:
            return e164
    raise FieldError("phone_invalid", text=text)


def _e164(text, region):
    if not text:
        return None
    # Most cells are plain writings of a valid number of the creditor's country: read without
    # phonenumbers.parse, to the same number. The rest (and every invalid one) are parsed.
    plain = plain_e164(text, region)
    return plain if plain is not None else parsed_e164(text, region)


def parsed_e164(text, region):
    """`text` read to E.164 by phonenumbers (None when it is no valid number): what every
    cell the plain reading leaves goes through."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    # Checking the default region first skips the search over every region sharing the code.
    if not (phonenumbers.is_valid_number_for_region(number, region)
            or phonenumbers.is_valid_number(number)):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def read_amount(value, label="amount"):
    """A positive amount with two decimals, from `1234.56`, `1.234,56`, `1,234.56`, `€ 1234,5`."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        amount = _amount_from_text(cell_text(value), label)
    if not amount.is_finite() or amount <= 0:
        raise FieldError("amount_not_positive", label=label, text=cell_text(value))
    if amount > MAX_AMOUNT:
        raise FieldError("amount_too_large", label=label, text=cell_text(value))
    return amount.quantize(Decimal("0.01"))


def _amount_from_text(text, label):
    if not text:
        raise FieldError("field_missing", label=label)
    compact = _AMOUNT_NOISE.sub("", text)
    number = _normalise_separators(compact)
    if number is None:
        raise FieldError("amount_form", label=label, text=text)
    if number == "ambiguous":
        raise FieldError("amount_ambiguous", label=label, text=text)
    try:
        return Decimal(number)
    except InvalidOperation:
        raise FieldError("amount_form", label=label, text=text) from None


def _normalise_separators(text):
    """`text` as `1234.56`, None when it is no amount, "ambiguous" for `1.234` or `1,234`."""
    if _GROUPED.match(text):
        if text.count(text[-4]) == 1:  # one separator and three digits: thousands or decimals?
            return "ambiguous"
        return text.replace(text[-4], "")
    last = max(text.rfind("."), text.rfind(","))
    if last == -1:
        return text if text.isdigit() else None
    whole, decimals = text[:last], text[last + 1:]
    thousands = "," if text[last] == "." else "."
    if text[last] in whole or not 1 <= len(decimals) <= 2 or not decimals.isdigit():
        return None
    if thousands in whole and not _GROUPED.match(whole):
        return None
    whole = whole.replace(thousands, "")
    return f"{whole}.{decimals}" if whole.isdigit() else None


def read_date(value, label="due date"):
    """A date (the due date unless `label` says otherwise) from an Excel date cell,
    `YYYY-MM-DD` or `DD/MM/YYYY`."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        raise FieldError("field_missing", label=label)
    iso, italian = _ISO_DATE.match(text), _ITALIAN_DATE.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if italian:
            return date(int(italian[3]), int(italian[2]), int(italian[1]))
    except ValueError:
        raise FieldError("date_not_in_calendar", label=label, text=text) from None
    raise FieldError("date_form", label=label, text=text)


def read_currency(value):
    """A three-letter currency code; EUR when the cell is empty."""
    text = cell_text(value).upper()
    if not text:
        return "EUR"
    if text == "€":
        return "EUR"
    if not _CURRENCY.match(text):
        raise FieldError("currency_form", text=text)
    return text


def read_language(value):
    """`it`, `en`, or None (the creditor's language) when the cell is empty."""
    text = cell_text(value).lower()
    if not text:
        return None
    if text not in LANGUAGES:
        raise FieldError("language_unknown", text=text, choices=", ".join(LANGUAGES))
    return text


def read_verification_code(value):
    """The digits the debtor keys in to identify, or None."""
    text = cell_text(value)
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise FieldError("code_not_digits", text=text)
    if len(text) > 16:
        raise FieldError("code_too_long", text=text)
    return text


def read_email(value, label="email"):
    """An address with a basic syntax check, or None when the cell is empty."""
    text = cell_text(value)
    if not text:
        return None
    if len(text) > 320 or not _EMAIL.match(text):
        raise FieldError("email_invalid", label=label, text=text)
    return text


def read_text(value, label, max_length, required=False):
    """Free text (reference, name, invoice), trimmed and length-checked."""
    text = " ".join(cell_text(value).split())
    if not text:
        if required:
            raise FieldError("field_missing", label=label)
        return None
    if len(text) > max_length:
        raise FieldError("text_too_long", label=label, length=max_length)
    return text
