"""The daily report of one creditor: the positions called on a day, as CSV.

Layout (comma-separated, CRLF line ends, UTF-8 with a BOM so Excel reads accented names right):

    reference,name,phone,outcome,attempts,last_call_at,last_status,email_status,amount,currency
    one row per position with an attempt placed that day (creditor-local day), by reference
    <blank row>
    outcome,positions
    one row per outcome: pending, then the SPEC §2 vocabulary, zeros included
    total,<number of positions above>

`outcome` is the position's outcome, or `pending`; `attempts` counts its attempts placed up to
and including that day; `last_call_at` is the last of them, ISO 8601 in the creditor's timezone;
`email_status` is the state of the emailed notice (`sent`, `queued`, `failed`) or empty.
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

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from db.models import OUTCOMES, Attempt, OutgoingMail, Position

PENDING = "pending"
COLUMNS = ("reference", "name", "phone", "outcome", "attempts", "last_call_at", "last_status",
           "email_status", "amount", "currency")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# When a position has mail in several states, the one the creditor most needs to know.
MAIL_STATUS_RANK = {"sent": 0, "sending": 1, "queued": 2, "failed": 3}


@dataclass
class DailyReport:
    """One creditor's report for one day: the position rows and the count of each outcome."""

    creditor: str
    day: object
    rows: list = field(default_factory=list)
    totals: Counter = field(default_factory=Counter)


def build_report(session, creditor, day):
    """The DailyReport of `creditor` for the creditor-local date `day`."""
    report = DailyReport(creditor=creditor.name, day=day)
    zone = ZoneInfo(creditor.timezone)
    called_that_day = _called_on(day)
    positions = session.scalars(
        select(Position).where(Position.creditor_id == creditor.id, called_that_day)
        .order_by(Position.reference)).all()
    attempts = _attempts_so_far(session, creditor.id, day, called_that_day)
    mail = _notice_mail_status(session, creditor.id, called_that_day)
    for position in positions:
        placed = attempts.get(position.id, [])
        last = placed[-1] if placed else None
        outcome = position.outcome or PENDING
        report.totals[outcome] += 1
        report.rows.append({
            "reference": position.reference, "name": position.name, "phone": position.phone,
            "outcome": outcome, "attempts": len(placed),
            "last_call_at": _local_iso(last.placed_at, zone) if last else "",
            "last_status": last.status if last else "",
            "email_status": mail.get(position.id, ""),
            "amount": f"{position.amount:.2f}", "currency": position.currency,
        })
    return report


def _called_on(day):
    """Positions with an attempt placed on `day` (an alias, so it never binds an outer Attempt)."""
    that_day = aliased(Attempt)
    return exists().where(that_day.position_id == Position.id, that_day.day == day)


def _attempts_so_far(session, creditor_id, day, called_that_day):
    """Per position called on `day`: its attempts placed up to that day, in order."""
    rows = session.execute(
        select(Attempt.position_id, Attempt.status, Attempt.placed_at)
        .join(Attempt.position)
        .where(Position.creditor_id == creditor_id, called_that_day, Attempt.day <= day)
        .order_by(Attempt.position_id, Attempt.round, Attempt.number)).all()
    attempts = {}
    for row in rows:
        attempts.setdefault(row.position_id, []).append(row)
    return attempts


def _notice_mail_status(session, creditor_id, called_that_day):
    rows = session.execute(
        select(OutgoingMail.position_id, OutgoingMail.status)
        .join(Position, OutgoingMail.position_id == Position.id)
        .where(Position.creditor_id == creditor_id, called_that_day,
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
    rows += [["total", len(report.rows)]]
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return BOM + buffer.getvalue()


def report_csv(session, creditor, day):
    """The CSV text (with BOM) of `creditor`'s report for `day`."""
    return render_csv(build_report(session, creditor, day))


def slug(name):
    """A file-name-safe form of a creditor's name: `Acme Energia S.p.A.` → `acme-energia-s-p-a`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "creditor"


def report_filename(creditor, day):
    return f"cortesia-{slug(creditor.name)}-{day.isoformat()}.csv"
