"""`import --close-missing`: for a creditor who sends its complete open list every day, a
position missing from today's list has been paid.

Every reference the file names counts as present, a rejected row's too: a typo in a row must
never pay its debt. Only positions still being worked (open, promised, to verify, disputed)
are closed; the change goes through contacts.status.set_status like every other one.
"""
from sqlalchemy import select

from contacts.status import set_status
from db.models import Position
from domain.statuses import Status

CHUNK = 1000   # ids per IN (...): SQLite caps the parameters of one statement
REASON = "absent from the complete list"
# What a complete list speaks for: positions in the phase, paused, or held for the creditor.
CLOSABLE = (Status.OPEN.value, Status.PROMISED.value, Status.TO_VERIFY.value,
            Status.DISPUTED.value)


def absent_ids(session, creditor_id, present):
    """Ids of `creditor_id`'s closable positions whose reference is not in `present`."""
    rows = session.execute(select(Position.id, Position.reference).where(
        Position.creditor_id == creditor_id, Position.status.in_(CLOSABLE)))
    return [position_id for position_id, reference in rows if reference not in present]


def close_absent(session, creditor_id, present, source, now, dry_run=False):
    """Mark `paid` the creditor's closable positions absent from `present` (references);
    how many (with `dry_run`, how many it would, changing nothing)."""
    if not present:
        return 0   # a list naming no position at all is an accident, not a month of payments
    ids = absent_ids(session, creditor_id, present)
    if dry_run:
        return len(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for position in session.scalars(select(Position).where(Position.id.in_(chunk))):
            set_status(session, position, Status.PAID.value, source, REASON, now)
    return len(ids)
