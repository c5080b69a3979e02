"""/healthz, for load balancers: no login, says whether the database answers."""
import time

from app import create_app
from tests.tcp import silent_server  # noqa: F401 - fixture


def test_healthz_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(app, client):
    app.extensions["cortesia.sessionmaker"].configure(bind=_broken_engine())
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def _broken_engine():
    from sqlalchemy import create_engine

    return create_engine("sqlite:////nonexistent-dir/for/sure/cortesia.db")


def test_healthz_answers_503_within_two_seconds_when_the_database_never_answers(silent_server):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key",
                      "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{silent_server.port}/x"})
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    elapsed = time.monotonic() - started
    print(f"/healthz on a database that never answers: {response.status_code} after {elapsed:.2f} s")
    assert response.status_code == 503 and response.json["database"] == "unreachable"
    assert elapsed < 2
    app.extensions["cortesia.engine"].dispose()
