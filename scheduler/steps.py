"""The step engine: run each open position's playbook steps due at `now` (SPEC §4).

Steps run on the creditor's working days, inside its call windows. A call step opens the next
call round (the dial pass plans and places its attempts); a written step queues its message in
the outbox. A step that cannot run is never dropped silently: impossible (no email, a barred
number, a landline for SMS) is skipped, not possible yet (the previous call round still under
way) is postponed; each is an event with its reason. Steps of different days never run on the
same day, so a position whose phase was paused catches up one step a day.
"""
import logging
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from contacts.status import resume_lapsed, set_status
from db import session_scope
from db.events import record_event
from db.models import BlockedNumber, Creditor, Position
from domain.playbooks import (
    CALL, PHONE_CHANNELS, add_working_days, is_working_day, next_step_on, playbook_of, steps_due,
)
from domain.statuses import Status
from notify.messages import ChannelUnavailable, queue_message
from scheduler.retries import CallRules, open_window

log = logging.getLogger(__name__)

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

    def summary(self):
        parts = [f"{n} {channel}" for channel, n in sorted(self.ran.items())]
        text = "steps: " + (", ".join(parts) if parts else "none") + " run"
        extra = [f"{n} skipped ({reason})" for reason, n in sorted(self.skipped.items())]
        extra += [f"{n} postponed ({reason})" for reason, n in sorted(self.postponed.items())]
        extra += [f"{n} {label}" for n, label in ((self.ended, "phases ended"),
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
        if plan is not None:
            _run_creditor(app, plan, now, report)
    return report


@dataclass(frozen=True)
class _CreditorSteps:
    id: int
    country: str
    playbook: object
    today: object


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
    return _CreditorSteps(creditor.id, creditor.country, playbook, today)


def _run_creditor(app, plan, now, report):
    """Walk the creditor's positions with a step due, in chunks committed one by one."""
    after = 0
    while True:
        with session_scope(app) as session:
            positions = session.scalars(_due(plan).where(Position.id > after)
                                        .order_by(Position.id).limit(CHUNK)).all()
            for position in positions:
                advance(app, session, position, plan, now, report)
        if len(positions) < CHUNK:
            return
        after = positions[-1].id


def _due(plan):
    playbook = plan.playbook
    query = select(Position).where(
        Position.creditor_id == plan.id, Position.status == Status.OPEN.value,
        or_(Position.next_step_on.is_(None), Position.next_step_on <= plan.today))
    if playbook.end_day is None:
        query = query.where(Position.step < len(playbook.steps))
    return query


def advance(app, session, position, plan, now, report):
    """Run the position's steps due today, or end its phase; record where it stands."""
    playbook, today, country = plan.playbook, plan.today, plan.country
    if position.phase_start is None:
        position.phase_start = today
    start = position.phase_start
    if playbook.end_day is not None and add_working_days(start, playbook.end_day, country) <= today:
        set_status(session, position, Status.ENDED.value, SOURCE,
                   f"phase over (working day {playbook.end_day})", now)
        report.ended += 1
        return
    index = position.step
    if index >= len(playbook.steps) \
            or add_working_days(start, playbook.steps[index].day, country) > today:
        position.next_step_on = next_step_on(playbook, index, start, None, country)
        return
    for step in steps_due(playbook, index):
        if not _run_step(app, session, position, index, step, now, report):
            return  # postponed: the engine looks again at its next pass
        index += 1
    position.step = index
    position.next_step_on = next_step_on(playbook, index, start, today, country)


def _run_step(app, session, position, index, step, now, report):
    """Run one step: True when it is done (run or skipped), False when postponed."""
    detail = {"step": index, "day": step.day, "channel": step.channel}
    if step.message:
        detail["message"] = step.message
    if step.channel in PHONE_CHANNELS and _barred(session, position):
        return _skip(session, position, detail, "number_barred", now, report)
    if step.channel == CALL:
        if position.round > 0 and position.outcome is None:
            record_event(session, position.id, "step_postponed", SOURCE,
                         dict(detail, reason="call_round_under_way"), at=now,
                         dedupe_key=f"step_postponed:{position.id}:{index}")
            report.postponed["call_round_under_way"] += 1
            return False
        position.round += 1
        position.outcome = position.outcome_at = None
        detail["round"] = position.round
    else:
        try:
            message = queue_message(app, session, position, step.channel, step.message, now,
                                    key=f"step:{position.id}:{index}")
        except ChannelUnavailable as refusal:
            return _skip(session, position, detail, refusal.code, now, report)
        detail.update(mail_id=message.id, channel=message.channel)
    record_event(session, position.id, "step", SOURCE, detail, at=now,
                 dedupe_key=f"step:{position.id}:{index}")
    report.ran[detail["channel"]] += 1
    return True


def _skip(session, position, detail, reason, now, report):
    record_event(session, position.id, "step_skipped", SOURCE, dict(detail, reason=reason),
                 at=now, dedupe_key=f"step_skipped:{position.id}:{detail['step']}")
    report.skipped[reason] += 1
    return True


def _barred(session, position):
    """The position's number may not be rung or texted (wrong person, failed identity, opt-out)."""
    return session.scalar(select(BlockedNumber.id).where(
        BlockedNumber.creditor_id == position.creditor_id,
        BlockedNumber.phone == position.phone)) is not None

