"""One dial pass: place the first call of every new position, and retry failed placements.

Calls go out only inside the creditor's windows; retries of unanswered calls come later, this
pass only knows "not called yet".
Each call is claimed in its own short transaction and committed *before* the provider is asked
to ring, so a crash mid-pass never leaves a call placed without its attempt, and the simulator
(which runs the whole call inside `place_call`) finds the attempt in the database.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from db import session_scope
from db.events import record_event
from db.models import Attempt, BlockedNumber, Creditor, Position
from ivr.urls import answer_url, status_url
from scheduler.windows import open_window
from telephony import CallRequest, PlaceCallError, get_telephony

log = logging.getLogger(__name__)

SOURCE = "dialer"


@dataclass(frozen=True)
class DueCall:
    """A call the pass is about to place: plain values, usable after its session is gone."""

    position_id: int
    attempt_id: int | None      # None: the position's first attempt does not exist yet
    reference: str
    phone: str
    creditor: str

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


@dataclass
class DialReport:
    """What one pass did (or, in a dry run, would do)."""

    now: datetime
    dry_run: bool = False
    due: list = field(default_factory=list)
    placed: list = field(default_factory=list)
    failed: list = field(default_factory=list)      # (DueCall, error message)
    skipped: list = field(default_factory=list)     # claimed by another dialer, or no longer due

    def summary(self):
        if self.dry_run:
            return f"dry run at {self.now.isoformat()}: {len(self.due)} calls due, nothing changed"
        return (f"dial pass at {self.now.isoformat()}: {len(self.placed)} placed, "
                f"{len(self.failed)} failed, {len(self.skipped)} skipped")

    __str__ = summary


def mask_phone(phone):
    """Enough of a number to recognise it in a listing, not enough to dial it: +39333****567."""
    if len(phone) < 10:
        return "*" * max(0, len(phone) - 3) + phone[-3:]
    return phone[:6] + "*" * (len(phone) - 9) + phone[-3:]


def dial_pass(app, now, dry_run=False):
    """Place every call due at `now` (timezone-aware); a dry run only lists them."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("dial_pass needs a timezone-aware `now`")
    report = DialReport(now=now, dry_run=dry_run)
    with session_scope(app) as session:
        report.due = due_calls(session, now)
    if dry_run:
        return report
    for due in report.due:
        attempt_id = claim(app, due, now)
        if attempt_id is None:
            report.skipped.append(due)
            continue
        error = place(app, due, attempt_id, now)
        if error is None:
            report.placed.append(due)
        else:
            report.failed.append((due, error))
    return report


def _not_blocked():
    return ~exists().where(BlockedNumber.creditor_id == Position.creditor_id,
                           BlockedNumber.phone == Position.phone)


def calling_creditors(session, now):
    """Ids of the creditors inside one of their call windows at `now`."""
    creditors = session.execute(
        select(Creditor.id, Creditor.windows, Creditor.timezone, Creditor.country)).all()
    return [cid for cid, windows, tz, country in creditors if open_window(windows, tz, country, now)]


def due_calls(session, now):
    """New positions never called, then attempts a failed placement left pending.

    Only for creditors inside a call window at `now`: nobody is rung outside the agreed hours.
    """
    open_ids = calling_creditors(session, now)
    columns = (Position.id, Position.reference, Position.phone, Creditor.name)
    new = session.execute(
        select(*columns).join(Position.creditor)
        .where(Position.creditor_id.in_(open_ids), Position.outcome.is_(None), _not_blocked(),
               ~exists().where(Attempt.position_id == Position.id))
        .order_by(Position.id)).all()
    pending = session.execute(
        select(Attempt.id, *columns).join(Attempt.position).join(Position.creditor)
        .where(Attempt.status == "pending", Position.creditor_id.in_(open_ids),
               Position.outcome.is_(None), _not_blocked())
        .order_by(Attempt.id)).all()
    return ([DueCall(pid, None, ref, phone, name) for pid, ref, phone, name in new]
            + [DueCall(pid, aid, ref, phone, name) for aid, pid, ref, phone, name in pending])


def claim(app, due, now):
    """Mark the attempt `dialing` in its own transaction; its id, or None if someone beat us."""
    try:
        with session_scope(app) as session:
            position = session.get(Position, due.position_id)
            if position.outcome is not None or _is_blocked(session, position):
                return None
            attempt = _claim_attempt(session, due, position, now)
            if attempt is None:
                return None
            attempt.to_number = position.phone
            attempt.from_number = position.creditor.caller_id or app.config.get("TWILIO_CALLER_ID")
            record_event(session, position.id, "attempt_claimed", SOURCE,
                         {"number": attempt.number}, attempt_id=attempt.id, at=now)
            return attempt.id
    except IntegrityError:  # another dialer created this position's attempt first
        return None


def _claim_attempt(session, due, position, now):
    if due.attempt_id is None:
        attempt = Attempt(position_id=position.id, number=1, status="dialing", claimed_at=now)
        session.add(attempt)
        session.flush()
        return attempt
    # Conditional update: of two dialers claiming one pending attempt, exactly one changes it.
    claimed = session.execute(
        update(Attempt).where(Attempt.id == due.attempt_id, Attempt.status == "pending")
        .values(status="dialing", claimed_at=now)).rowcount
    return session.get(Attempt, due.attempt_id, populate_existing=True) if claimed else None


def _is_blocked(session, position):
    return session.scalar(select(BlockedNumber.id).where(
        BlockedNumber.creditor_id == position.creditor_id,
        BlockedNumber.phone == position.phone)) is not None


def place(app, due, attempt_id, now):
    """Ask the provider to ring, then record what happened; the error message, or None."""
    with session_scope(app) as session:
        request = call_request(app, session.get(Attempt, attempt_id))
    # No transaction is open from here on: the simulator answers within place_call, and on
    # SQLite its webhooks could not write while we held one.
    try:
        if not request.from_:
            raise PlaceCallError("no caller ID: set the creditor's caller ID or TWILIO_CALLER_ID")
        call_sid = get_telephony(app).place_call(request)
    except PlaceCallError as exc:
        _record_failure(app, due, attempt_id, str(exc), now, exc.maybe_placed)
        return str(exc)
    _record_placed(app, attempt_id, call_sid, now)
    return None


def call_request(app, attempt):
    """What the provider is asked: ring the debtor and drive the call through our webhooks."""
    return CallRequest(to=attempt.to_number, from_=attempt.from_number,
                       url=answer_url(attempt, app), status_callback=status_url(attempt, app),
                       timeout=app.config["RING_TIMEOUT"])


def _record_placed(app, attempt_id, call_sid, now):
    with session_scope(app) as session:
        attempt = session.get(Attempt, attempt_id)
        # Status callbacks may have come first (the simulator's always do): keep what they set.
        attempt.call_sid = attempt.call_sid or call_sid
        attempt.placed_at = now
        if attempt.status == "dialing":
            attempt.status = "queued"
        record_event(session, attempt.position_id, "call_placed", SOURCE,
                     {"call_sid": call_sid}, attempt_id=attempt.id, at=now)


def _record_failure(app, due, attempt_id, error, now, maybe_placed=False):
    log.warning("placing the call for position %s failed%s: %s", due.reference,
                " (it may have been placed: held, not retried)" if maybe_placed else "", error)
    with session_scope(app) as session:
        attempt = session.get(Attempt, attempt_id)
        attempt.place_errors += 1
        attempt.last_error = error
        # A status callback means the call exists after all, and a lost answer means it may:
        # putting the attempt back to pending could ring the debtor twice. Such an attempt
        # stays `dialing` until its callbacks arrive or its claim is reconciled.
        if attempt.status == "dialing" and not maybe_placed:
            attempt.status = "pending"
            attempt.claimed_at = None
        kind = "place_uncertain" if maybe_placed else "place_failed"
        record_event(session, attempt.position_id, kind, SOURCE, {"error": error},
                     attempt_id=attempt.id, at=now)
