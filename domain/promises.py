"""What a debtor may promise (SPEC §1.3, key 5; the debtor's page; a collector's result), pure.

The keypad, the debtor's page and the collectors' callback queue hold a promise to the same
rules: a day from the creditor's today (in the creditor's timezone, not UTC) to MAX_PROMISE_DAYS
ahead, and, where an amount is named, more than zero and no more than the amount due.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal

# A promise further ahead than this is refused politely (and asked again, on the phone).
MAX_PROMISE_DAYS = 60
# How a promised day may be written: a date field's ISO value, or the Italian way where a
# browser shows a plain text box instead of a date picker.
DATE_PATTERNS = ("%Y-%m-%d", "%d/%m/%Y")


def promise_date_problem(day: date, today: date):
    """Why `day` cannot be promised on `today` — `past` or `too_far` — or None when it can
    (today itself included)."""
    if day < today:
        return "past"
    if day > today + timedelta(days=MAX_PROMISE_DAYS):
        return "too_far"
    return None


def latest_promise_date(today: date):
    """The last day a promise made on `today` may name."""
    return today + timedelta(days=MAX_PROMISE_DAYS)


def read_promise_day(text):
    """The day `text` names (`YYYY-MM-DD` or `DD/MM/YYYY`), or None when it names none."""
    text = (text or "").strip()
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def promise_amount_problem(amount: Decimal, due: Decimal):
    """Why `amount` cannot be promised against the amount `due` — `not_positive` or `over_due`
    — or None when it can (the whole amount due included)."""
    if amount <= 0:
        return "not_positive"
    if amount > due:
        return "over_due"
    return None
