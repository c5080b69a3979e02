"""The date a debtor may promise to pay by (SPEC §1.3, key 5; the debtor's page), pure."""
from datetime import date, timedelta

# A promise further ahead than this is refused politely (and asked again, on the phone).
MAX_PROMISE_DAYS = 60


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
