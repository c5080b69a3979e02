"""Campaign controls through the API: a position stopped and let go on, the campaign paused and
resumed, through contacts.controls as in the console and on the command line; another
creditor's position is a 404."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from db.models import Attempt, Creditor, CreditorEvent, Event, OutgoingMail, Position
from tests.api.conftest import item


def _position(session, reference):
    session.expire_all()
    return session.scalar(select(Position).where(Position.reference == reference))


def test_a_position_is_stopped_and_let_go_on(api, session):
    api.put("/api/v1/positions", json={"positions": [item("P-1")]})
    position = _position(session, "P-1")
    session.add(Attempt(position_id=position.id, number=1, status="pending",
                        due_at=datetime.now(timezone.utc) + timedelta(hours=1)))
    session.add(OutgoingMail(key="k1", position_id=position.id, kind="sollecito",
                             to_address="mario@example.test", subject="s", body="b"))
    session.commit()
    refused = api.post("/api/v1/positions/P-1/hold", json={})
    assert refused.status_code == 422 and refused.json["code"] == "control_no_reason"
    held = api.post("/api/v1/positions/P-1/hold", json={"reason": "in talks"})
    assert held.status_code == 200
    assert held.json["status"] == "open" and held.json["held_at"] is not None
    session.expire_all()
    assert session.scalar(select(Attempt.status)) == "canceled"
    assert session.scalar(select(OutgoingMail.status)) == "withdrawn"
    assert session.scalar(select(Event.source).where(Event.kind == "held")).startswith("api:key:")
    again = api.post("/api/v1/positions/P-1/hold", json={"reason": "again"})
    assert again.status_code == 409 and again.json["code"] == "position_held_already"
    released = api.post("/api/v1/positions/P-1/release")
    assert released.status_code == 200 and released.json["held_at"] is None
    assert api.post("/api/v1/positions/P-1/release").json["code"] == "position_not_held"


def test_another_creditors_position_cannot_be_stopped(api, other_api, session):
    other_api.put("/api/v1/positions", json={"positions": [item("B-1")]})
    assert api.post("/api/v1/positions/B-1/hold", json={"reason": "x"}).status_code == 404
    assert _position(session, "B-1").held_at is None


def test_the_campaign_is_paused_and_resumed(api, session, creditor):
    assert api.get("/api/v1/campaign").json == {"paused": False, "paused_at": None}
    assert api.post("/api/v1/campaign/pause", json={}).json["code"] == "control_no_reason"
    paused = api.post("/api/v1/campaign/pause", json={"reason": "checking the list"})
    assert paused.status_code == 200 and paused.json["paused"] is True
    session.expire_all()
    assert session.get(Creditor, creditor.id).paused_at is not None
    assert api.post("/api/v1/campaign/pause", json={"reason": "x"}).status_code == 409
    resumed = api.post("/api/v1/campaign/resume")
    assert resumed.json == {"paused": False, "paused_at": None}
    assert [e.kind for e in session.scalars(select(CreditorEvent).order_by(CreditorEvent.id))] \
        == ["paused", "resumed"]


def test_one_creditors_pause_is_not_anothers(api, other_api, session, creditor, other_creditor):
    api.post("/api/v1/campaign/pause", json={"reason": "ours"})
    assert other_api.get("/api/v1/campaign").json["paused"] is False
    session.expire_all()
    assert session.get(Creditor, other_creditor.id).paused_at is None
