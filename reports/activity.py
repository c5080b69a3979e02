"""A creditor's day beyond the calls: messages and their fate, status changes, payments.

Read from the events of the creditor-local day (SPEC §6 "Daily report"): a message's fate is
its last event that day (`email_sent`, then `pec_delivered`, …, one per message by `mail_id`);
a status change is a `status` event with a `to` (a call's own `status` events have none); a
payment is a `payment` event.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from db.models import Event, OutgoingMail, Position

MESSAGE_CHANNELS = ("email", "pec", "sms")
# A message event's last word → its fate in the report.
FATES = {"sent": "sent", "delivered": "delivered", "not_delivered": "undelivered",
         "undelivered": "undelivered", "failed": "failed"}
FATE_ORDER = ("sent", "delivered", "undelivered", "failed")
MESSAGE_KINDS = tuple(f"{channel}_{word}" for channel in MESSAGE_CHANNELS for word in FATES)


@dataclass
class PositionDay:
    """One position's day: its messages {key: (channel, kind, fate)}, status changes, payments."""

    messages: dict = field(default_factory=dict)
    status_changes: list = field(default_factory=list)
    payments: list = field(default_factory=list)


@dataclass
class Activity:
    """The day's activity per position id, and its totals."""

    positions: dict = field(default_factory=lambda: defaultdict(PositionDay))
    messages: Counter = field(default_factory=Counter)        # (channel, fate) → messages
    status_changes: Counter = field(default_factory=Counter)  # new status → changes
    payments: int = 0
    paid: Decimal = Decimal(0)


def day_bounds(day, timezone):
    """The UTC instants [start, end) of the creditor-local `day`."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def activity_events(start, end):
    """The condition on Event: one of the day's messages, status changes or payments."""
    return and_(Event.at >= start, Event.at < end, or_(
        Event.kind.in_(MESSAGE_KINDS + ("payment",)),
        and_(Event.kind == "status", Event.attempt_id.is_(None))))


def day_activity(session, creditor, day):
    """The Activity of `creditor` on its local `day`."""
    start, end = day_bounds(day, creditor.timezone)
    rows = session.execute(
        select(Event.id, Event.position_id, Event.kind, Event.detail)
        .join(Position, Position.id == Event.position_id)
        .where(Position.creditor_id == creditor.id, activity_events(start, end))
        .order_by(Event.at, Event.id)).all()
    kinds = _mail_kinds(session, rows)
    activity = Activity()
    for row in rows:
        detail = row.detail or {}
        today = activity.positions[row.position_id]
        if row.kind == "payment":
            today.payments.append(Decimal(str(detail.get("amount_paid", "0"))))
        elif row.kind == "status":
            if "to" in detail:
                today.status_changes.append((detail.get("from"), detail["to"]))
        else:
            channel, word = row.kind.split("_", 1)
            key = detail.get("mail_id") or f"event:{row.id}"
            earlier = today.messages.get(key, (None, "", None))[1]
            kind = detail.get("kind") or kinds.get(key) or earlier
            today.messages[key] = (channel, kind, FATES[word])
    _count(activity)
    return activity


def _mail_kinds(session, rows):
    """The kind of each message named only by its `mail_id` (receipts carry no kind)."""
    wanted = {row.detail.get("mail_id") for row in rows
              if row.kind in MESSAGE_KINDS and row.detail and not row.detail.get("kind")}
    wanted.discard(None)
    if not wanted:
        return {}
    return dict(session.execute(select(OutgoingMail.id, OutgoingMail.kind)
                                .where(OutgoingMail.id.in_(wanted))).all())


def _count(activity):
    for today in activity.positions.values():
        activity.messages.update((channel, fate) for channel, _, fate in today.messages.values())
        activity.status_changes.update(to for _, to in today.status_changes)
        activity.payments += len(today.payments)
        activity.paid += sum(today.payments, Decimal(0))


def describe_messages(today):
    """`email sollecito sent; sms contatto delivered`, in the order they happened."""
    return "; ".join(" ".join(filter(None, parts)) for parts in today.messages.values())


def describe_status_changes(today):
    return "; ".join(f"{before or '-'}>{after}" for before, after in today.status_changes)


def describe_payments(today):
    return "; ".join(f"{amount:.2f}" for amount in today.payments)
