"""Whole calls through the simulator and the real webhooks: one debtor of each kind.

The dial pass places each call; the simulator plays Twilio's part (signed webhooks, TwiML followed
verb by verb) and a scripted debtor answers. Each call must reach its outcome, and no debtor may
hear a detail of the debt before identifying.
"""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from db.models import Attempt, BlockedNumber, CallbackRequest, OutgoingMail, Position
from prompts import speak_amount, speak_code, speak_date
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import IDENTIFY, WRONG_CODE, DebtorScript
from tests.factories import make_creditor, make_position

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)

# reference: (script, verification code, expected outcome, expected final status)
DEBTORS = {
    "confirms": (DebtorScript("human", ("1", "1")), None, "confirmed", "completed"),
    "wrong-person": (DebtorScript("human", ("2",)), None, "wrong_person", "completed"),
    "callback": (DebtorScript("human", ("1", "3")), None, "callback_requested", "completed"),
    "never-answers": (DebtorScript("no-answer"), None, "no_answer", "no-answer"),
    "busy": (DebtorScript("busy"), None, "no_answer", "busy"),
    "silent": (DebtorScript("human", ()), None, "no_answer", "completed"),
    "right-code": (DebtorScript("human", ("4321#", "1")), "4321", "confirmed", "completed"),
    "wrong-code": (DebtorScript("human", ("1111#", "2222#")), "4321", "identity_failed", "completed"),
    "machine": (DebtorScript("machine"), None, "no_answer", "completed"),
    "silent-at-menu": (DebtorScript("human", ("1", "", "")), None, "no_answer", "completed"),
    "repeats-then-opts-out": (DebtorScript("human", ("1", "9", "8")), None, "opted_out", "completed"),
}


@pytest.fixture
def campaign(app, session):
    """One position per kind of debtor, each phone scripted in the simulator."""
    creditor = make_creditor(session, max_attempts=1)
    simulator = get_telephony(app)
    for index, (reference, (script, code, _, _)) in enumerate(DEBTORS.items()):
        phone = f"+39333000{index:04d}"
        make_position(session, creditor, reference=reference, phone=phone, verification_code=code,
                      name=f"Cliente {index}", amount=Decimal("1234.56"),
                      email=f"{reference}@example.test")
        simulator.script(phone, script)
    report = dial_pass(app, NOW)
    assert len(report.placed) == len(DEBTORS) and not report.failed
    assert simulator.errors == []
    session.expire_all()
    return simulator


def position(session, reference):
    return session.scalars(select(Position).where(Position.reference == reference)).one()


@pytest.mark.parametrize("reference", DEBTORS)
def test_each_kind_of_debtor_reaches_its_outcome(campaign, session, reference):
    _, _, outcome, status = DEBTORS[reference]
    found = position(session, reference)
    assert found.outcome == outcome
    (attempt,) = found.attempts
    assert attempt.status == status
    assert attempt.call_sid and attempt.call_sid.startswith("CA")
    assert attempt.placed_at == NOW





SENSITIVE = [speak_amount(Decimal("1234.56"), "EUR", "it"), speak_date(date(2026, 10, 15), "it"),
             speak_code("FT-2026/118", "it").lower(), "fattura", "euro", "pagare", "pagamento",
             "debito", "importo"]


def _identified_at(call):
    """Index of the request whose keys identified the debtor, or None."""
    for index, request in enumerate(call.requests):
        if request.path.endswith("/identify") and request.params.get("Digits") in ("1", "4321"):
            return index
    return None


@pytest.mark.parametrize("reference", DEBTORS)
def test_nothing_about_the_debt_is_heard_before_identification(campaign, session, reference):
    phone = position(session, reference).phone
    (call,) = [c for c in campaign.calls if c.to == phone]
    identified_at = _identified_at(call)
    before = [h.text for h in call.transcript
              if identified_at is None or h.response_index < identified_at]
    for text in before:
        for detail in SENSITIVE:
            assert detail not in text.lower(), f"{detail!r} said before identification: {text!r}"
    if identified_at is not None:
        after = " ".join(h.text for h in call.transcript if h.response_index >= identified_at)
        assert SENSITIVE[0] in after and SENSITIVE[1] in after


def test_a_machine_is_recorded_as_such(campaign, session):
    attempt = position(session, "machine").attempts[0]
    assert attempt.answered_by == "machine_start" and not attempt.identified


def test_the_right_code_identifies_and_keeps_the_digits(campaign, session):
    attempt = position(session, "right-code").attempts[0]
    assert attempt.identified and attempt.digits == "4321,1"


def test_wrong_person_and_failed_identity_queue_the_emailed_notice(campaign, session):
    mails = {m.to_address: m for m in session.scalars(select(OutgoingMail))}
    assert set(mails) == {"wrong-person@example.test", "wrong-code@example.test"}
    assert all(m.status == "queued" for m in mails.values())


def test_wrong_person_identity_failed_and_opt_out_bar_the_number(campaign, session):
    blocked = dict(session.execute(select(Position.reference, BlockedNumber.reason)
                                   .join(BlockedNumber, BlockedNumber.position_id == Position.id)).all())
    assert blocked == {"wrong-person": "wrong_person", "wrong-code": "identity_failed",
                       "repeats-then-opts-out": "opted_out"}


def test_the_callback_request_is_queued(campaign, session):
    (request,) = session.scalars(select(CallbackRequest)).all()
    assert request.position.reference == "callback" and request.status == "open"


def test_a_second_pass_calls_nobody_again(app, campaign, session):
    report = dial_pass(app, NOW)
    assert report.placed == [] and len(campaign.calls) == len(DEBTORS)
    assert session.query(Attempt).count() == len(DEBTORS)


@pytest.mark.parametrize("code, keys, outcome", [
    ("4321", (IDENTIFY, "1"), "confirmed"),           # types their own code, then confirms
    (None, (IDENTIFY, "1"), "confirmed"),             # no code: "it's me" is pressing 1
    ("4321", (WRONG_CODE, WRONG_CODE), "identity_failed"),
])
def test_simulated_debtors_know_their_own_code(app, session, code, keys, outcome):
    position = make_position(session, make_creditor(session, max_attempts=1),
                             verification_code=code)
    get_telephony(app).script(position.phone, DebtorScript("human", keys))
    dial_pass(app, NOW)
    session.expire_all()
    assert session.get(Position, position.id).outcome == outcome
