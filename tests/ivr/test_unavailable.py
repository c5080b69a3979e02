"""A database that is gone or does not answer: webhooks still answer Twilio in time, politely."""
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from app import create_app
from db import get_sessionmaker
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, TEST_DATABASE_URL
from tests.factories import make_attempt, make_creditor, make_position
from tests.tcp import FreezingProxy, silent_server  # noqa: F401 - fixture
from tests.twilio_signing import signed_post

SID = "CA" + "0" * 32
TWILIO_TIMEOUT = 15
GOODBYE = "Ci scusi, in questo momento non possiamo proseguire la chiamata."
DEBT_WORDS = ("euro", "fattura", "importo", "pagamento", "debito")


def make_app(database_url, **settings):
    """The test app of conftest, on `database_url`."""
    return create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TELEPHONY": "simulator", "TWILIO_ACCOUNT_SID": None,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TTS_ENGINE": "say", **settings})


def says_goodbye_politely(response):
    root = ET.fromstring(response.data)
    said = " ".join(s.text for s in root.iter("Say"))
    return (response.status_code == 200 and response.mimetype == "application/xml"
            and said.startswith(GOODBYE) and not any(w in said.lower() for w in DEBT_WORDS)
            and root[-1].tag == "Hangup" and root.find("Gather") is None)


def test_a_sqlite_database_that_cannot_be_opened_ends_the_call_politely(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'gone' / 'cortesia.db'}")
    (tmp_path / "gone").rmdir()
    (tmp_path / "gone").write_text("not a directory")   # no one can open a database in there
    client = app.test_client()
    assert says_goodbye_politely(signed_post(client, "/ivr/Tok3n/answer", {"CallSid": SID}))
    assert says_goodbye_politely(signed_post(client, "/ivr/Tok3n/identify?turn=2",
                                             {"CallSid": SID, "Digits": "1"}))
    assert signed_post(client, "/ivr/Tok3n/status", {"CallSid": SID, "CallStatus": "completed"}
                       ).status_code == 204


def test_postgresql_on_a_wrong_port_ends_the_call_politely():
    app = make_app("postgresql://postgres@127.0.0.1:1/cortesia")
    client = app.test_client()
    assert says_goodbye_politely(signed_post(client, "/ivr/Tok3n/menu?turn=3",
                                             {"CallSid": SID, "Digits": "1"}))
    assert signed_post(client, "/ivr/Tok3n/status", {"CallSid": SID, "CallStatus": "busy"}
                       ).status_code == 204
    app.extensions["cortesia.engine"].dispose()


def test_a_database_that_never_answers_gets_twilio_a_goodbye_well_inside_its_timeout(silent_server):
    app = make_app(f"postgresql://postgres@127.0.0.1:{silent_server.port}/cortesia")   # defaults
    started = time.monotonic()
    response = signed_post(app.test_client(), "/ivr/Tok3n/answer", {"CallSid": SID})
    elapsed = time.monotonic() - started
    print(f"a database that never answers: goodbye after {elapsed:.2f} s")
    assert says_goodbye_politely(response)
    assert elapsed < TWILIO_TIMEOUT / 3
    app.extensions["cortesia.engine"].dispose()


def test_an_outage_is_logged_without_personal_data(tmp_path, caplog):
    app = make_app(f"sqlite:///{tmp_path / 'gone' / 'cortesia.db'}")
    (tmp_path / "gone").rmdir()
    (tmp_path / "gone").write_text("")
    signed_post(app.test_client(), "/ivr/Tok3n/identify?turn=2", {"CallSid": SID, "Digits": "4321"})
    logged = [r for r in caplog.records if r.name == "ivr.unavailable"]
    assert logged and logged[0].levelname == "WARNING"
    assert "unable to open database file" in logged[0].getMessage()
    assert "4321" not in caplog.text


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_pooled_connection_to_a_server_that_stopped_answering_is_not_waited_on(database_url):
    """The connection the pool keeps was fine a moment ago; then the server hung (its kernel
    still acknowledges, so TCP timeouts never fire): the next webhook still answers in time."""
    upstream = urlsplit(TEST_DATABASE_URL)
    proxy = FreezingProxy((upstream.hostname, upstream.port or 5432))
    proxied = TEST_DATABASE_URL.replace(upstream.netloc, f"{upstream.username}@127.0.0.1:{proxy.port}")
    app = make_app(proxied, DATABASE_CONNECT_TIMEOUT=2, DATABASE_STATEMENT_TIMEOUT=1)
    with app.app_context():
        session = get_sessionmaker(app)()
        attempt = make_attempt(session, make_position(session, make_creditor(session)))
        session.close()
    client = app.test_client()
    assert "Mario Rossi" in signed_post(client, f"/ivr/{attempt.token}/answer",
                                        {"CallSid": SID}).get_data(as_text=True)
    proxy.freeze()
    started = time.monotonic()
    response = signed_post(client, f"/ivr/{attempt.token}/identify?turn=2",
                           {"CallSid": SID, "Digits": "1"})
    elapsed = time.monotonic() - started
    print(f"a pooled connection to a hung server: goodbye after {elapsed:.2f} s")
    assert says_goodbye_politely(response) and elapsed < TWILIO_TIMEOUT / 2
    app.extensions["cortesia.engine"].dispose()
    proxy.close()


def test_a_sqlite_database_locked_by_a_long_writer_gets_twilio_a_goodbye_in_time(tmp_path):
    """A long import holds SQLite's write lock: a webhook waits for it only within its budget,
    not for the busy timeout every other process keeps."""
    import sqlite3

    path = tmp_path / "cortesia.db"
    app = make_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT=60)
    from db.upgrade import upgrade_schema
    upgrade_schema(app.extensions["cortesia.engine"])
    with app.app_context():
        session = get_sessionmaker(app)()
        attempt = make_attempt(session, make_position(session, make_creditor(session)))
        session.close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")   # the importer's transaction, not ending soon
    try:
        started = time.monotonic()
        response = signed_post(app.test_client(), f"/ivr/{attempt.token}/answer", {"CallSid": SID})
        elapsed = time.monotonic() - started
    finally:
        writer.rollback()
        writer.close()
    print(f"a locked SQLite database: goodbye after {elapsed:.2f} s")
    assert says_goodbye_politely(response) and elapsed < TWILIO_TIMEOUT * 2 / 3
    with app.app_context():   # and the worker's own waits are back to the busy timeout
        with app.extensions["cortesia.engine"].connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000
    app.extensions["cortesia.engine"].dispose()
