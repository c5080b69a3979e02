"""A position's status changes, payments and closures: the one code path every surface calls
(keypad, console, command line, payments file, import, API, worker).

Each change is an event `status` {from, to, reason} whose source names who made it. Stopping a
position (paid, closed, disputed, ended) withdraws its planned calls and its queued messages in
the caller's transaction: nothing goes out after the commit. A call already ringing finishes,
but nothing follows it (ivr.outcomes records its answer and sets off nothing).
"""
import functools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update

from db import write_columns
from db.events import record_event
from db.prepared import Prepared
from db.models import Attempt, CallbackRequest, OutgoingMail, Position
from domain.playbooks import playbook_of
from domain.statuses import FINAL, OUTCOME_STATUS, PAUSED, STOPPED, Status


class StatusError(ValueError):
    """A change that cannot be made, with the reason in plain words (`code` for translations)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def set_status(session, position, status, source, reason, now, until=None, detail=None):
    """Move `position` to `status` (withdrawing its contacts when that stops them); the event
    says who (`source`) and why. False when it is in that status already."""
    before = position.status
    if before == status and position.status_until == until:
        return False
    # One UPDATE of the row, not a flush of the session's unit of work (db.write_columns).
    write_columns(session, position, status=status, status_until=until)
    record_event(session, position.id, "status", source,
                 {"from": before, "to": status, "reason": reason,
                  **({"until": until.isoformat()} if until else {}), **(detail or {})}, at=now)
    if status in STOPPED or status in PAUSED:
        withdraw_contacts(session, position, now, status)
    return True


def withdraw_contacts(session, position, now, reason):
    """Cancel the position's planned attempts and withdraw its queued messages; counts."""
    why = f"withdrawn: position {reason}"
    attempts = _WITHDRAW_ATTEMPTS.execute(session, {
        "position": position.id, "status": "canceled", "last_error": why}).rowcount
    if reason == Status.ENDED.value:
        # What the phase decided while it ran still goes out (the wrong person's emailed
        # notice of a first reminder's last round, say); only the calls stop.
        return attempts, 0
    messages = _WITHDRAW_MESSAGES.execute(session, {
        "position": position.id, "status": "withdrawn", "last_error": why}).rowcount
    if status_stops_callbacks(reason):
        _WITHDRAW_CALLBACKS.execute(session, {"position": position.id, "status": "withdrawn",
                                              "closed_at": now})
    return attempts, messages


# Every change of status that stops contacts runs these (a payment, a phase's end, a promise):
# named SQL (db.prepared), built once. The rows are not in the session's objects, as before.
def _withdrawing(model, waiting):
    table = model.__table__
    return Prepared(update(table).where(table.c.position_id == bindparam("position"),
                                        table.c.status == waiting))


_WITHDRAW_ATTEMPTS = _withdrawing(Attempt, "pending")
_WITHDRAW_MESSAGES = _withdrawing(OutgoingMail, "queued")
_WITHDRAW_CALLBACKS = _withdrawing(CallbackRequest, "open")


def status_stops_callbacks(status):
    """A paid or closed position needs no collector's call either; a paused one may."""
    return status in FINAL


def record_payment(session, position, amount_paid, paid_on, source, now):
    """A payment the creditor reports: lowers the amount due; in full, the position is `paid`
    and every contact stops at once. Returns the amount still due."""
    amount_paid = Decimal(amount_paid)
    if amount_paid <= 0:
        raise StatusError("amount_not_positive", "the amount paid must be more than zero")
    if position.status in FINAL:
        raise StatusError("already_final", f"position {position.reference} is {position.status} "
                          "already")
    if paid_on > now.date() + timedelta(days=1):
        raise StatusError("paid_in_future", f"the payment date {paid_on.isoformat()} is in the "
                          "future")
    position.amount_paid = (position.amount_paid or Decimal(0)) + amount_paid
    due = max(position.amount - position.amount_paid, Decimal(0))
    record_event(session, position.id, "payment", source,
                 {"amount_paid": f"{amount_paid:.2f}", "paid_on": paid_on.isoformat(),
                  "amount_due": f"{due:.2f}"}, at=now)
    if due == 0:
        set_status(session, position, Status.PAID.value, source, "paid in full", now)
    return due


def close_position_by_creditor(session, position, source, reason, now):
    """The creditor withdraws the position: `closed`, every contact stops at once."""
    if position.status in FINAL:
        raise StatusError("already_final", f"position {position.reference} is {position.status} "
                          "already")
    return set_status(session, position, Status.CLOSED.value, source, reason or "closed", now)


def reopen(session, position, source, reason, now):
    """Back to `open` (a rejected declared payment, a resolved dispute): the playbook resumes."""
    if position.status in FINAL:
        raise StatusError("already_final", f"position {position.reference} is {position.status}")
    return set_status(session, position, Status.OPEN.value, source, reason, now)


def record_answer(session, position, answer, source, now, promise_date=None):
    """What the debtor answered — by keypad, on the page or to a collector — as a status:
    `declared_paid` → to_verify for the creditor's verify_days, `promised` → promised until the
    date + the creditor's grace, `disputed` → disputed. False for any other answer, or when the
    position is no longer open or paused (a payment came first)."""
    status = OUTCOME_STATUS.get(answer)
    if status is None or position.status not in (Status.OPEN.value, *PAUSED):
        return False
    creditor = position.creditor
    local_today = now.astimezone(ZoneInfo(creditor.timezone)).date()
    until = None
    if status == Status.PROMISED.value:
        until = pause_until(promise_date or local_today, creditor.promise_grace_days,
                            creditor.timezone)
    elif status == Status.TO_VERIFY.value:
        until = pause_until(local_today, creditor.verify_days, creditor.timezone)
    detail = {"promise_date": promise_date.isoformat()} if promise_date else None
    return set_status(session, position, status, source, answer, now, until=until, detail=detail)


def phase_start_values(creditor):
    """Where a new position of `creditor` starts its playbook: in the day-0 call round at once
    when the playbook opens with one (the first reminder), else before its first step."""
    playbook = playbook_of(creditor.playbook, creditor.playbook_steps)
    if playbook.opens_with_call:
        return {"round": 1, "step": 1}
    return {"round": 0, "step": 0}


def follow_new_playbook(session, creditor):
    """After the creditor's playbook changed: its positions whose phase has not started (open,
    never dialled, no step run) start the new one instead; how many."""
    values = phase_start_values(creditor)
    dialled = select(Attempt.id).where(Attempt.position_id == Position.id).exists()
    return session.execute(
        update(Position).where(Position.creditor_id == creditor.id,
                               Position.status == Status.OPEN.value,
                               Position.phase_start.is_(None), ~dialled)
        .values(next_step_on=None, **values)
        .execution_options(synchronize_session=False)).rowcount


def end_if_done(session, position, source, now):
    """`ended` when the playbook has nothing left for the position: no step to come, no end day,
    and its call round over (the first reminder once its round has its outcome)."""
    creditor = position.creditor
    playbook = playbook_of(creditor.playbook, creditor.playbook_steps)
    if position.status != Status.OPEN.value or position.outcome is None \
            or position.step < len(playbook.steps) or playbook.end_day is not None:
        return False
    return set_status(session, position, Status.ENDED.value, source, "playbook done", now)


def pause_until(day: date, grace_days, zone):
    """The instant a pause ends: the end of `day` + `grace_days`, on the creditor's clock."""
    return datetime.combine(day + timedelta(days=grace_days + 1), time(0), ZoneInfo(zone))


def resume_lapsed(session, now, source="worker"):
    """Open again the paused positions whose pause is over (a broken promise, an unverified
    declared payment); how many."""
    lapsed = session.scalars(_lapsed(), {"now": now}).all()
    for position in lapsed:
        kind = "promise_broken" if position.status == Status.PROMISED.value else "verify_lapsed"
        record_event(session, position.id, kind, source,
                     {"until": position.status_until.isoformat()}, at=now)
        set_status(session, position, Status.OPEN.value, source, kind, now)
    return len(lapsed)


@functools.cache
def _lapsed():
    """resume_lapsed's query, built once (every pass of the step engine asks it)."""
    return select(Position).where(Position.status.in_(PAUSED), Position.status_until <= bindparam(
        "now", type_=Position.status_until.type))
