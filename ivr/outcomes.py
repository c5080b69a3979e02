"""Recording a definite outcome and everything it sets off, in one transaction."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db import write_columns
from db.events import record_event
from db.models import (
    MAIL_FALLBACK_OUTCOMES, NUMBER_BLOCKING_OUTCOMES, BlockedNumber, CallbackRequest, Outcome,
)
from contacts.status import end_if_done, record_answer
from domain.statuses import Status
from notify import queue_notice_email


def apply_outcome(session, attempt, outcome, source, now):
    """Give the attempt and its call round `outcome`; a round's first outcome is final."""
    if attempt.outcome is None:
        write_columns(session, attempt, outcome=outcome)
    if attempt.round != attempt.position.round:  # a late answer from an earlier round
        return False
    return close_position(session, attempt.position, outcome, source, now, attempt_id=attempt.id)


def close_position(session, position, outcome, source, now, attempt_id=None, detail=None):
    """Give `position`'s call round its definite outcome and set off what follows from it: the
    callback queue, the number bar, the emailed notice, the status it leads to. False if the
    round had an outcome already.

    A position that stopped meanwhile (paid, closed…: a call was ringing when the creditor
    reported the payment) keeps the answer, and nothing follows it."""
    if position.outcome is not None:
        return False
    write_columns(session, position, outcome=outcome, outcome_at=now)
    record_event(session, position.id, "outcome", source, {"outcome": outcome, **(detail or {})},
                 attempt_id=attempt_id, at=now)
    if position.status != Status.OPEN.value:
        return True
    if outcome == Outcome.CALLBACK_REQUESTED.value:
        _queue_callback(session, position, attempt_id, now)
        record_event(session, position.id, "callback_queued", source, attempt_id=attempt_id, at=now)
    if outcome in NUMBER_BLOCKING_OUTCOMES:
        _block_number(session, position, outcome, now)
    if outcome in MAIL_FALLBACK_OUTCOMES:
        for mail in queue_notice_email(session, position, outcome, now):
            record_event(session, position.id, "email_queued", source,
                         {"to": mail.to_address, "kind": mail.kind}, attempt_id=attempt_id, at=now)
    _follow_status(session, position, outcome, source, now)
    return True


def _queue_callback(session, position, attempt_id, now):
    """Put the position in the callback queue: its one request, opened again when an earlier
    round's was closed already (what that collector recorded stays in the events)."""
    request = session.scalar(select(CallbackRequest).where(
        CallbackRequest.position_id == position.id).with_for_update())
    if request is None:
        session.add(CallbackRequest(position_id=position.id, attempt_id=attempt_id,
                                    requested_at=now))
    elif request.status != "open":
        request.status, request.attempt_id, request.requested_at = "open", attempt_id, now
        request.claimed_by = request.claimed_until = request.closed_at = None
        request.result = request.note = request.promise_date = request.promise_amount = None


def _follow_status(session, position, outcome, source, now):
    """The status a round's outcome leads to: a keypad answer's (promised, to verify,
    disputed), or `ended` when it was the playbook's last step (the first reminder's round)."""
    if record_answer(session, position, outcome, source, now):
        return
    # A callback request waits for its collector: the result they record decides.
    if outcome != Outcome.CALLBACK_REQUESTED.value:
        end_if_done(session, position, source, now)


def _block_number(session, position, reason, now):
    """Bar the number for the creditor; the first bar stays (it names who set it)."""
    exists = session.scalar(select(BlockedNumber.id).where(
        BlockedNumber.creditor_id == position.creditor_id, BlockedNumber.phone == position.phone))
    if exists is not None:
        return
    try:
        with session.begin_nested():  # another position of this number, barred at this instant
            session.add(BlockedNumber(creditor_id=position.creditor_id, phone=position.phone,
                                      reason=reason, position_id=position.id, created_at=now))
    except IntegrityError:
        pass
