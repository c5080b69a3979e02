"""The second baseline of bench/webhooks.py: the least a webhook that records its facts can do on
this stack — what Flask, the signature check and one durable commit cost before any of
Cortesia's own code runs.

Each POST to /ivr/<token>/<step> is checked against X-Twilio-Signature (twilio's
RequestValidator, one HMAC, as ivr.signature does), then on the bare driver (sqlite3 with the
app's pragmas, or psycopg) reads the attempt by its token, writes the request's CallSid and a
status to it, appends one event and commits, and answers one static TwiML. No ORM, no policy,
no prompts, no idempotency: a floor, not a product. Served by the same gunicorn as the others:

    gunicorn bench.floor_webhook:app   (DATABASE_URL, PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN set)
"""
import hmac
import os
from datetime import datetime, timezone

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

from bench.bare_twiml import TWIML

app = Flask(__name__)
BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
VALIDATOR = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
_connection = None


def connection():
    """This worker's one connection, opened at its first request (gunicorn forks first)."""
    global _connection
    if _connection is None:
        if DATABASE_URL.startswith("sqlite"):
            import sqlite3
            _connection = sqlite3.connect(DATABASE_URL.split("///", 1)[1], timeout=5)
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=normal",
                           "cache_size=-65536"):
                _connection.execute(f"PRAGMA {pragma}")
        else:
            import psycopg
            _connection = psycopg.connect(DATABASE_URL.replace("postgresql+psycopg",
                                                               "postgresql"))
    return _connection


def _sql(text):
    return text if DATABASE_URL.startswith("sqlite") else text.replace("?", "%s")


FIND = _sql("SELECT id, position_id FROM attempts WHERE token = ?")
MARK = _sql("UPDATE attempts SET call_sid = ?, status = ?, answered_at = ? WHERE id = ?")
EVENT = _sql("INSERT INTO events (position_id, attempt_id, kind, detail, source, at) "
             "VALUES (?, ?, ?, ?, ?, ?)")


@app.post("/ivr/<token>/<step>")
def webhook(token, step):
    query = request.query_string.decode("utf-8", "replace")
    url = BASE_URL + request.path + (f"?{query}" if query else "")
    expected = VALIDATOR.compute_signature(url, request.form)
    if not hmac.compare_digest(expected.encode(),
                               request.headers.get("X-Twilio-Signature", "").encode()):
        abort(403)
    database = connection()
    cursor = database.cursor()
    cursor.execute(FIND, (token,))
    row = cursor.fetchone()
    if row is not None:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        cursor.execute(MARK, (request.form.get("CallSid"), "in-progress", now, row[0]))
        cursor.execute(EVENT, (row[1], row[0], step, "{}", "twilio:" + step, now))
    database.commit()
    return Response(TWIML, mimetype="application/xml")
