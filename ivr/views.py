"""Twilio-facing webhooks: read the request, call one domain function, return TwiML.

The edge: the form becomes `CallFacts` here, once, and the app's clock, voices and URLs are
handed to ivr.calls, which knows nothing of Flask.
"""
from flask import Blueprint, Response, abort, current_app, g, request

from audio.speech import available_clips
from audio.urls import clip_url, recording_url
from db import connection as database, get_session
from db.timeouts import end_deadline, start_deadline
from ivr import calls, inbound as call_backs
from ivr.facts import CallFacts
from ivr.flow import STEPS, State
from ivr.signature import twilio_signed
from ivr.twiml import goodbye_twiml, hangup_twiml, neutral_twiml
from ivr.unavailable import DATABASE_BUDGET, end_the_call
from ivr.urls import webhook_url
from notify.messages import queue_message
from notify.receipts import mail_of_token, record_sms_status

bp = Blueprint("ivr", __name__, url_prefix="/ivr")
bp.register_error_handler(Exception, end_the_call)


@bp.before_request
def _small_bodies_only():
    """Twilio's webhooks are a few hundred bytes: refuse a big body before reading any of it
    (the signature check parses the form, and an unsigned 49 MB POST would be parsed first).
    The app-wide MAX_CONTENT_LENGTH stays large for the console's uploads."""
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    if request.content_length is None:   # chunked: read at most one byte past the limit
        request.max_content_length = limit + 1
        if len(request.get_data(cache=True)) > limit:   # the form is parsed from this copy
            abort(413)


@bp.before_request
def _bound_database_waits():
    """All the database waits of a webhook end in time for a goodbye (ivr.unavailable)."""
    g.database_deadline = start_deadline(DATABASE_BUDGET)


@bp.teardown_request
def _end_database_deadline(_exc=None):
    if "database_deadline" in g:
        end_deadline(g.pop("database_deadline"))


def _twiml(xml):
    return Response(xml, mimetype="application/xml")


def _now():
    return current_app.extensions["cortesia.clock"]()


def _action_url(attempt):
    return lambda state: webhook_url(attempt, state.step, **state.query())


def _caller_id():
    return current_app.config["TWILIO_CALLER_ID"]


def _next_url(session, attempt):
    """Where a call-back goes on after `attempt`'s position, or None: nothing left to tell."""
    if call_backs.next_to_tell(session, attempt, _caller_id()) is None:
        return None
    return webhook_url(attempt, "next")


def _speaking():
    return calls.Speaking(voices=current_app.config["VOICES"], recording_url=recording_url,
                          clips=_clips, wording=current_app.extensions["cortesia.wording"])


def _clips(creditor_name, language, overrides, personal):
    return available_clips(current_app, creditor_name, language, clip_url, overrides, personal)


@bp.post("/<token>/answer")
@twilio_signed
def answer(token):
    facts = CallFacts.from_form(request.form)
    with database() as connection:   # named SQL: an answer needs no Session (ivr.calls)
        # The first webhook of a call, often before the dialer kept its CallSid: read its
        # holder too.
        attempt = calls.read_attempt(connection, token, facts.call_sid)
        if attempt is None:
            return _twiml(hangup_twiml())
        return _twiml(calls.answer_call(connection, attempt, facts, _now(), _speaking(),
                                        _action_url(attempt)))


@bp.post("/inbound")
@twilio_signed
def inbound():
    """A call to the caller ID (its Voice URL): a debtor calling back, or a stranger."""
    session = get_session()
    facts, now = CallFacts.from_form(request.form), _now()
    found = call_backs.take_call_back(session, facts, now, _caller_id())
    if found.attempt is None:
        session.rollback()
        return _twiml(neutral_twiml(current_app.config["VOICES"], found.operator))
    return _twiml(calls.answer_call(session, found.attempt, facts, now, _speaking(),
                                    _action_url(found.attempt)))


@bp.post("/<token>/<any(identify, menu, promise, promise_check):step>")
@twilio_signed
def keys(token, step):
    with database() as connection:   # named SQL; the ORM joins it for an outcome (ivr.calls)
        attempt = calls.read_attempt(connection, token)
        if attempt is None or step not in STEPS:
            return _twiml(hangup_twiml())
        state = State.from_query(step, request.args)
        return _twiml(calls.take_keys(connection, attempt, state,
                                      CallFacts.from_form(request.form), _now(), _speaking(),
                                      _action_url(attempt), _text_link, _next_url))


@bp.post("/<token>/recorded")
@twilio_signed
def recorded(token):
    session = get_session()
    attempt = calls.find_attempt(session, token)
    if attempt is None:
        return _twiml(hangup_twiml())
    return _twiml(calls.take_recording(session, attempt, CallFacts.from_form(request.form),
                                       _now(), _speaking(), _next_url))


@bp.post("/<token>/next")
@twilio_signed
def next_position(token):
    """A call-back goes on from the position `token` names to the caller's next one."""
    session = get_session()
    attempt = calls.find_attempt(session, token)
    if attempt is None:
        return _twiml(hangup_twiml())
    now = _now()
    following = call_backs.take_next(session, attempt, now, _caller_id())
    if following is None:   # told meanwhile (paid, closed…): nothing left to say
        language = attempt.position.spoken_language
        session.rollback()
        return _twiml(goodbye_twiml(current_app.config["VOICES"], language))
    return _twiml(calls.go_on(session, following, CallFacts.from_form(request.form), now,
                              _speaking(), _action_url(following)))


def _text_link(session, position, now, key):
    """Queue the creditor's payment link to the debtor's mobile (key 7), due at once."""
    return queue_message(current_app, session, position, "sms", "link_pagamento", now, key)


@bp.post("/<token>/status")
@twilio_signed
def status(token):
    facts = CallFacts.from_form(request.form)
    with database() as connection:   # named SQL only: no Session needed (ivr.calls)
        if token == "inbound":   # the caller ID's status callback URL, /ivr/inbound/status
            attempts = calls.inbound_status_facts(connection, facts.call_sid)
        else:
            attempts = [attempt for attempt in [calls.status_facts(connection, token)] if attempt]
        for attempt in attempts:
            calls.record_status(connection, attempt, facts, _now())
    return Response(status=204)


@bp.post("/sms/<token>/status")
@twilio_signed
def sms_status(token):
    """An SMS's delivery news: filed once against its message, never undoing later news."""
    mail_id = mail_of_token(current_app.config["SECRET_KEY"], token)
    if mail_id is not None:
        session = get_session()
        record_sms_status(session, mail_id, request.form.get("MessageStatus", ""), _now(),
                          error_code=request.form.get("ErrorCode"),
                          provider_id=request.form.get("MessageSid"))
        session.commit()
    return Response(status=204)
