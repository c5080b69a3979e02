"""A creditor that requires code identification, end to end: the dial pass places the calls,
the simulator plays Twilio and scripted debtors answer. Debtors without a code hear who is
calling and nothing of the debt, whatever they key; the notice goes to them in writing."""
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from db.models import OutgoingMail, Position
from prompts import speak_amount, speak_code, speak_date
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import IDENTIFY, DebtorScript
from tests.factories import make_creditor, make_position

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
SENSITIVE = [speak_amount(Decimal("1234.56"), "EUR", "it"), speak_date(date(2026, 10, 15), "it"),
             speak_code("FT-2026/118", "it").lower(), "fattura", "euro", "importo", "scadut"]

# reference: (script, verification code, outcome of a one-attempt round)
DEBTORS = {
    "with-code": (DebtorScript("human", (IDENTIFY, "1")), "4321", "confirmed"),
    "says-it-is-me": (DebtorScript("human", (IDENTIFY, "1", "5")), None, "no_answer"),
    "asks-an-operator": (DebtorScript("human", (IDENTIFY, "3")), None, "callback_requested"),
    "opts-out": (DebtorScript("human", ("8",)), None, "opted_out"),
    "wrong-person": (DebtorScript("human", ("2",)), None, "wrong_person"),
}


def test_a_campaign_of_a_creditor_that_requires_a_code(app, session):
    creditor = make_creditor(session, require_code=True, max_attempts=1)
    simulator = get_telephony(app)
    for index, (reference, (script, code, _)) in enumerate(DEBTORS.items()):
        phone = f"+39333000{index:04d}"
        make_position(session, creditor, reference=reference, phone=phone,
                      verification_code=code, email=f"{reference}@example.test")
        simulator.script(phone, script)
    report = dial_pass(app, NOW)
    assert len(report.placed) == len(DEBTORS) and simulator.errors == []
    session.expire_all()
    positions = {p.reference: p for p in session.scalars(select(Position))}
    assert {reference: p.outcome for reference, p in positions.items()} == \
        {reference: outcome for reference, (_, _, outcome) in DEBTORS.items()}
    for reference, (_, code, _) in DEBTORS.items():
        (call,) = [c for c in simulator.calls if c.to == positions[reference].phone]
        heard = call.heard_text().lower()
        if code:
            assert SENSITIVE[0] in heard and SENSITIVE[1] in heard
        else:
            assert not [word for word in SENSITIVE if word in heard], heard
            assert not any(a.identified for a in positions[reference].attempts)
    # Who said "it's me" and the wrong person get the notice in writing, at the position's own
    # address; who only asked for an operator or opted out, nothing.
    mails = {m.to_address: m.kind for m in session.scalars(select(OutgoingMail))}
    assert mails == {"says-it-is-me@example.test": "notice_withheld",
                     "asks-an-operator@example.test": "notice_withheld",
                     "wrong-person@example.test": "notice_wrong_person"}
