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


def progress(session, creditor_id):
    """Positions by state: not called yet (`pending`), called without an outcome yet
    (`in_progress`), then each outcome."""
    called = exists().where(Attempt.position_id == Position.id)
    rows = session.execute(select(Position.outcome, called, func.count())
                           .where(Position.creditor_id == creditor_id)
                           .group_by(Position.outcome, called)).all()
    counts = Counter()
    for outcome, was_called, count in rows:
        counts[outcome or ("in_progress" if was_called else "pending")] += count
    return counts


def amounts(session, creditor_id):
    """The creditor's euro, summed by status in one pass over its positions."""
    rows = session.execute(
        select(Position.status, func.count(), func.sum(Position.amount),
               func.sum(Position.amount_paid))
        .where(Position.creditor_id == creditor_id).group_by(Position.status)).all()
    by_status = {status: (count, Decimal(amount or 0), Decimal(paid or 0))
                 for status, count, amount, paid in rows}

    def due(status):
        _count, amount, paid = by_status.get(status, (0, Decimal(0), Decimal(0)))
        return max(amount - paid, Decimal(0))

    return Amounts(total=sum((amount for _c, amount, _p in by_status.values()), Decimal(0)),
                   recovered=sum((paid for _c, _a, paid in by_status.values()), Decimal(0)),
                   promised=due(Status.PROMISED.value), to_verify=due(Status.TO_VERIFY.value),
                   positions=sum(count for count, _a, _p in by_status.values()),
                   paid=by_status.get(Status.PAID.value, (0,))[0])


def _of(creditor_id):
    """Attempts of the creditor's positions (a join the attempts' own indexes narrow first)."""
    return Attempt.position_id.in_(select(Position.id).where(Position.creditor_id == creditor_id))


def live(session, creditor_id, today, start, now):
    """Calls ringing now, calls placed in the last few minutes and today's contacts; `start`
    is when `today` began on the creditor's clock."""
    figures = Live()
    figures.calls_now = session.scalar(select(func.count()).where(
        Attempt.status.in_(ACTIVE_STATUSES), _of(creditor_id))) or 0
    # The day's index finds the recent calls; yesterday's too, for the minutes after midnight.
    recent = session.execute(select(
        *(func.coalesce(func.sum(case((Attempt.placed_at >= now - timedelta(minutes=m), 1),
                                      else_=0)), 0) for m in PACES),
        func.coalesce(func.sum(case((Attempt.day == today, 1), else_=0)), 0))
        .where(Attempt.day.in_((today, today - timedelta(days=1))),
               Attempt.placed_at.is_not(None), Attempt.direction != INBOUND,
               _of(creditor_id))).one()
    figures.pace = dict(zip(PACES, recent[:-1]))
    figures.contacts["calls"] = recent[-1]
    sent = session.execute(
        select(OutgoingMail.channel, func.count())
        .join(Position, Position.id == OutgoingMail.position_id)
        .where(Position.creditor_id == creditor_id, OutgoingMail.sent_at >= start)
        .group_by(OutgoingMail.channel)).all()
    figures.contacts.update(dict(sent))
    return figures


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


def window_rates(session, creditor, today):
    """Per call window of the creditor (in its order, then any other window its calls were
    placed in): calls placed and answered by a person, today and over the campaign."""
    human = Attempt.answered_by == "human"
    on_today = Attempt.day == today

    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = session.execute(
        select(Attempt.call_window, counted(on_today), counted(on_today & human),
               func.count(), counted(human))
        .where(Attempt.placed_at.is_not(None), Attempt.direction != INBOUND, _of(creditor.id))
        .group_by(Attempt.call_window)).all()
    found = {window: WindowRate(window or "—", *map(int, figures))
             for window, *figures in rows}
    try:
        own = [w.label for w in parse_windows(creditor.windows)]
    except WindowError:
        own = []
    return [found.pop(label, WindowRate(label)) for label in own] + \
        sorted(found.values(), key=lambda rate: rate.window)
