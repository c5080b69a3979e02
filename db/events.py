"""The append-only event log of each position."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.models import Event, utcnow


def record_event(session, position_id, kind, source, detail=None, attempt_id=None, at=None,
                 dedupe_key=None):
    """Append an event; with `dedupe_key`, a second record of the same fact is a no-op.

    Returns the new Event, or None when the fact was already recorded.
    """
    event = Event(position_id=position_id, attempt_id=attempt_id, kind=kind, source=source,
                  detail=detail or {}, at=at or utcnow(), dedupe_key=dedupe_key)
    if dedupe_key is None:
        session.add(event)
        return event
    if session.scalar(select(Event.id).where(Event.dedupe_key == dedupe_key)) is not None:
        return None
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:  # the same fact, recorded at this instant by a concurrent request
        return None
    return event
