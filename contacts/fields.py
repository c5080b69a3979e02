"""Reading one cell of a contact list: phones, amounts, dates, codes and addresses.

Each reader takes the raw cell (a string from a CSV, or whatever openpyxl gives for an XLSX
cell) and returns the clean value, or raises FieldError with a sentence a newcomer understands.
"""
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers

MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)
LANGUAGES = ("it", "en")

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]{2,}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT_NOISE = re.compile(r"[\s\u00a0\u202f'€]|EUR", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}([.,])\d{3}(?:\1\d{3})*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
_ITALIAN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class FieldError(ValueError):
    """A cell that cannot be used, with the reason in plain words; `code` names the problem
    for machines (the API's problem details): missing, invalid, too_long, not_positive…"""

    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.code = code


def cell_text(value):
    """The text of a cell: integral numbers without `.0`, dates as ISO, everything trimmed."""
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
        raise FieldError(f"phone '{text}' is not a valid phone number")
    return e164


def _numeric_phone(text, region):
    # A number typed into a spreadsheet loses its leading 0 (landlines) or its leading +.
    for candidate in (text, "0" + text, "+" + text):
        e164 = _e164(candidate, region)
        if e164 is not None:
            return e164
    raise FieldError(f"phone '{text}' is not a valid phone number")


def _e164(text, region):
    if not text:
        return None
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
        raise FieldError(f"{label} '{cell_text(value)}' must be greater than zero", "not_positive")
    if amount > MAX_AMOUNT:
        raise FieldError(f"{label} '{cell_text(value)}' is too large", "too_large")
    return amount.quantize(Decimal("0.01"))


def _amount_from_text(text, label):
    if not text:
        raise FieldError(f"{label} is missing", "missing")
    compact = _AMOUNT_NOISE.sub("", text)
    number = _normalise_separators(compact)
    if number is None:
        raise FieldError(f"{label} '{text}' is not a number like 1234,56 or 1.234,56")
    if number == "ambiguous":
        raise FieldError(f"{label} '{text}' is ambiguous: write it with two decimals, "
                         "like 1.234,00 or 1,23", "ambiguous")
    try:
        return Decimal(number)
    except InvalidOperation:
        raise FieldError(f"{label} '{text}' is not a number like 1234,56 or 1.234,56") from None


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
        raise FieldError(f"{label} is missing", "missing")
    iso, italian = _ISO_DATE.match(text), _ITALIAN_DATE.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if italian:
            return date(int(italian[3]), int(italian[2]), int(italian[1]))
    except ValueError:
        raise FieldError(f"{label} '{text}' does not exist in the calendar", "not_in_calendar") from None
    raise FieldError(f"{label} '{text}' is not a date like 2026-10-15 or 15/10/2026")


def read_currency(value):
    """A three-letter currency code; EUR when the cell is empty."""
    text = cell_text(value).upper()
    if not text:
        return "EUR"
    if text == "€":
        return "EUR"
    if not _CURRENCY.match(text):
        raise FieldError(f"currency '{text}' is not a three-letter code like EUR")
    return text


def read_language(value):
    """`it`, `en`, or None (the creditor's language) when the cell is empty."""
    text = cell_text(value).lower()
    if not text:
        return None
    if text not in LANGUAGES:
        raise FieldError(f"language '{text}' is not one of: {', '.join(LANGUAGES)}")
    return text


def read_verification_code(value):
    """The digits the debtor keys in to identify, or None."""
    text = cell_text(value)
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise FieldError(f"verification code '{text}' must contain digits only")
    if len(text) > 16:
        raise FieldError(f"verification code '{text}' is longer than 16 digits", "too_long")
    return text


def read_email(value, label="email"):
    """An address with a basic syntax check, or None when the cell is empty."""
    text = cell_text(value)
    if not text:
        return None
    if len(text) > 320 or not _EMAIL.match(text):
        raise FieldError(f"{label} '{text}' is not a valid email address")
    return text


def read_text(value, label, max_length, required=False):
    """Free text (reference, name, invoice), trimmed and length-checked."""
    text = " ".join(cell_text(value).split())
    if not text:
        if required:
            raise FieldError(f"{label} is missing", "missing")
        return None
    if len(text) > max_length:
        raise FieldError(f"{label} is longer than {max_length} characters", "too_long")
    return text
