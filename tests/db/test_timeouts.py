"""Bounded waits for PostgreSQL: connecting, each statement, each reply, a request's deadline."""
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import db
from db import make_engine
from db.timeouts import end_deadline, postgresql_connect_args, remaining, start_deadline
from tests.conftest import TEST_DATABASE_URL

needs_postgresql = pytest.mark.skipif(not TEST_DATABASE_URL,
                                      reason="needs PostgreSQL (TEST_DATABASE_URL)")


def test_connect_timeouts_below_libpqs_two_seconds_are_raised_to_two():
    assert postgresql_connect_args(1, 5)["connect_timeout"] == 2
    assert postgresql_connect_args(3, 5) == {
        "connect_timeout": 3, "options": "-c jit=off -c statement_timeout=5000"}


def test_no_statement_timeout_when_it_is_zero():
    assert postgresql_connect_args(3, 0)["options"] == "-c jit=off"


def test_a_deadline_shortens_every_wait_until_it_ends():
    assert remaining(5) == 5
    token = start_deadline(1)
    try:
        assert 0.5 < remaining(5) <= 1 and 0.5 < remaining(None) <= 1
    finally:
        end_deadline(token)
    assert remaining(5) == 5


@needs_postgresql
def test_postgresql_connections_carry_the_statement_timeout():
    engine = make_engine(TEST_DATABASE_URL)
    with engine.connect() as connection:
        assert connection.scalar(text("SHOW statement_timeout")) == "30s"
    engine.dispose()


@needs_postgresql
def test_a_statement_over_the_statement_timeout_is_cancelled():
    engine = make_engine(TEST_DATABASE_URL, statement_timeout=0.5)
    started = time.monotonic()
    with engine.connect() as connection, pytest.raises(OperationalError, match="statement timeout"):
        connection.execute(text("SELECT pg_sleep(3)"))
    assert time.monotonic() - started < 2
    engine.dispose()


@needs_postgresql
def test_within_a_deadline_no_reply_is_awaited_past_it():
    engine = make_engine(TEST_DATABASE_URL, statement_timeout=10)
    with engine.connect() as connection:
        token = start_deadline(0.5)
        started = time.monotonic()
        try:
            with pytest.raises(OperationalError, match="did not answer"):
                connection.execute(text("SELECT pg_sleep(3)"))
        finally:
            end_deadline(token)
        assert time.monotonic() - started < 1.5
    engine.dispose()


@needs_postgresql
def test_a_connection_given_back_a_moment_ago_is_handed_out_without_a_ping(monkeypatch):
    engine = make_engine(TEST_DATABASE_URL)
    pings, ping = [], engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    for _ in range(3):
        with engine.connect() as connection:
            connection.scalar(text("SELECT 1"))
    assert pings == []
    engine.dispose()


@needs_postgresql
def test_a_connection_idle_past_the_limit_is_pinged_and_replaced_when_the_server_dropped_it(
        monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0)   # every connection given back is "idle"
    engine, other = make_engine(TEST_DATABASE_URL), make_engine(TEST_DATABASE_URL)
    pings, ping = [], engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    with engine.connect() as connection:
        backend = connection.scalar(text("SELECT pg_backend_pid()"))
    with other.connect() as connection:   # a restarted server, a proxy's idle timeout
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_backend_pid()")) != backend
    assert pings
    engine.dispose()
    other.dispose()
