"""Dial passes over a campaign's days: first calls, retries in the right windows, then no_answer."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from db.models import Attempt, BlockedNumber, Event, OutgoingMail, Position
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import DebtorScript
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post

ROME = ZoneInfo("Europe/Rome")


def rome(*args):
    return datetime(*args, tzinfo=ROME)


def attempts(session, position_id=None):
    session.expire_all()
    query = select(Attempt).order_by(Attempt.position_id, Attempt.number)
    if position_id is not None:
        query = query.where(Attempt.position_id == position_id)
    return session.scalars(query).all()


@pytest.fixture
def simulator(app):
    return get_telephony(app)


@pytest.mark.parametrize("instant, placed", [
    (rome(2026, 11, 23, 8, 0), 0),      # before the first window
    (rome(2026, 11, 23, 9, 0), 1),      # inside the first
    (rome(2026, 11, 23, 13, 0), 0),     # between two windows
    (rome(2026, 11, 23, 15, 0), 1),     # inside the second
    (rome(2026, 11, 23, 21, 30), 0),    # after the last
])
def test_a_pass_calls_only_inside_a_window(app, session, simulator, instant, placed):
    make_position(session, make_creditor(session))
    report = dial_pass(app, instant)
    assert len(report.placed) == placed and len(simulator.calls) == placed


def test_unanswered_calls_are_retried_in_three_windows_then_closed_as_no_answer(
        app, session, simulator):
    position = make_position(session, make_creditor(session))
    simulator.script(position.phone, DebtorScript("no-answer"))
    # A dialer ticking every half hour through Monday and Tuesday.
    for day in (23, 24):
        for hour in range(8, 22):
            for minute in (0, 30):
                dial_pass(app, rome(2026, 11, day, hour, minute))
    tried = attempts(session)
    assert [a.call_window for a in tried] == ["08:30-12:00", "14:00-17:00", "18:00-21:00"]
    assert [a.placed_at.astimezone(ROME) for a in tried] == [
        rome(2026, 11, 23, 8, 30), rome(2026, 11, 23, 14, 0), rome(2026, 11, 23, 18, 0)]
    assert all(a.status == "no-answer" and a.day.isoformat() == "2026-11-23" for a in tried)
    session.refresh(position)
    assert position.outcome == "no_answer" and len(simulator.calls) == 3


def test_a_late_pass_retries_in_the_next_allowed_window_not_the_previous_one(
        app, session, simulator):
    position = make_position(session, make_creditor(session))
    simulator.script(position.phone, DebtorScript("busy"))
    dial_pass(app, rome(2026, 11, 23, 20, 0))               # first call in the evening window
    assert dial_pass(app, rome(2026, 11, 23, 20, 30)).placed == []   # same window: no retry
    report = dial_pass(app, rome(2026, 11, 24, 9, 0))        # the next morning
    assert len(report.placed) == 1
    assert [a.call_window for a in attempts(session)] == ["18:00-21:00", "08:30-12:00"]


def test_a_pass_at_an_earlier_instant_retries_what_a_pass_on_a_later_clock_planned(
        app, session, simulator):
    """`dial --now` in the past, while a worker runs on the real clock (the README's walk)."""
    position = make_position(session, make_creditor(session))
    simulator.script(position.phone, DebtorScript("busy"))
    dial_pass(app, rome(2026, 11, 23, 9, 0))                 # `dial --now`: the first call
    dial_pass(app, rome(2026, 12, 1, 3, 0))                  # the worker, a week later, plans
    assert attempts(session)[1].due_at.astimezone(ROME) == rome(2026, 12, 1, 14, 0)
    report = dial_pass(app, rome(2026, 11, 23, 15, 0))       # `dial --now` that afternoon
    assert len(report.placed) == 1
    retry = attempts(session)[1]
    assert (retry.call_window, retry.placed_at.astimezone(ROME)) == \
        ("14:00-17:00", rome(2026, 11, 23, 15, 0))


def test_an_answered_outcome_stops_all_calls(app, session, simulator):
    position = make_position(session, make_creditor(session))
    simulator.script(position.phone, DebtorScript("human", ("1", "1")))
    dial_pass(app, rome(2026, 11, 23, 9, 0))
    for hour in (14, 18):
        assert dial_pass(app, rome(2026, 11, 23, hour, 5)).placed == []
    assert len(attempts(session)) == 1


def test_an_opt_out_stops_calls_to_that_number_for_every_creditors_positions(
        app, session, simulator):
    creditor = make_creditor(session)
    first = make_position(session, creditor)
    second = make_position(session, creditor, reference="P-002")   # the same phone
    other = make_position(session, make_creditor(session, name="Altro Srl"))
    simulator.script(first.phone, DebtorScript("human", ("1", "8")))
    report = dial_pass(app, rome(2026, 11, 23, 9, 0))
    # The first call opts out inside place_call; the other creditor's call, claimed after it,
    # is not placed: the opt-out bars the number for every creditor from then on.
    assert {d.position_id for d in report.placed} == {first.id}
    later = dial_pass(app, rome(2026, 11, 23, 14, 5))
    assert later.placed == [] and later.barred == 2
    assert session.scalar(select(BlockedNumber.reason)) == "opted_out"
    assert second.id not in {a.position_id for a in attempts(session)
                             if a.placed_at and a.placed_at >= rome(2026, 11, 23, 14)}


def test_a_blocked_number_is_not_planned_nor_called(app, session, simulator):
    position = make_position(session, make_creditor(session))
    session.add(BlockedNumber(creditor_id=position.creditor_id, phone=position.phone,
                              reason="wrong_person"))
    session.commit()
    assert dial_pass(app, rome(2026, 11, 23, 9, 0)).placed == [] and not attempts(session)


def test_the_dialer_closes_a_position_whose_final_callback_was_lost(app, session, simulator):
    creditor = make_creditor(session, max_attempts=1)
    position = make_position(session, creditor)
    # The last allowed attempt ended (status recorded) but no outcome was written.
    make_attempt(session, position, status="no-answer", call_window="08:30-12:00",
                 placed_at=rome(2026, 11, 23, 9, 0))
    report = dial_pass(app, rome(2026, 11, 23, 9, 30))
    session.refresh(position)
    assert report.settled == 1 and position.outcome == "no_answer"
    assert dial_pass(app, rome(2026, 11, 23, 9, 45)).settled == 0   # idempotent
    kinds = session.scalars(select(Event.kind).where(Event.kind == "outcome")).all()
    assert kinds == ["outcome"] and not simulator.calls


def test_a_dry_run_lists_retries_due_without_creating_them(app, session, simulator):
    position = make_position(session, make_creditor(session))
    simulator.script(position.phone, DebtorScript("no-answer"))
    dial_pass(app, rome(2026, 11, 23, 9, 0))
    report = dial_pass(app, rome(2026, 11, 23, 14, 10), dry_run=True)
    assert [(d.reference, d.number) for d in report.due] == [("P-001", 2)]
    assert len(attempts(session)) == 1


def test_plans_come_from_placement_times_not_from_when_callbacks_arrive(app, session, simulator):
    creditor = make_creditor(session)
    position = make_position(session, creditor)
    # Placed at 11:55; its final callback is recorded much later. The retry is due 13:55 → 14:00.
    make_attempt(session, position, status="no-answer", call_window="08:30-12:00",
                 placed_at=rome(2026, 11, 23, 11, 55), ended_at=rome(2026, 11, 23, 16, 59))
    dial_pass(app, rome(2026, 11, 23, 12, 30))
    second = attempts(session)[1]
    assert second.status == "pending" and second.call_window == "14:00-17:00"
    assert second.due_at == rome(2026, 11, 23, 14, 0)
    assert session.get(Position, position.id).outcome is None


def test_positions_on_a_number_barred_by_a_wrong_person_are_closed_and_mailed(
        app, session, simulator):
    creditor = make_creditor(session)
    first = make_position(session, creditor, email="primo@example.test")
    second = make_position(session, creditor, reference="P-002", email="secondo@example.test")
    simulator.script(first.phone, DebtorScript("human", ("2",)))
    report = dial_pass(app, rome(2026, 11, 23, 9, 0))
    # One number, one call at a time: the sibling waits for the first call, then the next
    # pass closes it on the barred number.
    assert [d.position_id for d in report.placed] == [first.id]
    assert dial_pass(app, rome(2026, 11, 23, 9, 1)).barred == 1
    session.expire_all()
    assert (first.outcome, second.outcome) == ("wrong_person", "wrong_person")
    assert [a.status for a in attempts(session, second.id)] == ["canceled"]
    mailed = set(session.scalars(select(OutgoingMail.to_address)))
    assert mailed == {"primo@example.test", "secondo@example.test"}
    event = session.scalars(select(Event).where(Event.position_id == second.id,
                                                Event.kind == "outcome")).one()
    assert event.detail == {"outcome": "wrong_person", "number_barred_by": "P-001"}


def test_a_position_added_after_its_number_was_barred_is_closed_without_a_call(
        app, session, simulator):
    creditor = make_creditor(session)
    first = make_position(session, creditor)
    simulator.script(first.phone, DebtorScript("human", ("1", "8")))
    dial_pass(app, rome(2026, 11, 23, 9, 0))
    later = make_position(session, creditor, reference="P-002")
    report = dial_pass(app, rome(2026, 11, 24, 9, 0))
    assert report.placed == [] and report.barred == 1
    session.expire_all()
    assert later.outcome == "opted_out" and attempts(session, later.id) == []
    assert session.scalar(select(func.count(OutgoingMail.id))) == 0   # no mail for an opt-out


def test_identity_failed_bars_the_number_for_the_creditors_other_positions(app, session, simulator):
    creditor = make_creditor(session)
    first = make_position(session, creditor, verification_code="4321")
    second = make_position(session, creditor, reference="P-002", verification_code="4321")
    other_creditor = make_position(session, make_creditor(session, name="Altro Srl"))
    simulator.script(first.phone, DebtorScript("human", ("1111#", "2222#")))
    for minute in (0, 1):
        dial_pass(app, rome(2026, 11, 23, 9, minute))
    session.expire_all()
    assert first.outcome == second.outcome == "identity_failed"
    # The bar is the creditor's, not everyone's: the other creditor still calls that number.
    assert [a.placed_at is not None for a in attempts(session, other_creditor.id)] == [True]


def test_two_positions_of_one_number_never_ring_at_once(app, session, standin):
    creditor = make_creditor(session)
    make_position(session, creditor)
    make_position(session, creditor, reference="P-002")                  # the same phone
    make_position(session, creditor, reference="P-003", phone="+393339999999")
    report = dial_pass(app, rome(2026, 11, 23, 9, 0), calls_per_second=0)
    # Nothing reports an end on the stand-in: the first call to the shared number still rings.
    assert sorted(c["to"] for c in standin.calls) == ["+393331234567", "+393339999999"]
    assert len(report.placed) == 2
    assert dial_pass(app, rome(2026, 11, 23, 9, 5), calls_per_second=0).placed == []


CALLER_ID = "+390212345678"        # the creditors' caller ID in tests/factories.py


def call_back(app, client, at, from_="333 123 4567", sid="CA" + "7" * 32, status=None):
    """A debtor rings the caller ID at `at` (the number written as a caller may send it);
    with `status`, the number's status callback for that call instead."""
    app.extensions["cortesia.clock"] = lambda: at
    path = "/ivr/inbound" if status is None else "/ivr/inbound/status"
    return signed_post(client, path, {"CallSid": sid, "From": from_, "To": CALLER_ID,
                                      "CallStatus": status or "ringing", "Direction": "inbound"})


@pytest.mark.parametrize("on_the_same_position", [True, False])
def test_a_debtor_on_a_call_back_is_busy_the_dialer_rings_that_number_after_it(
        app, session, client, standin, on_the_same_position):
    creditor = make_creditor(session)
    make_position(session, creditor)
    make_position(session, creditor, reference="P-003", phone="+393339999999")
    if not on_the_same_position:   # another creditor's position on that number, called back
        make_position(session, make_creditor(session, name="Altro Srl"), reference="A-1",
                      status="promised")
        creditor.caller_id = "+390211111111"
        session.commit()
    call_back(app, client, rome(2026, 11, 23, 8, 58))
    [inbound] = session.scalars(select(Attempt).where(Attempt.direction == "inbound")).all()
    assert inbound.status == "in-progress"

    report = dial_pass(app, rome(2026, 11, 23, 9, 0), calls_per_second=0)
    # Not a second phone ringing in the debtor's hand: only the other number is called.
    assert [c["to"] for c in standin.calls] == ["+393339999999"] and len(report.placed) == 1

    call_back(app, client, rome(2026, 11, 23, 9, 4), status="completed")
    report = dial_pass(app, rome(2026, 11, 23, 9, 5), calls_per_second=0)
    assert [c["to"] for c in standin.calls] == ["+393339999999", "+393331234567"]


def test_a_call_back_whose_end_never_came_stops_holding_the_number(app, session, client, standin):
    make_position(session, make_creditor(session))
    call_back(app, client, rome(2026, 11, 23, 8, 0))
    stale = rome(2026, 11, 23, 8, 0) + timedelta(seconds=app.config["DIAL_STALE_CALL_SECONDS"] + 1)
    assert dial_pass(app, stale, calls_per_second=0).placed != []
    assert [c["to"] for c in standin.calls] == ["+393331234567"]


def test_a_call_back_from_another_number_does_not_hold_the_debtors(app, session, client, standin):
    make_position(session, make_creditor(session))
    make_position(session, make_creditor(session, name="Altro Srl"), reference="A-1",
                  phone="+393338888888")
    call_back(app, client, rome(2026, 11, 23, 8, 58), from_="+393338888888")
    dial_pass(app, rome(2026, 11, 23, 9, 0), calls_per_second=0)
    assert [c["to"] for c in standin.calls] == ["+393331234567"]
