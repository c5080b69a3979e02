"""The worker: a ticker for dial passes that never overlap and survive a failing pass."""
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app import create_app
from db import session_scope
from db.models import OutgoingMail
from notify.mailer import MemoryMailer, set_mailer
from scheduler import worker
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import IDENTIFY, DebtorScript
from tests.factories import make_creditor, make_position

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_dial_job_never_overlaps_and_coalesces_missed_ticks(app):
    job = worker.build_scheduler(app, dial_every=5).get_job("dial")
    assert job.max_instances == 1 and job.coalesce is True
    assert job.trigger.interval.total_seconds() == 5


def test_a_tick_runs_a_dial_pass_at_the_current_time(app, monkeypatch):
    seen = []
    monkeypatch.setattr("scheduler.dial.dial_pass", lambda app, now: seen.append(now) or "ok")
    worker.build_scheduler(app, dial_every=5).get_job("dial").func()
    assert len(seen) == 1 and seen[0].tzinfo is not None


def test_a_failing_pass_does_not_stop_the_ticker(app, monkeypatch, caplog):
    def boom(app, now):
        raise RuntimeError("database went away")
    monkeypatch.setattr("scheduler.dial.dial_pass", boom)
    worker.build_scheduler(app, dial_every=5).get_job("dial").func()
    assert "dial pass failed" in caplog.text


def test_the_worker_also_flushes_the_outbox_and_makes_the_daily_reports(app):
    jobs = {job.id for job in worker.build_scheduler(app, dial_every=5).get_jobs()}
    assert jobs == {"steps", "dial", "flush", "outbox_wake", "receipts", "reports", "speech",
                    "voices", "uploads", "retention", "webhooks"}


def test_every_job_runs_as_soon_as_the_worker_starts(app):
    jobs = worker.build_scheduler(app, dial_every=5).get_jobs()
    assert all(job.next_run_time is not None for job in jobs)
    assert {job.id: job.trigger.interval.total_seconds() for job in jobs} == \
        {"steps": 60, "dial": 5, "flush": 30, "outbox_wake": 1, "receipts": 120, "reports": 60,
         "speech": 60, "voices": 60, "uploads": 600, "retention": 3600, "webhooks": 10}


def test_sigterm_stops_the_worker_cleanly(tmp_path):
    """The real `flask worker` process: it starts, runs its first passes, and a SIGTERM ends
    it with status 0 (what a process manager or `make run`'s Ctrl-C relies on)."""
    environment = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/worker.db",
                       TELEPHONY="simulator", SECRET_KEY="worker-test")
    environment.pop("TWILIO_ACCOUNT_SID", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT,
                   env=environment, check=True, capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"],
                               cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert "Cortesia worker" in process.stdout.readline()
        time.sleep(1.5)                                   # its first ticks run
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "then stopping" in output and "Traceback" not in output


def test_a_locked_database_costs_a_job_one_log_line_and_the_next_tick_does_the_work(
        tmp_path, sqlite_template, caplog):
    path = tmp_path / "busy.db"
    shutil.copy(sqlite_template, path)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "x",
                      "TELEPHONY": "simulator", "TTS_ENGINE": "say", "MAIL_FROM": "c@example.test",
                      "SQLITE_BUSY_TIMEOUT": 0.2})
    mailer = MemoryMailer()
    set_mailer(app, mailer)
    queued_at = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
    with session_scope(app) as session:
        session.add(OutgoingMail(key="k", kind="test", to_address="a@example.test", subject="s",
                                 body="b", next_try_at=queued_at, created_at=queued_at))
    flush = worker.build_scheduler(app, dial_every=5).get_job("flush").func
    preview = sqlite3.connect(path, isolation_level=None)  # a long list preview, elsewhere
    preview.execute("BEGIN IMMEDIATE")
    preview.execute("UPDATE creditors SET name = name")
    try:
        with caplog.at_level(logging.INFO):
            flush()
    finally:
        preview.execute("ROLLBACK")
        preview.close()

    [line] = [r for r in caplog.records if r.name == "scheduler.worker"]
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert line.getMessage() == ("outbox flush: database error (OperationalError: "
                                 "database is locked), trying again next tick")
    flush()
    assert len(mailer.sent) == 1
    with session_scope(app) as session:
        assert session.scalar(select(OutgoingMail.status)) == "sent"
    app.extensions["cortesia.engine"].dispose()



def test_the_worker_sweeps_uploads_abandoned_for_an_hour_even_if_nobody_opens_the_console(app):
    folder = os.path.join(app.instance_path, "uploads")
    os.makedirs(folder, exist_ok=True)
    old, fresh = (os.path.join(folder, name) for name in ("a" * 32 + ".csv", "b" * 32 + ".csv"))
    for path in (old, fresh):
        with open(path, "w") as f:
            f.write("riferimento\n")
    os.utime(old, (time.time() - 3601, time.time() - 3601))
    worker.build_scheduler(app, dial_every=5).get_job("uploads").func()
    assert (os.path.exists(old), os.path.exists(fresh)) == (False, True)


def test_key_7_s_sms_goes_out_right_after_the_call_not_at_the_next_outbox_pass(app, session):
    """The webhook only queues the SMS; the running worker's outbox pass (every 30 s) is brought
    forward by its wake-up, which finds the message due within a second. The webhooks and the
    worker read one clock, running from a Tuesday morning (SMS are not sent at night)."""
    started, morning = time.monotonic(), datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
    app.extensions["cortesia.clock"] = lambda: morning + timedelta(
        seconds=time.monotonic() - started)
    creditor = make_creditor(session, max_attempts=1, payment_link="https://paga.example.it/")
    position = make_position(session, creditor)
    simulator = get_telephony(app)
    simulator.script(position.phone, DebtorScript("human", (IDENTIFY, "0", "7", "1")))
    scheduler = worker.build_scheduler(app, dial_every=5)
    for job in scheduler.get_jobs():
        if job.id not in ("flush", "outbox_wake"):
            scheduler.remove_job(job.id)
    senders = []   # the threads that sent an SMS: the webhooks run in this one
    send_sms = simulator.send_sms
    simulator.send_sms = lambda request: senders.append(threading.current_thread()) \
        or send_sms(request)
    runner = threading.Thread(target=scheduler.start, daemon=True)
    runner.start()
    try:
        time.sleep(1.5)                    # the outbox pass has run at start: next one in 30 s
        dial_pass(app, app.extensions["cortesia.clock"]())
        assert "Le abbiamo inviato il link per pagare" in simulator.calls[0].heard_text()
        called = time.monotonic()
        while not simulator.messages and time.monotonic() - called < 10:
            time.sleep(0.1)
        assert [sms.to for sms in simulator.messages] == [position.phone]
        # Sent by the worker's outbox pass, never from inside the webhook.
        assert senders and threading.current_thread() not in senders
    finally:
        scheduler.shutdown(wait=True)
        runner.join(timeout=10)
    with session_scope(app) as check:
        assert check.scalar(select(OutgoingMail.status)) == "sent"
