"""What a simulated phase did, step by step of the playbook: contacts, skips, payments.

Read from the facts the engine recorded: `step` events (a message queued, with its mail id,
or a call round opened, with its round), `step_skipped` events (with the reason), the attempts
placed in each round, the messages sent, and the status changes to `paid`. A step a position
never reached because its contact stopped for good (disputed, closed) is counted as such.
"""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from db.models import Attempt, Event, OutgoingMail, Position
from domain.playbooks import CALL
from domain.statuses import Status

STOPPED = (Status.DISPUTED.value, Status.CLOSED.value)


@dataclass
class StepFigures:
    """One playbook step over the whole phase."""

    index: int
    step: object
    ran: int = 0                 # positions for which the step ran (message queued, round opened)
    contacts: int = 0            # messages sent, or calls placed in the step's rounds
    skipped: Counter = field(default_factory=Counter)   # reason → positions
    postponed: int = 0           # positions postponed at least once
    # status → positions that stopped before the step for good, neither paid nor ended: a
    # dispute (contact stops until it is resolved) or a closure
    stopped: Counter = field(default_factory=Counter)
    paid_after: int = 0          # positions paid in full with this step their last one run

    @property
    def is_call(self):
        return self.step.channel == CALL


@dataclass
class PhaseSummary:
    playbook: str
    steps: list
    statuses: Counter
    paid_before_any_step: int = 0


def phase_summary(session, creditor_id, playbook):
    """The PhaseSummary of the creditor's positions under `playbook`."""
    steps = [StepFigures(i, step) for i, step in enumerate(playbook.steps)]
    ids = select(Position.id).where(Position.creditor_id == creditor_id)
    events = session.execute(
        select(Event.position_id, Event.kind, Event.detail, Event.at).where(
            Event.position_id.in_(ids),
            Event.kind.in_(("step", "step_skipped", "step_postponed", "status")))
        .order_by(Event.id)).all()
    round_step, mail_step, last_step, paid_at, postponed = {}, {}, {}, {}, set()
    reached = set()
    for position_id, kind, detail, at in events:
        index = detail.get("step")
        if kind in ("step", "step_skipped"):
            reached.add((position_id, index))
        if kind == "step":
            steps[index].ran += 1
            last_step.setdefault(position_id, []).append((at, index))
            if "round" in detail:
                round_step[(position_id, detail["round"])] = index
            if "mail_id" in detail:
                mail_step[detail["mail_id"]] = index
        elif kind == "step_skipped":
            steps[index].skipped[detail.get("reason", "?")] += 1
        elif kind == "step_postponed":
            postponed.add((position_id, index))
        elif detail.get("to") == Status.PAID.value:
            paid_at[position_id] = at
    for _, index in postponed:
        steps[index].postponed += 1
    _count_contacts(session, ids, steps, round_step, mail_step, playbook.opens_with_call)
    before = 0
    for position_id, at in paid_at.items():
        run = [index for when, index in last_step.get(position_id, ()) if when <= at]
        if run:
            steps[max(run)].paid_after += 1
        elif playbook.opens_with_call:
            steps[0].paid_after += 1
        else:
            before += 1
    final = session.execute(select(Position.id, Position.status).where(
        Position.creditor_id == creditor_id)).all()
    for position_id, status in final:
        if status in STOPPED:
            for figures in steps:
                if (position_id, figures.index) not in reached:
                    figures.stopped[status] += 1
    statuses = Counter(status for _, status in final)
    return PhaseSummary(playbook.name, steps, statuses, before)


def _count_contacts(session, ids, steps, round_step, mail_step, opens_with_call):
    placed = session.execute(select(Attempt.position_id, Attempt.round).where(
        Attempt.position_id.in_(ids), Attempt.placed_at.is_not(None))).all()
    for position_id, round_ in placed:
        index = round_step.get((position_id, round_))
        if index is None and opens_with_call and round_ == 1:
            index = 0   # the first reminder's round opens at import, not by a step event
        if index is not None:
            steps[index].contacts += 1
    sent = session.scalars(select(OutgoingMail.id).where(
        OutgoingMail.position_id.in_(ids), OutgoingMail.status == "sent"))
    for mail_id in sent:
        if mail_id in mail_step:
            steps[mail_step[mail_id]].contacts += 1


def print_phase(summary, echo):
    echo(f"playbook {summary.playbook}, step by step:")
    echo(f"  {'step':<36} {'ran':>6} {'contacts':>19} {'paid after':>11}  skipped")
    for figures in summary.steps:
        noun = "calls placed" if figures.is_call else "sent"
        skipped = ", ".join(f"{n} {reason}" for reason, n in figures.skipped.most_common())
        if figures.postponed:
            skipped += (", " if skipped else "") + f"{figures.postponed} postponed at least once"
        for status, n in figures.stopped.most_common():
            skipped += (", " if skipped else "") + f"{n} stopped ({status})"
        label = f"{figures.index}: {figures.step}"
        echo(f"  {label:<36} {figures.ran:>6} {figures.contacts:>6} {noun:<12} "
             f"{figures.paid_after:>11}  {skipped or '-'}")
    if summary.paid_before_any_step:
        echo(f"  paid before any step ran: {summary.paid_before_any_step}")
    total = sum(summary.statuses.values())
    echo("final statuses:")
    for status, count in summary.statuses.most_common():
        echo(f"  {status:<12} {count:>6}  {count / max(1, total):6.1%}")
