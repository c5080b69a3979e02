"""The hand-over of a creditor's ended positions (SPEC §2 `ended`) to the next phase.

Two tables: the positions, one row each (POSITION_COLUMNS, the contact list's own names where
they are the same, so the next phase can import the file), and their history, one row per event
in order (HISTORY_COLUMNS, in the creditor's language). As CSV (two files, written like the daily
report: comma, CRLF, UTF-8 with a BOM, formula starts neutralised) or one XLSX workbook with a
sheet each, whose text cells are always text, never formulas.
"""
import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from db.models import Attempt, Event, Position
from domain.statuses import Status
from reports.daily import BOM, neutralise, slug
from reports.tables import workbook
from reports.words import describe, is_status_change

POSITION_COLUMNS = ("reference", "name", "phone", "email", "pec", "amount", "amount_paid",
                    "amount_due", "currency", "due_date", "invoice", "status", "ended_on",
                    "calls_made", "last_outcome", "messages_sent")
HISTORY_COLUMNS = ("reference", "at", "event", "details", "source", "kind")
SENT_KINDS = frozenset({"email_sent", "pec_sent", "sms_sent"})
FORMATS = ("csv", "xlsx")


@dataclass
class Handover:
    """A creditor's ended positions and their history, as rows of plain values."""

    creditor: str
    day: object
    positions: list = field(default_factory=list)
    history: list = field(default_factory=list)


def _ended(creditor):
    return (Position.creditor_id == creditor.id, Position.status == Status.ENDED.value)


def build_handover(session, creditor, now):
    """The Handover of `creditor`'s ended positions, dated `now` in the creditor's timezone."""
    zone = ZoneInfo(creditor.timezone)
    handover = Handover(creditor=creditor.name, day=now.astimezone(zone).date())
    calls = dict(session.execute(
        select(Attempt.position_id, func.count()).join(Attempt.position)
        .where(*_ended(creditor), Attempt.placed_at.is_not(None))
        .group_by(Attempt.position_id)).all())
    events = session.execute(
        select(Position.id, Position.reference, Event.kind, Event.detail, Event.source, Event.at)
        .join(Event, Event.position_id == Position.id).where(*_ended(creditor))
        .order_by(Position.reference, Event.at, Event.id)).all()
    ended_on, sent = {}, Counter()
    for row in events:
        if is_status_change(row.kind, row.detail) and row.detail["to"] == Status.ENDED.value:
            ended_on[row.id] = row.at.astimezone(zone).date()
        sent[row.id] += row.kind in SENT_KINDS
        event, details = describe(row.kind, row.detail, creditor.language)
        handover.history.append({
            "reference": row.reference, "at": row.at.astimezone(zone).replace(tzinfo=None),
            "event": event, "details": details, "source": row.source, "kind": row.kind})
    for position in session.scalars(select(Position).where(*_ended(creditor))
                                    .order_by(Position.reference)):
        handover.positions.append(_position_row(position, ended_on, calls, sent))
    return handover


def _position_row(position, ended_on, calls, sent):
    return {
        "reference": position.reference, "name": position.name, "phone": position.phone,
        "email": position.email, "pec": position.pec, "amount": position.amount,
        "amount_paid": position.amount_paid, "amount_due": position.amount - position.amount_paid,
        "currency": position.currency, "due_date": position.due_date,
        "invoice": position.invoice, "status": position.status,
        "ended_on": ended_on.get(position.id), "calls_made": calls.get(position.id, 0),
        "last_outcome": position.outcome, "messages_sent": sent[position.id]}


def _csv_cell(value):
    if hasattr(value, "quantize"):
        return neutralise(f"{value:.2f}")
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return neutralise(value)


def _csv(columns, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in columns])
    return BOM + buffer.getvalue()


def positions_csv(handover):
    return _csv(POSITION_COLUMNS, handover.positions)


def history_csv(handover):
    return _csv(HISTORY_COLUMNS, handover.history)


def render_xlsx(handover):
    """The workbook's bytes: sheet `positions`, then sheet `history` (reports.tables)."""
    return workbook([(title, columns, [[row[column] for column in columns] for row in rows])
                     for title, columns, rows in (
                         ("positions", POSITION_COLUMNS, handover.positions),
                         ("history", HISTORY_COLUMNS, handover.history))])


def handover_filename(creditor, day, part):
    """`handover-acme-energia-2026-12-01.xlsx`, `…-positions.csv`, `…-history.csv`."""
    return f"handover-{slug(creditor.name)}-{day.isoformat()}{part}"
