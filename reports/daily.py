"""The daily report of one creditor: its day's whole activity, as CSV.

Layout (comma-separated, CRLF line ends, UTF-8 with a BOM so Excel reads accented names right):

    reference,name,phone,outcome,attempts,last_call_at,last_status,email_status,amount,currency,
        messages,status_changes,payments
    one row per position called, written to, changed or paid that day (creditor-local day), by
    reference
    <blank row>
    outcome,positions
    one row per outcome of the positions called that day: pending, then the SPEC §2
    vocabulary, zeros included
    total,<number of positions called that day>
    <blank row>
    channel,fate,messages
    one row per channel (email, pec, sms) and fate (sent, delivered, undelivered, failed)
    <blank row>
    status,changes
    one row per new status (domain.statuses), zeros included
    <blank row>
    payments,count,amount_paid
    total,<payments that day>,<their sum>
    <blank row>
    policy_rule,refusals
    one row per rule of the contact policy (policy.decide.RULES), zeros included: the calls and
    messages it held back that day
    total,<refusals that day>

`outcome` is the position's outcome, or `pending`; `attempts` counts its attempts placed up to
and including that day; `last_call_at` is the last of them, ISO 8601 in the creditor's timezone;
`email_status` is the state of the emailed notice (`sent`, `queued`, `failed`) or empty.
The last three columns are that day's (reports/activity.py): `messages` like `email sollecito
sent; sms contatto delivered`, `status_changes` like `open>paid`, `payments` the amounts paid.
Every cell starting with = + - @ tab or CR gets a leading apostrophe, phones and negative amounts
included: a spreadsheet must never read a cell as a formula.
"""
import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, union

from db.models import OUTCOMES, Attempt, Event, OutgoingMail, PolicyDecision, Position
from policy.decide import RULES
from domain.statuses import STATUSES
from reports.activity import (
    FATE_ORDER, MESSAGE_CHANNELS, Activity, PositionDay, activity_events, day_activity,
    day_bounds, describe_messages, describe_payments, describe_status_changes,
)

PENDING = "pending"
COLUMNS = ("reference", "name", "phone", "outcome", "attempts", "last_call_at", "last_status",
           "email_status", "amount", "currency", "messages", "status_changes", "payments")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# When a position has mail in several states, the one the creditor most needs to know.
MAIL_STATUS_RANK = {"sent": 0, "sending": 1, "queued": 2, "failed": 3}


@dataclass
class DailyReport:
    """One creditor's report for one day: the position rows, the count of each outcome among
    the positions called, and the day's other activity."""

    creditor: str
    day: object
    rows: list = field(default_factory=list)
    totals: Counter = field(default_factory=Counter)
    called: int = 0
    activity: Activity = field(default_factory=Activity)
    refusals: Counter = field(default_factory=Counter)


def build_report(session, creditor, day):
    """The DailyReport of `creditor` for the creditor-local date `day`."""
    report = DailyReport(creditor=creditor.name, day=day,
                         activity=day_activity(session, creditor, day),
                         refusals=_refusals(session, creditor, day))
    zone = ZoneInfo(creditor.timezone)
    in_report = _in_report(creditor.id, day, *day_bounds(day, creditor.timezone))
    positions = session.scalars(
        select(Position).where(Position.creditor_id == creditor.id, in_report)
        .order_by(Position.reference)).all()
    attempts = _attempts_so_far(session, creditor.id, day, in_report)
    mail = _notice_mail_status(session, creditor.id, in_report)
    for position in positions:
        # The calls placed count as attempts; a call-back (inbound) that day lists the position
        # among those called, its answer in the outcome, but is no attempt of the round's.
        calls = attempts.get(position.id, [])
        placed = [attempt for attempt in calls if attempt.direction != "inbound"]
        last = placed[-1] if placed else None
        outcome = position.outcome or PENDING
        if any(attempt.day == day for attempt in calls):
            report.totals[outcome] += 1
            report.called += 1
        today = report.activity.positions.get(position.id) or PositionDay()
        report.rows.append({
            "reference": position.reference, "name": position.name, "phone": position.phone,
            "outcome": outcome, "attempts": len(placed),
            "last_call_at": _local_iso(last.placed_at, zone) if last else "",
            "last_status": last.status if last else "",
            "email_status": mail.get(position.id, ""),
            "amount": f"{position.amount:.2f}", "currency": position.currency,
            "messages": describe_messages(today),
            "status_changes": describe_status_changes(today),
            "payments": describe_payments(today),
            # The same facts typed, for the console's Italian CSV and XLSX (reports.daily_files).
            "typed": {"last_call_at": last.placed_at.astimezone(zone) if last else None,
                      "amount": position.amount, "day": today},
        })
    return report


def _refusals(session, creditor, day):
    """The contact policy's refusals of the creditor's contacts that day, per rule."""
    start, end = day_bounds(day, creditor.timezone)
    table = PolicyDecision
    return Counter(dict(session.execute(
        select(table.rule, func.count()).where(
            table.creditor_id == creditor.id, table.at >= start, table.at < end,
            table.allowed.is_(False), table.position_id.is_not(None))
        .group_by(table.rule)).all()))


def _in_report(creditor_id, day, start, end):
    """The condition on Position of the report's positions: those called on `day` and those
    written to, changed or paid between `start` and `end` (reports/activity.py).

    One list, found once per report, that each query of the report reads: asked position by
    position instead, SQLite looked up the day's attempts for every position of the creditor,
    a report whose time grew with the square of the list."""
    called = select(Attempt.position_id).where(Attempt.day == day)
    active = (select(Event.position_id).join(Position, Position.id == Event.position_id)
              .where(Position.creditor_id == creditor_id, activity_events(start, end)))
    return Position.id.in_(union(called, active))


def _attempts_so_far(session, creditor_id, day, in_report):
    """Per position in the report: its attempts placed up to `day`, in order."""
    rows = session.execute(
        select(Attempt.position_id, Attempt.status, Attempt.placed_at, Attempt.day,
               Attempt.direction)
        .join(Attempt.position)
        .where(Position.creditor_id == creditor_id, in_report, Attempt.day <= day)
        .order_by(Attempt.position_id, Attempt.round, Attempt.number)).all()
    attempts = {}
    for row in rows:
        attempts.setdefault(row.position_id, []).append(row)
    return attempts


def _notice_mail_status(session, creditor_id, in_report):
    rows = session.execute(
        select(OutgoingMail.position_id, OutgoingMail.status)
        .join(Position, OutgoingMail.position_id == Position.id)
        .where(Position.creditor_id == creditor_id, in_report,
               OutgoingMail.kind.like("notice%"))).all()
    status = {}
    for position_id, value in rows:
        current = status.get(position_id)
        if current is None or MAIL_STATUS_RANK.get(value, 9) < MAIL_STATUS_RANK.get(current, 9):
            status[position_id] = value
    return status


def _local_iso(instant, zone):
    return instant.astimezone(zone).isoformat(timespec="seconds") if instant else ""


def neutralise(value):
    """A cell a spreadsheet will show as text, never evaluate as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render_csv(report):
    """The report as CSV text, starting with a BOM (see the module docstring for the layout)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = [COLUMNS]
    rows += [[row[column] for column in COLUMNS] for row in report.rows]
    rows += [[], ["outcome", "positions"]]
    rows += [[outcome, report.totals.get(outcome, 0)] for outcome in (PENDING, *OUTCOMES)]
    rows += [["total", report.called]]
    rows += _activity_totals(report.activity)
    rows += [[], ["policy_rule", "refusals"]]
    rows += [[rule, report.refusals.get(rule, 0)] for rule in RULES]
    rows += [["total", sum(report.refusals.values())]]
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return BOM + buffer.getvalue()


def _activity_totals(activity):
    rows = [[], ["channel", "fate", "messages"]]
    rows += [[channel, fate, activity.messages.get((channel, fate), 0)]
             for channel in MESSAGE_CHANNELS for fate in FATE_ORDER]
    rows += [[], ["status", "changes"]]
    rows += [[status, activity.status_changes.get(status, 0)] for status in STATUSES]
    rows += [[], ["payments", "count", "amount_paid"],
             ["total", activity.payments, f"{activity.paid:.2f}"]]
    return rows


def report_csv(session, creditor, day):
    """The CSV text (with BOM) of `creditor`'s report for `day`."""
    return render_csv(build_report(session, creditor, day))


def slug(name):
    """A file-name-safe form of a creditor's name: `Acme Energia S.p.A.` → `acme-energia-s-p-a`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "creditor"


def report_filename(creditor, day):
    return f"cortesia-{slug(creditor.name)}-{day.isoformat()}.csv"
