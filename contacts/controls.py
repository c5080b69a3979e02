"""Campaign controls: a person pauses or resumes a creditor's campaign, stops ("Ferma") or
releases a position, has it called now, or adds a note. The one code path of the console, the
command line and the API.

Every control is an event naming who (`source`: `user:NAME`, `cli`, `api:KEY`) and why: a
creditor's in its CreditorEvent log, a position's in its events. What a pause or a hold holds
back is read by the dialer, the step engine and the outbox at their next claim (db.holds):
nothing is placed, run or sent meanwhile, nothing is dropped, and a call already ringing
finishes. Stopping a position withdraws its planned calls and queued messages in the caller's
transaction, as a payment in full does.
"""
from dataclasses import dataclass

from sqlalchemy import func, select, update

from contacts.status import withdraw_contacts
from db.events import record_event
from db.models import Attempt, BlockedNumber, CreditorEvent, OutgoingMail, Position, new_token
from domain.calls import ACTIVE_STATUSES, OUTBOUND, PENDING
from domain.statuses import FINAL, Status
from domain.windows import parse_windows, window_at
from domain.wording import N_, Coded, Term, register
from domain.vocabulary import OUTCOMES, STATUSES
from policy import audit
from policy.decide import CALL, decide
from policy.facts import gather
from policy.gate import creditor_rules, lookback

NOTE_LENGTH = 2000
REASON_LENGTH = 300
HELD = "held"   # the reason contacts.status.withdraw_contacts writes on what a hold withdrew
WITHDRAWN_BY_HOLD = f"withdrawn: position {HELD}"

MESSAGES = register({
    "creditor_paused_already": N_("the campaign of {creditor} is paused already"),
    "creditor_not_paused": N_("the campaign of {creditor} is not paused"),
    "control_no_reason": N_("say why"),
    "position_held_already": N_("contact with this position is stopped already"),
    "position_not_held": N_("contact with this position is not stopped"),
    "position_over": N_("the position is {status}: there is no contact to stop"),
    "call_not_open": N_("only an open position can be called now (this one is {status})"),
    "call_held": N_("contact with this position is stopped: let it go on first"),
    "call_creditor_paused": N_("the campaign of {creditor} is paused: resume it first"),
    "call_under_way": N_("a call to this position is under way"),
    "call_no_window": N_("none of the creditor's call windows is open now ({windows})"),
    "call_number_barred": N_("the number may not be called again ({outcome})"),
    "note_empty": N_("the note is empty"),
})


class ControlError(Coded):
    """A control that cannot be done, as a code and its facts."""


class CallRefused(Exception):
    """The contact policy refuses a call now: `decision` is its audit row (kept)."""

    def __init__(self, decision, rules):
        super().__init__(decision["rule"])
        self.decision, self.rules = decision, rules


@dataclass(frozen=True)
class CallNow:
    """The attempt made due now: its round and number."""

    attempt_id: int
    round: int
    number: int


def pause_creditor(session, creditor, source, reason, now):
    """Pause `creditor`'s campaign: no call placed, no step run, no message sent until resumed."""
    reason = _reason(reason, required=True)
    if creditor.paused_at is not None:
        raise ControlError("creditor_paused_already", creditor=creditor.name)
    creditor.paused_at, creditor.paused_by = now, source
    _creditor_event(session, creditor, "paused", source, {"reason": reason}, now)


def resume_creditor(session, creditor, source, reason, now):
    """Resume `creditor`'s campaign: everything due goes on at the next pass."""
    reason = _reason(reason)
    if creditor.paused_at is None:
        raise ControlError("creditor_not_paused", creditor=creditor.name)
    detail = {"paused_at": creditor.paused_at.isoformat(), "paused_by": creditor.paused_by,
              **_why(reason)}
    creditor.paused_at = creditor.paused_by = None
    _creditor_event(session, creditor, "resumed", source, detail, now)


def creditor_events(session, creditor_id, limit=20):
    """The creditor's latest controls, newest first."""
    return session.scalars(select(CreditorEvent).where(CreditorEvent.creditor_id == creditor_id)
                           .order_by(CreditorEvent.at.desc(), CreditorEvent.id.desc())
                           .limit(limit)).all()


def hold_position(session, position, source, reason, now):
    """"Ferma": stop every contact with `position`, its status kept; its planned calls and
    queued messages are withdrawn now. (withdrawn attempts, withdrawn messages)"""
    reason = _reason(reason, required=True)
    if position.held_at is not None:
        raise ControlError("position_held_already")
    if position.status in FINAL or position.status == Status.ENDED.value:
        raise ControlError("position_over", status=Term(STATUSES[position.status]))
    position.held_at, position.held_by = now, source
    withdrawn = withdraw_contacts(session, position, now, HELD)
    record_event(session, position.id, "held", source,
                 {"reason": reason, "attempts": withdrawn[0], "messages": withdrawn[1]}, at=now)
    return withdrawn


def release_position(session, position, source, reason, now):
    """Let contact with a held position go on where the hold left it: the calls it withdrew
    before they rang are planned again (the dial pass moves one whose window has passed) and
    the messages it withdrew are queued again, each still asking the contact policy; the
    playbook takes the position up at its next pass. (attempts, messages) given back."""
    reason = _reason(reason)
    if position.held_at is None:
        raise ControlError("position_not_held")
    attempts = session.execute(
        update(Attempt).where(Attempt.position_id == position.id,
                              Attempt.round == position.round, Attempt.status == "canceled",
                              Attempt.placed_at.is_(None),
                              Attempt.last_error == WITHDRAWN_BY_HOLD)
        .values(status=PENDING, last_error=None)
        .execution_options(synchronize_session=False)).rowcount
    messages = session.execute(
        update(OutgoingMail).where(OutgoingMail.position_id == position.id,
                                   OutgoingMail.status == "withdrawn",
                                   OutgoingMail.last_error == WITHDRAWN_BY_HOLD)
        .values(status="queued", last_error=None)
        .execution_options(synchronize_session=False)).rowcount
    detail = {"held_at": position.held_at.isoformat(), "attempts": attempts,
              "messages": messages, **_why(reason)}
    position.held_at = position.held_by = None
    record_event(session, position.id, "released", source, detail, at=now)
    return attempts, messages


def call_now(session, position, source, reason, now, opt_out_everywhere=True):
    """Make a call to `position` due now, for the next dial pass to place, when the contact
    policy allows it now (its decision kept either way; CallRefused when it does not)."""
    reason = _reason(reason)
    creditor = position.creditor
    _check_callable(session, position)
    windows = parse_windows(creditor.windows)
    rules = creditor_rules(creditor)
    window = window_at(windows, rules.zone, creditor.country, now)
    if window is None:
        raise ControlError("call_no_window", windows=creditor.windows)
    subject, facts = gather(session, [position.id], now, opt_out_everywhere,
                            lookback(rules))[position.id]
    decision = decide(facts, CALL, now, rules)
    row = audit.decision_row(subject, CALL, now, decision)
    audit.record(session, [row])
    if not decision.allowed:
        raise CallRefused(row, rules)
    attempt = _due_attempt(session, position, now, window.label)
    record_event(session, position.id, "call_now", source,
                 {"round": attempt.round, "number": attempt.number, **_why(reason)},
                 attempt_id=attempt.id, at=now)
    return CallNow(attempt.id, attempt.round, attempt.number)


def add_note(session, position, source, text, internal, now):
    """A person's note on the position; an `internal` one is not shown to the creditor."""
    text = (text or "").strip()[:NOTE_LENGTH]
    if not text:
        raise ControlError("note_empty")
    record_event(session, position.id, "note", source, {"text": text, "internal": bool(internal)},
                 at=now)


def _check_callable(session, position):
    creditor = position.creditor
    if creditor.paused_at is not None:
        raise ControlError("call_creditor_paused", creditor=creditor.name)
    if position.held_at is not None:
        raise ControlError("call_held")
    if position.status != Status.OPEN.value:
        raise ControlError("call_not_open", status=Term(STATUSES[position.status]))
    ringing = session.scalar(select(Attempt.id).where(
        Attempt.position_id == position.id, Attempt.status.in_(ACTIVE_STATUSES)).limit(1))
    if ringing is not None:
        raise ControlError("call_under_way")
    barred = session.scalar(select(BlockedNumber.reason).where(
        BlockedNumber.phone == position.phone,
        BlockedNumber.creditor_id == position.creditor_id).limit(1))
    if barred is not None:
        raise ControlError("call_number_barred", outcome=Term(OUTCOMES.get(barred, barred)))


def _due_attempt(session, position, now, window):
    """The round's planned attempt brought forward to `now`; else the round's next attempt, or
    attempt 1 of a new round when the last one has its outcome (or none has begun)."""
    pending = session.scalar(select(Attempt).where(
        Attempt.position_id == position.id, Attempt.round == position.round,
        Attempt.status == PENDING).order_by(Attempt.number).limit(1))
    if pending is not None:
        pending.due_at, pending.call_window = now, window
        return pending
    if position.round == 0 or position.outcome is not None:
        position.round += 1
        position.outcome = position.outcome_at = None
    last = session.scalar(select(func.max(Attempt.number)).where(
        Attempt.position_id == position.id, Attempt.round == position.round)) or 0
    attempt = Attempt(token=new_token(), position_id=position.id, round=position.round,
                      number=last + 1, direction=OUTBOUND, status=PENDING, due_at=now,
                      call_window=window, created_at=now)
    session.add(attempt)
    session.flush()
    return attempt


def _reason(text, required=False):
    reason = (text or "").strip()[:REASON_LENGTH]
    if required and not reason:
        raise ControlError("control_no_reason")
    return reason


def _why(reason):
    """The event's `reason` when the person gave one (optional for going on, calling now)."""
    return {"reason": reason} if reason else {}


def _creditor_event(session, creditor, kind, source, detail, now):
    session.add(CreditorEvent(creditor_id=creditor.id, kind=kind, source=source, detail=detail,
                              at=now))
