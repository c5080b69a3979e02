"""API keys: shown once, kept hashed, revoked for good; a request without a live key is 401,
too many in a minute 429 with Retry-After."""
import re

from sqlalchemy import select

from db.models import ApiKey
from tests.api.conftest import ApiClient, item


def test_apikey_add_prints_the_key_once_and_keeps_only_its_hash(runner, session, creditor):
    result = runner.invoke(args=["apikey", "add", "--creditor", creditor.name, "--label", "ERP"])
    assert result.exit_code == 0, result.output
    key = re.search(r"^(ctsa_\S+)$", result.output, re.M)[1]
    row = session.scalar(select(ApiKey))
    assert key not in (row.key_hash, row.prefix) and key.startswith(row.prefix)
    listed = runner.invoke(args=["apikey", "list"]).output
    assert "ERP" in listed and creditor.name in listed and key not in listed
    unknown = runner.invoke(args=["apikey", "add", "--creditor", "Nobody"])
    assert unknown.exit_code != 0 and "no creditor named 'Nobody'" in unknown.output


def test_missing_wrong_and_revoked_keys_are_401(runner, client, session, creditor):
    key = re.search(r"(ctsa_\S+)", runner.invoke(
        args=["apikey", "add", "--creditor", creditor.name]).output)[1]
    api = ApiClient(client, key)
    assert api.get("/api/v1/positions").status_code == 200
    for wrong in (None, "ctsa_" + "x" * 43, key[:-1], "Basic " + key):
        response = api.get("/api/v1/positions", key=wrong)
        assert response.status_code == 401, wrong
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    key_id = session.scalar(select(ApiKey.id))
    revoked = runner.invoke(args=["apikey", "revoke", str(key_id)])
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert api.get("/api/v1/positions").status_code == 401
    assert api.put("/api/v1/positions", json={"positions": [item()]}).status_code == 401
    assert runner.invoke(args=["apikey", "revoke", "999"]).exit_code != 0


def test_the_openapi_document_needs_no_key(api):
    assert api.get("/api/v1/openapi.json", key=None).status_code == 200


def test_a_key_over_its_rate_is_429_with_retry_after(app, api, other_api, monkeypatch):
    app.config["API_RATE_PER_MINUTE"] = 3
    clock = [60 * 29_000_000 + 45.5]   # 14.5 s before a minute turns
    monkeypatch.setattr("api.guard.time.time", lambda: clock[0])
    assert [api.get("/api/v1/positions").status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get("/api/v1/positions")
    assert limited.status_code == 429 and limited.json["code"] == "rate_limited"
    assert limited.headers["Retry-After"] == "15"
    assert api.put("/api/v1/positions", json={"positions": [item()]}).status_code == 429
    assert other_api.get("/api/v1/positions").status_code == 200   # another key counts apart
    clock[0] += 15   # the next minute
    assert api.get("/api/v1/positions").status_code == 200


def test_unknown_api_addresses_and_methods_answer_problem_documents(api):
    assert api.get("/api/v1/nothing").status_code == 404
    response = api.request("DELETE", "/api/v1/positions")
    assert response.status_code == 405 and "PUT" in response.headers["Allow"]


def test_a_keys_past_minutes_are_dropped_when_a_new_one_opens(api, session):
    from db.models import ApiRateWindow
    api.get("/api/v1/positions")
    key_id = session.scalar(select(ApiRateWindow.key_id))
    session.execute(ApiRateWindow.__table__.update().values(minute=ApiRateWindow.minute - 5))
    session.commit()
    api.get("/api/v1/positions")
    session.expire_all()
    minutes = session.scalars(select(ApiRateWindow.minute).where(
        ApiRateWindow.key_id == key_id)).all()
    assert len(minutes) == 1
