"""Retention (GDPR art. 5(1)(e)): a position paid, closed or ended is anonymised once the
creditor's retention period (`retention_months`, default 12) has passed since its status last
changed — by the worker and by `tick`, through contacts.privacy like an erasure on request.

Two workers may run the pass at once: each position is claimed by a conditional UPDATE of its
`erased_at`, so only one of them anonymises it.
"""
import calendar
import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update

from contacts.privacy import erase_positions, privacy_secret
from db import session_scope
from db.models import Creditor, Event, Position
from domain.statuses import Status

SOURCE = "worker:retention"
RETIRED = (Status.PAID.value, Status.CLOSED.value, Status.ENDED.value)
BATCH = 200   # positions per transaction


@dataclass
class RetentionReport:
    anonymised: int = 0

    def __bool__(self):
        return self.anonymised > 0

    def __str__(self):
        return f"retention: {self.anonymised} positions anonymised"


def months_before(now: datetime, months):
    """The same instant `months` calendar months earlier (the 31st becomes the month's last)."""
    total = now.year * 12 + now.month - 1 - months
    year, month = divmod(total, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def expired(session, creditor, now, limit=BATCH):
    """Ids of the creditor's positions paid, closed or ended, not anonymised yet, whose status
    has not changed since its retention period before `now`."""
    return session.scalars(_expired(limit), {
        "creditor_id": creditor.id, "cutoff": months_before(now, creditor.retention_months)}).all()


@functools.cache
def _expired(limit):
    """expired's query, built once per limit (every tick asks it of every creditor)."""
    cutoff = bindparam("cutoff", type_=Position.created_at.type)
    changed_since = select(Event.id).where(Event.position_id == Position.id,
                                           Event.kind == "status", Event.at > cutoff).exists()
    return (select(Position.id).where(
        Position.creditor_id == bindparam("creditor_id"), Position.status.in_(RETIRED),
        Position.erased_at.is_(None), Position.created_at <= cutoff, ~changed_since)
        .order_by(Position.id).limit(limit))


def anonymise_expired(app, now, secret=None):
    """Anonymise every position past its creditor's retention period at `now`; a report."""
    secret = secret or privacy_secret(app)
    report = RetentionReport()
    with session_scope(app) as session:
        creditors = session.scalars(select(Creditor).order_by(Creditor.id)).all()
        plans = [(c.id, c.retention_months) for c in creditors]
    for creditor_id, _months in plans:
        while True:
            with session_scope(app) as session:
                creditor = session.get(Creditor, creditor_id)
                ids = expired(session, creditor, now)
                if not ids:
                    break
                mine = _claim(session, ids, now)
                positions = session.scalars(select(Position).where(Position.id.in_(mine))).all()
                erase_positions(session, positions, SOURCE, now, secret, "retention")
                report.anonymised += len(positions)
    return report


def _claim(session, ids, now):
    """The ids this pass anonymises: those no other pass has claimed meanwhile."""
    mine = []
    for position_id in ids:
        claimed = session.execute(update(Position).where(
            Position.id == position_id, Position.erased_at.is_(None))
            .values(erased_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed:
            mine.append(position_id)
    return mine
