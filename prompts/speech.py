"""Amounts, dates and codes written the way a person says them, for speech synthesis."""
import functools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from num2words import num2words

# (unit singular, unit plural, fraction singular, fraction plural) per currency and language.
CURRENCY_WORDS = {
    "it": {
        "EUR": ("euro", "euro", "centesimo", "centesimi"),
        "USD": ("dollaro", "dollari", "centesimo", "centesimi"),
        "GBP": ("sterlina", "sterline", "penny", "pence"),
        "CHF": ("franco", "franchi", "centesimo", "centesimi"),
    },
    "en": {
        "EUR": ("euro", "euros", "cent", "cents"),
        "USD": ("dollar", "dollars", "cent", "cents"),
        "GBP": ("pound", "pounds", "penny", "pence"),
        "CHF": ("franc", "francs", "centime", "centimes"),
    },
}

SYMBOL_WORDS = {
    "it": {"-": "trattino", "/": "barra", ".": "punto", "_": "trattino basso"},
    "en": {"-": "dash", "/": "slash", ".": "dot", "_": "underscore"},
}


def _number(n, language):
    words = num2words(n, lang=language)
    if language == "en":
        # "one thousand, two hundred and thirty-four" → how an amount is read out on the phone.
        words = words.replace(",", "").replace(" and ", " ")
    return words


def _italian_before_noun(n):
    """Italian drops the final vowel of "uno" before a noun: "un euro", "ventun euro"."""
    words = _number(n, "it")
    if words.endswith("uno"):
        words = words[:-1]
    elif words.endswith(("milione", "milioni", "miliardo", "miliardi")):
        words += " di"
    return words


def _count(n, singular, plural, language):
    if language == "it":
        return f"{_italian_before_noun(n)} {singular if n == 1 else plural}"
    return f"{_number(n, language)} {singular if n == 1 else plural}"


def speak_amount(amount, currency="EUR", language="it"):
    """1234.56 EUR → "milleduecentotrentaquattro euro e cinquantasei centesimi"."""
    cents_total = int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    units, cents = divmod(cents_total, 100)
    words = CURRENCY_WORDS[language].get(currency.upper())
    if words is None:
        return f"{_number(units, language)} {' '.join(currency.upper())}" + (
            f" {'e' if language == 'it' else 'and'} {_number(cents, language)}" if cents else "")
    unit_one, unit_many, cent_one, cent_many = words
    if units == 0 and cents:
        return _count(cents, cent_one, cent_many, language)
    spoken = _count(units, unit_one, unit_many, language)
    if cents:
        conjunction = "e" if language == "it" else "and"
        spoken += f" {conjunction} {_count(cents, cent_one, cent_many, language)}"
    return spoken


# A campaign's positions share a few due dates, and Babel's formatting costs a call's turn more
# than its SQL: each (date, language) is spoken once per process.
@functools.lru_cache(maxsize=4096)
def speak_date(day: date, language="it"):
    """A due date as said aloud: "15 ottobre 2026", "primo ottobre 2026", "October 15, 2026"."""
    if language == "it":
        month_year = format_date(day, "MMMM y", locale="it")
        return f"{'primo' if day.day == 1 else day.day} {month_year}"
    return format_date(day, "MMMM d, y", locale="en")


def speak_code(code, language="it"):
    """An invoice number with letters is spelled out ("FT-118" → "F T trattino 1 1 8"); digits alone stay a number."""
    code = (code or "").strip()
    if not any(ch.isalpha() for ch in code):
        return code
    symbols = SYMBOL_WORDS[language]
    spoken = [symbols.get(ch, ch.upper()) for ch in code if not ch.isspace()]
    return " ".join(spoken)


def personal_fields(name, amount, currency, due_date, invoice, language):
    """The debtor's own values as a call speaks them: the template fields that change per call."""
    return {"name": name, "amount": speak_amount(amount, currency, language),
            "due_date": speak_date(due_date, language), "invoice": speak_code(invoice, language)}
