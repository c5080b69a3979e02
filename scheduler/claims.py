"""Claiming due attempts, so that each is rung by one dialer at most, at any scale.

A claim is one short transaction that moves a batch of due attempts from `pending` to
`dialing` under the dialer's id: on PostgreSQL the candidates are locked with
`FOR UPDATE SKIP LOCKED` (concurrent dialers take disjoint batches, nobody waits); on SQLite
the single writer makes the conditional UPDATE atomic. The claim is committed before any call
is placed; a claim whose dialer died is found by its age (the lease) and reconciled.
"""
import functools
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, bindparam, func, literal_column, select, update

from db.events import record_events
from db.holds import creditor_running
from db.models import Attempt, Position
from domain.phones import mask_phone
from scheduler.planning import SOURCE, in_call_round, not_blocked
from domain.calls import ACTIVE_STATUSES, INBOUND
from scheduler.retries import STALE_CALL_SECONDS


@dataclass(frozen=True)
class DueCall:
    """A call due now: plain values, usable after its session is gone."""

    position_id: int
    attempt_id: int | None
    reference: str
    phone: str
    creditor: str
    number: int = 1
    token: str | None = None
    from_number: str | None = None
    claimed_at: object = None

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


def new_dialer_id():
    """host:pid:random — who holds a claim, in logs and in `Attempt.claimed_by`."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def due_condition(creditor, now, table=Attempt, stale_seconds=STALE_CALL_SECONDS):
    """Pending, due, planned for the window open now, position still open and not held, its
    creditor not paused (as the statement runs), number not barred and not being rung
    already."""
    return _due(creditor.label, creditor.id, creditor.opt_out_everywhere, now,
                now - timedelta(seconds=stale_seconds), table)


def _due(label, creditor_id, opt_out_everywhere, now, since, table):
    """due_condition of its values, or of bound parameters standing for them."""
    return and_(table.status == "pending", table.due_at <= now,
                table.call_window == label, Position.creditor_id == creditor_id,
                creditor_running(creditor_id), in_call_round(),
                not_blocked(opt_out_everywhere), number_free(since))


def number_free(since):
    """No call to the position's number is under way, for any creditor, and the debtor is not
    on a call-back from it: two positions of one debtor (two invoices, say) are two calls one
    after the other, never two phones ringing, and a debtor talking to the IVR is busy.
    A call silent since before `since` (its final callback lost) no longer holds the number."""
    busy, calling = _BUSY, _CALLING
    # A scalar subquery with LIMIT, not NOT EXISTS: the database cannot turn it into a join,
    # so it probes the number's index once per candidate the claim walks, however many calls
    # are ringing (as a join, PostgreSQL compared every candidate with every ringing call).
    ringing = (select(busy.c.id).where(busy.c.to_number == Position.phone,
                                       busy.c.status.in_(ACTIVE_STATUSES),
                                       func.coalesce(busy.c.placed_at, busy.c.claimed_at) > since)
               .limit(1).scalar_subquery())
    # The direction as a literal, as the partial index ix_attempts_inbound_from_number names
    # it: a bound parameter would not let the planner use that index.
    calling_back = (select(calling.c.id).where(
        calling.c.direction == literal_column(f"'{INBOUND}'"),
        calling.c.from_number == Position.phone, calling.c.status.in_(ACTIVE_STATUSES),
        func.coalesce(calling.c.answered_at, calling.c.created_at) > since)
        .limit(1).scalar_subquery())
    return and_(ringing.is_(None), calling_back.is_(None))


# The attempts table under the names the claim's subqueries give it, made once: an alias builds
# its own collection of columns, which took a third of a claim when made per statement.
_BUSY = Attempt.__table__.alias("busy")
_CALLING = Attempt.__table__.alias("calling")
_CANDIDATE = Attempt.__table__.alias("candidate")


def list_due(session, now, creditors, stale_seconds=STALE_CALL_SECONDS):
    """Every call due at `now`, in the order a pass would place them (for dry runs)."""
    due = []
    for creditor in creditors.values():
        if not creditor.window:
            continue
        rows = session.execute(
            select(Attempt.position_id, Attempt.id, Position.reference, Position.phone,
                   Attempt.number).join(Attempt.position)
            .where(due_condition(creditor, now, stale_seconds=stale_seconds)).order_by(Attempt.due_at, Attempt.id)).all()
        due += [DueCall(pid, aid, ref, phone, creditor.name, number)
                for pid, aid, ref, phone, number in rows]
    return due


def claim_batch(session, creditor, now, limit, dialer, caller_id,
                stale_seconds=STALE_CALL_SECONDS):
    """Claim up to `limit` due attempts of `creditor` for `dialer`; the DueCalls claimed."""
    rows = session.execute(_claim(creditor.opt_out_everywhere), {
        "label": creditor.label, "creditor_id": creditor.id, "now": now,
        "since": now - timedelta(seconds=stale_seconds), "limit": limit, "dialer": dialer,
        "caller_id": caller_id}).all()
    rows = _one_per_number(session, rows)
    if not rows:
        return []
    record_events(session, [{"position_id": r.position_id, "attempt_id": r.id,
                             "detail": {"number": r.number}} for r in rows],
                  shared={"kind": "attempt_claimed", "source": SOURCE, "at": now})
    return sorted((DueCall(r.position_id, r.id, r.reference, r.to_number,
                           creditor.name, r.number, r.token, caller_id, now) for r in rows),
                  key=lambda d: d.attempt_id)


@functools.lru_cache(maxsize=4)
def _claim(opt_out_everywhere):
    """claim_batch's UPDATE … RETURNING, built once per scope of an opt-out (each batch of each
    pass runs it), its values bound at each run."""
    table, candidate = Attempt.__table__, _CANDIDATE
    now = bindparam("now", type_=table.c.due_at.type)
    since = bindparam("since", type_=table.c.due_at.type)
    pick = (select(candidate.c.id).join(Position, Position.id == candidate.c.position_id)
            .where(_due(bindparam("label"), bindparam("creditor_id"), opt_out_everywhere, now,
                        since, candidate.c))
            .order_by(candidate.c.due_at, candidate.c.id).limit(bindparam("limit"))
            .with_for_update(of=candidate, skip_locked=True)
            # Evaluated once: as an IN (...) subquery PostgreSQL may rescan it per row, and a
            # rescan skips the rows this statement already updated — claiming past LIMIT.
            .cte("picked").prefix_with("MATERIALIZED", dialect="postgresql"))
    of_position = select(Position.phone, Position.reference) \
        .where(Position.id == table.c.position_id)
    return (update(table).where(table.c.id == pick.c.id, table.c.status == "pending")
            .values(status="dialing", claimed_at=now, claimed_by=bindparam("dialer"),
                    to_number=of_position.with_only_columns(Position.phone).scalar_subquery(),
                    from_number=bindparam("caller_id"))
            # The position's reference comes back with the claim, not in a query of its own.
            .returning(table.c.id, table.c.position_id, table.c.number, table.c.token,
                       table.c.to_number, of_position.with_only_columns(Position.reference)
                       .scalar_subquery().label("reference")))


def _one_per_number(session, rows):
    """The claimed rows, at most one per number: the others go straight back to pending."""
    kept, seen, extra = [], set(), []
    for row in sorted(rows, key=lambda r: r.id):
        (extra if row.to_number in seen else kept).append(row)
        seen.add(row.to_number)
    if extra:
        table = Attempt.__table__
        session.execute(update(table).where(table.c.id.in_([r.id for r in extra]))
                        .values(status="pending", claimed_at=None, claimed_by=None))
    return kept


def release(session, calls, dialer, due_at=None):
    """Give claimed, unplaced attempts back (still ours, still `dialing`): they stay due."""
    table = Attempt.__table__
    values = dict(status="pending", claimed_at=None, claimed_by=None)
    if due_at is not None:
        values["due_at"] = due_at
    ids = [c.attempt_id for c in calls]
    for start in range(0, len(ids), 500):
        session.execute(update(table).where(table.c.id.in_(ids[start:start + 500]),
                                            table.c.status == "dialing",
                                            table.c.claimed_by == dialer).values(**values))


def expired_claims(session, now, lease_seconds):
    """Attempts still `dialing` whose claim is older than the lease: their dialer died or lost
    the provider's answer. Returned as (Attempt id, claimed_at, call_sid, creditor id, DueCall)."""
    rows = session.execute(_expired_claims(),
                           {"cutoff": now - timedelta(seconds=lease_seconds)}).all()
    return [(r.id, r.claimed_at, r.call_sid, r.creditor_id,
             DueCall(r.position_id, r.id, r.reference, r.to_number or r.phone, "", r.number,
                     r.token, r.from_number, r.claimed_at)) for r in rows]


@functools.cache
def _expired_claims():
    """expired_claims' query, built once (every dial pass asks it)."""
    return (select(Attempt.id, Attempt.claimed_at, Attempt.call_sid, Attempt.position_id,
                   Attempt.number, Attempt.token, Attempt.to_number, Attempt.from_number,
                   Position.reference, Position.phone, Position.creditor_id)
            .join(Attempt.position)
            .where(Attempt.status == "dialing",
                   Attempt.claimed_at < bindparam("cutoff", type_=Attempt.claimed_at.type))
            .order_by(Attempt.id))
