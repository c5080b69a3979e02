"""The worker's daily report: due at 23:30 creditor time, made once however many workers run,
and made later when no worker ran at 23:30 (within the look-back)."""
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app import create_app
from db.models import Attempt, OutgoingMail, ReportRun
from notify.outbox import flush_outbox
from reports.mail import (
    REPORT_LOOKBACK_DAYS, daily_key, local_report_day, make_daily_report, send_due_reports,
)
from tests.factories import make_creditor, make_position
from tests.reports.conftest import DAY, at, called

# 23:30 in Rome on DAY (UTC+1 in November) is 22:30 UTC.
BEFORE = datetime(2026, 11, 2, 22, 29, tzinfo=timezone.utc)
AFTER = datetime(2026, 11, 2, 22, 31, tzinfo=timezone.utc)
NEXT_MORNING = datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc)  # 09:00 in Rome


def counts(session):
    """(ReportRuns of DAY, mails queued)."""
    session.expire_all()
    return (session.scalar(select(func.count()).where(ReportRun.day == DAY)),
            session.scalar(select(func.count()).select_from(OutgoingMail)))


def made(done):
    return sorted((d.creditor, d.day, d.rows) for d in done)


def record_run(session, creditor, day):
    session.add(ReportRun(creditor_id=creditor.id, day=day, created_at=AFTER))
    session.commit()


@pytest.fixture
def reported_until_yesterday(session, campaign):
    """The campaign, with a worker that made the report of every earlier day with calls."""
    days = session.execute(select(Attempt.position_id, Attempt.day)
                           .where(Attempt.day < DAY)).all()
    creditor_of = {p.id: p.creditor for c in ("acme", "beta") for p in campaign[c].positions}
    for creditor, day in {(creditor_of[position_id], day) for position_id, day in days}:
        record_run(session, creditor, day)
    return campaign


def test_nothing_is_due_before_23_30_creditor_time(app, session, reported_until_yesterday):
    assert send_due_reports(app, BEFORE) == []
    assert counts(session) == (0, 0)


def test_after_23_30_each_creditor_gets_its_run_and_a_queued_mail(app, session, campaign,
                                                                  reported_until_yesterday):
    done = send_due_reports(app, AFTER)
    assert sorted((d.creditor, d.day, d.rows) for d in done) == \
        [("Acme Energia", DAY, 3), ("Beta Servizi", DAY, 1)]
    runs = session.scalars(select(ReportRun).where(ReportRun.day == DAY)
                           .order_by(ReportRun.creditor_id)).all()
    mails = {m.id: m for m in session.scalars(select(OutgoingMail))}
    assert [mails[r.mail_id].key for r in runs] == \
        [daily_key(campaign["acme"].id, DAY), daily_key(campaign["beta"].id, DAY)]
    assert {m.kind for m in mails.values()} == {"daily_report"}
    assert all(m.attachment.startswith("\ufeffreference,") for m in mails.values())


def test_called_again_it_makes_nothing_more(app, session, reported_until_yesterday):
    send_due_reports(app, AFTER)
    assert send_due_reports(app, AFTER) == []
    assert send_due_reports(app, datetime(2026, 11, 2, 22, 59, tzinfo=timezone.utc)) == []
    assert counts(session) == (2, 2)


def test_the_creditor_timezone_decides_when_it_is_due(app, session):
    make_creditor(session, name="New York", timezone="America/New_York",
                  report_email="ny@example.test")
    assert send_due_reports(app, AFTER) == []  # 17:31 in New York
    assert local_report_day("America/New_York", datetime(2026, 11, 3, 4, 30, tzinfo=timezone.utc)) \
        == date(2026, 11, 2)
    assert [d.day for d in send_due_reports(app, datetime(2026, 11, 3, 4, 30, tzinfo=timezone.utc))] \
        == [date(2026, 11, 2)]


def test_a_creditor_without_report_address_gets_its_run_but_no_mail(app, session, caplog):
    make_creditor(session, name="Muto")
    [done] = send_due_reports(app, AFTER)
    assert done.mail_id is None
    assert counts(session) == (1, 0)
    assert "no report address" in caplog.text


def test_a_worker_that_saw_the_report_due_too_late_loses_to_the_unique_key(app, session, campaign):
    acme = campaign["acme"].id
    assert make_daily_report(app, acme, DAY, AFTER) is not None
    assert make_daily_report(app, acme, DAY, AFTER) is None  # it read "due" before the first commit
    assert counts(session) == (1, 1)


def two_workers_at_once(app, smtp_server, now):
    """Two worker apps making the due reports and flushing the outbox at the same instant;
    the reports they made, together."""
    config = dict(app.config, SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port,
                  MAIL_FROM="cortesia@example.test")
    workers = [create_app(config) for _ in range(2)]
    done, start = [], threading.Barrier(2)

    def run(worker):
        start.wait()
        done.extend(send_due_reports(worker, now))
        flush_outbox(worker, now)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.extensions["cortesia.engine"].dispose()
    return done


def test_two_workers_at_once_make_one_run_and_one_mail(app, session, reported_until_yesterday,
                                                      smtp_server):
    done = two_workers_at_once(app, smtp_server, AFTER)
    assert sorted(d.creditor for d in done) == ["Acme Energia", "Beta Servizi"]
    assert counts(session) == (2, 2)
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == \
        ["report@acme.example.test", "report@beta.example.test"]


# Catching up: the reports of earlier days that no worker made at their 23:30.

def test_a_report_missed_while_no_worker_ran_is_made_the_next_time(smtp_app, smtp_server, session,
                                                                    campaign, caplog):
    done = send_due_reports(smtp_app, NEXT_MORNING)  # nothing ran on the 31st nor on DAY
    assert made(done) == [("Acme Energia", date(2026, 10, 31), 1), ("Acme Energia", DAY, 3),
                          ("Beta Servizi", DAY, 1)]
    assert "was missed" in caplog.text
    flush_outbox(smtp_app, NEXT_MORNING)
    assert sorted(m.get_payload()[-1].get_filename() for m in smtp_server.messages) == [
        "cortesia-acme-energia-2026-10-31.csv", "cortesia-acme-energia-2026-11-02.csv",
        "cortesia-beta-servizi-2026-11-02.csv"]
    assert send_due_reports(smtp_app, NEXT_MORNING + timedelta(minutes=1)) == []


def test_a_missed_report_has_the_rows_of_its_own_day(app, session, campaign):
    [acme_day] = [d for d in send_due_reports(app, NEXT_MORNING)
                  if d.creditor == "Acme Energia" and d.day == DAY]
    mail = session.get(OutgoingMail, acme_day.mail_id)
    assert mail.key == daily_key(campaign["acme"].id, DAY)
    assert mail.attachment_name == "cortesia-acme-energia-2026-11-02.csv"
    assert [line.split(",")[0] for line in mail.attachment.splitlines()[1:4]] == \
        ["A-1", "A-2", "A-3"]


def test_reports_older_than_the_look_back_are_not_made(app, session, campaign):
    # At 23:31 in Rome REPORT_LOOKBACK_DAYS days after DAY, its oldest day is the day after DAY.
    now = AFTER + timedelta(days=REPORT_LOOKBACK_DAYS)
    oldest = DAY + timedelta(days=1)  # Acme's A-3 was called again that day
    assert made(send_due_reports(app, now)) == [
        ("Acme Energia", oldest, 1), ("Acme Energia", now.date(), 0),
        ("Beta Servizi", now.date(), 0)]
    assert counts(session) == (0, 3)


def test_the_oldest_day_of_the_look_back_is_still_made(app, session, campaign):
    # Before 23:30 the look-back ends the day before, so it reaches one day further back.
    now = BEFORE + timedelta(days=REPORT_LOOKBACK_DAYS)
    assert (DAY, "Beta Servizi") in {(d.day, d.creditor) for d in send_due_reports(app, now)}


def test_a_missed_day_without_calls_is_not_made_later(app, session, campaign):
    assert made(send_due_reports(app, AFTER))  # DAY, and Acme's 31st, on time or caught up
    later = AFTER + timedelta(days=1)           # the 3rd, after 23:30: its report is due on time
    assert [(d.creditor, d.day) for d in send_due_reports(app, later)] == \
        [("Acme Energia", date(2026, 11, 3)), ("Beta Servizi", date(2026, 11, 3))]
    # No worker ran from the 4th to the 6th, quiet days: nothing to catch up on the 7th.
    assert send_due_reports(app, NEXT_MORNING + timedelta(days=4)) == []


def test_a_creditor_created_today_gets_one_report_not_a_week_of_empty_ones(app, session):
    make_creditor(session, name="Nuovo", report_email="report@nuovo.example.test")
    assert made(send_due_reports(app, AFTER)) == [("Nuovo", DAY, 0)]
    assert send_due_reports(app, NEXT_MORNING) == []


def test_the_look_back_is_counted_in_the_creditor_timezone(app, session):
    # 03:00 UTC on the 10th: 04:00 in Rome, whose look-back ends on the 9th and starts on the
    # 3rd; 22:00 on the 9th in New York, whose look-back ends on the 8th and starts on the 2nd.
    now = datetime(2026, 11, 10, 3, 0, tzinfo=timezone.utc)
    for name, zone in (("Roma", "Europe/Rome"), ("New York", "America/New_York")):
        creditor = make_creditor(session, name=name, timezone=zone, report_email="r@example.test")
        called(session, make_position(session, creditor, reference=name), 1, DAY, at(15))
    assert made(send_due_reports(app, now)) == [("New York", DAY, 1)]


def test_a_caught_up_report_is_made_once_by_two_workers(app, session, campaign, smtp_server):
    done = two_workers_at_once(app, smtp_server, NEXT_MORNING)
    assert made(done) == [("Acme Energia", date(2026, 10, 31), 1), ("Acme Energia", DAY, 3),
                          ("Beta Servizi", DAY, 1)]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ReportRun)) == 3
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == \
        ["report@acme.example.test"] * 2 + ["report@beta.example.test"]


def test_a_missed_day_with_messages_but_no_calls_is_made_later(app, session, campaign):
    from db.events import record_event

    assert made(send_due_reports(app, AFTER))
    quiet = date(2026, 11, 4)
    idle = next(p for p in campaign["acme"].positions if p.reference == "A-4")
    record_event(session, idle.id, "email_sent", "outbox", {"mail_id": 7, "kind": "sollecito"},
                 at=datetime(2026, 11, 4, 9, tzinfo=timezone.utc))
    session.commit()
    caught_up = send_due_reports(app, NEXT_MORNING + timedelta(days=4))
    # The 3rd had a call; the 4th only the email, and is caught up all the same.
    assert made(caught_up) == [("Acme Energia", date(2026, 11, 3), 1), ("Acme Energia", quiet, 1)]
    mail = session.get(OutgoingMail, caught_up[1].mail_id)
    assert "messaggi" in mail.body and "A-4" in mail.attachment
