"""Pacing a dial pass: calls per second, and how many calls may ring at once.

Twilio queues calls above the account's rate instead of refusing them, so an unpaced burst
would ring people after their window has closed. A pass keeps its own notion of time,
`now + elapsed`, from an injectable clock: tests and replays advance it without sleeping.
"""
import time
from datetime import timedelta

from sqlalchemy import func, select

from db.models import Attempt, Position

# Placed and not yet ended: these occupy a line. `dialing` counts too: it is about to ring.
ACTIVE_STATUSES = ("dialing", "queued", "initiated", "ringing", "in-progress")


class WallClock:
    """Real seconds: `time.monotonic` and `time.sleep`."""

    def monotonic(self):
        return time.monotonic()

    def sleep(self, seconds):
        time.sleep(seconds)


class VirtualClock:
    """Seconds that pass only when slept: a paced replay that takes no real time."""

    def __init__(self, start=0.0):
        self.now = float(start)
        self.slept = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += max(0.0, seconds)


class Pacer:
    """Spaces calls `1 / calls_per_second` apart (0: no spacing) and tells the pass's time."""

    def __init__(self, start, calls_per_second=0.0, clock=None):
        self.start = start
        self.clock = clock or WallClock()
        self.interval = 1.0 / calls_per_second if calls_per_second and calls_per_second > 0 else 0.0
        self._origin = self.clock.monotonic()
        self._next = self._origin

    def now(self):
        """The pass's clock: its `now` plus the seconds elapsed since it began."""
        return self.start + timedelta(seconds=self.clock.monotonic() - self._origin)

    def wait(self):
        """Block until the next call may go out, then reserve its slot."""
        if not self.interval:
            return
        current = self.clock.monotonic()
        if self._next > current:
            self.clock.sleep(self._next - current)
            current = self.clock.monotonic()
        self._next = max(self._next, current) + self.interval

    def batch_limit(self, batch_size, lease_seconds):
        """Claim no more than can be placed well inside a lease, so no claim outlives it."""
        if not self.interval:
            return batch_size
        return max(1, min(batch_size, int(lease_seconds / 4 / self.interval)))


def active_calls(session, now, stale_seconds):
    """Calls ringing or talking per creditor id; ones silent for `stale_seconds` no longer count.

    A lost final callback must not hold a line forever, hence the cut-off.
    """
    since = now - timedelta(seconds=stale_seconds)
    started = func.coalesce(Attempt.placed_at, Attempt.claimed_at)
    rows = session.execute(
        select(Position.creditor_id, func.count(Attempt.id))
        .join(Attempt.position)
        .where(Attempt.status.in_(ACTIVE_STATUSES), started > since)
        .group_by(Position.creditor_id)).all()
    return dict(rows)


def free_lines(active, creditor_id, creditor_cap, account_cap):
    """How many more calls this creditor may start now (None: no cap applies)."""
    limits = []
    if creditor_cap:
        limits.append(creditor_cap - active.get(creditor_id, 0))
    if account_cap:
        limits.append(account_cap - sum(active.values()))
    return max(0, min(limits)) if limits else None
