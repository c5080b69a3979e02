"""The dashboard's figures for one creditor, each an aggregate query on indexed columns: the
dashboard polls them every few seconds during a pass, on creditors of 100,000 positions, so
nothing here walks the positions in Python. Days and times are the creditor's (`zone`)."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, exists, func, select

from db.models import Attempt, OutgoingMail, Position
from domain.calls import ACTIVE_STATUSES, INBOUND
from domain.statuses import Status
from domain.windows import WindowError, parse_windows

DAYS_SHOWN = 14
PACES = (5, 15)   # minutes: the calls placed in the last 5 and the last 15
CHANNELS = ("email", "pec", "sms")


def day_start(day, zone):
    """The instant `day` begins on the clock of `zone` (its midnight, whatever the DST)."""
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True)
class Amounts:
    """Euro of the creditor's positions: in all, paid, still due on promises and on declared
    payments to verify; positions in all and paid in full."""

    total: Decimal = Decimal(0)
    recovered: Decimal = Decimal(0)
    promised: Decimal = Decimal(0)
    to_verify: Decimal = Decimal(0)
    positions: int = 0
    paid: int = 0

    @property
    def recovered_share(self):
        return share(self.recovered, self.total)


@dataclass(frozen=True)
class WindowRate:
    """A call window's calls placed and answered by a person, today and over the campaign."""

    window: str
    calls_today: int = 0
    answered_today: int = 0
    calls: int = 0
    answered: int = 0

    @property
    def rate_today(self):
        return share(self.answered_today, self.calls_today)

    @property
    def rate(self):
        return share(self.answered, self.calls)


@dataclass
class Live:
    """What moves during a pass: calls ringing now, the pace, today's contacts by channel."""

    calls_now: int = 0
    pace: dict = field(default_factory=dict)          # minutes → calls placed in them
    contacts: Counter = field(default_factory=Counter)  # calls, email, pec, sms today


def share(part, whole):
    """`part` of `whole` as a fraction (None when there is no whole to speak of)."""
    return float(part) / float(whole) if whole else None


def book(session, creditor_id):
    """(positions by state, Amounts) in one pass over the creditor's positions. A position's
    state is its outcome, or `in_progress` when called without one yet, `pending` when never
    called; whether it was called is looked up for the positions without an outcome only."""
    called = case((Position.outcome.is_(None),
                   exists().where(Attempt.position_id == Position.id)), else_=None)
    rows = session.execute(
        select(Position.status, Position.outcome, called, func.count(),
               func.sum(Position.amount), func.sum(Position.amount_paid))
        .where(Position.creditor_id == creditor_id)
        .group_by(Position.status, Position.outcome, called)).all()
    progress, by_status = Counter(), {}
    for status, outcome, was_called, count, amount, paid in rows:
        progress[outcome or ("in_progress" if was_called else "pending")] += count
        before = by_status.get(status, (0, Decimal(0), Decimal(0)))
        by_status[status] = (before[0] + count, before[1] + Decimal(amount or 0),
                             before[2] + Decimal(paid or 0))

    def due(status):
        _count, amount, paid = by_status.get(status, (0, Decimal(0), Decimal(0)))
        return max(amount - paid, Decimal(0))

    return progress, Amounts(
        total=sum((amount for _c, amount, _p in by_status.values()), Decimal(0)),
        recovered=sum((paid for _c, _a, paid in by_status.values()), Decimal(0)),
        promised=due(Status.PROMISED.value), to_verify=due(Status.TO_VERIFY.value),
        positions=sum(count for count, _a, _p in by_status.values()),
        paid=by_status.get(Status.PAID.value, (0,))[0])


def _of(creditor_id):
    """Attempts of the creditor's positions (a join the attempts' own indexes narrow first)."""
    return Attempt.position_id.in_(select(Position.id).where(Position.creditor_id == creditor_id))


def live(session, creditor_id, today, now):
    """Calls ringing now, calls placed in the last few minutes and today: found through the
    attempts' status and day indexes, whatever the size of the book."""
    figures = Live()
    figures.calls_now = session.scalar(select(func.count()).where(
        Attempt.status.in_(ACTIVE_STATUSES), _of(creditor_id))) or 0
    # Yesterday's calls too, for the minutes after midnight.
    recent = session.execute(select(
        *(func.coalesce(func.sum(case((Attempt.placed_at >= now - timedelta(minutes=m), 1),
                                      else_=0)), 0) for m in PACES),
        func.coalesce(func.sum(case((Attempt.day == today, 1), else_=0)), 0))
        .where(Attempt.day.in_((today, today - timedelta(days=1))),
               Attempt.placed_at.is_not(None), Attempt.direction != INBOUND,
               _of(creditor_id))).one()
    figures.pace = dict(zip(PACES, recent[:-1]))
    figures.contacts["calls"] = recent[-1]
    return figures


def messages_sent(session, creditor_id, start):
    """{channel: messages} sent to the creditor's debtors since `start`."""
    return dict(session.execute(
        select(OutgoingMail.channel, func.count())
        .join(Position, Position.id == OutgoingMail.position_id)
        .where(Position.creditor_id == creditor_id, OutgoingMail.sent_at >= start)
        .group_by(OutgoingMail.channel)).all())


def outcomes_per_day(session, creditor_id, zone, today):
    """[(day, Counter of outcomes)] for the last DAYS_SHOWN days up to `today`: each position
    counted on the day of its outcome, the days cut at the creditor's midnights in SQL."""
    days = [today - timedelta(days=DAYS_SHOWN - 1 - i) for i in range(DAYS_SHOWN)]
    edges = [day_start(day, zone) for day in days] + [day_start(today + timedelta(days=1), zone)]
    which_day = case(*((Position.outcome_at < edge, i) for i, edge in enumerate(edges[1:])))
    rows = session.execute(
        select(which_day, Position.outcome, func.count())
        .where(Position.creditor_id == creditor_id, Position.outcome.is_not(None),
               Position.outcome_at >= edges[0], Position.outcome_at < edges[-1])
        .group_by(which_day, Position.outcome)).all()
    per_day = {day: Counter() for day in days}
    for index, outcome, count in rows:
        per_day[days[index]][outcome] += count
    return list(per_day.items())


def calls_per_window(session, creditor_id, *where):
    """{call window: (calls placed, answered by a person)} of the creditor's calls `where`."""
    rows = session.execute(
        select(Attempt.call_window, func.count(),
               func.coalesce(func.sum(case((Attempt.answered_by == "human", 1), else_=0)), 0))
        .where(Attempt.placed_at.is_not(None), Attempt.direction != INBOUND, _of(creditor_id),
               *where)
        .group_by(Attempt.call_window)).all()
    return {window: (int(calls), int(answered)) for window, calls, answered in rows}


def window_rates(creditor, today, campaign):
    """[WindowRate] from the calls per window of `today` and of the `campaign`: the creditor's
    windows in its order, then any other window its calls were placed in."""
    try:
        own = [w.label for w in parse_windows(creditor.windows)]
    except WindowError:
        own = []
    others = sorted((set(today) | set(campaign)) - set(own), key=lambda w: w or "")
    return [WindowRate(window or "—", *today.get(window, (0, 0)), *campaign.get(window, (0, 0)))
            for window in own + others]
