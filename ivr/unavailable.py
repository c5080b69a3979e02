"""A webhook that cannot finish still answers Twilio in time, with TwiML: never an HTML 500,
which Twilio reads to the callee as "an application error has occurred".

The database unreachable, or not answering within its bounds (db.timeouts), is expected
now and then: the call ends politely and the attempt is reconciled later by the dialer (a call
without a final status stops counting after DIAL_STALE_CALL_SECONDS; an attempt without an
outcome is retried). Anything else is a bug, logged as one, and ends the call the same way.
"""
import logging

from flask import Response, current_app, request
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ivr.twiml import unavailable_twiml

log = logging.getLogger(__name__)

# Webhooks have this long, altogether, for the database: Twilio waits 15 s for TwiML.
DATABASE_BUDGET = 8.0

UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout)


def end_the_call(error):
    """The error handler of the ivr blueprint."""
    if isinstance(error, HTTPException):   # 403, 413…: not a request Twilio made
        return error
    if isinstance(error, UNREACHABLE):
        log.warning("database unavailable in %s (%s): answered without it; the attempt will be "
                    "reconciled later", request.endpoint, _reason(error))
    else:
        # A StatementError's text carries the statement's parameters: personal data.
        log.error("webhook %s failed (%s): answered with a goodbye", request.endpoint,
                  _reason(error), exc_info=not isinstance(error, StatementError))
    if request.endpoint == "ivr.status":
        return Response(status=204)
    return Response(unavailable_twiml(current_app.config["VOICES"]), mimetype="application/xml")


def _reason(error):
    """The driver's own message, first line only (never the SQL or its parameters)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"
