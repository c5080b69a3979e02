"""/ivr/inbound: debtors who call the caller ID back, and strangers who do."""
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from decimal import Decimal

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
    return session.scalars(select(Attempt).where(Attempt.direction == "inbound")
                           .order_by(Attempt.id)).all()


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


# Several positions on the caller's number: one after the other on the same call.

def identify_and_answer(client, attempt, identify="1", answer="1"):
    signed_post(client, f"/ivr/{attempt.token}/identify?turn=1", {"CallSid": SID, "Digits": identify})
    return signed_post(client, f"/ivr/{attempt.token}/menu?turn=2", {"CallSid": SID, "Digits": answer})


def redirect_of(response):
    redirect = ET.fromstring(response.data).find("Redirect")
    return None if redirect is None else redirect.text


def two_positions(session, first_code=None, second_code=None, second_creditor=None):
    creditor = make_creditor(session)
    first = make_position(session, creditor, reference="A", verification_code=first_code)
    second = make_position(session, second_creditor or creditor, reference="B", name="Anna Bianchi",
                           amount=Decimal("80.00"), verification_code=second_code)
    # The caller returns the call placed to A: A is spoken of first.
    make_attempt(session, first, status="no-answer",
                 placed_at=datetime(2026, 11, 24, 10, tzinfo=timezone.utc))
    return first, second


def test_after_the_answer_about_one_position_the_call_goes_on_to_the_next(client, session):
    first, second = two_positions(session)
    call_in(client)
    [head] = inbound_attempts(session)
    assert head.position_id == first.id
    answered = identify_and_answer(client, head)
    assert "registrato la sua risposta" in says(answered) and "Arrivederci" not in says(answered)
    assert redirect_of(answered) == f"https://cortesia.example.test/ivr/{head.token}/next"
    following = signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID})
    head, nxt = inbound_attempts(session)
    assert (head.outcome, nxt.position_id, nxt.call_sid, nxt.number) == \
        ("confirmed", second.id, SID, -1)
    # Nothing of B before B's own identification: only that there is another message.
    assert says(following).startswith("Abbiamo un'altra comunicazione per questo numero.")
    assert "Anna Bianchi" in says(following)
    assert not any(word in says(following) for word in ("euro", "fattura", "FT-2026", "importo"))
    gather = ET.fromstring(following.data).find("Gather")
    assert gather.get("action").startswith(f"https://cortesia.example.test/ivr/{nxt.token}/identify")
    assert not nxt.identified
    # B's answer is B's own; with nobody left the call says goodbye.
    last = identify_and_answer(client, nxt, answer="4")
    assert "ottanta" not in says(last) and "Arrivederci" in says(last)
    assert redirect_of(last) is None
    session.expire_all()
    assert [(a.position.reference, a.outcome) for a in inbound_attempts(session)] == \
        [("A", "confirmed"), ("B", "declared_paid")]


def test_replayed_webhooks_of_a_chained_call_back_open_no_second_attempt(client, session):
    two_positions(session)
    call_in(client)
    [head] = inbound_attempts(session)
    answered = identify_and_answer(client, head)
    again = signed_post(client, f"/ivr/{head.token}/menu?turn=2", {"CallSid": SID, "Digits": "1"})
    assert again.data == answered.data
    following = signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID})
    assert signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID}).data == following.data
    # The whole call replayed from its start: still the first position, still two attempts.
    assert call_in(client).data == call_in(client).data
    assert "Mario Rossi" in says(call_in(client))
    assert len(inbound_attempts(session)) == 2
    # After B is opened, A's last turn still goes on to it.
    assert signed_post(client, f"/ivr/{head.token}/menu?turn=2",
                       {"CallSid": SID, "Digits": "1"}).data == answered.data


def test_the_same_creditor_s_same_code_goes_straight_to_the_next_notice(client, session):
    first, second = two_positions(session, first_code="4321", second_code="4321")
    call_in(client)
    [head] = inbound_attempts(session)
    identify_and_answer(client, head, identify="4321")
    following = signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID})
    assert "stesso codice cliente" in says(following) and "ottanta euro" in says(following)
    head, nxt = inbound_attempts(session)
    assert nxt.identified and nxt.position_id == second.id
    assert ET.fromstring(following.data).find("Gather").get("action").startswith(
        f"https://cortesia.example.test/ivr/{nxt.token}/menu")


@pytest.mark.parametrize("second_code, other_creditor", [("9999", False), ("4321", True)],
                         ids=["another_code", "another_creditor"])
def test_another_code_or_another_creditor_asks_for_identification_again(
        client, session, second_code, other_creditor):
    # Two creditors answering on the default caller ID share it.
    other = make_creditor(session, name="Beta Gas", caller_id=None) if other_creditor else None
    two_positions(session, first_code="4321", second_code=second_code, second_creditor=other)
    call_in(client)
    head = inbound_attempts(session)[0]
    identify_and_answer(client, head, identify="4321")
    following = signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID})
    assert "codice cliente seguito dal tasto cancelletto" in says(following)
    assert not any(word in says(following) for word in ("euro", "ottanta", "stesso codice"))
    assert not inbound_attempts(session)[1].identified


@pytest.mark.parametrize("answer, outcome", [("2", "wrong_person"), ("8", "opted_out")])
def test_a_wrong_person_or_an_opt_out_ends_the_call_back(client, session, answer, outcome):
    two_positions(session)
    call_in(client)
    [head] = inbound_attempts(session)
    ended = identify_and_answer(client, head, answer=answer)
    assert redirect_of(ended) is None and "Arrivederci" in says(ended)
    assert [a.outcome for a in inbound_attempts(session)] == [outcome]


def test_an_unidentified_caller_is_not_taken_to_the_next_position(client, session):
    two_positions(session)
    call_in(client)
    [head] = inbound_attempts(session)
    response = signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID})
    assert "Anna" not in says(response) and ET.fromstring(response.data).find("Hangup") is not None
    assert len(inbound_attempts(session)) == 1


def test_the_status_callback_closes_every_attempt_of_a_chained_call_back(client, session):
    two_positions(session)
    call_in(client)
    [head] = inbound_attempts(session)
    identify_and_answer(client, head)
    signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID})
    signed_post(client, "/ivr/inbound/status",
                {"CallSid": SID, "CallStatus": "completed", "CallDuration": "95"})
    assert [(a.status, a.duration) for a in inbound_attempts(session)] == \
        [("completed", 95), ("completed", 95)]


def test_after_a_dispute_s_spoken_message_the_call_goes_on(client, session):
    two_positions(session)
    call_in(client)
    [head] = inbound_attempts(session)
    identify_and_answer(client, head, answer="6")
    response = signed_post(client, f"/ivr/{head.token}/recorded", {
        "CallSid": SID, "RecordingSid": "RE" + "1" * 32, "Digits": "#",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"})
    assert "registrato la sua risposta" in says(response)
    assert redirect_of(response) == f"https://cortesia.example.test/ivr/{head.token}/next"
    assert [a.outcome for a in inbound_attempts(session)] == ["disputed"]


def test_after_a_dispute_with_nothing_said_the_call_goes_on_too(client, session):
    two_positions(session)
    call_in(client)
    [head] = inbound_attempts(session)
    at_the_beep = identify_and_answer(client, head, answer="6")
    # Silence at the beep falls through <Record> to the same action, without a recording.
    assert redirect_of(at_the_beep) == ET.fromstring(at_the_beep.data).find("Record").get("action")
    response = signed_post(client, f"/ivr/{head.token}/recorded", {"CallSid": SID})
    assert "registrato la sua risposta" in says(response)
    assert redirect_of(response) == f"https://cortesia.example.test/ivr/{head.token}/next"
    assert [a.outcome for a in inbound_attempts(session)] == ["disputed"]
