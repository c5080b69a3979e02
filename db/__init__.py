"""Database access: one engine per app, one session per request or command."""
import os
import time
import weakref
from contextlib import contextmanager

import click
from flask import current_app, g
from flask.cli import with_appcontext
from sqlalchemy import bindparam, create_engine, event, inspect, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from config import DEFAULTS
from db.prepared import Prepared
from db.timeouts import bounded_busy_wait, bounded_connect, postgresql_connect_args
from db.upgrade import upgrade_schema


def normalise_url(url):
    """Pick the psycopg 3 driver for plain PostgreSQL URLs (the one pinned in requirements)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


# SQLite's PRAGMA synchronous levels a configuration may choose. Never `off`: a system crash
# could then corrupt the database, where `normal` (in WAL mode) can at worst lose the last
# commits before a power cut, and an application crash nothing.
SQLITE_SYNCHRONOUS = ("normal", "full", "extra")


def make_engine(url, connect_timeout=None, statement_timeout=None, sqlite_busy_timeout=30,
                sqlite_synchronous="normal"):
    """An engine on `url`. On PostgreSQL, waits for the server are bounded (db.timeouts):
    seconds to connect, and seconds a statement may run (0: no limit); config's defaults. On
    SQLite a writer waits up to `sqlite_busy_timeout` seconds for another one to finish, and a
    commit reaches the disk as `sqlite_synchronous` says (SQLITE_SYNCHRONOUS)."""
    url = make_url(normalise_url(url))
    if url.get_backend_name() != "sqlite":
        return _postgresql_engine(url, connect_timeout, statement_timeout)
    if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}, "
                         f"not {sqlite_synchronous!r}")
    return _sqlite_engine(url, sqlite_busy_timeout, sqlite_synchronous)


def _sqlite_engine(url, busy_timeout, synchronous):
    if url.database and url.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout})
    event.listen(engine, "checkout", bounded_busy_wait(busy_timeout))

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the webhooks write while a dial pass reads.
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode `normal` syncs at checkpoints, not at every commit (a webhook's commit
        # was a sixth of its time); `full` syncs every commit.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        # SQLite's own page cache is 2 MB by default: a month's events and attempts outgrow it
        # and every insert then reads its index pages back from the file. 64 MB per connection.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _write_lock_before_savepoint(connection, _name):
        # pysqlite opens a transaction just before a write, so the write lock is waited for
        # (busy timeout) from outside any transaction. A SAVEPOINT outside one opens a deferred
        # transaction instead: its first read pins a snapshot, and a write after it fails at once
        # with "database is locked" when another connection writes meanwhile, busy timeout or
        # not. A savepoint is there to write: take the write lock first, waiting like any write.
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN IMMEDIATE")

    return engine


def _postgresql_engine(url, connect_timeout, statement_timeout):
    if connect_timeout is None:
        connect_timeout = int(DEFAULTS["DATABASE_CONNECT_TIMEOUT"])
    if statement_timeout is None:
        statement_timeout = float(DEFAULTS["DATABASE_STATEMENT_TIMEOUT"])
    # The pool waits for a free connection no longer than for a new one.
    engine = create_engine(url, pool_timeout=connect_timeout,
                           connect_args=postgresql_connect_args(connect_timeout, statement_timeout))
    event.listen(engine, "do_connect", bounded_connect(statement_timeout))
    ping_when_idle(engine, PING_AFTER_IDLE)
    return engine


# A pooled connection idle this long is pinged before it is handed out (a restarted server, a
# proxy's idle timeout); one given back sooner is not.
PING_AFTER_IDLE = 5.0
_IDLE_SINCE = "cortesia.idle_since"


def ping_when_idle(engine, seconds):
    """Ping a connection on checkout once it has been idle in the pool for `seconds`, as
    `pool_pre_ping` would; a dead one is replaced (and the pool's older ones with it).

    `pool_pre_ping` pings at every checkout: a round trip to the server for each webhook, a
    tenth of its time on PostgreSQL, for connections given back milliseconds before. A server
    lost in between fails that request's statement instead: the pool sees the disconnect and
    replaces its connections, and the webhook answers without the database (ivr.unavailable)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection, record):
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection, record):
        record.info.pop(_IDLE_SINCE, None)

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < seconds:
            return   # just connected, or given back a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError() from error
            raise


def insert_ignoring(session, table):
    """An INSERT that skips rows clashing with a unique key, on PostgreSQL and SQLite alike."""
    return insert_ignoring_on(session.get_bind().dialect.name, table)


def insert_ignoring_on(dialect_name, table):
    """`insert_ignoring` for the dialect named `dialect_name`."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def write_columns(session, obj, **values):
    """Set `values` on `obj` with one UPDATE of its row, and on the object as already written.

    What a webhook does instead of changing attributes: a few columns of one row the session
    holds, without a flush of the unit of work (its costliest step), and the object still
    reads the new values. An object not in the database yet gets ordinary attribute changes."""
    state = inspect(obj)
    if not values:
        return
    if not state.persistent:
        for name, value in values.items():
            setattr(obj, name, value)
        return
    table = state.mapper.local_table
    if table not in _ROW_UPDATES:
        [key] = table.primary_key.columns
        _ROW_UPDATES[table] = Prepared(update(table).where(key == bindparam("row_key")))
    _ROW_UPDATES[table].execute(session, {"row_key": state.identity[0], **values})
    for name, value in values.items():
        set_committed_value(obj, name, value)


_ROW_UPDATES = {}   # table → its UPDATE … WHERE <primary key> = :row_key, built once


# Where a session keeps its app's configuration, for code that runs with no app context (the
# worker's threads) yet needs a setting: the links to the debtor's page in queued messages.
CONFIG = "cortesia.config"


def config_of(session):
    """The configuration of the app whose sessionmaker made `session`."""
    return session.info[CONFIG]


def get_sessionmaker(app=None):
    return (app or current_app).extensions["cortesia.sessionmaker"]


def get_session():
    """The session of the current request (or app context), closed at teardown."""
    if "db_session" not in g:
        g.db_session = get_sessionmaker()()
    return g.db_session


@contextmanager
def session_scope(app=None):
    """A session for work outside a request: committed on success, rolled back on error."""
    session = get_sessionmaker(app)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def transaction(app=None):
    """A Connection in a transaction, committed on success, rolled back on error: for work
    that runs only named SQL (db.prepared) and needs none of a Session's bookkeeping, which
    cost a short transaction about half of its time."""
    with (app or current_app).extensions["cortesia.engine"].begin() as connection:
        yield connection


@contextmanager
def connection(app=None):
    """A Connection that commits as it goes (its `commit()`; the next statement begins anew)
    and rolls back what is left uncommitted at the end: for several transactions of named SQL
    in a row, as a status callback that closes each attempt of a call in its own."""
    with (app or current_app).extensions["cortesia.engine"].connect() as connection:
        yield connection


def session_joining(connection):
    """A Session of its app's sessionmaker on `connection`, inside the connection's transaction:
    for the rare ORM work of a transaction otherwise run as named SQL (`connection`,
    `transaction`). Flush it; the connection commits or rolls back the whole."""
    return _SESSIONMAKERS[connection.engine](bind=connection,
                                             join_transaction_mode="rollback_only")


_SESSIONMAKERS = weakref.WeakKeyDictionary()   # engine → its app's sessionmaker (init_app)


def _close_session(_exc=None):
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema (idempotent)."""
    engine = current_app.extensions["cortesia.engine"]
    upgrade_schema(engine)
    click.echo(f"Database schema is up to date ({engine.url.render_as_string(hide_password=True)}).")


def init_app(app):
    config = app.config
    engine = make_engine(config["DATABASE_URL"], config["DATABASE_CONNECT_TIMEOUT"],
                         config["DATABASE_STATEMENT_TIMEOUT"],
                         sqlite_busy_timeout=config.get("SQLITE_BUSY_TIMEOUT", 30),
                         sqlite_synchronous=config.get("SQLITE_SYNCHRONOUS", "normal"))
    app.extensions["cortesia.engine"] = engine
    maker = sessionmaker(engine, expire_on_commit=False, info={CONFIG: app.config})
    app.extensions["cortesia.sessionmaker"] = _SESSIONMAKERS[engine] = maker
    app.teardown_appcontext(_close_session)
    app.cli.add_command(init_db_command)
