"""Mailing daily reports: on demand (`report --send`) and at 23:30 creditor time (the worker)."""
import logging
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from db import session_scope
from db.models import Attempt, Creditor, Event, OutgoingMail, Position, ReportRun
from reports.activity import activity_events, day_bounds
from reports.daily import build_report, render_csv, report_filename

log = logging.getLogger(__name__)

REPORT_TIME = time(23, 30)
# How many creditor-local days back (those whose 23:30 has passed, the latest included) the
# worker still makes a report it missed; older ones are left to `report --date D --send`.
REPORT_LOOKBACK_DAYS = 7

TEXTS = {
    "it": ("Cortesia: rapporto giornaliero {creditor} del {day}",
           "In allegato il rapporto della giornata di {creditor} del {day} (chiamate, messaggi, "
           "cambi di stato e pagamenti): {count} posizioni.\n"),
    "en": ("Cortesia: daily report {creditor} for {day}",
           "Attached is the report of {creditor}'s day on {day} (calls, messages, status "
           "changes and payments): {count} positions.\n"),
}


class NoReportAddress(ValueError):
    """The creditor has no report address to mail the report to."""


@dataclass(frozen=True)
class ReportDone:
    """A daily report the worker made: which, how many rows, and its queued mail (if any)."""

    creditor_id: int
    creditor: str
    day: date
    rows: int
    mail_id: int | None


def manual_key(creditor_id, day):
    return f"report:{creditor_id}:{day.isoformat()}"


def daily_key(creditor_id, day):
    # Apart from the manual key: an early `report --send` must not stop the complete 23:30 one.
    return f"report:{creditor_id}:{day.isoformat()}:daily"


def queue_report_mail(session, creditor, report, now, key):
    """Queue `report` to the creditor's report address under `key`; None if `key` is queued.

    Raises NoReportAddress when the creditor has none.
    """
    if not creditor.report_email:
        raise NoReportAddress(f"creditor {creditor.name!r} has no report address "
                              f"(set it with: creditor set {creditor.name!r} --report-email ADDRESS)")
    if session.scalar(select(OutgoingMail.id).where(OutgoingMail.key == key)) is not None:
        return None
    subject, body = TEXTS.get(creditor.language, TEXTS["en"])
    fields = dict(creditor=creditor.name, day=report.day.isoformat(), count=len(report.rows))
    mail = OutgoingMail(key=key, kind="daily_report", to_address=creditor.report_email,
                        subject=subject.format(**fields), body=body.format(**fields),
                        attachment_name=report_filename(creditor, report.day),
                        attachment=render_csv(report), next_try_at=now, created_at=now)
    session.add(mail)
    session.flush()
    return mail


def local_report_day(creditor_timezone, now):
    """The creditor-local date whose report is due at `now`, or None before 23:30 local time."""
    local = now.astimezone(ZoneInfo(creditor_timezone))
    return local.date() if local.time() >= REPORT_TIME else None


def lookback_days(creditor_timezone, now):
    """(first, last): the latest REPORT_LOOKBACK_DAYS creditor-local days whose 23:30 has passed."""
    local = now.astimezone(ZoneInfo(creditor_timezone))
    last = local.date() if local.time() >= REPORT_TIME else local.date() - timedelta(days=1)
    return last - timedelta(days=REPORT_LOOKBACK_DAYS - 1), last


def due_reports(session, now):
    """(creditor id, local day) of every report due at `now` and not made yet, oldest day first.

    For each creditor: its current day once it is past 23:30 there, as always; and, caught up,
    every day of the look-back (`lookback_days`) on which its attempts were placed, or its
    positions were written to, changed or paid (reports/activity.py), and that has no ReportRun
    yet, because no worker ran between its 23:30 and midnight.

    A day without placed attempts is reported only by a tick between its own 23:30 and midnight,
    as before: that empty report tells the creditor on time that nobody was called. A missed
    quiet day is not caught up: late, its empty report would tell nothing, and a creditor
    created today, or one whose worker was down over a quiet week, would get a string of empty
    mails. So the catch-up adds only reports with rows; quiet days behave as they always did.
    """
    due = []
    for creditor_id, zone in session.execute(select(Creditor.id, Creditor.timezone)).all():
        first, last = lookback_days(zone, now)
        days = set(_days_with_attempts(session, creditor_id, first, last))
        today = local_report_day(zone, now)
        if today is not None:
            days.add(today)
        made = set(session.scalars(select(ReportRun.day).where(
            ReportRun.creditor_id == creditor_id, ReportRun.day.between(first, last))))
        days |= _days_with_activity(session, creditor_id, zone, first, last, days | made)
        days -= made
        for day in days - {today}:
            log.warning("the report of creditor %s for %s was missed (no worker ran from 23:30 "
                        "to midnight): due now", creditor_id, day)
        due += [(creditor_id, day) for day in days]
    return sorted(due, key=lambda item: (item[1], item[0]))


def _days_with_attempts(session, creditor_id, first, last):
    """The creditor-local days from `first` to `last` on which its attempts were placed."""
    return session.scalars(
        select(Attempt.day).distinct().join(Attempt.position)
        .where(Position.creditor_id == creditor_id, Attempt.day.between(first, last)))


def _days_with_activity(session, creditor_id, zone, first, last, known):
    """The days from `first` to `last`, not in `known`, with other activity than calls: one
    EXISTS a day, and only for the few days with neither a run nor attempts."""
    found = set()
    day = first
    while day <= last:
        if day not in known and session.scalar(select(exists().where(
                Event.position_id == Position.id, Position.creditor_id == creditor_id,
                activity_events(*day_bounds(day, zone))))):
            found.add(day)
        day += timedelta(days=1)
    return found


def send_due_reports(app, now):
    """Record and queue every daily report due at `now`, missed ones included (`due_reports`).

    The ReportDone of each made here. Only queues: the outbox flush sends. Safe with many
    workers: see `make_daily_report`.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("send_due_reports needs a timezone-aware `now`")
    with session_scope(app) as session:
        due = due_reports(session, now)
    done = [make_daily_report(app, creditor_id, day, now) for creditor_id, day in due]
    return [report for report in done if report is not None]


def make_daily_report(app, creditor_id, day, now):
    """Insert the ReportRun and queue its mail in one transaction; None if another worker did."""
    try:
        with session_scope(app) as session:
            creditor = session.get(Creditor, creditor_id)
            run = ReportRun(creditor_id=creditor_id, day=day, created_at=now)
            session.add(run)
            session.flush()  # a concurrent worker's run for the same key fails here, or at commit
            report = build_report(session, creditor, day)
            run.rows = len(report.rows)
            if creditor.report_email:
                mail = queue_report_mail(session, creditor, report, now, daily_key(creditor_id, day))
                run.mail_id = mail.id if mail else None
            else:
                log.warning("creditor %s has no report address: report of %s recorded, not mailed",
                            creditor_id, day)
            done = ReportDone(creditor_id, creditor.name, day, run.rows, run.mail_id)
    except IntegrityError:
        log.info("report of creditor %s for %s already made by another worker", creditor_id, day)
        return None
    log.info("daily report of creditor %s for %s: %d rows, mail %s", creditor_id, day, done.rows,
             done.mail_id)
    return done
