"""Pacing a dial pass: calls per second, and how many calls may ring at once.

Twilio queues calls above the account's rate instead of refusing them, so an unpaced burst
would ring people after their window has closed. A pass keeps its own notion of time,
`now + elapsed`, from an injectable clock: tests and replays advance it without sleeping.
"""
import math
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case, func, select, update

from db.models import Attempt, PacingSlot, Position
from domain.calls import ACTIVE_STATUSES  # these occupy a line


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


class LocalLedger:
    """Calling slots kept in this process: enough for one dialer (and for tests)."""

    def __init__(self):
        self.next_at = None

    def reserve(self, count, earliest, interval):
        first = max(self.next_at or earliest, earliest)
        self.next_at = first + timedelta(seconds=count * interval)
        return first


class SharedLedger:
    """Calling slots kept in the database, so that every dialer together keeps the account's
    rate. A reservation is one atomic UPDATE (a row lock on PostgreSQL, the single writer on
    SQLite). A next slot further ahead than `horizon_seconds` cannot belong to a pass still
    running (each claims at most a quarter lease ahead): it is a replay's or a stopped
    clock's leftover, and starts over from `earliest`."""

    def __init__(self, app, key, horizon_seconds):
        self.app = app
        self.key = key
        self.horizon = horizon_seconds

    def reserve(self, count, earliest, interval):
        from db import insert_ignoring, session_scope

        start, span = earliest.timestamp(), count * interval
        table = PacingSlot.__table__
        current = case((and_(table.c.next_at > start, table.c.next_at <= start + self.horizon),
                        table.c.next_at), else_=start)
        with session_scope(self.app) as session:
            ends = session.execute(update(table).where(table.c.key == self.key)
                                   .values(next_at=current + span)
                                   .returning(table.c.next_at)).scalar()
            if ends is None:
                session.execute(insert_ignoring(session, table), {"key": self.key, "next_at": start})
                ends = session.execute(update(table).where(table.c.key == self.key)
                                       .values(next_at=current + span)
                                       .returning(table.c.next_at)).scalar()
        return datetime.fromtimestamp(ends - span, timezone.utc)


class Pacer:
    """Spaces calls `1 / calls_per_second` apart (0: no spacing) and tells the pass's time.

    Slots come from a ledger: the pass's own by default, the database's when several
    dialers share the rate. `reserve(n)` books the slots of a batch in one go.
    """

    def __init__(self, start, calls_per_second=0.0, clock=None, ledger=None):
        self.start = start
        self.clock = clock or WallClock()
        self.interval = 1.0 / calls_per_second if calls_per_second and calls_per_second > 0 else 0.0
        self.ledger = ledger or LocalLedger()
        self._origin = self.clock.monotonic()
        self._slots = []
        self._last = None

    def now(self):
        """The pass's clock: its `now` plus the seconds elapsed since it began."""
        return self.start + timedelta(seconds=self.clock.monotonic() - self._origin)

    def reserve(self, count):
        """Book `count` consecutive slots, the first no sooner than now."""
        if not self.interval or count <= 0:
            return
        first = self.ledger.reserve(count, self.now(), self.interval)
        self._slots += [first + timedelta(seconds=i * self.interval) for i in range(count)]

    def slots_until(self, moment):
        """How many calls the rate allows from now until `moment` (unbounded when unpaced)."""
        if not self.interval:
            return float("inf")
        return max(0, math.ceil((moment - self.now()).total_seconds() / self.interval))

    def wait(self):
        """Block until the next booked slot (booking one if none is left), and use it up."""
        if not self.interval:
            return
        if not self._slots:
            self.reserve(1)
        slot = self._slots.pop(0)
        if self._last is not None:  # a slot that lapsed while we were slow is no licence to burst
            slot = max(slot, self._last + timedelta(seconds=self.interval))
        ahead = (slot - self.now()).total_seconds()
        if ahead > 0:
            self.clock.sleep(ahead)
        self._last = self.now()

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
