"""Twilio-facing webhooks: read the request, call one domain function, return TwiML."""
from flask import Blueprint, Response, current_app, request

from db import get_session
from ivr import calls
from ivr.facts import webhook_facts
from ivr.flow import STEPS, State
from ivr.signature import twilio_signed
from ivr.twiml import hangup_twiml
from ivr.urls import webhook_url

bp = Blueprint("ivr", __name__, url_prefix="/ivr")


def _twiml(xml):
    return Response(xml, mimetype="application/xml")


def _now():
    return current_app.extensions["cortesia.clock"]()


def _action_url(attempt):
    return lambda state: webhook_url(attempt, state.step, **state.query())


@bp.post("/<token>/answer")
@twilio_signed
def answer(token):
    session = get_session()
    attempt = calls.find_attempt(session, token)
    if attempt is None:
        return _twiml(hangup_twiml())
    return _twiml(calls.answer_call(session, attempt, webhook_facts(request.form), _now(),
                                    current_app.config["VOICES"], _action_url(attempt)))


@bp.post("/<token>/<any(identify, menu):step>")
@twilio_signed
def keys(token, step):
    session = get_session()
    attempt = calls.find_attempt(session, token)
    if attempt is None or step not in STEPS:
        return _twiml(hangup_twiml())
    state = State.from_query(step, request.args)
    return _twiml(calls.take_keys(session, attempt, state, webhook_facts(request.form), _now(),
                                  current_app.config["VOICES"], _action_url(attempt)))


@bp.post("/<token>/status")
@twilio_signed
def status(token):
    session = get_session()
    attempt = calls.find_attempt(session, token, to_speak=False)
    if attempt is not None:
        calls.record_status(session, attempt, webhook_facts(request.form), _now())
    return Response(status=204)
