"""What each webhook does to the database, driven with plain values: no request, no app context."""
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
from flask import has_app_context
from sqlalchemy import select

from db import get_sessionmaker
from db.models import Attempt, Event
from ivr import calls
from ivr.facts import CallFacts
from ivr.flow import State
from tests.factories import make_attempt, make_creditor, make_position

SID = "CA" + "1" * 32
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
SPEAKING = calls.Speaking(voices={"it": None, "en": None},
                          recording_url=lambda sha256: f"https://audio.test/{sha256}.wav",
                          clips=lambda creditor_name, language, overrides, personal: {})


@pytest.fixture
def session(app):
    """A session of its own, with no app context pushed: what calls.py runs on is only what it
    is given."""
    session = get_sessionmaker(app)()
    yield session
    session.close()


def action_url(state):
    return f"https://cortesia.test/{state.step}?turn={state.turn}"


def says(xml):
    return " ".join(s.text for s in ET.fromstring(xml).iter("Say"))


def test_a_whole_call_runs_on_the_facts_and_clock_it_is_given(session):
    assert not has_app_context()
    attempt = make_attempt(session, make_position(session, make_creditor(session)))
    greeting = calls.answer_call(session, attempt, CallFacts(call_sid=SID, answered_by="human"),
                                 NOW, SPEAKING, action_url)
    assert ET.fromstring(greeting).find("Gather").get("action") == action_url(State())
    notice = calls.take_keys(session, attempt, State(), CallFacts(call_sid=SID, digits="1"),
                             NOW, SPEAKING, action_url)
    assert "euro" in says(notice)
    menu = State(step="menu", turn=2)
    goodbye = calls.take_keys(session, attempt, menu, CallFacts(call_sid=SID, digits="1"),
                              NOW, SPEAKING, action_url)
    assert ET.fromstring(goodbye).find("Hangup") is not None
    calls.record_status(session, attempt, CallFacts(call_sid=SID, status="completed", duration=42),
                        NOW)
    session.expire_all()
    attempt = session.get(Attempt, attempt.id)
    assert (attempt.call_sid, attempt.answered_by, attempt.identified) == (SID, "human", True)
    assert (attempt.outcome, attempt.position.outcome) == ("confirmed", "confirmed")
    assert (attempt.status, attempt.duration, attempt.digits) == ("completed", 42, "1,1")
    assert attempt.answered_at == attempt.ended_at == NOW


def test_a_status_callback_keeps_the_facts_twilio_sent_and_only_those(session):
    attempt = make_attempt(session, make_position(session, make_creditor(session)))
    calls.record_status(session, attempt, CallFacts(call_sid=SID, status="busy", duration=0,
                                                    sequence="2"), NOW)
    event = _event(session, attempt, "status")
    assert event.detail == {"status": "busy", "duration": 0, "sequence": "2"}
    assert event.source == f"twilio:status {SID}"


def test_a_request_without_a_call_sid_is_still_recorded(session):
    attempt = make_attempt(session, make_position(session, make_creditor(session)))
    calls.take_keys(session, attempt, State(), CallFacts(), NOW, SPEAKING, action_url)
    event = _event(session, attempt, "keys")
    assert event.source == "twilio:identify -" and event.detail == {"step": "identify", "digits": None}


def _event(session, attempt, kind):
    return session.scalars(select(Event).where(Event.attempt_id == attempt.id,
                                               Event.kind == kind)).one()
