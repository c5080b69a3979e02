"""The planning step of a dial pass: which attempt comes next, and when (set-based SQL).

Every decision is taken from facts already recorded (attempt statuses, windows, placement
times) and the dialer's `now`, never from when a webhook arrived, so a campaign replays the
same at any pace. Inserts are bulk and idempotent: two dialers planning at once create each
attempt once (the unique key on position and number decides).
"""
import functools
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, func, or_, select, text, true, update
from sqlalchemy.orm import aliased, joinedload

from db import insert_ignoring
from db.holds import position_running
from db.models import Attempt, BlockedNumber, Creditor, Outcome, Position, new_token
from ivr.outcomes import apply_outcome, close_position
from domain.calls import ACTIVE_STATUSES, TERMINAL_STATUSES
from domain.windows import CallWindow
from policy.gate import creditor_rules
from policy.rules import PolicyRules
from scheduler.retries import CallRules, PastAttempt, open_window, plan_attempt

SOURCE = "dialer"
INSERT_CHUNK = 1000
ANALYZE_AFTER = 1000


@dataclass(frozen=True)
class CreditorPlan:
    """A creditor's rules, and the window open at the pass's `now` (None: not calling)."""

    id: int
    name: str
    rules: CallRules
    caller_id: str | None
    max_concurrent: int | None
    window: CallWindow | None
    policy: PolicyRules = PolicyRules()
    # Key 8 bars the number for every creditor (OPT_OUT_SCOPE=installation), or only its own.
    opt_out_everywhere: bool = True
    # Its campaign paused by a person (contacts.controls): not calling, nothing planned.
    paused: bool = False

    @property
    def label(self):
        return self.window.label if self.window else None


def load_creditors(session, now, opt_out_everywhere=True):
    """Every creditor's plan at `now`, by id."""
    plans = {}
    for creditor in session.scalars(select(Creditor)):
        rules = CallRules.from_text(creditor.windows, creditor.timezone, creditor.country,
                                    creditor.max_attempts, creditor.min_gap_seconds)
        paused = creditor.paused_at is not None
        plans[creditor.id] = CreditorPlan(creditor.id, creditor.name, rules, creditor.caller_id,
                                          creditor.max_concurrent_calls,
                                          None if paused else open_window(rules, now),
                                          creditor_rules(creditor), opt_out_everywhere, paused)
    return plans


def running(creditors):
    """The Position's creditor is not paused: its plans are neither made nor moved meanwhile
    (on resume, the next pass finds them as the pause left them)."""
    return _running(paused_ids(creditors))


def paused_ids(creditors):
    return tuple(sorted(c.id for c in creditors.values() if c.paused))


def _running(paused):
    return Position.creditor_id.not_in(paused) if paused else true()


def _everywhere(creditors):
    return all(c.opt_out_everywhere for c in creditors.values())


def in_call_round():
    """The position is open, not held, and in a call round that has no outcome yet: it may
    be dialled."""
    return and_(Position.outcome.is_(None), Position.round > 0, Position.status == "open",
                position_running())


def outbound():
    """The attempt is one the dialer placed: a debtor's call-back (an inbound attempt, numbered
    below 1) is no attempt of the round's, neither counted nor retried."""
    return Attempt.direction == "outbound"


def barring(opt_out_everywhere=True):
    """A BlockedNumber bars the Position's number: its creditor's bar, or anyone's opt-out."""
    own = BlockedNumber.creditor_id == Position.creditor_id
    if opt_out_everywhere:
        own = or_(own, BlockedNumber.reason == Outcome.OPTED_OUT.value)
    return and_(BlockedNumber.phone == Position.phone, own)


def not_blocked(opt_out_everywhere=True):
    """The position's number is not barred for its creditor (nor opted out of any creditor,
    by default)."""
    return ~exists().where(barring(opt_out_everywhere))


def settle_barred(session, now, opt_out_everywhere=True):
    """Close the open positions whose number another position barred, with the bar's reason.

    The number will not be rung for them again, so they get the definite outcome the number
    got (and with it the emailed notice, for wrong_person and identity_failed); their planned
    attempts are withdrawn. A position with a call under way is left to that call.
    """
    found = session.execute(_barred(opt_out_everywhere)).all()
    rows, seen = [], set()
    for position, reason, barred_by, barred_for in found:
        if position.id not in seen:
            seen.add(position.id)
            # Another creditor's reference is none of this creditor's business.
            rows.append((position, reason, barred_by if barred_for == position.creditor_id
                         else None))
    if not rows:
        return 0
    references = dict(session.execute(select(Position.id, Position.reference).where(
        Position.id.in_({barred_by for _, _, barred_by in rows if barred_by}))).all())
    ids = [position.id for position, _, _ in rows]
    for start in range(0, len(ids), INSERT_CHUNK):
        session.execute(update(Attempt).where(
            Attempt.position_id.in_(ids[start:start + INSERT_CHUNK]), Attempt.status == "pending")
            .values(status="canceled", last_error="not placed: the number is barred"))
    for position, reason, barred_by in rows:
        close_position(session, position, reason, SOURCE, now,
                       detail={"number_barred_by": references.get(barred_by)})
    return len(rows)


@functools.cache
def _barred(opt_out_everywhere):
    """settle_barred's query, built once per scope of an opt-out (every pass asks it)."""
    under_way = exists().where(Attempt.position_id == Position.id,
                               Attempt.status.in_(ACTIVE_STATUSES))
    return (select(Position, BlockedNumber.reason, BlockedNumber.position_id,
                   BlockedNumber.creditor_id)
            .join(BlockedNumber, barring(opt_out_everywhere))
            .where(in_call_round(), ~under_way)
            # Its own creditor's bar first, when another creditor's opt-out bars it too.
            .order_by(Position.id, (BlockedNumber.creditor_id != Position.creditor_id)))


def settle_exhausted(session, now):
    """`no_answer` for positions whose last allowed attempt ended without an outcome.

    The status webhook usually did it already; this catches a lost or late final callback.
    """
    attempts = session.scalars(_exhausted()).all()
    for attempt in attempts:
        apply_outcome(session, attempt, Outcome.NO_ANSWER.value, SOURCE, now)
    return len(attempts)


@functools.cache
def _exhausted():
    """settle_exhausted's query, built once: every pass asks it, and it has no parameter."""
    return (select(Attempt).join(Attempt.position).join(Position.creditor)
            .where(in_call_round(), outbound(), Attempt.round == Position.round,
                   Attempt.outcome.is_(None), Attempt.status.in_(TERMINAL_STATUSES),
                   Attempt.number >= Creditor.max_attempts)
            .options(joinedload(Attempt.position)))


def plan_first_attempts(session, now, creditors):
    """Attempt 1, due now, of the call rounds not dialled yet, for the creditors calling at `now`."""
    open_ids = {c.id: c.label for c in creditors.values() if c.window}
    if not open_ids:
        return 0
    rows = session.execute(_first_due(tuple(sorted(open_ids)), _everywhere(creditors))).all()
    return insert_attempts(session, [
        _pending(pid, round_, 1, now, open_ids[cid], now) for pid, cid, round_ in rows])


@functools.lru_cache(maxsize=64)
def _first_due(creditor_ids, opt_out_everywhere):
    """plan_first_attempts' query for the creditors calling, built once per set of them."""
    return (select(Position.id, Position.creditor_id, Position.round)
            .where(Position.creditor_id.in_(creditor_ids), in_call_round(),
                   not_blocked(opt_out_everywhere),
                   ~exists().where(Attempt.position_id == Position.id,
                                   Attempt.round == Position.round, outbound()))
            .order_by(Position.id))


def plan_retries(session, now, creditors):
    """The next attempt of call rounds whose last one ended without an outcome."""
    # The round's last attempt is the one no later attempt of the round follows: probed by
    # the attempts' unique key per position in a call round, where a GROUP BY over every
    # attempt ever made grew with the campaign's history at each pass.
    ids = session.scalars(_retry_due(_everywhere(creditors), paused_ids(creditors))).all()
    ids.sort()   # planned in the order of the positions, as their attempts are numbered
    rows = []
    for start in range(0, len(ids), INSERT_CHUNK):
        chunk = select(Position.id).where(Position.id.in_(ids[start:start + INSERT_CHUNK]))
        for pid, cid, round_, history in histories(session, chunk, creditors):
            plan = plan_attempt(creditors[cid].rules, history, now)
            if plan is not None:
                rows.append(_pending(pid, round_, len(history) + 1, plan.due_at, plan.window,
                                     now))
    return insert_attempts(session, rows)


@functools.lru_cache(maxsize=64)
def _retry_due(opt_out_everywhere, paused):
    """plan_retries' query, built once per scope of an opt-out and set of paused creditors:
    the positions whose round's last attempt ended without an outcome, with attempts left."""
    later = aliased(Attempt, name="later")
    return (select(Position.id)
            .join(Attempt, and_(Attempt.position_id == Position.id,
                                Attempt.round == Position.round, outbound()))
            .join(Position.creditor)
            .where(in_call_round(), Attempt.outcome.is_(None),
                   Attempt.status.in_(TERMINAL_STATUSES), Attempt.number < Creditor.max_attempts,
                   ~exists().where(later.position_id == Position.id,
                                   later.round == Position.round,
                                   later.direction == "outbound", later.number > Attempt.number),
                   not_blocked(opt_out_everywhere), _running(paused)))


def replan_missed(session, now, creditors):
    """Move pending attempts whose planned window has passed to their next allowed window."""
    in_plan = [and_(Position.creditor_id == c.id, Attempt.call_window == c.label)
               for c in creditors.values() if c.window]
    missed = session.execute(
        select(Attempt.id, Attempt.position_id, Attempt.number).join(Attempt.position)
        .where(Attempt.status == "pending", Attempt.due_at <= now, in_call_round(),
               running(creditors), ~or_(*in_plan) if in_plan else true())).all()
    if not missed:
        return 0
    numbers = {pid: (aid, number) for aid, pid, number in missed}
    moved = []
    ids = select(Position.id).where(Position.id.in_(numbers))
    for pid, cid, _round, history in histories(session, ids, creditors):
        aid, number = numbers[pid]
        plan = plan_attempt(creditors[cid].rules, history[:number - 1], now)
        if plan is not None:
            moved.append({"attempt_id": aid, "due_at": plan.due_at, "call_window": plan.window})
    _update_plans(session, moved)
    return len(moved)


def replan_later_plans(session, now, creditors):
    """Bring forward pending attempts planned by a pass on a later clock, when `now` allows.

    `dial --now` in the past, while a worker runs on the real clock (the README's walk): the
    worker plans a retry from its own, later `now`, and a pass at the earlier instant would
    find it not yet due. Plans are decisions, not facts: re-taken from this pass's clock and
    the facts (placement times, windows) they allow, they move only earlier, never later.
    """
    later = session.execute(
        select(Attempt.id, Attempt.position_id, Attempt.number, Attempt.due_at)
        .join(Attempt.position)
        .where(Attempt.status == "pending", Attempt.created_at > now, Attempt.due_at > now,
               in_call_round(), running(creditors))).all()
    if not later:
        return 0
    numbers = {pid: (aid, number, due_at) for aid, pid, number, due_at in later}
    moved = []
    ids = select(Position.id).where(Position.id.in_(numbers))
    for pid, cid, _round, history in histories(session, ids, creditors):
        aid, number, due_at = numbers[pid]
        plan = plan_attempt(creditors[cid].rules, history[:number - 1], now)
        if plan is not None and plan.due_at < due_at:
            moved.append({"attempt_id": aid, "due_at": plan.due_at, "call_window": plan.window})
    _update_plans(session, moved)
    return len(moved)


def histories(session, position_ids, creditors):
    """(position id, creditor id, round, [PastAttempt of that round]) for each position in the
    `position_ids` query: the attempts of its current call round."""
    rows = session.execute(
        select(Attempt.position_id, Position.creditor_id, Attempt.call_window,
               func.coalesce(Attempt.placed_at, Attempt.claimed_at, Attempt.due_at))
        .join(Attempt.position)
        .where(Attempt.position_id.in_(position_ids), Attempt.status != "pending",
               Attempt.round == Position.round, outbound())
        .order_by(Attempt.position_id, Attempt.number)).all()
    grouped, owner = defaultdict(list), {}
    for pid, cid, window, placed_at in rows:
        if window is None and placed_at is not None:  # placed before plans were recorded
            found = open_window(creditors[cid].rules, placed_at)
            window = found.label if found else None
        grouped[pid].append(PastAttempt(window, placed_at))
        owner[pid] = cid
    # A position whose only attempt is pending has no history yet, but is still planned.
    rounds = {}
    for pid, cid, round_ in session.execute(select(Position.id, Position.creditor_id, Position.round)
                                            .where(Position.id.in_(position_ids))):
        owner.setdefault(pid, cid)
        rounds[pid] = round_
    return [(pid, cid, rounds[pid], grouped.get(pid, [])) for pid, cid in owner.items()]


def _pending(position_id, round_, number, due_at, window, now):
    return {"token": new_token(), "position_id": position_id, "round": round_, "number": number,
            "status": "pending", "due_at": due_at, "call_window": window, "created_at": now}


def insert_attempts(session, rows):
    """Bulk insert; an attempt another dialer created meanwhile is skipped, not an error."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    statement = insert_ignoring(session, Attempt.__table__)
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(statement, rows[start:start + INSERT_CHUNK])
    if dialect == "postgresql" and len(rows) >= ANALYZE_AFTER:
        # Autovacuum analyzes a freshly filled table only later; until then the planner
        # thinks it is empty and claims by nested loops (43 s instead of ms at 50k rows).
        session.execute(text("ANALYZE attempts, positions"))
    return len(rows)


def _update_plans(session, moved):
    if not moved:
        return
    table = Attempt.__table__
    session.execute(
        update(table).where(table.c.id == bindparam("attempt_id"), table.c.status == "pending")
        .values(due_at=bindparam("due_at"), call_window=bindparam("call_window")),
        moved)

