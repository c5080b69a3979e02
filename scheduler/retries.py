"""When each attempt of a position may ring: windows, retries, gaps and the calendar (pure).

No Flask, no database: plain values in, plain values out. A `CallWindow` such as `14:00-17:00`
is read on the creditor's clock, and known by its label in attempts. A retry goes to a later
day's or hour's opening of a different window, preferring windows the position has not tried
yet, never sooner than `min_gap` after the previous attempt and never on a Sunday or a national
holiday.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from domain.calls import TERMINAL_STATUSES
from domain.windows import is_calling_day, parse_windows, window_at
# An active call silent this long lost its final callback: it no longer holds a line or a number.
STALE_CALL_SECONDS = 3600
# Far enough to cross any run of holidays and Sundays; a plan beyond it means no window at all.
HORIZON_DAYS = 31


@dataclass(frozen=True)
class CallRules:
    """A creditor's calling rules, parsed once."""

    windows: tuple          # (CallWindow, ...) ascending, not overlapping
    timezone: str
    country: str
    max_attempts: int = 3
    min_gap_seconds: int = 2 * 3600

    @classmethod
    def from_text(cls, windows, timezone_name, country, max_attempts=3, min_gap_seconds=7200):
        return cls(parse_windows(windows), timezone_name, country, max_attempts,
                   min_gap_seconds)

    @property
    def zone(self):
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class PastAttempt:
    """What planning needs of an earlier attempt: its window's label and when it rang."""

    window: str | None      # "14:00-17:00"
    placed_at: datetime


@dataclass(frozen=True)
class Plan:
    """When an attempt becomes due (UTC) and the label of the window it belongs to."""

    due_at: datetime
    window: str


def open_window(rules, instant):
    """The CallWindow containing `instant` on the creditor's clock and calendar, or None."""
    return window_at(rules.windows, rules.zone, rules.country, instant)


def window_end(rules, instant):
    """The UTC instant the window open at `instant` closes, or None when none is open."""
    window = open_window(rules, instant)
    if window is None:
        return None
    local_day = instant.astimezone(rules.zone).date()
    return _local(rules, local_day, window.end)


def ended_without_outcome(status, outcome):
    """No answer, busy, failed, canceled, machine, silence, hang-up: worth another try."""
    return status in TERMINAL_STATUSES and outcome is None


def allowed_windows(rules, history):
    """Labels of the windows the next attempt may use: untried first, never the previous one."""
    labels = [w.label for w in rules.windows]
    used = {past.window for past in history}
    previous = history[-1].window if history else None
    untried = [label for label in labels if label not in used]
    if untried:
        return untried
    others = [label for label in labels if label != previous]
    # A single window: the retry can only be that window on a later day.
    return others or labels


def plan_attempt(rules, history, after):
    """The plan of the attempt after `history`, not before `after`; None when none is left.

    `history` lists the position's earlier attempts in order. Decided from facts (windows
    used, placement times) and the dialer's clock only, so a replay plans the same way.
    """
    if len(history) >= rules.max_attempts:
        return None
    earliest = after
    skipped = None
    if history:
        last = history[-1]
        earliest = max(after, last.placed_at + timedelta(seconds=rules.min_gap_seconds))
        skipped = (last.window, last.placed_at.astimezone(rules.zone).date())
    return first_opening(rules, allowed_windows(rules, history), earliest, skipped)


def first_opening(rules, labels, earliest, skipped=None):
    """The first day's opening of one of the windows `labels` still open at or after
    `earliest` (not the `skipped` (label, day)), as a Plan."""
    wanted = [w for w in rules.windows if w.label in labels]
    day = earliest.astimezone(rules.zone).date()
    for offset in range(HORIZON_DAYS):
        date = day + timedelta(days=offset)
        if not is_calling_day(date, rules.country):
            continue
        for window in wanted:
            if (window.label, date) == skipped:
                continue
            start, end = _local(rules, date, window.start), _local(rules, date, window.end)
            if end > earliest:
                return Plan(max(start, earliest).astimezone(timezone.utc), window.label)
    return None


def _local(rules, date, clock):
    """`clock` on `date` in the creditor's zone, as a UTC instant (DST included)."""
    return datetime.combine(date, clock, tzinfo=rules.zone).astimezone(timezone.utc)
