"""PUT/GET positions: the contact list's validation item by item, idempotency, and one
creditor's key seeing nothing of another's."""
from decimal import Decimal

from sqlalchemy import func, select

from db.models import Event, ImportBatch, Position
from tests.api.conftest import item


def test_put_imports_updates_and_rejects_each_item_with_the_file_importers_reasons(api, session):
    first = api.put("/api/v1/positions", json={"positions": [item("P-1"), item("P-2")]})
    assert first.status_code == 200
    assert [i["result"] for i in first.json["items"]] == ["imported", "imported"]
    answer = api.put("/api/v1/positions", json={"positions": [
        item("P-1", amount=99.5),
        item("P-3", phone="12", amount="1.234", due_date="31/02/2026"),
        item("P-4"),
        item("P-4", name="Again"),
    ]}).json
    assert (answer["imported"], answer["updated"], answer["rejected"]) == (1, 1, 2)
    results = {(i["index"], i["result"]) for i in answer["items"]}
    assert results == {(0, "updated"), (1, "rejected"), (2, "imported"), (3, "rejected")}
    problems = {(p["field"], p["code"]) for p in answer["items"][1]["problems"]}
    assert problems == {("phone", "invalid"), ("amount", "ambiguous"),
                        ("due_date", "not_in_calendar")}
    assert answer["items"][3]["problems"] == [{
        "field": "reference", "code": "repeated",
        "detail": "reference 'P-4' already appears in row 2"}]
    p1 = session.scalar(select(Position).where(Position.reference == "P-1"))
    assert p1.amount == Decimal("99.50") and p1.phone == "+393331234567"
    # The same writer as a file: an import batch with its counts, an event per row written.
    batch = session.get(ImportBatch, answer["batch_id"])
    assert (batch.imported, batch.updated, batch.rejected) == (1, 1, 2)
    assert batch.filename.startswith("api:key:")
    assert session.scalar(select(func.count()).select_from(Event).where(
        Event.source == f"import:batch:{batch.id}")) == 2


def test_a_body_that_breaks_the_schema_is_a_problem_with_a_pointer_per_field(api, session):
    response = api.put("/api/v1/positions", json={"positions": [
        {"reference": 7, "name": "X", "phone": "3331234567", "amount": "1", "due_date": "x",
         "colour": "red"}, {"name": "Y"}]})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    pointers = {(e["pointer"], e["code"]) for e in response.json["errors"]}
    assert ("/positions/0/reference", "string_type") in pointers
    assert ("/positions/0/colour", "extra_forbidden") in pointers
    assert ("/positions/1/phone", "missing") in pointers
    assert session.scalar(select(func.count()).select_from(Position)) == 0


def test_a_batch_over_a_thousand_items_or_not_json_is_refused(api):
    many = api.put("/api/v1/positions", json={"positions": [item(f"R{i}") for i in range(1001)]})
    assert many.status_code == 422
    assert many.json["errors"][0]["code"] == "too_long"
    text = api.put("/api/v1/positions", data="reference,name", content_type="text/csv")
    assert text.status_code == 415


def test_a_body_over_the_cap_is_refused_unread(app, api):
    app.config["API_MAX_BODY_BYTES"] = 1000
    response = api.put("/api/v1/positions", json={"positions": [item(f"R{i}") for i in range(50)]})
    assert response.status_code == 413
    assert response.json["code"] == "body_too_large"


def test_idempotency_key_makes_a_retried_batch_a_no_op(api, session):
    body = {"positions": [item("P-1"), item("P-2", phone="bad")]}
    headers = {"Idempotency-Key": "batch-2026-12-02-1"}
    first = api.put("/api/v1/positions", json=body, headers=headers)
    again = api.put("/api/v1/positions", json=body, headers=headers)
    assert again.status_code == 200 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 1
    other = api.put("/api/v1/positions", json={"positions": [item("P-9")]}, headers=headers)
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"
    assert session.scalar(select(func.count()).select_from(Position)) == 1


def test_get_position_tells_status_amount_due_attempts_messages_and_events(api):
    api.put("/api/v1/positions", json={"positions": [item("FT/2026/1", invoice="FT-1")]})
    response = api.get("/api/v1/positions/FT/2026/1")
    assert response.status_code == 200
    position = response.json
    assert (position["reference"], position["status"], position["amount_due"]) == \
        ("FT/2026/1", "open", "1234.56")
    assert position["phone"] == "+393331234567"
    assert position["attempts"] == [] and position["messages"] == []


def test_another_creditors_reference_is_not_found_and_unchanged(api, other_api, session):
    api.put("/api/v1/positions", json={"positions": [item("P-1")]})
    assert other_api.get("/api/v1/positions/P-1").status_code == 404
    assert other_api.post("/api/v1/positions/P-1/close", json={}).status_code == 404
    assert other_api.post("/api/v1/positions/P-1/payments",
                          json={"amount_paid": 10, "paid_on": "2026-12-01"}).status_code == 404
    assert other_api.get("/api/v1/positions").json["items"] == []
    # The same reference pushed by the other creditor is its own position, not this one.
    assert other_api.put("/api/v1/positions", json={"positions": [item("P-1", amount=5)]}) \
        .json["items"][0]["result"] == "imported"
    assert api.get("/api/v1/positions/P-1").json["amount"] == "1234.56"


def test_list_positions_by_status_and_cursor(api):
    api.put("/api/v1/positions", json={"positions": [item(f"P-{i}") for i in range(5)]})
    api.post("/api/v1/positions/P-3/close", json={"reason": "settled"})
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/positions", query_string=query).json
        seen += [p["reference"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"P-{i}" for i in range(5)]
    closed = api.get("/api/v1/positions", query_string={"status": "closed"}).json["items"]
    assert [p["reference"] for p in closed] == ["P-3"]
    later = api.get("/api/v1/positions",
                    query_string={"updated_after": "2999-01-01T00:00:00+00:00"}).json
    assert later["items"] == []
    bad = api.get("/api/v1/positions", query_string={"status": "lost", "limit": "0"})
    assert bad.status_code == 400 and bad.json["errors"][0]["pointer"] == "status"
    naive = api.get("/api/v1/positions", query_string={"updated_after": "2026-01-01T00:00"})
    assert naive.status_code == 400


def test_a_kept_answer_is_forgotten_after_a_week(app, api, session):
    from datetime import timedelta

    from api.delivery import publish_and_deliver
    from db.models import ApiIdempotency, utcnow
    headers = {"Idempotency-Key": "old"}
    api.put("/api/v1/positions", json={"positions": [item("P-1")]}, headers=headers)
    session.execute(ApiIdempotency.__table__.update().values(
        created_at=utcnow() - timedelta(days=8)))
    session.commit()
    publish_and_deliver(app, utcnow())
    assert session.scalar(select(func.count()).select_from(ApiIdempotency)) == 0
    # The key is new again: the same batch is an update now, not a replay.
    again = api.put("/api/v1/positions", json={"positions": [item("P-1")]}, headers=headers)
    assert "Idempotent-Replayed" not in again.headers
    assert again.json["items"][0]["result"] == "updated"
