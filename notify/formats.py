"""Amounts as written in a message, per language."""
from babel.numbers import format_decimal

LOCALES = {"it": "it_IT", "en": "en_GB"}


def format_amount(amount, language):
    """`1.234,56` in Italian, `1,234.56` in English: always two decimals, as on an invoice."""
    return format_decimal(amount, format="#,##0.00", locale=LOCALES.get(language, "it_IT"))
