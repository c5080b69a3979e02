"""The event log: many events at once, as named SQL, the told ones queued for the feed."""
from datetime import datetime, timezone

from sqlalchemy import select

from db.events import record_events
from db.models import Event, FeedQueue
from tests.factories import make_creditor, make_position

AT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def test_many_events_of_different_columns_and_shared_values_are_all_recorded(session):
    position = make_position(session, make_creditor(session))
    record_events(session, [
        {"position_id": position.id, "kind": "call_placed", "detail": {"call_sid": "CA1"}},
        {"position_id": position.id, "kind": "place_failed", "attempt_id": None},
        {"position_id": position.id, "kind": "outcome", "detail": {"outcome": "confirmed"}},
    ], shared={"source": "dialer", "at": AT})
    record_events(session, [{"position_id": position.id, "detail": {"number": 1}}],
                  shared={"kind": "attempt_claimed", "source": "dialer", "at": AT})
    session.commit()
    events = session.scalars(select(Event).order_by(Event.kind)).all()
    assert [(e.kind, e.source, e.detail, e.at) for e in events] == [
        ("attempt_claimed", "dialer", {"number": 1}, AT),
        ("call_placed", "dialer", {"call_sid": "CA1"}, AT),
        ("outcome", "dialer", {"outcome": "confirmed"}, AT),
        ("place_failed", "dialer", {}, AT)]
    told = session.scalars(select(FeedQueue.event_id)).all()
    assert told == [e.id for e in events if e.kind == "outcome"]
