"""Writers queued on a shared lock (db.write_lock): taken at a transaction's first write, held
to its end, never by reads; a savepoint's transaction takes it too."""
import multiprocessing

from sqlalchemy import text
from sqlalchemy.orm import Session

from db import make_engine
from db.write_lock import share_write_lock


def locked_engine(tmp_path, timeout=5):
    engine = make_engine(f"sqlite:///{tmp_path}/lock.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
    lock = multiprocessing.get_context("spawn").Lock()
    share_write_lock(engine, lock, timeout=timeout)
    return engine, lock


def is_free(lock):
    if lock.acquire(block=False):
        lock.release()
        return True
    return False


def test_a_write_holds_the_lock_until_its_transaction_ends_and_reads_never_take_it(tmp_path):
    engine, lock = locked_engine(tmp_path)
    with Session(engine) as session:
        session.execute(text("SELECT count(*) FROM t")).scalar()
        assert is_free(lock)
        session.execute(text("INSERT INTO t (v) VALUES (1)"))
        assert not is_free(lock)
        session.execute(text("UPDATE t SET v = 2"))    # still the same hold, no second take
        session.commit()
        assert is_free(lock)
        session.execute(text("INSERT INTO t (v) VALUES (3)"))
        assert not is_free(lock)
        session.rollback()
        assert is_free(lock)
    with Session(engine) as session:   # a session closed without commit gives it back too
        session.execute(text("INSERT INTO t (v) VALUES (4)"))
    assert is_free(lock)
    with Session(engine) as session:
        assert session.execute(text("SELECT v FROM t ORDER BY id")).scalars().all() == [2]


def test_a_savepoint_takes_the_lock_before_its_transaction_begins(tmp_path):
    engine, lock = locked_engine(tmp_path)
    with Session(engine) as session:
        with session.begin_nested():
            # Its first statement, even a read, opens the savepoint, after BEGIN IMMEDIATE
            session.execute(text("SELECT count(*) FROM t")).scalar()
            assert not is_free(lock)
            session.execute(text("INSERT INTO t (v) VALUES (1)"))
        session.commit()
    assert is_free(lock)


def test_a_lock_held_elsewhere_past_the_timeout_leaves_the_write_to_sqlite(tmp_path):
    engine, lock = locked_engine(tmp_path, timeout=0.2)
    lock.acquire()   # a stuck holder
    try:
        with Session(engine) as session:
            session.execute(text("INSERT INTO t (v) VALUES (1)"))
            session.commit()
    finally:
        lock.release()
    assert is_free(lock)   # not released twice: the write went on without it
