"""The events feed: what a creditor cares about, in an order a client resumes from by cursor,
only its own."""
from datetime import datetime, timezone

import pytest

from sqlalchemy import select

from api.feed import publish
from contacts.status import record_answer, set_status
from db.events import record_event
from db.models import FeedEvent, Position
from tests.api.conftest import item

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)


def _read_all(api, after="0", limit=100):
    items = []
    while True:
        page = api.get("/api/v1/events", query_string={"after": after, "limit": limit}).json
        items += page["items"]
        if not page["items"]:
            return items, page["next_cursor"]
        after = page["next_cursor"]


def test_events_follow_outcomes_promises_payments_and_messages_in_order(api, other_api, session):
    api.put("/api/v1/positions", json={"positions": [item("P-1"), item("P-2")]})
    other_api.put("/api/v1/positions", json={"positions": [item("P-1")]})
    mine = session.scalars(select(Position).where(Position.reference == "P-1")
                           .order_by(Position.id)).first()
    record_event(session, mine.id, "outcome", "test", {"outcome": "promised"}, at=NOW)
    record_answer(session, mine, "promised", "test", NOW,
                  promise_date=datetime(2026, 12, 10).date())
    record_event(session, mine.id, "keys", "test", {"digits": "5"}, at=NOW)   # not told
    record_event(session, mine.id, "email_sent", "outbox", {"mail_id": 4, "kind": "sollecito"},
                 at=NOW)
    session.commit()
    items, cursor = _read_all(api, limit=1)
    assert [(e["type"], e["reference"]) for e in items] == [
        ("outcome", "P-1"), ("status_changed", "P-1"), ("message_sent", "P-1")]
    assert items[0]["data"] == {"outcome": "promised"}
    assert items[1]["data"]["to"] == "promised" and items[1]["data"]["promise_date"] == "2026-12-10"
    assert items[2]["data"] == {"channel": "email", "kind": "sollecito"}
    ids = [int(e["id"]) for e in items]
    assert ids == sorted(ids)
    # Resuming from the cursor gives only what is new.
    set_status(session, session.get(Position, mine.id), "closed", "test", "withdrawn", NOW)
    session.commit()
    newer, _ = _read_all(api, after=cursor)
    assert [e["type"] for e in newer] == ["status_changed"]
    assert other_api.get("/api/v1/events").json["items"] == []


def test_an_event_committed_late_is_numbered_after_those_already_read(app, api, session):
    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: no transaction commits behind another")
    api.put("/api/v1/positions", json={"positions": [item("P-1")]})
    position = session.scalar(select(Position))
    late = app.extensions["cortesia.sessionmaker"]()
    record_event(late, position.id, "outcome", "test", {"outcome": "confirmed"}, at=NOW)
    late.flush()   # its id is taken, its transaction still open
    record_event(session, position.id, "outcome", "test", {"outcome": "no_answer"}, at=NOW)
    session.commit()
    first, cursor = _read_all(api)
    assert [e["data"]["outcome"] for e in first] == ["no_answer"]
    late.commit()
    late.close()
    second, _ = _read_all(api, after=cursor)
    assert [e["data"]["outcome"] for e in second] == ["confirmed"]


def test_publishing_twice_numbers_each_event_once(api, session):
    api.put("/api/v1/positions", json={"positions": [item("P-1")]})
    position = session.scalar(select(Position))
    record_event(session, position.id, "outcome", "test", {"outcome": "confirmed"}, at=NOW)
    session.commit()
    assert publish(session, NOW) == 1
    assert publish(session, NOW) == 0
    session.commit()
    assert len(session.scalars(select(FeedEvent)).all()) == 1


def test_a_bad_cursor_is_400(api):
    response = api.get("/api/v1/events", query_string={"after": "abc"})
    assert response.status_code == 400 and response.json["errors"][0]["pointer"] == "after"


def test_a_calls_progress_is_not_a_status_change_of_the_position(api, session):
    """A call's status callbacks are recorded as `status` events of its attempt: the creditor's
    feed and the position's events tell only the position's own status changes."""
    from ivr.calls import record_status, status_facts
    from ivr.facts import CallFacts
    from tests.factories import make_attempt

    api.put("/api/v1/positions", json={"positions": [item("P-1")]})
    position = session.scalars(select(Position).where(Position.reference == "P-1")).one()
    attempt = make_attempt(session, position, status="queued", call_sid="CA" + "1" * 32)
    session.commit()
    for status in ("ringing", "completed"):
        record_status(session, status_facts(session, attempt.token), CallFacts.from_form(
            {"CallSid": attempt.call_sid, "CallStatus": status, "CallDuration": "12"}), NOW)
    set_status(session, session.get(Position, position.id), "closed", "test", "withdrawn", NOW)
    session.commit()
    items, _ = _read_all(api)
    assert [(e["type"], e["data"].get("to")) for e in items] == [("status_changed", "closed")]
    told = api.get("/api/v1/positions/P-1").json["events"]
    assert [(e["type"], e["data"].get("to")) for e in told] == [("status_changed", "closed")]
