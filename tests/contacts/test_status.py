"""Status changes, payments and closures (contacts/status.py): one code path, with its events."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from contacts.status import (
    StatusError, close_position_by_creditor, end_if_done, follow_new_playbook, record_answer,
    record_payment,
    reopen, resume_lapsed,
)
from db.models import Attempt, BlockedNumber, CallbackRequest, Event, OutgoingMail
from ivr.outcomes import apply_outcome
from tests.factories import make_attempt, make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ROME)


def status_events(session, position):
    return [(e.detail["from"], e.detail["to"], e.source) for e in session.scalars(
        select(Event).where(Event.position_id == position.id, Event.kind == "status")
        .order_by(Event.id))]


@pytest.fixture
def position(session):
    return make_position(session, make_creditor(session, playbook="cortesia-30"))


def test_a_promise_pauses_until_the_date_plus_the_creditors_grace(session, position):
    assert record_answer(session, position, "promised", "debtor:keypad", NOW,
                         promise_date=date(2026, 12, 15))
    assert position.status == "promised"
    # The end of the 15th plus 3 days of grace, on the creditor's clock.
    assert position.status_until == datetime(2026, 12, 19, tzinfo=ROME)
    assert status_events(session, position) == [("open", "promised", "debtor:keypad")]


def test_a_declared_payment_waits_verify_days_for_the_creditor(session, position):
    record_answer(session, position, "declared_paid", "debtor:page", NOW)
    assert position.status == "to_verify"
    assert position.status_until == datetime(2026, 12, 10, tzinfo=ROME)


def test_an_answer_after_the_payment_changes_nothing(session, position):
    record_payment(session, position, position.amount, date(2026, 12, 1), "user:anna", NOW)
    assert not record_answer(session, position, "disputed", "debtor:keypad", NOW)
    assert position.status == "paid"


def test_a_lapsed_pause_opens_the_position_again_with_a_broken_promise(session, position):
    record_answer(session, position, "promised", "debtor:keypad", NOW,
                  promise_date=date(2026, 12, 3))
    session.commit()
    assert resume_lapsed(session, datetime(2026, 12, 6, 23, 59, tzinfo=ROME)) == 0
    assert resume_lapsed(session, datetime(2026, 12, 7, 0, 0, tzinfo=ROME)) == 1
    assert position.status == "open" and position.status_until is None
    kinds = session.scalars(select(Event.kind).where(Event.position_id == position.id)
                            .order_by(Event.id)).all()
    assert kinds == ["status", "promise_broken", "status"]


def test_payment_in_full_withdraws_attempts_messages_and_callbacks_in_one_transaction(
        session, position):
    make_attempt(session, position, status="pending", round=1)
    session.add_all([OutgoingMail(key="k", position_id=position.id, kind="sollecito",
                                  to_address="a@example.test", subject="s", body="b"),
                     CallbackRequest(position_id=position.id)])
    session.commit()
    due = record_payment(session, position, Decimal("1000"), date(2026, 12, 1), "payments:x.csv",
                         NOW)
    assert due == Decimal("234.56") and position.status == "open"
    assert record_payment(session, position, Decimal("234.56"), date(2026, 12, 2),
                          "payments:x.csv", NOW) == 0
    session.commit()
    assert position.status == "paid"
    assert session.scalars(select(Attempt.status)).all() == ["canceled"]
    assert session.scalars(select(OutgoingMail.status)).all() == ["withdrawn"]
    assert session.scalars(select(CallbackRequest.status)).all() == ["withdrawn"]
    payments = session.scalars(select(Event.detail).where(Event.kind == "payment")
                               .order_by(Event.id)).all()
    assert [p["amount_due"] for p in payments] == ["234.56", "0.00"]


@pytest.mark.parametrize("amount, paid_on, code", [
    (Decimal("0"), date(2026, 12, 1), "amount_not_positive"),
    (Decimal("-5"), date(2026, 12, 1), "amount_not_positive"),
    (Decimal("10"), date(2027, 1, 1), "paid_in_future"),
])
def test_a_payment_that_cannot_be_is_refused_with_its_reason(session, position, amount, paid_on,
                                                              code):
    with pytest.raises(StatusError) as refused:
        record_payment(session, position, amount, paid_on, "user:anna", NOW)
    assert refused.value.code == code and position.amount_paid == 0


def test_a_closed_position_cannot_be_paid_closed_or_reopened(session, position):
    close_position_by_creditor(session, position, "user:anna", "withdrawn by the creditor", NOW)
    for action in (lambda: record_payment(session, position, Decimal(1), date(2026, 12, 1),
                                          "user:anna", NOW),
                   lambda: close_position_by_creditor(session, position, "user:anna", "", NOW),
                   lambda: reopen(session, position, "user:anna", "", NOW)):
        with pytest.raises(StatusError):
            action()
    assert status_events(session, position) == [("open", "closed", "user:anna")]


def test_a_first_reminder_position_ends_with_its_rounds_outcome(session):
    first = make_position(session, make_creditor(session), outcome="confirmed")
    assert end_if_done(session, first, "dialer", NOW) and first.status == "ended"


def test_a_courtesy_position_does_not_end_before_its_last_day(session, position):
    position.outcome = "confirmed"
    assert not end_if_done(session, position, "dialer", NOW) and position.status == "open"


def test_a_call_answered_after_the_payment_keeps_its_answer_and_sets_off_nothing(session):
    position = make_position(session, make_creditor(session))
    attempt = make_attempt(session, position, status="in-progress")
    record_payment(session, position, position.amount, date(2026, 12, 1), "user:anna", NOW)
    apply_outcome(session, attempt, "wrong_person", "twilio:gather", NOW)
    session.commit()
    assert (attempt.outcome, position.outcome, position.status) == \
        ("wrong_person", "wrong_person", "paid")
    # No emailed notice, no barred number: the position is paid.
    assert session.scalars(select(OutgoingMail)).all() == []
    assert session.scalars(select(BlockedNumber)).all() == []


def test_a_callback_request_waits_for_its_collector_before_the_first_reminder_ends(session):
    position = make_position(session, make_creditor(session))
    attempt = make_attempt(session, position, status="in-progress")
    apply_outcome(session, attempt, "callback_requested", "twilio:gather", NOW)
    assert position.status == "open"
    assert end_if_done(session, position, "collector:carlo", NOW) and position.status == "ended"


def test_a_late_answer_from_an_earlier_round_does_not_close_the_current_one(session, position):
    old = make_attempt(session, position, round=1, status="in-progress")
    position.round = 2
    session.commit()
    assert not apply_outcome(session, old, "confirmed", "twilio:gather", NOW)
    assert old.outcome == "confirmed" and position.outcome is None


def test_a_new_playbook_is_followed_by_positions_not_started_yet(session):
    creditor = make_creditor(session)
    waiting = make_position(session, creditor, reference="W")
    dialled = make_position(session, creditor, reference="D", phone="+393339876543")
    make_attempt(session, dialled, status="completed")
    creditor.playbook = "cortesia-30"
    assert follow_new_playbook(session, creditor) == 1
    session.commit()
    session.refresh(waiting)
    session.refresh(dialled)
    assert (waiting.round, waiting.step) == (0, 0)
    assert (dialled.round, dialled.step) == (1, 1)


def test_a_second_rounds_callback_request_opens_the_positions_request_again(session, position):
    position.round = 1
    first = make_attempt(session, position, round=1, status="in-progress")
    apply_outcome(session, first, "callback_requested", "twilio:gather", NOW)
    request = session.scalars(select(CallbackRequest)).one()
    request.status, request.result, request.closed_at = "closed", "unreachable", NOW
    position.round, position.outcome = 2, None
    session.commit()
    second = make_attempt(session, position, round=2, status="in-progress")
    assert apply_outcome(session, second, "callback_requested", "twilio:gather", NOW)
    session.commit()
    request = session.scalars(select(CallbackRequest)).one()
    assert (request.status, request.result, request.attempt_id) == ("open", None, second.id)
