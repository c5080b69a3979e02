"""The step engine (scheduler/steps.py) and `tick`: a playbook's steps on working days and
windows, call rounds one after another, skips and postponements as events, and the stop rules."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from contacts.status import record_payment, set_status
from domain.playbooks import add_working_days
from db.models import Attempt, BlockedNumber, Event, OutgoingMail, Position
from scheduler.steps import run_steps
from scheduler.tick import tick
from telephony import get_telephony
from telephony.simulator import IDENTIFY, DebtorScript
from tests.factories import make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")


def rome(*args):
    return datetime(*args, tzinfo=ROME)


@pytest.fixture
def simulator(app):
    return get_telephony(app)


@pytest.fixture
def courtesy(session):
    return make_creditor(session, playbook="cortesia-30")


def events(session, position, *kinds):
    session.expire_all()
    query = select(Event).where(Event.position_id == position.id).order_by(Event.id)
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    return session.scalars(query).all()


def fresh(session, position):
    session.expire_all()
    return session.get(Position, position.id)


def test_a_new_courtesy_position_waits_for_its_first_step_not_for_a_call(app, session, courtesy,
                                                                        simulator):
    position = make_position(session, courtesy)
    assert (position.round, position.step) == (0, 0)
    tick(app, rome(2026, 12, 1, 9, 0))
    assert simulator.calls == []
    [step] = events(session, position, "step")
    assert step.detail == {"step": 0, "day": 0, "channel": "email", "message": "verifica_contabile",
                           "mail_id": step.detail["mail_id"]}
    position = fresh(session, position)
    assert position.phase_start == date(2026, 12, 1)
    assert position.next_step_on == date(2026, 12, 3)   # working day 2: Thursday


def test_steps_wait_for_the_creditors_window_and_working_day(app, session, courtesy):
    position = make_position(session, courtesy)
    run_steps(app, rome(2026, 12, 1, 7, 0))      # before the first window
    run_steps(app, rome(2026, 12, 5, 10, 0))     # a Saturday
    run_steps(app, rome(2026, 12, 6, 10, 0))     # a Sunday
    run_steps(app, rome(2026, 12, 8, 10, 0))     # the Immacolata
    assert events(session, position, "step") == []
    run_steps(app, rome(2026, 12, 1, 8, 30))
    assert len(events(session, position, "step")) == 1


def test_the_day_two_call_round_is_opened_and_dialled(app, session, courtesy, simulator):
    position = make_position(session, courtesy)
    tick(app, rome(2026, 12, 1, 9, 0))
    tick(app, rome(2026, 12, 2, 9, 0))           # working day 1: nothing due
    assert simulator.calls == [] and fresh(session, position).round == 0
    tick(app, rome(2026, 12, 3, 9, 0))           # working day 2: the call round
    assert len(simulator.calls) == 1
    [attempt] = session.scalars(select(Attempt)).all()
    assert (attempt.round, attempt.number) == (1, 1)


def test_a_confirmed_round_keeps_the_position_open_and_the_next_round_starts_afresh(
        app, session, courtesy, simulator):
    position = make_position(session, courtesy)
    simulator.script(position.phone, DebtorScript("human", keys=[IDENTIFY, "1"]))
    tick(app, rome(2026, 12, 1, 9, 0))
    tick(app, rome(2026, 12, 3, 9, 0))
    position = fresh(session, position)
    assert (position.outcome, position.status) == ("confirmed", "open")
    # Working days 9 and 11 after Tue 1 Dec (8 Dec a holiday, weekends off): Tue 15, Thu 17.
    tick(app, rome(2026, 12, 15, 9, 0))
    tick(app, rome(2026, 12, 16, 9, 0))
    assert fresh(session, position).round == 1
    tick(app, rome(2026, 12, 17, 9, 0))
    position = fresh(session, position)
    assert position.round == 2 and position.outcome == "confirmed"
    rounds = [(a.round, a.number) for a in session.scalars(select(Attempt).order_by(Attempt.id))]
    assert rounds == [(1, 1), (2, 1)]


def test_a_round_short_of_its_attempts_is_superseded_by_the_next_call_step(
        app, session, simulator):
    creditor = make_creditor(session, playbook="custom",
                             playbook_steps="0 call\n1 call\n5 end\n")
    position = make_position(session, creditor)
    simulator.script(position.phone, DebtorScript("no-answer"))
    tick(app, rome(2026, 12, 1, 9, 0))           # round 1, attempt 1: no answer
    tick(app, rome(2026, 12, 1, 9, 30))          # attempt 2 planned for the afternoon...
    tick(app, rome(2026, 12, 2, 9, 0))           # ...whose window no pass met: day 1 comes
    outcomes = events(session, position, "outcome")
    assert [(e.detail["outcome"], e.detail["superseded_by_step"]) for e in outcomes] == \
        [("no_answer", 1)]
    attempts = session.scalars(select(Attempt).order_by(Attempt.id)).all()
    assert [(a.round, a.number, a.status) for a in attempts] == [
        (1, 1, "no-answer"), (1, 2, "canceled"), (2, 1, "no-answer")]
    position = fresh(session, position)
    assert (position.round, position.outcome) == (2, None)


def test_a_call_step_waits_while_a_call_of_the_previous_round_rings(app, session, simulator):
    creditor = make_creditor(session, playbook="custom",
                             playbook_steps="0 call\n1 call\n5 end\n")
    position = make_position(session, creditor)
    session.add(Attempt(position_id=position.id, round=1, number=1, status="ringing",
                        to_number=position.phone))
    session.commit()
    run_steps(app, rome(2026, 12, 1, 9, 0))      # the phase starts: its day-1 call is tomorrow
    run_steps(app, rome(2026, 12, 2, 9, 0))
    run_steps(app, rome(2026, 12, 2, 9, 1))      # asked again: recorded once, not twice
    postponed = events(session, position, "step_postponed")
    assert [e.detail["reason"] for e in postponed] == ["call_under_way"]
    assert fresh(session, position).round == 1


def test_an_impossible_step_is_skipped_with_its_reason_and_the_playbook_goes_on(
        app, session, courtesy):
    position = make_position(session, courtesy, email=None)
    tick(app, rome(2026, 12, 1, 9, 0))
    [skipped] = events(session, position, "step_skipped")
    assert (skipped.detail["step"], skipped.detail["reason"]) == (0, "no_email")
    assert fresh(session, position).step == 1


def test_a_barred_number_skips_call_steps_but_not_written_ones(app, session, courtesy, simulator):
    position = make_position(session, courtesy)
    session.add(BlockedNumber(creditor_id=courtesy.id, phone=position.phone, reason="wrong_person",
                              position_id=position.id))
    session.commit()
    for day in (1, 3):
        tick(app, rome(2026, 12, day, 9, 0))
    assert simulator.calls == []
    kinds = [(e.kind, e.detail["channel"]) for e in events(session, position, "step", "step_skipped")]
    assert kinds == [("step", "email"), ("step_skipped", "call")]


def test_the_phase_ends_on_its_last_working_day(app, session, courtesy):
    position = make_position(session, courtesy)
    tick(app, rome(2026, 12, 1, 9, 0))
    end = add_working_days(date(2026, 12, 1), 30, "IT")
    assert end == date(2027, 1, 18)   # past 8, 25 Dec, 1 and 6 Jan and the weekends
    run_steps(app, rome(2027, 1, 15, 9, 0))      # the working day before: still open
    assert fresh(session, position).status == "open"
    run_steps(app, rome(2027, 1, 18, 9, 0))
    position = fresh(session, position)
    assert position.status == "ended"
    [status] = events(session, position, "status")
    assert status.detail["to"] == "ended" and status.source == "worker"


def test_a_payment_in_full_withdraws_planned_calls_and_queued_messages_at_once(
        app, session, courtesy):
    position = make_position(session, courtesy)
    run_steps(app, rome(2026, 12, 1, 9, 0))      # the email is queued, not sent yet
    now = rome(2026, 12, 1, 9, 5)
    position = fresh(session, position)
    due = record_payment(session, position, Decimal("1234.56"), date(2026, 11, 30),
                         "user:anna", now)
    session.commit()
    assert due == 0
    assert fresh(session, position).status == "paid"
    assert session.scalars(select(OutgoingMail.status)).all() == ["withdrawn"]
    tick(app, rome(2026, 12, 3, 9, 0))
    assert session.scalars(select(Attempt)).all() == []


def test_a_partial_payment_lowers_the_amount_due_and_keeps_the_phase_going(app, session, courtesy):
    position = make_position(session, courtesy)
    due = record_payment(session, position, Decimal("234.56"), date(2026, 11, 30), "user:anna",
                         rome(2026, 12, 1, 9, 0))
    session.commit()
    position = fresh(session, position)
    assert due == Decimal("1000.00") and position.amount_due == Decimal("1000.00")
    assert position.status == "open"


def test_a_promise_pauses_the_playbook_and_its_lapse_resumes_it(app, session, courtesy, simulator):
    position = make_position(session, courtesy)
    # Nobody answers the round's call: a random debtor may press 4 or 6 and change the status.
    simulator.script(position.phone, DebtorScript("no-answer"))
    tick(app, rome(2026, 12, 1, 9, 0))
    position = fresh(session, position)
    set_status(session, position, "promised", "collector:marco", "promised",
               rome(2026, 12, 2, 10, 0), until=rome(2026, 12, 10, 0, 0))
    session.commit()
    tick(app, rome(2026, 12, 3, 9, 0))           # the call step: paused, nothing
    assert simulator.calls == []
    tick(app, rome(2026, 12, 10, 9, 0))          # the pause is over: broken promise, call round
    position = fresh(session, position)
    assert position.status == "open" and position.round == 1
    assert [e.kind for e in events(session, position, "promise_broken")] == ["promise_broken"]
    assert len(simulator.calls) == 1


def test_first_reminder_positions_end_with_their_rounds_outcome(app, session, simulator):
    position = make_position(session, make_creditor(session))
    simulator.script(position.phone, DebtorScript("human", keys=[IDENTIFY, "1"]))
    tick(app, rome(2026, 12, 1, 9, 0))
    position = fresh(session, position)
    assert (position.outcome, position.status) == ("confirmed", "ended")
    assert events(session, position, "step") == []   # its only step was taken at import


def test_a_paused_creditors_steps_are_postponed_once_with_why_then_run_on_resume(
        app, session, courtesy):
    from contacts.controls import pause_creditor, resume_creditor

    position = make_position(session, courtesy)
    pause_creditor(session, courtesy, "user:anna", "verifica", rome(2026, 12, 1, 8, 0))
    session.commit()
    report = run_steps(app, rome(2026, 12, 1, 9, 0))
    run_steps(app, rome(2026, 12, 1, 9, 5))          # a second pass adds no second event
    assert report.postponed == {"creditor_paused": 1} and report.ran == {}
    [postponed] = events(session, position, "step_postponed")
    assert postponed.detail == {"step": 0, "day": 0, "channel": "email",
                                "message": "verifica_contabile", "reason": "creditor_paused"}
    assert events(session, position, "step") == []
    assert session.scalars(select(OutgoingMail)).all() == []
    assert fresh(session, position).phase_start is None      # nothing of the position moved
    resume_creditor(session, courtesy, "user:anna", "", rome(2026, 12, 1, 9, 10))
    session.commit()
    run_steps(app, rome(2026, 12, 1, 9, 15))
    assert len(events(session, position, "step")) == 1
    assert session.scalar(select(OutgoingMail.kind)) == "verifica_contabile"


def test_a_held_positions_steps_wait_until_it_is_released(app, session, courtesy):
    from contacts.controls import hold_position, release_position

    position = make_position(session, courtesy)
    hold_position(session, position, "user:mara", "in trattativa", rome(2026, 12, 1, 8, 0))
    session.commit()
    run_steps(app, rome(2026, 12, 1, 9, 0))
    assert events(session, position, "step") == []
    release_position(session, position, "user:mara", "", rome(2026, 12, 1, 9, 5))
    session.commit()
    run_steps(app, rome(2026, 12, 1, 9, 10))
    assert len(events(session, position, "step")) == 1
