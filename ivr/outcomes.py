"""Recording a definite outcome and everything it sets off, in one transaction."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db import write_columns
from db.events import record_event
from db.models import (
    MAIL_FALLBACK_OUTCOMES, NUMBER_BLOCKING_OUTCOMES, BlockedNumber, CallbackRequest, Outcome,
)
from contacts.status import end_if_done, pause_until, record_answer
from domain.statuses import PAUSED, Status
from notify import queue_notice_email


def apply_outcome(session, attempt, outcome, source, now, promise_date=None):
    """Give the attempt and its call round `outcome`; a round's first outcome is final.
    `promise_date`: the date a promise (key 5) names."""
    if attempt.outcome is None:
        write_columns(session, attempt, outcome=outcome)
    if attempt.round != attempt.position.round:  # a late answer from an earlier round
        return False
    return close_position(session, attempt.position, outcome, source, now, attempt_id=attempt.id,
                          promise_date=promise_date,
                          detail={"promise_date": promise_date.isoformat()} if promise_date
                          else None)


def close_position(session, position, outcome, source, now, attempt_id=None, detail=None,
                   promise_date=None):
    """Give `position`'s call round its definite outcome and set off what follows from it (see
    `follow_answer`). False if the round had an outcome already.

    A position that stopped meanwhile (paid, closed…: a call was ringing when the creditor
    reported the payment) keeps the answer, and nothing follows it."""
    if position.outcome is not None:
        return False
    write_columns(session, position, outcome=outcome, outcome_at=now)
    record_event(session, position.id, "outcome", source, {"outcome": outcome, **(detail or {})},
                 attempt_id=attempt_id, at=now)
    if position.status != Status.OPEN.value:
        return True
    follow_answer(session, position, outcome, source, now, attempt_id, promise_date)
    return True


def follow_answer(session, position, outcome, source, now, attempt_id=None, promise_date=None):
    """What an answer sets off: the callback queue, the number bar, the emailed notice, the
    status it leads to (a promise's pause runs to `promise_date` + the creditor's grace)."""
    if outcome == Outcome.CALLBACK_REQUESTED.value:
        _queue_callback(session, position, attempt_id, now)
        record_event(session, position.id, "callback_queued", source, attempt_id=attempt_id, at=now)
    if outcome in NUMBER_BLOCKING_OUTCOMES:
        _block_number(session, position, outcome, now)
    if outcome in MAIL_FALLBACK_OUTCOMES:
        for mail in queue_notice_email(session, position, outcome, now):
            record_event(session, position.id, "email_queued", source,
                         {"to": mail.to_address, "kind": mail.kind}, attempt_id=attempt_id, at=now)
    _follow_status(session, position, outcome, source, now, promise_date)


# The answers a debtor gives away from the keypad — on the debtor's page, or to a collector.
ANSWERS = (Outcome.DECLARED_PAID.value, Outcome.PROMISED.value, Outcome.DISPUTED.value,
           Outcome.CALLBACK_REQUESTED.value, Outcome.OPTED_OUT.value)


def take_answer(session, position, answer, source, now, detail=None, promise_date=None,
                attempt_id=None):
    """Record a debtor's `answer` given on the debtor's page or to a collector, as the keypad
    records it: the call round's outcome when the round has none yet (close_position), else an
    event `answer` with the same consequences (follow_answer). True when recorded.

    Nothing is recorded when the answer holds already (a page submitted twice, a promise of the
    same date) or the position takes no more answers (paid, closed, disputed, ended). The caller
    holds the position's row, so two submissions at once cannot both record it."""
    if answer not in ANSWERS:
        raise ValueError(f"{answer!r} is not an answer; they are: {', '.join(ANSWERS)}")
    if position.status not in (Status.OPEN.value, *PAUSED) \
            or answer_holds(session, position, answer, promise_date):
        return False
    if position.outcome is None and position.status == Status.OPEN.value:
        return close_position(session, position, answer, source, now, attempt_id=attempt_id,
                              detail=detail, promise_date=promise_date)
    record_event(session, position.id, "answer", source, {"answer": answer, **(detail or {})},
                 attempt_id=attempt_id, at=now)
    follow_answer(session, position, answer, source, now, attempt_id, promise_date=promise_date)
    return True


def apply_call_back_outcome(session, attempt, outcome, source, now, promise_date=None):
    """The outcome of an inbound attempt (a debtor who called back): the attempt's own, and
    the call round's when the round has none yet and the position is open, as an outbound
    answer; otherwise recorded as the debtor's page records an answer (`take_answer`: an event
    `answer` with the same consequences). The keypad has answers the page has not:
    `confirmed` is then an event `answer` and nothing more (it sets no status);
    `wrong_person` and `identity_failed` an event `answer` with their consequences (the number
    barred, the emailed notice), for the position is still open or paused."""
    if attempt.outcome is None:
        write_columns(session, attempt, outcome=outcome)
    position = attempt.position
    detail = {"promise_date": promise_date.isoformat()} if promise_date else None
    if position.outcome is None and position.status == Status.OPEN.value \
            and attempt.round == position.round:
        return close_position(session, position, outcome, source, now, attempt_id=attempt.id,
                              detail=detail, promise_date=promise_date)
    if outcome in ANSWERS:
        return take_answer(session, position, outcome, source, now, detail=detail,
                           promise_date=promise_date, attempt_id=attempt.id)
    if position.status not in (Status.OPEN.value, *PAUSED):
        return False
    record_event(session, position.id, "answer", source, {"answer": outcome}, attempt_id=attempt.id,
                 at=now)
    if outcome != Outcome.CONFIRMED.value:
        follow_answer(session, position, outcome, source, now, attempt.id)
    return True


def answer_holds(session, position, answer, promise_date=None):
    """Whether what `answer` would set is so already: a repeated answer changes nothing."""
    if answer == Outcome.DECLARED_PAID.value:
        return position.status == Status.TO_VERIFY.value
    if answer == Outcome.PROMISED.value:
        creditor = position.creditor
        return position.status == Status.PROMISED.value and promise_date is not None \
            and position.status_until == pause_until(promise_date, creditor.promise_grace_days,
                                                     creditor.timezone)
    if answer == Outcome.DISPUTED.value:
        return position.status == Status.DISPUTED.value
    if answer == Outcome.CALLBACK_REQUESTED.value:
        return session.scalar(select(CallbackRequest.id).where(
            CallbackRequest.position_id == position.id, CallbackRequest.status == "open")) \
            is not None
    return session.scalar(select(BlockedNumber.id).where(
        BlockedNumber.creditor_id == position.creditor_id,
        BlockedNumber.phone == position.phone)) is not None


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


def _follow_status(session, position, outcome, source, now, promise_date=None):
    """The status an answer leads to: a keypad answer's (promised, to verify, disputed), or
    `ended` when it was the playbook's last step (the first reminder's round)."""
    if record_answer(session, position, outcome, source, now, promise_date=promise_date):
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
