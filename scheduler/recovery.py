"""Recovering lost work of the dialer: claims whose dialer died or whose placement got no
answer from the provider, and calls whose final status callback never came.

An attempt left `dialing` past the lease either rang or did not; ringing it again on a guess
could ring the debtor twice. So: a CallSid from the callbacks settles it; otherwise the
provider is asked whether the call exists (adopted if so); only a call the provider does not
know goes back to `pending`. A provider that cannot be asked leaves the claim for next time.

A call placed (or a call-back answered) DIAL_LOST_CALL_SECONDS ago and still not over has lost
its final status callback, or is a very long call: the provider is asked how it stands, and a
final status is recorded as the callback would have recorded it (ivr.calls.record_status, the
same code path: a retry planned, or `no_answer` on the last attempt). A call the provider does
not know ends as failed (nothing else would ever end it); a call still going is asked about
again at the next pass. A callback arriving after all finds its status recorded and changes
nothing.
"""
import functools
import logging
from datetime import timedelta

from sqlalchemy import bindparam, func, select, update

from db import session_scope
from db.events import record_event
from db.models import Attempt
from domain.calls import ACTIVE_STATUSES, DIALING, FAILED, TERMINAL_STATUSES
from ivr.calls import STATUS_FACTS, record_status
from ivr.facts import CallFacts
from ivr.urls import answer_url, status_url
from scheduler.claims import expired_claims
from scheduler.planning import SOURCE
from telephony import CallRequest, CallState, FetchCallError, PlaceCallError, get_telephony

log = logging.getLogger(__name__)

# Clocks of dialer and provider differ a little; look for the call slightly before the claim.
CLOCK_SKEW = timedelta(seconds=60)
# Placed and not over: the provider's statuses before the final one (DIALING is a claim's).
UNFINISHED = tuple(status for status in ACTIVE_STATUSES if status != DIALING)
# Calls asked about per pass, the longest silent first: after an outage of the webhooks, a
# few passes catch up without holding one pass for minutes.
LOST_CALLS_PER_PASS = 100
# A call this old still unfinished is not asked about again: the provider has not known it
# (a CallSid it never made), and it stopped holding its number long ago.
LOST_CALL_HORIZON = timedelta(days=7)


def call_request(app, due):
    """What the provider is asked for `due`: ring the debtor, drive the call by our webhooks."""
    return CallRequest(to=due.phone, from_=due.from_number, url=answer_url(due, app),
                       status_callback=status_url(due, app), timeout=app.config["RING_TIMEOUT"])


def recover_claims(app, now, creditors):
    """Settle every expired claim; the (adopted, released) counts."""
    with session_scope(app) as session:
        expired = expired_claims(session, now, app.config["DIAL_LEASE_SECONDS"])
    adopted = released = 0
    for attempt_id, claimed_at, call_sid, creditor_id, due in expired:
        if call_sid is None:
            try:
                call_sid = _ask_provider(app, due, claimed_at)
            except PlaceCallError as exc:
                log.warning("cannot reconcile the claim of position %s yet: %s", due.reference, exc)
                continue
        with session_scope(app) as session:
            if not _settle(session, attempt_id, claimed_at, call_sid, creditors[creditor_id].rules.zone, now):
                continue
        adopted, released = (adopted + 1, released) if call_sid else (adopted, released + 1)
    return adopted, released


def _ask_provider(app, due, claimed_at):
    with session_scope(app) as session:
        known = set(session.scalars(select(Attempt.call_sid).where(
            Attempt.to_number == due.phone, Attempt.call_sid.is_not(None))))
    return get_telephony(app).find_call(call_request(app, due), claimed_at - CLOCK_SKEW, known)


def _settle(session, attempt_id, claimed_at, call_sid, zone, now):
    """Adopt the found call, or give the attempt back; False if someone settled it first."""
    table = Attempt.__table__
    # Only the claim we looked at: a concurrent dialer may have reconciled it already.
    mine = (table.c.id == attempt_id, table.c.status == "dialing", table.c.claimed_at == claimed_at)
    if call_sid:
        values = dict(status="queued", call_sid=call_sid, placed_at=claimed_at,
                      day=claimed_at.astimezone(zone).date())
    else:
        values = dict(status="pending", claimed_at=None, claimed_by=None)
    if not session.execute(update(table).where(*mine).values(**values)).rowcount:
        return False
    position_id = session.scalar(select(Attempt.position_id).where(Attempt.id == attempt_id))
    record_event(session, position_id, "claim_recovered", SOURCE,
                 {"call_found": bool(call_sid), "call_sid": call_sid}, attempt_id=attempt_id, at=now)
    return True


def recover_lost_calls(app, now):
    """Ask the provider how each call silent past DIAL_LOST_CALL_SECONDS stands, and record a
    final status as its callback would have; how many calls were settled."""
    cutoff = now - timedelta(seconds=app.config["DIAL_LOST_CALL_SECONDS"])
    with session_scope(app) as session:
        lost = session.execute(_lost_calls(), {"cutoff": cutoff,
                                               "horizon": now - LOST_CALL_HORIZON}).all()
    settled = 0
    for attempt_id, call_sid in lost:
        try:
            state = get_telephony(app).fetch_call(call_sid)
        except FetchCallError as exc:
            log.warning("cannot ask how call %s ended yet: %s", call_sid, exc)
            break   # the provider is down: the next pass asks again
        if state is None:
            # The provider knows no such call (another account's, or one it no longer keeps):
            # nothing will ever end it, so it ends here as a call that failed, and its round
            # goes on (a retry, or no_answer on the last attempt) instead of waiting forever.
            state, how = CallState(FAILED, None, None), "unknown to the provider"
        elif state.status in TERMINAL_STATUSES:
            how = "fetched"
        else:
            continue   # still going: a long call, asked about again next pass
        facts = CallFacts.from_form({"CallSid": call_sid, "CallStatus": state.status,
                                     "CallDuration": "" if state.duration is None
                                     else str(state.duration),
                                     "AnsweredBy": state.answered_by or ""})
        with session_scope(app) as session:
            attempt = session.execute(STATUS_FACTS.where(Attempt.id == attempt_id)).first()
            if attempt is None or attempt.status in TERMINAL_STATUSES:
                continue   # its callback came meanwhile (or the attempt was erased)
            record_status(session, attempt, facts, now, source=f"{SOURCE}:{how} {call_sid}")
        settled += 1
    return settled


@functools.cache
def _lost_calls():
    """recover_lost_calls' query, built once (every pass asks it): the calls started before
    `cutoff` and after `horizon` that have not ended."""
    started = func.coalesce(Attempt.placed_at, Attempt.answered_at, Attempt.claimed_at)
    return (select(Attempt.id, Attempt.call_sid)
            .where(Attempt.status.in_(UNFINISHED), Attempt.call_sid.is_not(None),
                   started < bindparam("cutoff", type_=Attempt.placed_at.type),
                   started > bindparam("horizon", type_=Attempt.placed_at.type))
            .order_by(started, Attempt.id).limit(LOST_CALLS_PER_PASS))
