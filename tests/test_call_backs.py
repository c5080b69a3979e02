"""End to end through the simulator: debtors who missed the call and ring the caller ID back."""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import Attempt, Event, Position
from reports.daily import build_report
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import IDENTIFY, DebtorScript
from tests.factories import make_attempt, make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")
CALLER_ID = "+390212345678"


def rome(*args):
    return datetime(*args, tzinfo=ROME)


def attempts(session, position):
    session.expire_all()
    return session.scalars(select(Attempt).where(Attempt.position_id == position.id)
                           .order_by(Attempt.id)).all()


def test_a_debtor_who_missed_the_call_calls_back_and_confirms(app, session):
    creditor = make_creditor(session, max_attempts=2)
    position = make_position(session, creditor)
    simulator = get_telephony(app)
    simulator.script(position.phone, DebtorScript("no-answer"))
    dial_pass(app, rome(2026, 11, 24, 9, 0))                 # attempt 1: no answer
    app.extensions["cortesia.clock"] = lambda: rome(2026, 11, 24, 11, 0)   # the call-back's time
    call = simulator.call_in(position.phone, CALLER_ID, DebtorScript("human", (IDENTIFY, "1")))
    assert simulator.errors == []
    heard = call.heard_text()
    assert heard.index("Mario Rossi") < heard.index("euro")  # identification before the debt
    outbound, inbound = attempts(session, position)
    assert (inbound.direction, inbound.number, inbound.status) == ("inbound", -1, "completed")
    assert (inbound.outcome, inbound.identified, inbound.digits) == ("confirmed", True, "1,1")
    assert inbound.duration == call.duration
    session.refresh(position)
    assert position.outcome == "confirmed"
    # The round has its outcome: the dialer does not ring attempt 2.
    report = dial_pass(app, rome(2026, 11, 24, 15, 0))
    assert report.placed == [] and len(attempts(session, position)) == 2
    # The day's report: one attempt placed, the position's answer from the call-back.
    report = build_report(session, creditor, rome(2026, 11, 24).date())
    row, = report.rows
    assert (row["attempts"], row["outcome"], report.totals["confirmed"]) == (1, "confirmed", 1)
    assert row["last_call_at"] == "2026-11-24T09:00:00+01:00"


def test_a_call_back_without_an_answer_does_not_use_up_the_round(app, session):
    creditor = make_creditor(session, max_attempts=2)
    position = make_position(session, creditor)
    simulator = get_telephony(app)
    simulator.script(position.phone, DebtorScript("no-answer"))
    dial_pass(app, rome(2026, 11, 24, 9, 0))
    simulator.call_in(position.phone, CALLER_ID, DebtorScript("human", ("hangup",)))
    session.refresh(position)
    assert position.outcome is None
    # Attempt 2 is still planned and placed in a later window, numbered 2.
    dial_pass(app, rome(2026, 11, 24, 14, 0))
    dial_pass(app, rome(2026, 11, 24, 14, 5))
    numbers = [(a.direction, a.number) for a in attempts(session, position)]
    assert numbers == [("outbound", 1), ("inbound", -1), ("outbound", 2)]
    session.refresh(position)
    assert position.outcome == "no_answer"


def test_a_call_back_before_the_first_call_does_not_stop_the_dialer(app, session):
    position = make_position(session, make_creditor(session))
    simulator = get_telephony(app)
    simulator.call_in(position.phone, CALLER_ID, DebtorScript("human", ()))   # silent
    simulator.script(position.phone, DebtorScript("no-answer"))
    assert len(dial_pass(app, rome(2026, 11, 24, 9, 0)).placed) == 1


def test_an_ended_position_is_not_spoken_of_on_a_call_back(app, session):
    creditor = make_creditor(session, max_attempts=1)
    position = make_position(session, creditor)
    simulator = get_telephony(app)
    simulator.script(position.phone, DebtorScript("no-answer"))
    dial_pass(app, rome(2026, 11, 24, 9, 0))
    session.refresh(position)
    assert (position.outcome, position.status) == ("no_answer", "ended")   # primo-sollecito
    # An ended position takes no more answers: the caller hears the neutral message.
    call = simulator.call_in(position.phone, CALLER_ID)
    assert "Mario" not in call.heard_text()


def test_a_cortesia_debtor_calls_back_after_the_round_and_promises(app, session):
    creditor = make_creditor(session, max_attempts=1, playbook="cortesia-30")
    position = make_position(session, creditor, outcome="no_answer", status="open")
    simulator = get_telephony(app)
    app.extensions["cortesia.clock"] = lambda: rome(2026, 11, 24, 10, 0)
    call = simulator.call_in(position.phone, CALLER_ID,
                             DebtorScript("human", (IDENTIFY, "5", "1512", "1")))
    assert simulator.errors == [] and "15 dicembre" in call.heard_text()
    session.expire_all()
    position = session.get(Position, position.id)
    assert (position.outcome, position.status) == ("no_answer", "promised")
    answer = session.scalar(select(Event).where(Event.kind == "answer"))
    assert answer.detail == {"answer": "promised", "promise_date": "2026-12-15"}


def test_an_unknown_number_is_put_through_to_the_operator(app, session):
    make_position(session, make_creditor(session, contact_phone="+390298765432"))
    call = get_telephony(app).call_in("+393479999999", CALLER_ID)
    assert [h.text for h in call.transcript if h.verb == "Dial"] == ["+390298765432"]
    assert "euro" not in call.heard_text() and "Mario" not in call.heard_text()
    assert session.scalars(select(Attempt)).all() == []


def test_a_debtor_with_two_positions_hears_both_on_one_call_back(app, session):
    creditor = make_creditor(session, max_attempts=2)
    first = make_position(session, creditor, reference="A")                 # press 1
    second = make_position(session, creditor, reference="B", amount=Decimal("80.00"),
                           verification_code="4321")                        # the code
    make_attempt(session, first, status="no-answer", placed_at=rome(2026, 11, 24, 9, 0),
                 day=rome(2026, 11, 24).date())      # the call being returned: A's
    simulator = get_telephony(app)
    app.extensions["cortesia.clock"] = lambda: rome(2026, 11, 24, 11, 0)
    call = simulator.call_in(first.phone, CALLER_ID, DebtorScript(
        "human", (IDENTIFY, "1", IDENTIFY, "5", "1512", "1")))
    assert simulator.errors == []
    heard = call.heard_text()
    # A first (the call being returned), then B, whose notice comes after its own code.
    assert heard.index("milleduecentotrentaquattro") < heard.index("un'altra comunicazione") \
        < heard.index("codice cliente") < heard.index("ottanta euro") < heard.index("15 dicembre")
    session.expire_all()
    by_reference = {a.position.reference: a for a in session.scalars(
        select(Attempt).where(Attempt.direction == "inbound"))}
    assert (by_reference["A"].outcome, by_reference["A"].digits) == ("confirmed", "1,1")
    assert (by_reference["B"].outcome, by_reference["B"].digits) == ("promised", "4321,5,1512,1")
    assert {a.call_sid for a in by_reference.values()} == {call.call_sid}
    assert all(a.status == "completed" and a.identified for a in by_reference.values())
    first, second = session.get(Position, first.id), session.get(Position, second.id)
    assert (first.outcome, second.outcome, second.status) == ("confirmed", "promised", "promised")
    # The day's report: both positions, each with its own answer, counted in the totals.
    report = build_report(session, creditor, rome(2026, 11, 24).date())
    assert {row["reference"]: row["outcome"] for row in report.rows} == \
        {"A": "confirmed", "B": "promised"}
    assert (report.totals["confirmed"], report.totals["promised"]) == (1, 1)
