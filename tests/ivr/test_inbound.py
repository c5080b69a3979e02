"""/ivr/inbound: debtors who call the caller ID back, and strangers who do."""
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from db.models import Attempt, BlockedNumber, Event
from ivr.inbound import positions_to_tell
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post

CALLER_ID = "+390212345678"        # the creditors' caller ID in tests/factories.py
DEBTOR = "+393331234567"
SID = "CA" + "1" * 32
DEBT_WORDS = ("euro", "fattura", "FT-2026", "importo", "scadenza", "Rossi")


def call_in(client, from_=DEBTOR, to=CALLER_ID, sid=SID):
    return signed_post(client, "/ivr/inbound", {"CallSid": sid, "From": from_, "To": to,
                                                "CallStatus": "ringing", "Direction": "inbound"})


def says(response):
    return " ".join(s.text for s in ET.fromstring(response.data).iter("Say"))


def dials(response):
    return [d.text for d in ET.fromstring(response.data).iter("Dial")]


def inbound_attempts(session):
    session.expire_all()
    return session.scalars(select(Attempt).where(Attempt.direction == "inbound")).all()


def test_an_unsigned_call_back_is_refused(client, session):
    make_position(session, make_creditor(session))
    response = client.post("/ivr/inbound", data={"CallSid": SID, "From": DEBTOR, "To": CALLER_ID})
    assert response.status_code == 403 and inbound_attempts(session) == []


def test_a_debtor_calling_back_gets_an_inbound_attempt_and_the_greeting(client, session):
    position = make_position(session, make_creditor(session))
    response = call_in(client, from_="333 123 4567")   # normalised as the importer does
    assert "Acme Energia" in says(response) and "Mario Rossi" in says(response)
    assert not any(word in says(response) for word in ("euro", "fattura", "FT-2026"))
    gather = ET.fromstring(response.data).find("Gather")
    [attempt] = inbound_attempts(session)
    assert gather.get("action").startswith(f"https://cortesia.example.test/ivr/{attempt.token}/identify")
    assert (attempt.position_id, attempt.number, attempt.round) == (position.id, -1, position.round)
    # The caller's number as the dialer writes the numbers it rings (it waits for this call).
    assert (attempt.status, attempt.call_sid, attempt.from_number) == ("in-progress", SID, DEBTOR)
    assert attempt.answered_at is not None and attempt.placed_at is None


def test_a_replayed_call_back_makes_no_second_attempt(client, session):
    make_position(session, make_creditor(session))
    first, again = call_in(client), call_in(client)
    assert first.data == again.data and len(inbound_attempts(session)) == 1


def test_a_second_call_back_is_numbered_apart(client, session):
    make_position(session, make_creditor(session))
    call_in(client, sid="CA" + "1" * 32)
    call_in(client, sid="CA" + "2" * 32)
    assert sorted(a.number for a in inbound_attempts(session)) == [-2, -1]


def test_the_caller_identifies_and_hears_the_notice_then_confirms(client, session):
    position = make_position(session, make_creditor(session, max_attempts=3))
    call_in(client)
    [attempt] = inbound_attempts(session)
    menu = signed_post(client, f"/ivr/{attempt.token}/identify?invalid=0&silent=0&turn=1&wrong=0",
                       {"CallSid": SID, "Digits": "1"})
    assert "euro" in says(menu)
    signed_post(client, f"/ivr/{attempt.token}/menu?invalid=0&silent=0&turn=2&wrong=0",
                {"CallSid": SID, "Digits": "1"})
    [attempt] = inbound_attempts(session)
    position = session.get(type(position), position.id)
    assert (attempt.outcome, position.outcome) == ("confirmed", "confirmed")


def test_a_stranger_hears_a_neutral_message_and_the_operator(client, session):
    make_position(session, make_creditor(session, contact_phone="+390298765432"))
    response = call_in(client, from_="+393479999999")
    assert dials(response) == ["+390298765432"]
    assert not any(word in says(response) for word in DEBT_WORDS)
    assert inbound_attempts(session) == []


def test_without_a_contact_phone_the_stranger_hears_goodbye(client, session):
    make_position(session, make_creditor(session))
    response = call_in(client, from_="+393479999999")
    assert dials(response) == [] and "Arrivederci" in says(response)


def test_an_unknown_caller_id_is_a_neutral_goodbye(client, session):
    make_position(session, make_creditor(session, contact_phone="+390298765432"))
    response = call_in(client, to="+390611111111")
    assert dials(response) == [] and "Arrivederci" in says(response)
    assert inbound_attempts(session) == []


def test_a_barred_number_is_told_nothing(client, session):
    creditor = make_creditor(session, contact_phone="+390298765432")
    make_position(session, creditor)
    session.add(BlockedNumber(creditor_id=creditor.id, phone=DEBTOR, reason="wrong_person"))
    session.commit()
    response = call_in(client)
    assert dials(response) == ["+390298765432"] and "Mario" not in says(response)
    assert inbound_attempts(session) == []


def test_an_opt_out_for_another_creditor_bars_the_call_back_too(client, session):
    other = make_creditor(session, name="Altro", caller_id="+390299999999")
    make_position(session, make_creditor(session))
    session.add(BlockedNumber(creditor_id=other.id, phone=DEBTOR, reason="opted_out"))
    session.commit()
    assert "Mario" not in says(call_in(client))


def test_a_paid_position_is_not_spoken_of(client, session):
    make_position(session, make_creditor(session), status="paid")
    assert "Mario" not in says(call_in(client)) and inbound_attempts(session) == []


def test_creditors_without_their_own_caller_id_answer_on_the_default_one(client, session):
    make_position(session, make_creditor(session, caller_id=None))
    assert "Mario Rossi" in says(call_in(client))   # TWILIO_CALLER_ID in the tests' config


def test_a_promised_position_can_still_be_told(client, session):
    make_position(session, make_creditor(session), status="promised")
    assert "Mario Rossi" in says(call_in(client))


def test_the_position_whose_call_was_returned_comes_first(session):
    creditor = make_creditor(session)
    older = make_position(session, creditor, reference="A")
    newer = make_position(session, creditor, reference="B")
    make_attempt(session, older, status="no-answer",
                 placed_at=datetime(2026, 11, 24, 10, tzinfo=timezone.utc))
    make_attempt(session, newer, status="no-answer",
                 placed_at=datetime(2026, 11, 23, 10, tzinfo=timezone.utc))
    order = positions_to_tell(session, [creditor], DEBTOR)
    assert [p.reference for p in order] == ["A", "B"]
    # Once told on a call-back, the other comes first on the next one.
    make_attempt(session, older, number=-1, direction="inbound", status="completed",
                 identified=True, answered_at=datetime(2026, 11, 24, 15, tzinfo=timezone.utc))
    assert [p.reference for p in positions_to_tell(session, [creditor], DEBTOR)] == ["B", "A"]


def test_the_status_callback_of_a_call_back_is_recorded(client, session):
    make_position(session, make_creditor(session, max_attempts=1))
    call_in(client)
    response = signed_post(client, "/ivr/inbound/status",
                           {"CallSid": SID, "CallStatus": "completed", "CallDuration": "42"})
    assert response.status_code == 204
    [attempt] = inbound_attempts(session)
    assert (attempt.status, attempt.duration) == ("completed", 42)
    # A call-back that ended without an answer ends no call round, even with max_attempts 1.
    assert attempt.outcome is None and attempt.position.outcome is None
    assert session.scalar(select(Event.id).where(Event.kind == "status")) is not None


def test_a_status_callback_for_an_unknown_call_back_is_ignored(client, session):
    response = signed_post(client, "/ivr/inbound/status", {"CallSid": SID, "CallStatus": "completed"})
    assert response.status_code == 204


@pytest.mark.parametrize("keys, outcome, status", [
    ("4", "declared_paid", "to_verify"), ("1", "confirmed", "promised")])
def test_an_answer_after_the_round_s_outcome_is_recorded_as_the_page_records_it(
        client, session, keys, outcome, status):
    creditor = make_creditor(session)
    position = make_position(session, creditor, outcome="promised", status="promised",
                             status_until=datetime(2026, 12, 20, tzinfo=timezone.utc))
    call_in(client)
    [attempt] = inbound_attempts(session)
    signed_post(client, f"/ivr/{attempt.token}/identify?turn=1", {"CallSid": SID, "Digits": "1"})
    signed_post(client, f"/ivr/{attempt.token}/menu?turn=2", {"CallSid": SID, "Digits": keys})
    session.expire_all()
    position = session.get(type(position), position.id)
    assert (position.outcome, position.status) == ("promised", status)
    answers = session.scalars(select(Event).where(Event.kind == "answer")).all()
    assert [e.detail["answer"] for e in answers] == [outcome]
    assert answers[0].attempt_id == attempt.id
