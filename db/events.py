"""The append-only event log of each position."""
from sqlalchemy import insert

from db import insert_ignoring
from db.models import Event, FeedQueue, utcnow
from domain.feed import FEED_KINDS


def record_event(session, position_id, kind, source, detail=None, attempt_id=None, at=None,
                 dedupe_key=None):
    """Append an event; with `dedupe_key`, a second record of the same fact is a no-op.

    True when the event was recorded, False when the fact was already there.
    """
    values = dict(position_id=position_id, attempt_id=attempt_id, kind=kind, source=source,
                  detail=detail or {}, at=at or utcnow(), dedupe_key=dedupe_key)
    # One statement either way; the unique dedupe key settles replays, even concurrent ones.
    inserted = session.execute(_insert(session, dedupe_key is not None), values).scalar()
    if inserted is not None and kind in FEED_KINDS:
        # The creditor's feed numbers it once this transaction is committed (api.feed).
        session.execute(insert(FeedQueue.__table__), {"event_id": inserted})
    return inserted is not None


def record_events(session, rows):
    """Append many events at once (dicts of Event columns), as one executemany."""
    told = [row for row in rows if row["kind"] in FEED_KINDS]
    plain = [row for row in rows if row["kind"] not in FEED_KINDS] if told else rows
    if plain:
        session.execute(insert(Event.__table__), plain)
    for row in told:   # rare in a bulk: each needs its id for the feed's queue
        record_event(session, row["position_id"], row["kind"], row["source"], row.get("detail"),
                     row.get("attempt_id"), row.get("at"), row.get("dedupe_key"))


_INSERTS = {}


def _insert(session, ignoring):
    """The INSERT of an event, built once per dialect (webhooks run it several times a call)."""
    key = (session.get_bind().dialect.name, ignoring)
    if key not in _INSERTS:
        statement = insert_ignoring(session, Event.__table__) if ignoring \
            else insert(Event.__table__)
        _INSERTS[key] = statement.returning(Event.__table__.c.id)
    return _INSERTS[key]
