"""Campaign controls (contacts/controls.py): pause and resume a creditor, stop a position and let
it go on, call it now when the contact policy allows, notes; each an event with who and why."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from contacts.controls import (
    CallRefused, ControlError, add_note, call_now, hold_position, pause_creditor,
    release_position, resume_creditor,
)
from contacts.status import record_payment
from db.models import (
    Attempt, BlockedNumber, CallbackRequest, CreditorEvent, Event, OutgoingMail, PolicyDecision,
)
from tests.factories import make_attempt, make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")
MONDAY = datetime(2026, 11, 23, 11, 0, tzinfo=ROME)        # in the 08:30-12:00 window
SATURDAY_LATE = datetime(2026, 11, 28, 16, 0, tzinfo=ROME)  # a window open, the policy's not


@pytest.fixture
def position(session):
    position = make_position(session, make_creditor(session))
    make_attempt(session, position, status="pending", due_at=MONDAY + timedelta(hours=4),
                 call_window="14:00-17:00")
    session.add(OutgoingMail(key="step:P-001", kind="sollecito", position_id=position.id,
                             to_address=position.email, subject="s", body="b"))
    session.commit()
    return position


def kinds(session, position):
    session.expire_all()
    return [(e.kind, e.source, e.detail) for e in session.scalars(
        select(Event).where(Event.position_id == position.id).order_by(Event.id))]


def test_pausing_and_resuming_a_creditor_are_events_with_who_and_why(session, position):
    creditor = position.creditor
    pause_creditor(session, creditor, "user:anna", "verifica dei dati", MONDAY)
    session.commit()
    assert (creditor.paused_at, creditor.paused_by) == (MONDAY, "user:anna")
    with pytest.raises(ControlError) as refused:
        pause_creditor(session, creditor, "user:anna", "ancora", MONDAY)
    assert refused.value.code == "creditor_paused_already"
    resume_creditor(session, creditor, "command line", "", MONDAY + timedelta(hours=1))
    session.commit()
    assert creditor.paused_at is None
    events = session.scalars(select(CreditorEvent).order_by(CreditorEvent.id)).all()
    assert [(e.kind, e.source) for e in events] == [("paused", "user:anna"),
                                                    ("resumed", "command line")]
    assert events[0].detail == {"reason": "verifica dei dati"}
    assert events[1].detail["paused_by"] == "user:anna"
    # A pause leaves planned calls and queued messages where they are: they wait, not vanish.
    assert session.scalar(select(Attempt.status)) == "pending"
    assert session.scalar(select(OutgoingMail.status)) == "queued"


def test_a_pause_needs_a_reason_and_a_resume_needs_a_pause(session, position):
    with pytest.raises(ControlError) as no_reason:
        pause_creditor(session, position.creditor, "user:anna", "  ", MONDAY)
    assert no_reason.value.code == "control_no_reason"
    with pytest.raises(ControlError) as not_paused:
        resume_creditor(session, position.creditor, "user:anna", "", MONDAY)
    assert str(not_paused.value) == "the campaign of Acme Energia is not paused"


def test_stopping_a_position_withdraws_its_plans_in_the_same_transaction(session, position):
    session.add(CallbackRequest(position_id=position.id))
    session.commit()
    assert hold_position(session, position, "user:mara", "il cliente ha chiamato", MONDAY) == \
        (1, 1)
    session.commit()
    assert (position.held_at, position.held_by, position.status) == (MONDAY, "user:mara", "open")
    assert session.scalar(select(Attempt.status)) == "canceled"
    assert session.scalar(select(OutgoingMail.status)) == "withdrawn"
    # A hold is no final status: a collector's callback still may happen.
    assert session.scalar(select(CallbackRequest.status)) == "open"
    assert kinds(session, position)[-1] == (
        "held", "user:mara", {"reason": "il cliente ha chiamato", "attempts": 1, "messages": 1})
    assert release_position(session, position, "user:mara", "",
                            MONDAY + timedelta(days=1)) == (1, 1)
    session.commit()
    assert position.held_at is None
    assert kinds(session, position)[-1] == ("released", "user:mara", {
        "held_at": "2026-11-23T10:00:00+00:00", "attempts": 1, "messages": 1})
    # What the hold withdrew is given back as it was: the dial pass moves a passed window.
    session.expire_all()
    attempt = session.scalar(select(Attempt))
    assert (attempt.status, attempt.last_error) == ("pending", None)
    assert session.scalar(select(OutgoingMail.status)) == "queued"


def test_a_release_gives_back_only_what_the_hold_withdrew(session, position):
    record_payment(session, position, 1, MONDAY.date(), "user:mara", MONDAY)   # partial
    make_attempt(session, position, number=2, status="canceled", last_error="not placed: x")
    hold_position(session, position, "user:mara", "ferma", MONDAY)
    assert release_position(session, position, "user:mara", "", MONDAY) == (1, 1)
    session.commit()
    assert sorted(session.scalars(select(Attempt.status))) == ["canceled", "pending"]


def test_a_paid_position_has_nothing_to_stop(session, position):
    record_payment(session, position, position.amount, MONDAY.date(), "user:mara", MONDAY)
    with pytest.raises(ControlError) as refused:
        hold_position(session, position, "user:mara", "basta", MONDAY)
    assert str(refused.value) == "the position is paid: there is no contact to stop"


def test_call_now_brings_the_planned_attempt_into_the_open_window(session, position):
    due = call_now(session, position, "user:anna", "il debitore aspetta", MONDAY)
    session.commit()
    attempt = session.get(Attempt, due.attempt_id)
    assert (attempt.status, attempt.due_at, attempt.call_window) == \
        ("pending", MONDAY, "08:30-12:00")
    assert (due.round, due.number) == (1, 1)
    assert kinds(session, position)[-1] == (
        "call_now", "user:anna", {"round": 1, "number": 1, "reason": "il debitore aspetta"})
    decision = session.scalar(select(PolicyDecision))
    assert (decision.channel, decision.allowed, decision.position_id) == \
        ("call", True, position.id)


def test_call_now_after_a_round_with_its_outcome_opens_the_next_round(session):
    position = make_position(session, make_creditor(session), outcome="no_answer", round=1)
    make_attempt(session, position, status="completed", number=3)
    due = call_now(session, position, "user:anna", "", MONDAY)
    session.commit()
    assert (due.round, due.number) == (2, 1)
    assert (position.round, position.outcome) == (2, None)


def test_call_now_refused_by_the_policy_is_kept_and_changes_nothing(session, position):
    with pytest.raises(CallRefused) as refused:
        call_now(session, position, "user:anna", "", SATURDAY_LATE)
    session.commit()
    assert refused.value.decision["rule"] == "saturday_hours"
    assert session.scalar(select(Attempt.due_at)) == MONDAY + timedelta(hours=4)
    assert session.scalar(select(PolicyDecision.allowed)) is False
    assert [k for k, _, _ in kinds(session, position)] == []


@pytest.mark.parametrize("setup, code", [
    (lambda s, p: pause_creditor(s, p.creditor, "user:anna", "pausa", MONDAY),
     "call_creditor_paused"),
    (lambda s, p: hold_position(s, p, "user:anna", "ferma", MONDAY), "call_held"),
    (lambda s, p: s.add(BlockedNumber(creditor_id=p.creditor_id, phone=p.phone,
                                      reason="wrong_person")), "call_number_barred"),
    (lambda s, p: make_attempt(s, p, number=2, status="ringing"), "call_under_way"),
])
def test_call_now_is_refused_where_no_call_may_go(session, position, setup, code):
    setup(session, position)
    session.commit()
    with pytest.raises(ControlError) as refused:
        call_now(session, position, "user:anna", "", MONDAY)
    assert refused.value.code == code


def test_call_now_outside_the_creditors_windows_says_them(session, position):
    with pytest.raises(ControlError) as refused:
        call_now(session, position, "user:anna", "", MONDAY.replace(hour=13))
    assert refused.value.code == "call_no_window"
    assert "08:30-12:00" in str(refused.value)


def test_a_note_is_an_event_and_an_empty_one_is_refused(session, position):
    add_note(session, position, "collector:carlo", "  richiamare dopo le 18  ", True, MONDAY)
    session.commit()
    assert kinds(session, position)[-1] == (
        "note", "collector:carlo", {"text": "richiamare dopo le 18", "internal": True})
    with pytest.raises(ControlError):
        add_note(session, position, "user:mara", " ", False, MONDAY)
