"""Payments and closure through the API: the same contacts.status functions as the console and
the payments command, with the same effects."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from db.models import Attempt, OutgoingMail, Position
from tests.api.conftest import item


def _position(session, reference):
    session.expire_all()
    return session.scalar(select(Position).where(Position.reference == reference))


def test_partial_then_full_payment_stops_every_contact_at_once(api, session):
    api.put("/api/v1/positions", json={"positions": [item("P-1", amount="100,00")]})
    position = _position(session, "P-1")
    session.add(Attempt(position_id=position.id, number=1, status="pending",
                        due_at=datetime.now(timezone.utc) + timedelta(hours=1)))
    session.add(OutgoingMail(key="k1", position_id=position.id, kind="sollecito",
                             to_address="mario@example.test", subject="s", body="b"))
    session.commit()
    today = datetime.now(timezone.utc).date().isoformat()
    partial = api.post("/api/v1/positions/P-1/payments",
                       json={"amount_paid": "40,50", "paid_on": today})
    assert partial.status_code == 200
    assert (partial.json["status"], partial.json["amount_due"]) == ("open", "59.50")
    full = api.post("/api/v1/positions/P-1/payments", json={"amount_paid": 59.5, "paid_on": today})
    assert (full.json["status"], full.json["amount_due"]) == ("paid", "0.00")
    session.expire_all()
    assert session.scalar(select(Attempt.status)) == "canceled"
    assert session.scalar(select(OutgoingMail.status)) == "withdrawn"
    again = api.post("/api/v1/positions/P-1/payments", json={"amount_paid": 1, "paid_on": today})
    assert again.status_code == 409 and again.json["code"] == "already_final"


def test_payments_that_cannot_be_used_are_422_with_their_field(api):
    api.put("/api/v1/positions", json={"positions": [item("P-1")]})
    zero = api.post("/api/v1/positions/P-1/payments", json={"amount_paid": "0", "paid_on": "2026-01-01"})
    assert zero.status_code == 422 and zero.json["errors"][0]["pointer"] == "/amount_paid"
    future = api.post("/api/v1/positions/P-1/payments",
                      json={"amount_paid": 5, "paid_on": "2999-01-01"})
    assert future.status_code == 422 and future.json["code"] == "paid_in_future"
    no_date = api.post("/api/v1/positions/P-1/payments", json={"amount_paid": 5})
    assert no_date.status_code == 422 and no_date.json["errors"][0]["pointer"] == "/paid_on"


def test_close_withdraws_the_position_and_names_the_key(api, session):
    api.put("/api/v1/positions", json={"positions": [item("P-1"), item("P-2")]})
    closed = api.post("/api/v1/positions/P-1/close", json={"reason": "settled by phone"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    # No body at all is a close without a reason.
    assert api.post("/api/v1/positions/P-2/close").json["status"] == "closed"
    assert api.post("/api/v1/positions/P-2/close").status_code == 409
    events = api.get("/api/v1/positions/P-1").json["events"]
    assert events[-1]["type"] == "status_changed"
    assert events[-1]["data"] == {"from": "open", "to": "closed", "reason": "settled by phone"}
