"""The outbox: claimed before sending, retried with backoff, never sent twice, never lost."""
import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app import create_app
from db import session_scope
from db.models import Event, OutgoingMail, utcnow
from ivr.outcomes import apply_outcome
from notify import queue_notice_email
from notify.mailer import MemoryMailer, SMTPMailer, message_id, set_mailer
from notify.outbox import (
    BACKOFF, LEASE, MAX_TRIES, backoff, claim_next, due_since, flush_outbox,
)
from tests.factories import make_attempt, make_creditor, make_position

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def position(session):
    return make_position(session, make_creditor(session), name="Niccolò Rossi")


@pytest.fixture
def fake_mailer(app):
    """The in-memory mailer, on an app with a sender address."""
    app.config["MAIL_FROM"] = "cortesia@example.test"
    mailer = MemoryMailer()
    set_mailer(app, mailer)
    return mailer


def queue_mails(session, count, now=NOW):
    for n in range(count):
        session.add(OutgoingMail(key=f"test:{n}", kind="test", to_address=f"debtor{n}@example.test",
                                 subject=f"Subject {n}", body="body", next_try_at=now, created_at=now))
    session.commit()


def mails(app):
    with session_scope(app) as session:
        return session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()


def events(app, kind):
    with session_scope(app) as session:
        return session.scalars(select(Event).where(Event.kind == kind)).all()


def test_the_wrong_person_notice_reaches_the_smtp_server(smtp_app, smtp_server, session, position):
    attempt = make_attempt(session, position)
    apply_outcome(session, attempt, "wrong_person", "test", NOW)
    session.commit()

    report = flush_outbox(smtp_app, NOW)

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [message] = smtp_server.messages
    assert smtp_server.envelopes[0].rcpt_tos == ["mario.rossi@example.test"]
    assert message["Subject"] == "Promemoria di pagamento da Acme Energia"
    body = message.get_content()
    assert "Gentile Niccolò Rossi" in body and "1.234,56 EUR" in body and "FT-2026/118" in body
    [mail] = mails(smtp_app)
    assert (mail.status, mail.sent_at, mail.tries) == ("sent", NOW, 1)
    assert [e.detail["mail_id"] for e in events(smtp_app, "email_sent")] == [mail.id]


def test_a_message_is_not_sent_before_its_next_try(app, fake_mailer, session, position):
    queue_notice_email(session, position, "wrong_person", NOW)
    session.commit()
    assert flush_outbox(app, NOW - timedelta(seconds=1)).sent == 0
    assert flush_outbox(app, NOW).sent == 1
    assert flush_outbox(app, NOW + timedelta(hours=1)).sent == 0
    assert len(fake_mailer.sent) == 1


def test_an_smtp_outage_keeps_the_message_queued_then_sends_it_once(smtp_app, smtp_server, session,
                                                                    position):
    queue_notice_email(session, position, "wrong_person", NOW)
    session.commit()
    smtp_server.stop()

    report = flush_outbox(smtp_app, NOW)

    assert (report.sent, report.retried) == (0, 1)
    [mail] = mails(smtp_app)
    assert (mail.status, mail.tries, mail.next_try_at) == ("queued", 1, NOW + BACKOFF[0])
    assert "Connection" in mail.last_error
    assert flush_outbox(smtp_app, NOW + timedelta(seconds=30)).sent == 0  # still backing off

    smtp_server.start()
    assert flush_outbox(smtp_app, NOW + BACKOFF[0]).sent == 1
    assert flush_outbox(smtp_app, NOW + timedelta(days=1)).sent == 0
    assert len(smtp_server.messages) == 1
    assert mails(smtp_app)[0].status == "sent"


def test_the_backoff_grows_and_is_capped():
    waits = [backoff(n) for n in range(1, MAX_TRIES + 1)]
    assert waits[:4] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
                         timedelta(hours=1)]
    assert waits == sorted(waits)
    assert max(waits) == timedelta(hours=3)


def test_after_the_last_try_the_message_fails_with_an_event(app, fake_mailer, session, position):
    fake_mailer.fail_with = "SMTP 451: try later"
    queue_notice_email(session, position, "wrong_person", NOW)
    session.commit()
    now, outcomes = NOW, []
    for _ in range(MAX_TRIES):
        report = flush_outbox(app, now)
        outcomes.append((report.retried, report.failed))
        now += timedelta(hours=4)
    assert outcomes == [(1, 0)] * (MAX_TRIES - 1) + [(0, 1)]
    [mail] = mails(app)
    assert (mail.status, mail.tries, mail.last_error) == ("failed", MAX_TRIES, "SMTP 451: try later")
    assert len(events(app, "email_failed")) == 1
    assert flush_outbox(app, now + timedelta(days=1)).failed == 0


def test_a_missing_mail_from_is_recorded_on_the_message_not_raised(smtp_app, session, position):
    smtp_app.config["MAIL_FROM"] = None
    queue_notice_email(session, position, "wrong_person", NOW)
    session.commit()
    assert flush_outbox(smtp_app, NOW).retried == 1
    assert "MAIL_FROM" in mails(smtp_app)[0].last_error


def test_flush_sends_at_most_limit_messages(app, fake_mailer, session):
    queue_mails(session, 5)
    assert flush_outbox(app, NOW, limit=2).sent == 2
    assert flush_outbox(app, NOW).sent == 3


def test_a_claimed_message_is_not_taken_by_another_flusher_whatever_its_clock(app, fake_mailer,
                                                                              session):
    queue_mails(session, 1)
    assert claim_next(app, NOW) is not None  # a flusher replaying NOW, still sending it
    # The lease runs on the wall clock: a flush replayed a day later does not end it.
    assert flush_outbox(app, NOW + LEASE + timedelta(days=1)).sent == 0
    assert flush_outbox(app, utcnow()).sent == 0
    assert fake_mailer.sent == []
    assert mails(app)[0].status == "sending"


def test_the_claim_commits_the_message_id_the_server_will_see(app, fake_mailer, session):
    queue_mails(session, 1)
    claim_next(app, NOW, "cortesia@example.test")
    [mail] = mails(app)
    assert mail.message_id == message_id("test:0", "cortesia@example.test")
    assert mail.lease_until > utcnow() and mail.data_at is None


def test_a_lost_reply_to_data_holds_the_message_as_unknown(app, fake_mailer, session, position):
    fake_mailer.lose_reply_with = "SMTPServerDisconnected: Connection unexpectedly closed"
    queue_notice_email(session, position, "wrong_person", NOW)
    session.commit()

    report = flush_outbox(app, NOW)
    fake_mailer.lose_reply_with = None
    later = flush_outbox(app, NOW + timedelta(days=1))

    assert (report.held, report.retried, later.sent) == (1, 0, 0)
    assert len(fake_mailer.sent) == 1
    [mail] = mails(app)
    assert (mail.status, mail.tries) == ("unknown", 0) and mail.data_at is not None
    assert "unexpectedly closed" in mail.last_error
    assert len(events(app, "email_unknown")) == 1
    assert "1 of unknown fate held" in report.summary()


def test_settling_an_unknown_message_as_delivered_marks_it_sent(app, fake_mailer, session, runner):
    fake_mailer.lose_reply_with = "timed out"
    queue_mails(session, 1)
    flush_outbox(app, NOW)
    listed = runner.invoke(args=["outbox", "list", "--status", "unknown"]).output
    assert f"message-id={message_id('test:0', 'cortesia@example.test')}" in listed

    result = runner.invoke(args=["outbox", "settle", "1", "--delivered"])

    assert result.exit_code == 0, result.output
    assert "mail 1 marked sent" in result.output
    assert mails(app)[0].status == "sent"
    assert len(fake_mailer.sent) == 1


def test_settling_an_unknown_message_for_resend_sends_it_again_with_the_same_message_id(
        app, fake_mailer, session, runner):
    fake_mailer.lose_reply_with = "timed out"
    queue_mails(session, 1)
    flush_outbox(app, NOW)
    fake_mailer.lose_reply_with = None

    result = runner.invoke(args=["outbox", "settle", "1", "--resend", "--now", NOW.isoformat()])
    report = flush_outbox(app, NOW)

    assert result.exit_code == 0, result.output
    assert report.sent == 1
    first, second = fake_mailer.sent
    assert first["Message-ID"] == second["Message-ID"]
    assert mails(app)[0].status == "sent"


def test_only_a_message_held_as_unknown_can_be_settled(app, fake_mailer, session, runner):
    queue_mails(session, 1)
    result = runner.invoke(args=["outbox", "settle", "1", "--resend"])
    assert result.exit_code != 0 and "not held as unknown" in result.output
    assert "--delivered or --resend" in runner.invoke(args=["outbox", "settle", "1"]).output


def test_a_stale_sending_claim_goes_back_to_the_queue_and_is_sent(app, fake_mailer, session):
    queue_mails(session, 1)
    claim_next(app, NOW)  # ... and that flusher died before it reached DATA
    let_leases_run_out(app)

    report = flush_outbox(app, NOW)

    assert (report.recovered, report.sent) == (1, 1)
    assert len(fake_mailer.sent) == 1
    assert mails(app)[0].status == "sent"


def test_two_concurrent_flushers_send_each_message_once(app, session, database_url, smtp_server):
    queue_mails(session, 30)
    config = dict(app.config, SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port,
                  MAIL_FROM="cortesia@example.test")
    flushers = [create_app(config) for _ in range(2)]
    reports, start = [], threading.Barrier(2)

    def run(flusher):
        start.wait()
        reports.append(flush_outbox(flusher, NOW))

    threads = [threading.Thread(target=run, args=(f,)) for f in flushers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for flusher in flushers:
        flusher.extensions["cortesia.engine"].dispose()

    assert sum(r.sent for r in reports) == 30
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert sorted(subjects) == sorted(f"Subject {n}" for n in range(30))
    assert {m.status for m in mails(app)} == {"sent"}


def test_logs_name_the_message_never_its_content(app, fake_mailer, session, position, caplog):
    fake_mailer.fail_with = "down"
    queue_notice_email(session, position, "wrong_person", NOW)
    session.commit()
    with caplog.at_level(logging.DEBUG):
        flush_outbox(app, NOW)
        fake_mailer.fail_with = None
        flush_outbox(app, NOW + timedelta(hours=1))
    text = caplog.text
    assert "mail 1" in text
    for secret in ("1.234,56", "Niccolò", "mario.rossi", "FT-2026/118"):
        assert secret not in text


def test_flush_needs_an_aware_clock(app):
    with pytest.raises(ValueError):
        flush_outbox(app, datetime(2026, 11, 2, 10, 0))


def test_the_flush_command_prints_the_counts(app, fake_mailer, session, runner):
    queue_mails(session, 2)
    result = runner.invoke(args=["outbox", "flush", "--now", "2026-11-02T11:00:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 retried, 0 failed" in result.output


def test_the_list_command_masks_recipients_and_filters_by_status(app, fake_mailer, session, runner):
    queue_mails(session, 2)
    flush_outbox(app, NOW, limit=1)
    result = runner.invoke(args=["outbox", "list", "--status", "queued"])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    assert "de***@example.test" in line and "queued" in line
    assert "tries=0  next=2026-11-02T10:00:00+00:00" in line
    assert "debtor1@" not in result.output
    assert "sent" in runner.invoke(args=["outbox", "list"]).output


# A flusher killed mid-send: a real `flask outbox flush` process, SIGKILLed while the loopback
# server holds the SMTP exchange at a chosen command.

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_flusher(database_url, smtp_server):
    environment = dict(os.environ, DATABASE_URL=database_url, SMTP_HOST=smtp_server.host,
                       SMTP_PORT=str(smtp_server.port), MAIL_FROM="cortesia@example.test",
                       TELEPHONY="simulator", SECRET_KEY="flusher-test", TTS_ENGINE="say")
    environment.pop("TWILIO_ACCOUNT_SID", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "outbox", "flush"],
                            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def kill_flusher_at(command, database_url, smtp_server):
    """Run a flusher, SIGKILL it while the server holds `command`, then let the server go on."""
    smtp_server.handler.hold = command
    flusher = start_flusher(database_url, smtp_server)
    try:
        assert smtp_server.handler.arrived.wait(30), "the flusher never reached " + command
    finally:
        flusher.send_signal(signal.SIGKILL)
        flusher.wait()
        smtp_server.handler.release()


def let_leases_run_out(app):
    """What time does to the claims of a dead flusher: their lease is over."""
    with session_scope(app) as session:
        session.execute(update(OutgoingMail).where(OutgoingMail.status == "sending")
                        .values(lease_until=utcnow() - timedelta(seconds=1)))


def test_a_flusher_killed_after_data_leaves_the_message_unknown_never_sent_twice(
        app, fake_mailer, session, database_url, smtp_server, position):
    queue_notice_email(session, position, "wrong_person", NOW)
    session.commit()
    kill_flusher_at("DATA", database_url, smtp_server)
    let_leases_run_out(app)

    set_mailer(app, SMTPMailer(smtp_server.host, smtp_server.port))
    reports = [flush_outbox(app, utcnow() + timedelta(hours=h)) for h in (0, 1, 24)]

    assert len(smtp_server.envelopes) == 1
    [mail] = mails(app)
    assert mail.status == "unknown"
    assert mail.message_id == smtp_server.messages[0]["Message-ID"]
    assert [r.held for r in reports] == [1, 0, 0] and sum(r.sent for r in reports) == 0
    [event] = events(app, "email_unknown")
    assert event.position_id == position.id and event.detail["mail_id"] == mail.id


def test_a_flusher_killed_before_data_is_retried_and_the_message_sent_once(
        app, fake_mailer, session, database_url, smtp_server):
    queue_mails(session, 1)
    kill_flusher_at("RCPT", database_url, smtp_server)
    let_leases_run_out(app)

    set_mailer(app, SMTPMailer(smtp_server.host, smtp_server.port))
    report = flush_outbox(app, utcnow())

    assert (report.recovered, report.sent) == (1, 1)
    assert len(smtp_server.envelopes) == 1
    assert mails(app)[0].status == "sent"


@pytest.mark.parametrize("language, amount, written", [
    ("it", Decimal("1234567.5"), "1.234.567,50 EUR"),
    ("it", Decimal("0.07"), "0,07 EUR"),
    ("en", Decimal("1234567.5"), "1,234,567.50 EUR"),
])
def test_the_notice_writes_the_amount_the_way_its_language_does(session, language, amount, written):
    position = make_position(session, make_creditor(session), language=language, amount=amount)
    [mail] = queue_notice_email(session, position, "wrong_person", NOW)
    assert written in mail.body


def test_due_since_finds_only_what_a_pass_started_then_could_not_have_seen(app, session,
                                                                         fake_mailer):
    queue_mails(session, 1, now=NOW)                           # seen by a pass started at NOW
    assert not due_since(app, NOW, NOW + timedelta(minutes=1))
    later = OutgoingMail(key="later", kind="test", to_address="x@example.test", subject="s",
                         body="b", next_try_at=NOW + timedelta(seconds=5), created_at=NOW)
    session.add(later)
    session.commit()
    assert not due_since(app, NOW, NOW + timedelta(seconds=4))   # not due yet
    assert due_since(app, NOW, NOW + timedelta(seconds=5))
    flush_outbox(app, NOW + timedelta(seconds=5))                # sent: nothing left to find
    assert not due_since(app, NOW, NOW + timedelta(seconds=6))


def test_a_paused_creditors_messages_wait_in_the_outbox_until_it_resumes(app, fake_mailer,
                                                                         session, position):
    from contacts.controls import pause_creditor, resume_creditor

    queue_notice_email(session, position, "wrong_person", NOW)
    queue_mails(session, 1)                      # a message of no position: not the creditor's
    pause_creditor(session, position.creditor, "user:anna", "verifica", NOW)
    session.commit()
    assert flush_outbox(app, NOW).sent == 1
    assert [m["To"] for m in fake_mailer.sent] == ["debtor0@example.test"]
    assert [m.status for m in mails(app)] == ["queued", "sent"]
    assert not due_since(app, NOW - timedelta(minutes=1), NOW)
    resume_creditor(session, position.creditor, "user:anna", "", NOW)
    session.commit()
    assert flush_outbox(app, NOW + timedelta(minutes=1)).sent == 1
    assert [m.status for m in mails(app)] == ["sent", "sent"]


def test_a_message_queued_for_a_held_position_waits_until_it_is_released(app, fake_mailer,
                                                                         session, position):
    from contacts.controls import hold_position, release_position

    hold_position(session, position, "user:mara", "in trattativa", NOW)
    queue_notice_email(session, position, "wrong_person", NOW)   # a call ringing at the hold
    session.commit()
    assert flush_outbox(app, NOW).sent == 0 and mails(app)[0].status == "queued"
    release_position(session, position, "user:mara", "", NOW)
    session.commit()
    assert flush_outbox(app, NOW).sent == 1
