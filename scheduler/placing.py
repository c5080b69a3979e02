"""Placing claimed calls and recording what the provider said, one batch at a time.

No transaction is open while the provider is asked: the simulator answers inside
`place_call`, and on SQLite its webhooks could not write while we held one. Results are
written back in one transaction per batch, keeping whatever the callbacks recorded first.
"""
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import bindparam, case, func, null, update

from db import session_scope
from db.events import record_events
from db.models import Attempt
from db.prepared import Prepared
from policy.gate import CallGate, postpone_calls
from scheduler.claims import release
from scheduler.planning import SOURCE
from scheduler.retries import first_opening
from scheduler.recovery import call_request
from telephony import PlaceCallError, get_telephony

log = logging.getLogger(__name__)

# A placement that failed outright is tried again this long after, not in the same breath.
PLACE_RETRY_SECONDS = 30
# This many refusals in a row mean the provider is down (or the credentials wrong): stop.
PROVIDER_DOWN_AFTER = 20


def provider_down(report):
    return report.failure_streak >= PROVIDER_DOWN_AFTER


def place_batch(app, creditor, claimed, pacer, closes_at, report, dialer, submit):
    """Place each claimed call through `submit` (the pass's `placer`), paced, if the contact
    policy allows it at that instant; the ones it may no longer place are given back, the
    refused ones postponed."""
    # Well inside the lease, so no other dialer can be reconciling a claim we still place.
    fresh_for = timedelta(seconds=app.config["DIAL_LEASE_SECONDS"] / 2)
    placements, unplaced = [], []
    with session_scope(app) as session:
        gate = CallGate(app, session, creditor.policy, claimed, pacer.now())
    # The calls the policy refuses already are set aside before any calling slot is booked for
    # them (a refused call must not hold the account's rate); the others are asked again at
    # the instant each would ring.
    claimed, refused = gate.screen(claimed, pacer.now())
    pacer.reserve(min(len(claimed), pacer.slots_until(closes_at)))
    with _settled(app):
        for due in claimed:
            pacer.wait()
            at = pacer.now()
            if at >= closes_at or at - due.claimed_at >= fresh_for or provider_down(report):
                unplaced.append(due)  # its window closed: left for the next one, not called late
                continue
            decision = gate.ask(due, at)
            if decision is not None and not decision.allowed:
                refused.append((due, at, decision))
                continue
            placements.append((due, at, submit(place_one, app, due)))
    results = [(due, at, *placed.result()) for due, at, placed in placements]
    for due, _, call_sid, error in results:
        _tally(report, due, call_sid, error)
    if results or refused:
        with session_scope(app) as session:
            if results:
                record_results(session, results, creditor.rules.zone)
            gate.record(session)
            postpone_calls(session, refused, _opening(creditor), dialer)
        report.postponed += [(due, decision.rule) for due, _, decision in refused]
    if unplaced:
        with session_scope(app) as session:
            release(session, unplaced, dialer)
        report.skipped += unplaced


def _opening(creditor):
    """When a call refused until an instant may ring: the first opening of one of the
    creditor's windows at or after it (a Plan), None when none opens within the horizon."""
    labels = [window.label for window in creditor.rules.windows]
    return lambda instant: first_opening(creditor.rules, labels, instant)


@contextmanager
def placer(app):
    """Runs a pass's placements: a few at once on a network provider, so one slow answer does
    not hold the calls paced behind it (the same threads for every batch of the pass); one at
    a time on the simulator, which answers in-process or in worker processes of its own."""
    workers = 1 if app.config["TELEPHONY"] == "simulator" else app.config["DIAL_PARALLEL_CALLS"]
    if workers <= 1:
        yield _Done.run
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dial") as pool:
        yield pool.submit


@contextmanager
def _settled(app):
    """The simulator's calls of a batch are over before its results are written, so a
    simulated tick ends with its calls."""
    try:
        yield
    finally:
        get_telephony(app).settle()


class _Done:
    """A result computed on the spot, with the `result()` of a future."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    @classmethod
    def run(cls, function, *args):
        return cls(function(*args))


def place_one(app, due):
    """Ask the provider to ring; (CallSid, None) or (None, PlaceCallError)."""
    try:
        if not due.from_number:
            raise PlaceCallError("no caller ID: set the creditor's caller ID or TWILIO_CALLER_ID")
        return get_telephony(app).place_call(call_request(app, due)), None
    except PlaceCallError as exc:
        return None, exc


def _tally(report, due, call_sid, error):
    if error is None:
        report.placed.append(due)
        report.failure_streak = 0
        return
    report.failed.append((due, str(error)))
    report.failure_streak += 1
    log.warning("placing the call for position %s failed%s: %s", due.reference,
                " (it may have been placed: held, not retried)" if error.maybe_placed else "",
                error)


def record_results(session, results, zone):
    """Placed calls become `queued` (unless callbacks moved them on); failures are noted."""
    placed = [{"b_id": d.attempt_id, "b_sid": sid, "b_at": at, "b_day": at.astimezone(zone).date()}
              for d, at, sid, error in results if error is None]
    failed = [{"b_id": d.attempt_id, "b_error": str(error), "b_held": error.maybe_placed,
               "b_due": at + timedelta(seconds=PLACE_RETRY_SECONDS)}
              for d, at, sid, error in results if error is not None]
    _PLACED.executemany(session, placed)
    _FAILED.executemany(session, failed)
    record_events(session, [_event(d, at, sid, error) for d, at, sid, error in results],
                  shared={"source": SOURCE})


def _placed_statement():
    table = Attempt.__table__
    return update(table).where(table.c.id == bindparam("b_id")).values(
        # Status callbacks may have come first (the simulator's always do): keep what they set.
        call_sid=func.coalesce(table.c.call_sid, bindparam("b_sid")),
        placed_at=bindparam("b_at", type_=table.c.placed_at.type),
        day=bindparam("b_day", type_=table.c.day.type),
        status=case((table.c.status == "dialing", "queued"), else_=table.c.status))


def _failed_statement():
    table = Attempt.__table__
    # Back to pending only while still `dialing` and not held: a status callback means the
    # call exists after all, and a lost answer means it may — retrying could ring twice.
    back = (table.c.status == "dialing") & ~bindparam("b_held", type_=table.c.identified.type)
    return update(table).where(table.c.id == bindparam("b_id")).values(
        place_errors=table.c.place_errors + 1,
        last_error=bindparam("b_error"),
        status=case((back, "pending"), else_=table.c.status),
        claimed_at=case((back, null()), else_=table.c.claimed_at),
        claimed_by=case((back, null()), else_=table.c.claimed_by),
        due_at=case((back, bindparam("b_due", type_=table.c.due_at.type)), else_=table.c.due_at))


# Every batch of every pass writes its results with these: named SQL (db.prepared).
_PLACED = Prepared(_placed_statement())
_FAILED = Prepared(_failed_statement())


def _event(due, at, call_sid, error):
    if error is None:
        kind, detail = "call_placed", {"call_sid": call_sid}
    else:
        kind = "place_uncertain" if error.maybe_placed else "place_failed"
        detail = {"error": str(error)}
    return {"position_id": due.position_id, "attempt_id": due.attempt_id, "kind": kind,
            "detail": detail, "at": at}
