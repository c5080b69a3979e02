"""Whole calls through the simulator and the real webhooks: one debtor of each kind.

The dial pass places each call; the simulator plays Twilio's part (signed webhooks, TwiML followed
verb by verb) and a scripted debtor answers. Each call must reach its outcome, and no debtor may
hear a detail of the debt before identifying.
"""
from dataclasses import dataclass, field
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


def place_campaign(app, session):
    """One position per kind of debtor, each phone scripted in the simulator, called in one pass."""
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


@dataclass
class Campaign:
    """What the database kept of the campaign, and the simulator's calls (their transcripts)."""

    simulator: object
    positions: dict = field(default_factory=dict)   # reference: {phone, outcome, attempts}
    mails: dict = field(default_factory=dict)       # address: status
    barred: dict = field(default_factory=dict)      # reference: reason
    callbacks: list = field(default_factory=list)   # (reference, status)


def record_campaign(simulator, session):
    campaign = Campaign(simulator)
    for found in session.scalars(select(Position)):
        campaign.positions[found.reference] = {
            "phone": found.phone, "outcome": found.outcome,
            "attempts": [{"status": a.status, "call_sid": a.call_sid, "placed_at": a.placed_at,
                          "answered_by": a.answered_by, "identified": a.identified,
                          "digits": a.digits} for a in found.attempts]}
    campaign.mails = {m.to_address: m.status for m in session.scalars(select(OutgoingMail))}
    campaign.barred = dict(session.execute(
        select(Position.reference, BlockedNumber.reason)
        .join(BlockedNumber, BlockedNumber.position_id == Position.id)).all())
    campaign.callbacks = [(c.position.reference, c.status)
                          for c in session.scalars(select(CallbackRequest))]
    return campaign


@pytest.fixture(scope="module")
def campaigns():
    """The campaign of each backend, by backend name, shared by this module's tests."""
    return {}


@pytest.fixture
def campaign(request, campaigns, database_url):
    """The campaign on this test's backend, placed by the first test that asks for it.

    Eleven whole calls take a while: they run once per backend, and the tests only read what
    was recorded, never the database they were placed on (a later test has its own).
    """
    backend = database_url.partition(":")[0]
    if backend not in campaigns:
        session = request.getfixturevalue("session")
        simulator = place_campaign(request.getfixturevalue("app"), session)
        campaigns[backend] = record_campaign(simulator, session)
    return campaigns[backend]


@pytest.mark.parametrize("reference", DEBTORS)
def test_each_kind_of_debtor_reaches_its_outcome(campaign, reference):
    _, _, outcome, status = DEBTORS[reference]
    found = campaign.positions[reference]
    assert found["outcome"] == outcome
    (attempt,) = found["attempts"]
    assert attempt["status"] == status
    assert attempt["call_sid"] and attempt["call_sid"].startswith("CA")
    assert attempt["placed_at"] == NOW


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
def test_nothing_about_the_debt_is_heard_before_identification(campaign, reference):
    phone = campaign.positions[reference]["phone"]
    (call,) = [c for c in campaign.simulator.calls if c.to == phone]
    identified_at = _identified_at(call)
    before = [h.text for h in call.transcript
              if identified_at is None or h.response_index < identified_at]
    for text in before:
        for detail in SENSITIVE:
            assert detail not in text.lower(), f"{detail!r} said before identification: {text!r}"
    if identified_at is not None:
        after = " ".join(h.text for h in call.transcript if h.response_index >= identified_at)
        assert SENSITIVE[0] in after and SENSITIVE[1] in after


def test_a_machine_is_recorded_as_such(campaign):
    (attempt,) = campaign.positions["machine"]["attempts"]
    assert attempt["answered_by"] == "machine_start" and not attempt["identified"]


def test_the_right_code_identifies_and_keeps_the_digits(campaign):
    (attempt,) = campaign.positions["right-code"]["attempts"]
    assert attempt["identified"] and attempt["digits"] == "4321,1"


def test_wrong_person_and_failed_identity_queue_the_emailed_notice(campaign):
    assert campaign.mails == {"wrong-person@example.test": "queued",
                              "wrong-code@example.test": "queued"}


def test_wrong_person_identity_failed_and_opt_out_bar_the_number(campaign):
    assert campaign.barred == {"wrong-person": "wrong_person", "wrong-code": "identity_failed",
                               "repeats-then-opts-out": "opted_out"}


def test_the_callback_request_is_queued(campaign):
    assert campaign.callbacks == [("callback", "open")]


def test_a_second_pass_calls_nobody_again(app, session):
    simulator = place_campaign(app, session)
    report = dial_pass(app, NOW)
    assert report.placed == [] and len(simulator.calls) == len(DEBTORS)
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
