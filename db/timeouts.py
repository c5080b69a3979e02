"""How long Cortesia waits for PostgreSQL: a server that does not answer must not hang a webhook.

Three bounds, because a database can fail in three ways:
- it cannot be reached, or accepts connections and never completes the handshake: libpq's
  `connect_timeout` (per address the host name resolves to);
- it answers, but a statement runs long (locks, load): the server's `statement_timeout`;
- it stopped answering on a connection already open, which the pool hands out again (the
  process hung, a proxy or pgbouncer holds the query, the network dropped): no server-side
  timeout can fire there, so the client waits at most the statement timeout plus one second
  for any reply, then closes that connection (the pool makes a fresh one next time).

A request may also set a deadline for all its waits together (`start_deadline`): a webhook
must answer Twilio within 15 s however many statements it runs. On SQLite the one wait is for
another writer's lock (the busy timeout), shortened to the deadline in the same way.
"""
import contextvars
import math
import time

import psycopg
from psycopg.errors import _WaitTimeout   # what Connection.wait raises on its timeout (psycopg 3)

MIN_CONNECT_TIMEOUT = 2   # libpq (and psycopg) treat anything shorter as 2 s
REPLY_GRACE = 1.0         # past the statement timeout: the server had its chance to cancel

_deadline = contextvars.ContextVar("cortesia_database_deadline", default=None)


def start_deadline(seconds):
    """From now on, in this context, every wait for the database ends within `seconds`
    altogether; returns what `end_deadline` takes."""
    return _deadline.set(time.monotonic() + seconds)


def end_deadline(token):
    _deadline.reset(token)


def remaining(limit):
    """`limit` seconds, or less if the current deadline comes sooner (never below a hair)."""
    deadline = _deadline.get()
    if deadline is None:
        return limit
    left = max(0.01, deadline - time.monotonic())
    return left if limit is None else min(limit, left)


class BoundedConnection(psycopg.Connection):
    """A psycopg connection that waits for any reply at most `reply_timeout` seconds."""

    reply_timeout = None

    def wait(self, gen, interval=0.1, timeout=None):
        limit = remaining(self.reply_timeout if timeout is None else timeout)
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        except _WaitTimeout:
            # Mid-protocol, the connection cannot be used again; closed, SQLAlchemy sees a
            # disconnect and the pool replaces it.
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {limit:.1f} s") from None


def postgresql_connect_args(connect_timeout, statement_timeout):
    """libpq parameters for a PostgreSQL engine: the timeouts above, and JIT off (short
    transactional queries only: JIT, triggered by cost estimates of queries that stop early,
    such as a claim's LIMIT, cost 50 ms of compiling per claim)."""
    options = "-c jit=off"
    if statement_timeout:
        options += f" -c statement_timeout={int(statement_timeout * 1000)}"
    return {"connect_timeout": max(MIN_CONNECT_TIMEOUT, int(connect_timeout)), "options": options}


def bounded_connect(statement_timeout):
    """A `do_connect` listener: connect with a BoundedConnection, its connect timeout
    shortened to the current deadline."""
    reply_timeout = statement_timeout + REPLY_GRACE if statement_timeout else None

    def connect(_dialect, _record, cargs, cparams):
        given = cparams.get("connect_timeout", MIN_CONNECT_TIMEOUT)
        cparams = dict(cparams, connect_timeout=max(
            MIN_CONNECT_TIMEOUT, math.ceil(remaining(given))))
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.reply_timeout = reply_timeout
        return connection

    return connect


def bounded_busy_wait(busy_timeout):
    """A SQLite `checkout` listener: under a deadline, a connection waits for another writer's
    lock only until the deadline (a long import must not hang a webhook past Twilio's patience);
    otherwise for `busy_timeout` seconds."""
    def checkout(dbapi_connection, record, _proxy):
        left = remaining(None)
        if left is not None:
            wait = int(left * 1000)
            # Every webhook checks out with nearly its whole budget left: a wait already set
            # a little shorter (by under a tenth) stands, without a PRAGMA per request.
            if not wait * 0.9 <= record.info.get("busy_wait_bounded", -1) <= wait:
                dbapi_connection.execute(f"PRAGMA busy_timeout = {wait}")
                record.info["busy_wait_bounded"] = wait
        elif record.info.pop("busy_wait_bounded", None) is not None:
            dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")

    return checkout
