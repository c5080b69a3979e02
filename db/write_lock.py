"""One writer at a time on a SQLite file, queued on a lock the processes share.

SQLite lets one connection write at a time; another that wants to write polls, sleeping a
millisecond, then two, five, ten… between tries (its busy handler), so a writer that finished
in half a millisecond leaves the next one asleep for longer than the write itself. Processes
that share a `multiprocessing.Lock` (the simulator's worker processes) take it before their
first write and give it back with the connection, its transaction over: the next writer wakes the moment the
lock is free. Reads stay free: in WAL mode they never wait for a writer.
"""
from sqlalchemy import event

READS = ("SELECT", "PRAGMA")
HELD = "cortesia.write_lock_held"


def share_write_lock(engine, lock, timeout):
    """Make every connection of `engine` take `lock` before it writes, until it goes back to
    the pool. A lock not had within `timeout` seconds (its holder stuck) is gone without:
    SQLite's own busy timeout still guards the file."""

    def take(info):   # the DBAPI connection's own dict, kept across checkouts
        if not info.get(HELD):
            info[HELD] = lock.acquire(timeout=timeout)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection, _cursor, statement, _parameters, _context, _many):
        if not statement.lstrip()[:6].upper().startswith(READS):
            take(connection.connection.info)

    # Before the listener that opens a savepoint's transaction with BEGIN IMMEDIATE.
    @event.listens_for(engine, "savepoint", insert=True)
    def _before_savepoint(connection, _name):
        take(connection.connection.info)

    # A session gives its connection back once its transaction is over, committed or not.
    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_connection, record):
        if record.info.pop(HELD, False):
            lock.release()
