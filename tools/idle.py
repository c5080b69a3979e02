"""When the simulator may skip ticks: after a tick that changed nothing, until something falls due.

A tick that ran no step, placed, planned, settled or reconciled no call and sent no message left
the database as it found it, so the next tick can differ only because time moved past something
that was waiting for it: a planned attempt's due time, a queued message's next try, the end of a
pause. Until the first of those, every tick would do nothing too — skipping them changes nothing
but the time the simulation takes. Anything still in flight (a call or a message being handed
over) keeps the clock ticking.
"""
from datetime import datetime, timezone

from sqlalchemy import func, select

from db import session_scope
from db.models import Attempt, OutgoingMail, Position, VoiceMessage
from domain.calls import ACTIVE_STATUSES, PENDING
from domain.statuses import PAUSED

NEVER = datetime.max.replace(tzinfo=timezone.utc)
STEP_COUNTS = ("ran", "skipped", "postponed")
DIAL_COUNTS = ("due", "placed", "failed", "skipped", "planned", "settled", "barred", "adopted",
               "released", "held")
OUTBOX_COUNTS = ("sent", "retried", "failed", "recovered", "held")


def did_nothing(report):
    """The TickReport of a tick that changed nothing."""
    steps, dial, outbox = report.steps, report.dial, report.outbox
    return not (any(getattr(steps, name) for name in STEP_COUNTS) or steps.ended
                or steps.resumed or any(getattr(dial, name) for name in DIAL_COUNTS)
                or any(getattr(outbox, name, 0) for name in OUTBOX_COUNTS)
                or bool(getattr(report, "voices", None))
                or bool(getattr(report, "retention", None)))


def next_due(app, now):
    """The first instant after `now` at which something waits to happen; `now` when something
    is in flight, NEVER when nothing waits at all."""
    with session_scope(app) as session:
        in_flight = session.scalar(select(Attempt.id).where(
            Attempt.status.in_(ACTIVE_STATUSES)).limit(1)) or session.scalar(
            select(OutgoingMail.id).where(OutgoingMail.status == "sending").limit(1))
        if in_flight:
            return now
        moments = [session.scalar(select(func.min(Attempt.due_at)).where(
                       Attempt.status == PENDING)),
                   session.scalar(select(func.min(OutgoingMail.next_try_at)).where(
                       OutgoingMail.status == "queued")),
                   # IS NOT NULL spelled out: SQLite reads the partial index for min() only then.
                   session.scalar(select(func.min(Position.status_until)).where(
                       Position.status.in_(PAUSED), Position.status_until.is_not(None))),
                   session.scalar(select(func.min(VoiceMessage.next_try_at)).where(
                       VoiceMessage.status == "pending"))]
    moments = [m for m in moments if m is not None]
    return min(moments) if moments else NEVER
