"""A promise keyed on the phone in the courtesy phase (SPEC §2, §4), end to end through the
simulator and `tick`: the playbook pauses until the date + the creditor's grace, then — unpaid —
the promise is broken, the position is open again and the playbook's later steps run."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import Attempt, Event, OutgoingMail, Position
from scheduler.tick import tick
from telephony import get_telephony
from telephony.simulator import IDENTIFY, DebtorScript
from tests.factories import make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")


def rome(*args):
    return datetime(*args, tzinfo=ROME)


def kinds(session, position):
    session.expire_all()
    return [e.kind for e in session.scalars(
        select(Event).where(Event.position_id == position.id).order_by(Event.id))]


def step_events(session, position):
    return [e.detail for e in session.scalars(select(Event).where(
        Event.position_id == position.id, Event.kind == "step").order_by(Event.id))]


def test_a_promise_by_key_5_pauses_cortesia_30_and_its_lapse_resumes_the_playbook(app, session):
    creditor = make_creditor(session, playbook="cortesia-30", max_attempts=3)
    position = make_position(session, creditor)
    simulator = get_telephony(app)
    # Working days from Tue 1 December 2026 (8 December is a holiday): day 2 is Thu 3, day 9
    # Tue 15, day 11 Thu 17.
    tick(app, rome(2026, 12, 1, 9, 0))                       # day 0: email verifica contabile
    simulator.script(position.phone, DebtorScript("human", (IDENTIFY, "5", "1012", "1")))
    tick(app, rome(2026, 12, 3, 9, 0))                       # day 2: the call round
    [call] = simulator.calls
    assert "entro il 10 dicembre" in call.heard_text() and simulator.errors == []
    session.expire_all()
    position = session.get(Position, position.id)
    assert (position.outcome, position.status) == ("promised", "promised")
    assert position.status_until == rome(2026, 12, 14, 0, 0)   # the 10th + 3 days' grace
    # Paused: nothing on the days its steps would have run.
    simulator.script(position.phone, DebtorScript("no-answer"))
    for day in (4, 7, 9, 10, 11):
        tick(app, rome(2026, 12, day, 9, 0))
    assert len(simulator.calls) == 1 and len(step_events(session, position)) == 2
    # The grace is over and nothing was paid: the promise is broken, the position open again.
    tick(app, rome(2026, 12, 14, 9, 0))
    session.expire_all()
    position = session.get(Position, position.id)
    assert position.status == "open"
    assert kinds(session, position).count("promise_broken") == 1
    # The playbook resumes where it was: day 9's email, then day 11's call round is rung.
    tick(app, rome(2026, 12, 15, 9, 0))
    assert step_events(session, position)[-1]["message"] == "sollecito"
    assert session.scalar(select(OutgoingMail.kind).where(OutgoingMail.kind == "sollecito"))
    tick(app, rome(2026, 12, 17, 9, 0))
    assert len(simulator.calls) == 2
    session.expire_all()
    rounds = session.scalars(select(Attempt.round).where(Attempt.position_id == position.id)
                             .order_by(Attempt.id)).all()
    assert rounds[0] == 1 and rounds[-1] == 2
    assert session.get(Position, position.id).phase_start == date(2026, 12, 1)
