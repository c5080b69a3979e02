"""Reading the cells of a contact list: phones, amounts, dates, codes, addresses."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from contacts.fields import (
    FieldError, cell_text, read_amount, read_currency, read_date, read_email, read_language,
    read_phone, read_verification_code,
)


@pytest.mark.parametrize("writing, e164", [
    ("06 1234 5678", "+390612345678"),
    ("0612345678", "+390612345678"),
    ("(06) 1234-5678", "+390612345678"),
    ("02/87654321", "+390287654321"),
    ("0039 333 1234567", "+393331234567"),
    ("+39 333 1234567", "+393331234567"),
    ("333 123 4567", "+393331234567"),
    ("333-1234567", "+393331234567"),
    ("+44 20 7946 0958", "+442079460958"),
])
def test_common_italian_writings_become_e164_keeping_the_landline_zero(writing, e164):
    assert read_phone(writing, "IT") == e164


@pytest.mark.parametrize("value, e164", [
    (3331234567, "+393331234567"),
    (612345678, "+390612345678"),  # a landline typed as a number lost its leading 0
    (393331234567.0, "+393331234567"),
])
def test_phones_stored_as_spreadsheet_numbers_are_read(value, e164):
    assert read_phone(value, "IT") == e164


@pytest.mark.parametrize("writing", ["12", "", "333", "abc", "+39 000 0000000"])
def test_invalid_phones_are_rejected_with_the_writing_quoted(writing):
    with pytest.raises(FieldError, match="not a valid phone number"):
        read_phone(writing, "IT")


@pytest.mark.parametrize("writing, amount", [
    ("1234.56", "1234.56"),
    ("1.234,56", "1234.56"),
    ("1234,56", "1234.56"),
    ("1,234.56", "1234.56"),
    ("€ 1.234,56", "1234.56"),
    ("EUR 89,9", "89.90"),
    ("1 234,56", "1234.56"),
    ("1.234.567,00", "1234567.00"),
    ("250", "250.00"),
    (1234.5, "1234.50"),
    (99, "99.00"),
])
def test_amounts_in_italian_and_english_writings(writing, amount):
    assert read_amount(writing) == Decimal(amount)


@pytest.mark.parametrize("writing, reason", [
    ("1.234", "ambiguous"),
    ("1,234", "ambiguous"),
    ("circa mille", "not a number"),
    ("1.234.56", "not a number"),
    ("12.3456", "not a number"),
    ("1.234,567", "not a number"),
    ("0", "greater than zero"),
    ("0,00", "greater than zero"),
    ("", "missing"),
])
def test_garbage_and_ambiguous_amounts_are_rejected(writing, reason):
    with pytest.raises(FieldError, match=reason):
        read_amount(writing)


@pytest.mark.parametrize("value, due", [
    ("2026-10-15", date(2026, 10, 15)),
    ("15/10/2026", date(2026, 10, 15)),
    ("5/1/2026", date(2026, 1, 5)),
    (datetime(2026, 10, 15), date(2026, 10, 15)),
    (date(2026, 10, 15), date(2026, 10, 15)),
])
def test_dates_in_iso_italian_or_excel_form(value, due):
    assert read_date(value) == due


@pytest.mark.parametrize("writing, reason", [
    ("31/02/2026", "does not exist"),
    ("10/15/26", "not a date"),
    ("October 15", "not a date"),
    ("", "missing"),
])
def test_bad_dates_are_rejected(writing, reason):
    with pytest.raises(FieldError, match=reason):
        read_date(writing)


def test_currency_defaults_to_eur_and_must_be_three_letters():
    assert read_currency("") == "EUR"
    assert read_currency("chf") == "CHF"
    with pytest.raises(FieldError, match="three-letter"):
        read_currency("EURO")


def test_language_is_empty_it_or_en():
    assert read_language("") is None
    assert read_language("EN") == "en"
    with pytest.raises(FieldError, match="it, en"):
        read_language("de")


def test_verification_code_must_be_digits_only():
    assert read_verification_code("04821") == "04821"
    assert read_verification_code(48213) == "48213"
    assert read_verification_code("") is None
    with pytest.raises(FieldError, match="digits only"):
        read_verification_code("48-21")


def test_email_gets_a_basic_syntax_check():
    assert read_email("mario.rossi@example.it") == "mario.rossi@example.it"
    assert read_email(" ") is None
    with pytest.raises(FieldError, match="pec 'not-an-address' is not a valid email"):
        read_email("not-an-address", "pec")


def test_cell_text_drops_the_float_tail_of_integral_numbers():
    assert cell_text(12345.0) == "12345"
    assert cell_text("  P-1 ") == "P-1"
    assert cell_text(None) == ""
