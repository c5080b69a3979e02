"""The append-only event log of each position."""
from collections import defaultdict

from sqlalchemy import insert

from db import insert_ignoring_on
from db.models import Event, FeedQueue, utcnow
from db.prepared import Prepared
from domain.feed import told

_EVENTS = Event.__table__
# Webhooks record several events a call: named SQL (db.prepared), built once per dialect.
_INSERT = Prepared(insert(_EVENTS).returning(_EVENTS.c.id))
_INSERT_ONCE = Prepared(build=lambda dialect_name: insert_ignoring_on(dialect_name, _EVENTS)
                        .returning(_EVENTS.c.id))
_FEED = Prepared(insert(FeedQueue.__table__))
# A dial pass records two events a call, a batch's hundreds at once.
_INSERT_MANY = Prepared(insert(_EVENTS))


def record_event(session, position_id, kind, source, detail=None, attempt_id=None, at=None,
                 dedupe_key=None):
    """Append an event; with `dedupe_key`, a second record of the same fact is a no-op.

    True when the event was recorded, False when the fact was already there.
    """
    values = dict(position_id=position_id, attempt_id=attempt_id, kind=kind, source=source,
                  detail=detail or {}, at=at or utcnow(), dedupe_key=dedupe_key)
    # One statement either way; the unique dedupe key settles replays, even concurrent ones.
    inserted = (_INSERT if dedupe_key is None else _INSERT_ONCE).scalar(session, values)
    if inserted is not None and told(kind, attempt_id):
        # The creditor's feed numbers it once this transaction is committed (api.feed).
        _FEED.execute(session, {"event_id": inserted})
    return inserted is not None


def record_events(session, rows, shared=None):
    """Append many events at once (dicts of Event columns; `shared`, the columns they all have
    alike, converted once), as one executemany of named SQL per set of columns."""
    shared = shared or {}
    kind = shared.get("kind")
    fed = [row for row in rows if told(row.get("kind", kind), row.get("attempt_id"))]
    plain = [row for row in rows
             if not told(row.get("kind", kind), row.get("attempt_id"))] if fed else rows
    alike = defaultdict(list)
    for row in plain:
        alike[tuple(row)].append(row)
    for same_columns in alike.values():
        _INSERT_MANY.executemany(session, same_columns, shared)
    for row in fed:   # rare in a bulk: each needs its id for the feed's queue
        row = {**row, **shared}
        record_event(session, row["position_id"], row["kind"], row["source"], row.get("detail"),
                     row.get("attempt_id"), row.get("at"), row.get("dedupe_key"))
