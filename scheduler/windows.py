"""When a creditor may call: its windows, in its timezone, on working days of its country."""
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from contacts.creditors import parse_windows

SUNDAY = 6


@lru_cache(maxsize=64)
def _holidays(country, year):
    return holidays.country_holidays(country, years=year)


def is_calling_day(day, country):
    """Not a Sunday, not a national holiday of `country`."""
    return day.weekday() != SUNDAY and day not in _holidays(country, day.year)


def open_window(windows, timezone, country, now):
    """The (start, end) window that contains `now`, read on the creditor's clock, or None."""
    local = now.astimezone(ZoneInfo(timezone))
    if not is_calling_day(local.date(), country):
        return None
    clock = local.time().replace(tzinfo=None)
    for start, end in parse_windows(windows):
        if start <= clock < end:
            return start, end
    return None
