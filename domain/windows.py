"""`CallWindow`: a slot of the day a creditor may call in, read on its clock, on working days.

A creditor's windows are written `08:30-12:00,14:00-17:00`: that text is what the settings,
the console and `Attempt.call_window` (one window's `label`) hold.
"""
import re
from dataclasses import dataclass
from datetime import time
from functools import lru_cache

import holidays

from domain.wording import N_, Coded, register

SUNDAY = 6
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class WindowError(Coded):
    """Windows written in a way that cannot be used: a code of MESSAGES and its facts."""


MESSAGES = register({
    "window_form": N_("window '{text}' is not like 08:30-12:00"),
    "window_backwards": N_("window '{text}' ends before it starts"),
    "window_clock": N_("window '{window}': '{text}' is not a time between 00:00 and 23:59"),
    "window_overlap": N_("window {text} starts before the previous one ends: list windows in "
                         "order, without overlaps"),
})


@dataclass(frozen=True, order=True)
class CallWindow:
    """From `start` (included) to `end` (excluded), local time; windows order by their start."""

    start: time
    end: time

    @classmethod
    def parse(cls, text):
        """`08:30-12:00` → CallWindow(time(8, 30), time(12)); WindowError when it is not one."""
        pieces = text.split("-")
        if len(pieces) != 2:
            raise WindowError("window_form", text=text)
        start, end = (_parse_clock(p.strip(), text) for p in pieces)
        if end <= start:
            raise WindowError("window_backwards", text=text)
        return cls(start, end)

    @property
    def label(self):
        """`14:00-17:00`, the text stored in `Attempt.call_window`."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def __str__(self):
        return self.label

    def contains(self, clock):
        """Whether the local wall-clock `clock` (a naive time) falls inside the window."""
        return self.start <= clock < self.end


def _parse_clock(text, window):
    match = _CLOCK.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise WindowError("window_clock", window=window, text=text)
    return time(int(match[1]), int(match[2]))


def parse_windows(text):
    """`"08:30-12:00,14:00-17:00"` → (CallWindow, ...), the one reader of a creditor's windows.

    Windows must be ascending and must not overlap (one may start where the previous ends).
    """
    windows = []
    for part in (text or "").split(","):
        window = CallWindow.parse(part.strip())
        if windows and window.start < windows[-1].end:
            raise WindowError("window_overlap", text=part.strip())
        windows.append(window)
    return tuple(windows)


def format_windows(windows):
    """The canonical text of parsed windows: `08:30-12:00,14:00-17:00`."""
    return ",".join(window.label for window in windows)


@lru_cache(maxsize=64)
def _holidays(country, year):
    return holidays.country_holidays(country, years=year)


def is_holiday(day, country):
    """A national holiday of `country` (the `holidays` package's calendar)."""
    return day in _holidays(country, day.year)


def holiday_name(day, country):
    """The name of the holiday of `country` on `day`, or None."""
    return _holidays(country, day.year).get(day)


def is_calling_day(day, country):
    """Not a Sunday, not a national holiday of `country`."""
    return day.weekday() != SUNDAY and not is_holiday(day, country)


def window_at(windows, zone, country, instant):
    """The CallWindow of `windows` containing `instant` on the clock of `zone` (a ZoneInfo) and
    the calendar of `country`, or None."""
    local = instant.astimezone(zone)
    if not is_calling_day(local.date(), country):
        return None
    clock = local.time().replace(tzinfo=None)
    return next((w for w in windows if w.contains(clock)), None)
