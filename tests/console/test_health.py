"""/healthz, for load balancers: no login, says whether the database answers."""


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
