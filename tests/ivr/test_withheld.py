"""A creditor that requires code identification, over the webhooks: a position without a code
is never told the notice by phone — outbound, on a call-back, nor on a call-back's next
position — and one with a code identifies by it alone."""
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from db.models import Attempt, BlockedNumber, CallbackRequest, Event, OutgoingMail
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post

SID = "CA" + "7" * 32
CALLER_ID = "+390212345678"
DEBTOR = "+393331234567"
BASE = "https://cortesia.example.test"
# What the notice of the factories' position says, in any of its words: amount, due date,
# invoice, and the words that name a debt at all.
DEBT_WORDS = ("milleduecento", "1234", "1.234", "euro", "centesimi", "15 ottobre", "ottobre",
              "2026", "FT-2026", "118", "fattura", "importo", "scadut", "pagare", "pagamento",
              "avviso", "debito")


def says(response):
    return " ".join(s.text for s in ET.fromstring(response.data).iter("Say"))


def action(response):
    gather = ET.fromstring(response.data).find("Gather")
    return None if gather is None else gather.get("action").replace(BASE, "")


def assert_tells_nothing_of_the_debt(response):
    text = says(response)
    assert not [word for word in DEBT_WORDS if word.lower() in text.lower()], text


@pytest.fixture
def creditor(session):
    return make_creditor(session, require_code=True, max_attempts=3)


@pytest.fixture
def attempt(session, creditor):
    return make_attempt(session, make_position(session, creditor))


def reloaded(session, attempt):
    session.expire_all()
    return session.get(Attempt, attempt.id)


def test_the_call_says_only_who_is_calling_and_the_callback_and_opt_out_keys(client, attempt):
    response = signed_post(client, f"/ivr/{attempt.token}/answer",
                           {"CallSid": SID, "AnsweredBy": "human"})
    text = says(response)
    assert "Acme Energia" in text and "Mario Rossi" in text
    assert "prema 3" in text and "prema 8" in text and "prema 1" not in text
    assert "codice" not in text   # nothing to key in: there is no code
    assert_tells_nothing_of_the_debt(response)


@pytest.mark.parametrize("keys", [("1", "1"), ("1", "9", "1"), ("4",), ("5", "6"), ("7", "0"),
                                  ("9", "9"), ("", ""), ("4321", "1")])
def test_no_key_makes_the_call_tell_the_amount_invoice_or_due_date(client, session, attempt, keys):
    response = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    for key in keys:
        assert_tells_nothing_of_the_debt(response)
        if action(response) is None:
            break
        response = signed_post(client, action(response), {"CallSid": SID, "Digits": key})
    assert_tells_nothing_of_the_debt(response)
    attempt = reloaded(session, attempt)
    assert not attempt.identified and attempt.outcome is None
    assert session.scalars(select(Event).where(Event.kind == "identified")).all() == []


def test_the_menu_stays_closed_to_a_withheld_call(client, attempt):
    signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    signed_post(client, f"/ivr/{attempt.token}/identify?turn=1", {"CallSid": SID, "Digits": "1"})
    response = signed_post(client, f"/ivr/{attempt.token}/menu?turn=2",
                           {"CallSid": SID, "Digits": "9"})
    assert [verb.tag for verb in ET.fromstring(response.data)] == ["Hangup"]


def test_saying_it_is_me_queues_the_notice_in_writing_once(client, session, attempt):
    signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    first = signed_post(client, f"/ivr/{attempt.token}/identify?turn=1",
                        {"CallSid": SID, "Digits": "1"})
    assert "per iscritto" in says(first)
    assert_tells_nothing_of_the_debt(first)
    again = signed_post(client, f"/ivr/{attempt.token}/identify?turn=1",   # replayed
                        {"CallSid": SID, "Digits": "1"})
    signed_post(client, action(first), {"CallSid": SID, "Digits": "1"})   # and pressed again
    assert again.data == first.data
    (mail,) = session.scalars(select(OutgoingMail)).all()
    assert (mail.to_address, mail.kind) == ("mario.rossi@example.test", "notice_withheld")
    assert "1.234,56 EUR" in mail.body   # the written notice carries what the call did not


def test_without_an_address_it_is_me_hears_an_operator_can_tell(client, session, creditor):
    attempt = make_attempt(session, make_position(session, creditor, email=None))
    signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    response = signed_post(client, f"/ivr/{attempt.token}/identify?turn=1",
                           {"CallSid": SID, "Digits": "1"})
    assert "operatore" in says(response) and "per iscritto" not in says(response)
    assert session.scalars(select(OutgoingMail)).all() == []


def test_key_3_puts_the_position_in_the_callback_queue(client, session, attempt):
    signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    response = signed_post(client, f"/ivr/{attempt.token}/identify?turn=1",
                           {"CallSid": SID, "Digits": "3"})
    assert "operatore" in says(response)
    assert_tells_nothing_of_the_debt(response)
    assert reloaded(session, attempt).position.outcome == "callback_requested"
    assert len(session.scalars(select(CallbackRequest)).all()) == 1


def test_key_8_opts_out(client, session, attempt):
    signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    signed_post(client, f"/ivr/{attempt.token}/identify?turn=1", {"CallSid": SID, "Digits": "8"})
    assert reloaded(session, attempt).position.outcome == "opted_out"
    assert session.scalars(select(BlockedNumber.reason)).all() == ["opted_out"]


def test_a_wrong_person_hears_nothing_and_the_notice_goes_in_writing(client, session, attempt):
    signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    response = signed_post(client, f"/ivr/{attempt.token}/identify?turn=1",
                           {"CallSid": SID, "Digits": "2"})
    assert_tells_nothing_of_the_debt(response)
    assert reloaded(session, attempt).position.outcome == "wrong_person"
    (mail,) = session.scalars(select(OutgoingMail)).all()
    assert mail.to_address == "mario.rossi@example.test" and mail.kind == "notice_wrong_person"


def test_a_position_with_a_code_identifies_by_the_code_only(client, session, creditor):
    attempt = make_attempt(session, make_position(session, creditor, verification_code="4321"))
    greeting = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    assert "codice cliente" in says(greeting) and "prema 1" not in says(greeting)
    pressed_1 = signed_post(client, action(greeting), {"CallSid": SID, "Digits": "1"})
    assert_tells_nothing_of_the_debt(pressed_1)
    assert not reloaded(session, attempt).identified
    coded = signed_post(client, action(pressed_1), {"CallSid": SID, "Digits": "4321"})
    assert "milleduecentotrentaquattro euro" in says(coded)
    assert reloaded(session, attempt).identified


def test_the_setting_changes_calls_already_planned(client, session, creditor, attempt):
    """The creditor's setting is read at each call, not copied into the positions."""
    creditor.require_code = False
    session.commit()
    greeting = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID})
    notice = signed_post(client, action(greeting), {"CallSid": SID, "Digits": "1"})
    assert "milleduecentotrentaquattro euro" in says(notice)


# The debtor calls back (ivr/inbound.py): the same rule.

def call_in(client):
    return signed_post(client, "/ivr/inbound", {"CallSid": SID, "From": DEBTOR, "To": CALLER_ID,
                                                "CallStatus": "ringing", "Direction": "inbound"})


def inbound(session):
    session.expire_all()
    return session.scalars(select(Attempt).where(Attempt.direction == "inbound")
                           .order_by(Attempt.id)).all()


def test_a_call_back_of_a_withheld_position_tells_nothing_either(client, session, creditor):
    make_position(session, creditor)
    response = call_in(client)
    assert "Mario Rossi" in says(response) and "prema 3" in says(response)
    assert_tells_nothing_of_the_debt(response)
    [attempt] = inbound(session)
    for key in ("1", "1"):
        response = signed_post(client, action(response), {"CallSid": SID, "Digits": key})
        assert_tells_nothing_of_the_debt(response)
    assert not inbound(session)[0].identified
    refused = signed_post(client, f"/ivr/{attempt.token}/menu?turn=2",
                          {"CallSid": SID, "Digits": "9"})
    assert [verb.tag for verb in ET.fromstring(refused.data)] == ["Hangup"]


def test_a_call_back_going_on_to_a_withheld_position_tells_nothing_of_it(client, session,
                                                                        creditor):
    first = make_position(session, creditor, reference="A", verification_code="4321")
    make_position(session, creditor, reference="B", name="Anna Bianchi",
                  amount=Decimal("80.00"), invoice="FT-2026/999")
    make_attempt(session, first, status="no-answer",
                 placed_at=datetime(2026, 11, 24, 10, tzinfo=timezone.utc))
    call_in(client)
    [head] = inbound(session)
    signed_post(client, f"/ivr/{head.token}/identify?turn=1", {"CallSid": SID, "Digits": "4321"})
    signed_post(client, f"/ivr/{head.token}/menu?turn=2", {"CallSid": SID, "Digits": "1"})
    following = signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID})
    text = says(following)
    assert "un'altra comunicazione" in text and "Anna Bianchi" in text and "prema 3" in text
    assert "ottanta" not in text and "999" not in text
    assert_tells_nothing_of_the_debt(following)
    head, nxt = inbound(session)
    response = signed_post(client, action(following), {"CallSid": SID, "Digits": "1"})
    assert "ottanta" not in says(response) and "999" not in says(response)
    assert not inbound(session)[1].identified


def test_a_call_back_speaks_first_of_a_position_the_caller_can_identify_for(client, session,
                                                                           creditor):
    withheld = make_position(session, creditor, reference="A")
    coded = make_position(session, creditor, reference="B", verification_code="4321")
    # The call being returned was A's: without the rule, A would come first and end the call.
    make_attempt(session, withheld, status="no-answer",
                 placed_at=datetime(2026, 11, 24, 10, tzinfo=timezone.utc))
    response = call_in(client)
    assert "codice cliente" in says(response)
    [head] = inbound(session)
    assert head.position_id == coded.id
    signed_post(client, f"/ivr/{head.token}/identify?turn=1", {"CallSid": SID, "Digits": "4321"})
    signed_post(client, f"/ivr/{head.token}/menu?turn=2", {"CallSid": SID, "Digits": "1"})
    following = signed_post(client, f"/ivr/{head.token}/next", {"CallSid": SID})
    assert "un'altra comunicazione" in says(following) and "prema 3" in says(following)
    assert_tells_nothing_of_the_debt(following)
    assert inbound(session)[1].position_id == withheld.id
