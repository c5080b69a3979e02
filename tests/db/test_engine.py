"""The SQLite engine under load: WAL, a busy timeout, and writers that wait instead of failing."""
import sqlite3
import threading
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from db import make_engine
from db.timeouts import end_deadline, start_deadline


def hold_write_lock(path, seconds):
    """Another process's long write (a list preview): the write lock, held `seconds`; the thread
    and an event set once the lock is held."""
    held = threading.Event()

    def run():
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t (v) VALUES (100)")
        held.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(5)
    return thread


def engine_with_table(tmp_path, **options):
    path = str(tmp_path / "load.db")
    engine = make_engine(f"sqlite:///{path}", **options)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
        connection.execute(text("INSERT INTO t (v) VALUES (1)"))
    return engine, path


def test_sqlite_runs_in_wal_with_the_configured_busy_timeout(tmp_path):
    engine, _ = engine_with_table(tmp_path, sqlite_busy_timeout=12.5)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 12500
    engine.dispose()


def test_sqlite_syncs_as_configured_normal_by_default_and_never_off(tmp_path):
    import pytest

    from config import load_config

    levels = {"normal": 1, "full": 2, "extra": 3}   # PRAGMA synchronous's numbers
    assert load_config({})["SQLITE_SYNCHRONOUS"] == "normal"
    for name, number in levels.items():
        engine = make_engine(f"sqlite:///{tmp_path / name}.db", sqlite_synchronous=name)
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA synchronous")).scalar() == number
        engine.dispose()
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS must be one of normal, full, extra"):
        make_engine(f"sqlite:///{tmp_path / 'off'}.db", sqlite_synchronous="off")


def busy_timeout(engine):
    with engine.connect() as connection:
        return connection.execute(text("PRAGMA busy_timeout")).scalar()


def test_under_a_deadline_a_connection_waits_at_most_what_is_left_then_as_configured(tmp_path):
    engine, _ = engine_with_table(tmp_path, sqlite_busy_timeout=12.5)
    token = start_deadline(2.0)
    try:
        assert 1800 <= busy_timeout(engine) <= 2000
        assert 1800 <= busy_timeout(engine) <= 2000   # a wait set a moment ago stands
    finally:
        end_deadline(token)
    token = start_deadline(0.5)
    try:
        assert busy_timeout(engine) <= 500            # never longer than what is left
    finally:
        end_deadline(token)
    assert busy_timeout(engine) == 12500
    engine.dispose()


def test_a_write_waits_for_another_writer_instead_of_failing(tmp_path):
    engine, path = engine_with_table(tmp_path)
    with Session(engine) as session:
        session.execute(text("SELECT v FROM t")).all()
        writer = hold_write_lock(path, 0.3)
        session.execute(text("UPDATE t SET v = v + 1"))
        session.commit()
    writer.join()
    engine.dispose()


def test_a_savepoint_that_reads_then_writes_waits_for_another_writer_instead_of_failing(tmp_path):
    """A deferred transaction that read first cannot wait for the write lock: SQLite answers
    "database is locked" at once. The savepoint takes the lock before it reads."""
    engine, path = engine_with_table(tmp_path)
    writer = hold_write_lock(path, 0.3)
    started = time.monotonic()
    with Session(engine) as session:
        with session.begin_nested():
            seen = session.execute(text("SELECT count(*) FROM t")).scalar()
            session.execute(text("UPDATE t SET v = v + 1"))
        session.commit()
    writer.join()
    assert time.monotonic() - started >= 0.2   # it waited for the other writer
    assert seen == 2                            # ... and so read after its commit
    with engine.connect() as connection:
        assert connection.execute(text("SELECT sum(v) FROM t")).scalar() == 103
    engine.dispose()
