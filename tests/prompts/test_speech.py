"""Amounts, dates and codes as a person reads them aloud."""
from datetime import date
from decimal import Decimal

import pytest

from prompts import speak_amount, speak_code, speak_date


@pytest.mark.parametrize("amount,spoken", [
    ("1234.56", "milleduecentotrentaquattro euro e cinquantasei centesimi"),
    ("0", "zero euro"),
    ("1", "un euro"),
    ("0.01", "un centesimo"),
    ("21", "ventun euro"),
    ("28.31", "ventotto euro e trentun centesimi"),
    ("1000000", "un milione di euro"),
    ("2000", "duemila euro"),
])
def test_italian_amounts(amount, spoken):
    assert speak_amount(Decimal(amount), "EUR", "it") == spoken


@pytest.mark.parametrize("amount,spoken", [
    ("1234.56", "one thousand two hundred thirty-four euros and fifty-six cents"),
    ("1", "one euro"),
    ("0.01", "one cent"),
    ("1000000", "one million euros"),
    ("21.01", "twenty-one euros and one cent"),
])
def test_english_amounts(amount, spoken):
    assert speak_amount(Decimal(amount), "EUR", "en") == spoken


def test_amounts_are_rounded_to_the_cent():
    assert speak_amount(Decimal("9.999"), "EUR", "it") == "dieci euro"


def test_an_unknown_currency_is_spelled():
    assert speak_amount(Decimal("5"), "SEK", "en") == "five S E K"


def test_italian_dates_say_primo_for_the_first():
    assert speak_date(date(2026, 10, 15), "it") == "15 ottobre 2026"
    assert speak_date(date(2026, 10, 1), "it") == "primo ottobre 2026"


def test_english_dates():
    assert speak_date(date(2026, 10, 15), "en") == "October 15, 2026"


def test_invoice_codes_with_letters_are_spelled_and_numbers_are_not():
    assert speak_code("FT-2026/118", "it") == "F T trattino 2 0 2 6 barra 1 1 8"
    assert speak_code("ab.1", "en") == "A B dot 1"
    assert speak_code("118", "it") == "118"
