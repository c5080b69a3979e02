"""The step engine: run each open position's playbook steps due at `now` (SPEC §4).

Steps run on the creditor's working days, inside its call windows. A call step opens the next
call round (the dial pass plans and places its attempts); a written step queues its message in
the outbox. A step that cannot run is never dropped silently: impossible (no email, a barred
number, a landline for SMS) is skipped, not possible yet (a call of the previous round ringing
right now) is postponed; each is an event with its reason. A previous round still short of its
attempts when the next call step comes ends there as `no_answer` (event `outcome` saying which
step superseded it), so a round whose windows were missed never holds up the playbook. Steps of
different days never run on the same day, so a position whose phase was paused catches up one
step a day. A held position (db.holds) is not walked; a paused creditor's due steps wait, each
postponed once per pause with the reason `creditor_paused`, and run at the first pass after
the creditor is resumed.
"""
import functools
import logging
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select, update

from contacts.status import resume_lapsed, set_status
from db import insert_ignoring, session_scope, write_columns
from db.holds import position_running
from db.models import Attempt, BlockedNumber, Creditor, Event, Outcome, Position
from domain.calls import ACTIVE_STATUSES
from domain import playbooks
from domain.playbooks import CALL, PHONE_CHANNELS, is_working_day, playbook_of, steps_due
from domain.statuses import Status
from ivr.outcomes import close_position
from notify.messages import ChannelUnavailable, queue_message
from scheduler.retries import CallRules, open_window

log = logging.getLogger(__name__)
# The engine walks thousands of positions of one creditor whose phases mostly started on the
# same few days: the working-day arithmetic is the same for all of them, so it is kept.
add_working_days = lru_cache(maxsize=4096)(playbooks.add_working_days)
next_step_on = lru_cache(maxsize=4096)(playbooks.next_step_on)

SOURCE = "worker"
CHUNK = 500


@dataclass
class StepReport:
    """What one pass of the step engine did."""

    ran: Counter = field(default_factory=Counter)         # channel → steps run
    skipped: Counter = field(default_factory=Counter)     # reason → steps skipped
    postponed: Counter = field(default_factory=Counter)   # reason → steps postponed
    ended: int = 0
    resumed: int = 0
    superseded: int = 0     # call rounds ended short by the next call step

    def summary(self):
        parts = [f"{n} {channel}" for channel, n in sorted(self.ran.items())]
        text = "steps: " + (", ".join(parts) if parts else "none") + " run"
        extra = [f"{n} skipped ({reason})" for reason, n in sorted(self.skipped.items())]
        extra += [f"{n} postponed ({reason})" for reason, n in sorted(self.postponed.items())]
        extra += [f"{n} {label}" for n, label in ((self.superseded, "call rounds superseded"),
                                                  (self.ended, "phases ended"),
                                                  (self.resumed, "pauses over")) if n]
        return text + (f"; {', '.join(extra)}" if extra else "")

    __str__ = summary


def run_steps(app, now):
    """Run every step due at `now` (timezone-aware); a StepReport."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("run_steps needs a timezone-aware `now`")
    report = StepReport()
    with session_scope(app) as session:
        report.resumed = resume_lapsed(session, now)
        creditors = session.scalars(select(Creditor).order_by(Creditor.id)).all()
        plans = [_plan(creditor, now) for creditor in creditors]
    for plan in plans:
        if plan is not None and plan.paused_at is not None:
            _postpone_creditor(app, plan, now, report)
        elif plan is not None:
            _run_creditor(app, plan, now, report)
    return report


@dataclass(frozen=True)
class _CreditorSteps:
    id: int
    country: str
    playbook: object
    today: object
    paused_at: object = None


def _plan(creditor, now):
    """The creditor's playbook and local day, or None when its steps do not run at `now`."""
    today = now.astimezone(ZoneInfo(creditor.timezone)).date()
    if not is_working_day(today, creditor.country):
        return None
    rules = CallRules.from_text(creditor.windows, creditor.timezone, creditor.country,
                                creditor.max_attempts, creditor.min_gap_seconds)
    if open_window(rules, now) is None:
        return None
    playbook = playbook_of(creditor.playbook, creditor.playbook_steps)
    return _CreditorSteps(creditor.id, creditor.country, playbook, today, creditor.paused_at)


def _run_creditor(app, plan, now, report):
    """Walk the creditor's positions with a step due, in chunks committed one by one."""
    after = 0
    while True:
        with session_scope(app) as session:
            session.get(Creditor, plan.id)   # in the identity map: no query per position for it
            positions = session.scalars(*_due(plan, after)).all()
            batch = _Batch(session, plan.id, positions)
            for position in positions:
                advance(app, session, position, plan, now, report, batch)
            batch.write(session)
        if len(positions) < CHUNK:
            return
        after = positions[-1].id


def _postpone_creditor(app, plan, now, report):
    """The creditor's campaign is paused: each position's step due today waits, postponed
    once per pause with an event saying why; nothing of the position moves."""
    playbook, paused = plan.playbook, f"{plan.paused_at:%Y%m%dT%H%M%S}"
    after = 0
    while True:
        with session_scope(app) as session:
            positions = session.scalars(*_due(plan, after)).all()
            batch = _Batch(session, plan.id, [])
            for position in positions:
                index = position.step
                if index >= len(playbook.steps) or add_working_days(
                        position.phase_start or plan.today, playbook.steps[index].day,
                        plan.country) > plan.today:
                    continue
                step = playbook.steps[index]
                detail = {"step": index, "day": step.day, "channel": step.channel,
                          "reason": "creditor_paused"}
                if step.message:
                    detail["message"] = step.message
                batch.event(position.id, "step_postponed", detail, now,
                            f"step_postponed:{position.id}:{index}:paused:{paused}")
                report.postponed["creditor_paused"] += 1
            batch.write(session)
        if len(positions) < CHUNK:
            return
        after = positions[-1].id


def _due(plan, after):
    """(query, parameters): the next CHUNK of the creditor's positions after id `after` with a
    step due today (or a phase to end)."""
    ends = plan.playbook.end_day is not None
    return _due_query(ends), {"creditor_id": plan.id, "today": plan.today, "after": after,
                              **({} if ends else {"steps": len(plan.playbook.steps)})}


@functools.cache
def _due_query(ends):
    """_due's query, built once (every pass asks it): a playbook without an end day walks only
    the positions with steps left."""
    query = select(Position).where(
        Position.creditor_id == bindparam("creditor_id"), Position.status == Status.OPEN.value,
        position_running(),
        or_(Position.next_step_on.is_(None),
            Position.next_step_on <= bindparam("today", type_=Position.next_step_on.type)),
        Position.id > bindparam("after"))
    if not ends:
        query = query.where(Position.step < bindparam("steps"))
    return query.order_by(Position.id).limit(CHUNK)


class _Batch:
    """A chunk's writes, made set-based: the barred numbers read once, the step events and the
    positions' progress written in one statement each (the events deduplicated as before)."""

    PROGRESS = ("phase_start", "step", "next_step_on", "round", "outcome", "outcome_at")

    def __init__(self, session, creditor_id, positions):
        phones = {p.phone for p in positions}
        self.barred = set(session.scalars(select(BlockedNumber.phone).where(
            BlockedNumber.creditor_id == creditor_id, BlockedNumber.phone.in_(phones)))) \
            if phones else set()
        self.events, self.progress = [], {}

    def state(self, position):
        return {name: getattr(position, name) for name in self.PROGRESS}

    def event(self, position_id, kind, detail, now, dedupe_key):
        self.events.append(dict(position_id=position_id, attempt_id=None, kind=kind,
                                source=SOURCE, detail=detail, at=now, dedupe_key=dedupe_key))

    def save(self, position, state):
        """Note what changed in the position's progress, to write with the chunk."""
        changed = {k: v for k, v in state.items() if v != getattr(position, k)
                   or (v is None) != (getattr(position, k) is None)}
        if changed:
            self.progress.setdefault(tuple(sorted(changed)), []).append(
                dict(changed, id=position.id))

    def write(self, session):
        if self.events:
            session.execute(insert_ignoring(session, Event.__table__), self.events)
        for rows in self.progress.values():
            session.execute(update(Position), rows)
        self.events, self.progress = [], {}


def advance(app, session, position, plan, now, report, batch=None):
    """Run the position's steps due today, or end its phase; record where it stands."""
    own = batch is None
    batch = batch or _Batch(session, plan.id, [position])
    playbook, today, country = plan.playbook, plan.today, plan.country
    state = batch.state(position)
    start = state["phase_start"] = state["phase_start"] or today
    if playbook.end_day is not None and add_working_days(start, playbook.end_day, country) <= today:
        write_columns(session, position, phase_start=start)
        set_status(session, position, Status.ENDED.value, SOURCE,
                   f"phase over (working day {playbook.end_day})", now)
        report.ended += 1
    else:
        _advance(app, session, position, state, plan, now, report, batch)
        batch.save(position, state)
    if own:
        batch.write(session)
        session.expire(position)


def _advance(app, session, position, state, plan, now, report, batch):
    playbook, today, country = plan.playbook, plan.today, plan.country
    start, index = state["phase_start"], state["step"]
    if index >= len(playbook.steps) \
            or add_working_days(start, playbook.steps[index].day, country) > today:
        state["next_step_on"] = next_step_on(playbook, index, start, None, country)
        return
    for step in steps_due(playbook, index):
        if not _run_step(app, session, position, state, index, step, now, report, batch):
            return  # postponed: the engine looks again at its next pass
        index += 1
    state["step"] = index
    state["next_step_on"] = next_step_on(playbook, index, start, today, country)


def _run_step(app, session, position, state, index, step, now, report, batch):
    """Run one step: True when it is done (run or skipped), False when postponed."""
    detail = {"step": index, "day": step.day, "channel": step.channel}
    if step.message:
        detail["message"] = step.message
    if step.channel in PHONE_CHANNELS and position.phone in batch.barred:
        return _skip(position, detail, "number_barred", now, report, batch)
    if step.channel == CALL:
        if state["round"] > 0 and state["outcome"] is None:
            if _ringing(session, position, state["round"]):
                batch.event(position.id, "step_postponed", dict(detail, reason="call_under_way"),
                            now, f"step_postponed:{position.id}:{index}")
                report.postponed["call_under_way"] += 1
                return False
            _supersede_round(session, position, state, index, now)
            report.superseded += 1
        state["round"] += 1
        state["outcome"] = state["outcome_at"] = None
        detail["round"] = state["round"]
    else:
        try:
            message = queue_message(app, session, position, step.channel, step.message, now,
                                    key=f"step:{position.id}:{index}")
        except ChannelUnavailable as refusal:
            return _skip(position, detail, refusal.code, now, report, batch)
        detail.update(mail_id=message.id, channel=message.channel)
    batch.event(position.id, "step", detail, now, f"step:{position.id}:{index}")
    report.ran[detail["channel"]] += 1
    return True


def _ringing(session, position, round_):
    """A call of the position's round is being placed or is ringing right now."""
    return session.scalar(select(Attempt.id).where(
        Attempt.position_id == position.id, Attempt.round == round_,
        Attempt.status.in_(ACTIVE_STATUSES)).limit(1)) is not None


def _supersede_round(session, position, state, index, now):
    """The next call step has come and the previous round is still short of its attempts (its
    windows were missed, say): it ends here, as `no_answer`, rather than hold up the playbook;
    its planned attempts are withdrawn."""
    session.execute(
        update(Attempt).where(Attempt.position_id == position.id,
                              Attempt.round == state["round"], Attempt.status == "pending")
        .values(status="canceled", last_error=f"withdrawn: step {index} opens the next round")
        .execution_options(synchronize_session=False))
    close_position(session, position, Outcome.NO_ANSWER.value, SOURCE, now,
                   detail={"round": state["round"], "superseded_by_step": index})
    position.outcome = position.outcome_at = None   # the next round opens at once


def _skip(position, detail, reason, now, report, batch):
    batch.event(position.id, "step_skipped", dict(detail, reason=reason), now,
                f"step_skipped:{position.id}:{detail['step']}")
    report.skipped[reason] += 1
    return True
