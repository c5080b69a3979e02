"""When each attempt of a position may ring: windows, retries, gaps and the calendar (pure).

No Flask, no database: plain values in, plain values out. A window is a slot of the day such as
`14:00-17:00`, read on the creditor's clock; an *instance* of it is that slot on one date.
A retry goes to a later instance of a different slot, preferring slots the position has not
tried yet, never sooner than `min_gap` after the previous attempt and never on a Sunday or a
national holiday.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from contacts.creditors import parse_windows
from scheduler.windows import is_calling_day

TERMINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# Claimed or placed and not yet ended: the call is about to ring, ringing, or talking.
ACTIVE_STATUSES = ("dialing", "queued", "initiated", "ringing", "in-progress")
# An active call silent this long lost its final callback: it no longer holds a line or a number.
STALE_CALL_SECONDS = 3600
# Far enough to cross any run of holidays and Sundays; a plan beyond it means no window at all.
HORIZON_DAYS = 31


@dataclass(frozen=True)
class CallRules:
    """A creditor's calling rules, parsed once."""

    windows: tuple          # ((time, time), ...) ascending, not overlapping
    timezone: str
    country: str
    max_attempts: int = 3
    min_gap_seconds: int = 2 * 3600

    @classmethod
    def from_text(cls, windows, timezone_name, country, max_attempts=3, min_gap_seconds=7200):
        return cls(tuple(parse_windows(windows)), timezone_name, country, max_attempts,
                   min_gap_seconds)

    @property
    def zone(self):
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class PastAttempt:
    """What planning needs of an earlier attempt: its window slot and when it rang."""

    window: str | None      # "14:00-17:00"
    placed_at: datetime


@dataclass(frozen=True)
class Plan:
    """When an attempt becomes due (UTC) and the window slot it belongs to."""

    due_at: datetime
    window: str


def window_label(window):
    """(time(14), time(17)) → `14:00-17:00`, the text stored in `Attempt.call_window`."""
    start, end = window
    return f"{start:%H:%M}-{end:%H:%M}"


def open_slot(rules, instant):
    """The window slot containing `instant` on the creditor's clock and calendar, or None."""
    local = instant.astimezone(rules.zone)
    if not is_calling_day(local.date(), rules.country):
        return None
    clock = local.time().replace(tzinfo=None)
    return next((w for w in rules.windows if w[0] <= clock < w[1]), None)


def slot_end(rules, instant):
    """The UTC instant the window open at `instant` closes, or None when none is open."""
    window = open_slot(rules, instant)
    if window is None:
        return None
    local_day = instant.astimezone(rules.zone).date()
    return _local(rules, local_day, window[1])


def ended_without_outcome(status, outcome):
    """No answer, busy, failed, canceled, machine, silence, hang-up: worth another try."""
    return status in TERMINAL_STATUSES and outcome is None


def allowed_slots(rules, history):
    """The slots the next attempt may use: untried ones first, never the previous one's."""
    labels = [window_label(w) for w in rules.windows]
    used = {past.window for past in history}
    previous = history[-1].window if history else None
    untried = [label for label in labels if label not in used]
    if untried:
        return untried
    others = [label for label in labels if label != previous]
    # A single window: the retry can only be that slot on a later day.
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
    return first_instance(rules, allowed_slots(rules, history), earliest, skipped)


def first_instance(rules, labels, earliest, skipped=None):
    """The first instance of one of `labels` still open at or after `earliest`, as a Plan."""
    wanted = [w for w in rules.windows if window_label(w) in labels]
    day = earliest.astimezone(rules.zone).date()
    for offset in range(HORIZON_DAYS):
        date = day + timedelta(days=offset)
        if not is_calling_day(date, rules.country):
            continue
        for window in wanted:
            label = window_label(window)
            if (label, date) == skipped:
                continue
            start, end = _local(rules, date, window[0]), _local(rules, date, window[1])
            if end > earliest:
                return Plan(max(start, earliest).astimezone(timezone.utc), label)
    return None


def _local(rules, date, clock):
    """`clock` on `date` in the creditor's zone, as a UTC instant (DST included)."""
    return datetime.combine(date, clock, tzinfo=rules.zone).astimezone(timezone.utc)
