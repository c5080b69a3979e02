"""The worker's daily report: due at 23:30 creditor time, made once however many workers run."""
import threading
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from app import create_app
from db.models import OutgoingMail, ReportRun
from notify.outbox import flush_outbox
from reports.mail import daily_key, local_report_day, make_daily_report, send_due_reports
from tests.factories import make_creditor
from tests.reports.conftest import DAY

# 23:30 in Rome on DAY (UTC+1 in November) is 22:30 UTC.
BEFORE = datetime(2026, 11, 2, 22, 29, tzinfo=timezone.utc)
AFTER = datetime(2026, 11, 2, 22, 31, tzinfo=timezone.utc)


def counts(session):
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(ReportRun)),
            session.scalar(select(func.count()).select_from(OutgoingMail)))


def test_nothing_is_due_before_23_30_creditor_time(app, session, campaign):
    assert send_due_reports(app, BEFORE) == []
    assert counts(session) == (0, 0)


def test_after_23_30_each_creditor_gets_its_run_and_a_queued_mail(app, session, campaign):
    done = send_due_reports(app, AFTER)
    assert sorted((d.creditor, d.day, d.rows) for d in done) == \
        [("Acme Energia", DAY, 3), ("Beta Servizi", DAY, 1)]
    runs = session.scalars(select(ReportRun).order_by(ReportRun.creditor_id)).all()
    mails = {m.id: m for m in session.scalars(select(OutgoingMail))}
    assert [mails[r.mail_id].key for r in runs] == \
        [daily_key(campaign["acme"].id, DAY), daily_key(campaign["beta"].id, DAY)]
    assert {m.kind for m in mails.values()} == {"daily_report"}
    assert all(m.attachment.startswith("\ufeffreference,") for m in mails.values())


def test_called_again_it_makes_nothing_more(app, session, campaign):
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


def test_two_workers_at_once_make_one_run_and_one_mail(app, session, campaign, smtp_server):
    config = dict(app.config, SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port,
                  MAIL_FROM="cortesia@example.test")
    workers = [create_app(config) for _ in range(2)]
    done, start = [], threading.Barrier(2)

    def run(worker):
        start.wait()
        done.extend(send_due_reports(worker, AFTER))
        flush_outbox(worker, AFTER)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.extensions["cortesia.engine"].dispose()

    assert sorted(d.creditor for d in done) == ["Acme Energia", "Beta Servizi"]
    assert counts(session) == (2, 2)
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == \
        ["report@acme.example.test", "report@beta.example.test"]
