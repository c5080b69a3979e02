"""Benchmark of a tick with 10,000 messages due: queueing them, then sending them over SMTP.

    .venv/bin/python bench/tick_messages.py [--messages 10000]

On a SQLite file, a creditor on cortesia-30 with N new positions, each with an email address:
the step engine's pass at 09:00 of day 0 (`scheduler.steps.run_steps`) queues N "verifica
contabile" emails; the outbox flush (`notify.outbox.flush_outbox`, as `tick` runs it) sends
them to an SMTP sink on loopback (aiosmtpd, counting and discarding). Each figure is printed
as messages/s and as a ratio to a baseline measured in the same run, on the same machine:
queueing against a raw bulk INSERT of N outbox rows (one executemany, one commit), sending
against raw smtplib sends of messages of the same size to the same sink over one connection.
Target: over 500 messages/s queued.
"""
import argparse
import os
import smtplib
import sys
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, insert, select

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app import create_app  # noqa: E402
from contacts.creditors import DEFAULT_WINDOWS  # noqa: E402
from db import session_scope  # noqa: E402
from db.models import Creditor, OutgoingMail, Position  # noqa: E402
from db.upgrade import upgrade_schema  # noqa: E402
from notify.outbox import flush_outbox  # noqa: E402
from scheduler.steps import run_steps  # noqa: E402
from tests.smtp import free_port  # noqa: E402

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Europe/Rome"))   # a Tuesday, in a window
TARGET_QUEUED_PER_SECOND = 500
SENDER = "cortesia@bench.invalid"


class Sink:
    """Accepts and counts every message."""

    def __init__(self):
        self.received, self.sizes = 0, 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        self.sizes += len(envelope.content)
        return "250 OK"


def make_app(path, port):
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TELEPHONY": "simulator",
                      "TWILIO_ACCOUNT_SID": None, "TWILIO_AUTH_TOKEN": None,
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "MAIL_FROM": SENDER,
                      "TTS_ENGINE": "say"})
    upgrade_schema(app.extensions["cortesia.engine"])
    return app


def seed_positions(app, count):
    with session_scope(app) as session:
        creditor = Creditor(name="Bench", caller_id="+390200000000", windows=DEFAULT_WINDOWS,
                            playbook="cortesia-30")
        session.add(creditor)
        session.flush()
        session.execute(insert(Position), [dict(
            creditor_id=creditor.id, reference=f"B-{n:06d}", name=f"Debitore {n}",
            phone=f"+39347{n:07d}", email=f"debitore.{n}@example.it", amount=Decimal("123.45"),
            due_date=date(2026, 10, 15), invoice=f"FT-{n}", round=0, step=0)
            for n in range(count)])


def baseline_insert(app, count):
    """Seconds for a raw bulk INSERT of `count` outbox rows (then removed)."""
    rows = [dict(key=f"raw:{n}", kind="verifica_contabile", to_address=f"d.{n}@example.it",
                 subject="verifica_contabile", body="x" * 200, next_try_at=NOW, created_at=NOW)
            for n in range(count)]
    started = time.perf_counter()
    with session_scope(app) as session:
        session.execute(insert(OutgoingMail.__table__), rows)
    seconds = time.perf_counter() - started
    with session_scope(app) as session:
        session.execute(delete(OutgoingMail).where(OutgoingMail.key.like("raw:%")))
    return seconds


def baseline_send(port, count, size):
    """Seconds for `count` raw smtplib sends of `size`-byte messages over one connection."""
    line = "x" * 76 + "\r\n"
    message = (f"From: {SENDER}\r\nTo: d@example.it\r\nSubject: bench\r\n\r\n"
               + line * max(1, (size - 80) // len(line))).encode()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(count):
            smtp.sendmail(SENDER, [f"d.{n}@example.it"], message)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    count = args.messages
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="cortesia-bench-tick-") as scratch:
            app = make_app(os.path.join(scratch, "bench.db"), port)
            seed_positions(app, count)
            raw_insert = baseline_insert(app, count)
            started = time.perf_counter()
            steps = run_steps(app, NOW)
            queue = time.perf_counter() - started
            with session_scope(app) as session:
                queued = session.scalar(select(func.count(OutgoingMail.id)))
            started = time.perf_counter()
            flushed = flush_outbox(app, NOW)
            send = time.perf_counter() - started
            app.extensions["cortesia.engine"].dispose()
        received, size = sink.received, sink.sizes // max(1, sink.received)
        raw_send = baseline_send(port, count, size)
    finally:
        controller.stop()
    print(f"tick with {count:,} day-0 emails due (SQLite, SMTP sink on loopback)")
    print(f"  {steps}")
    queued_rate, sent_rate = queued / queue, flushed.sent / send
    print(f"  queued {queued:,} in {queue:.2f} s = {queued_rate:,.0f} messages/s; raw bulk INSERT "
          f"{count / raw_insert:,.0f} rows/s; ratio {queued_rate / (count / raw_insert):.3f}; "
          f"{queued_rate / TARGET_QUEUED_PER_SECOND:.1f}x the target of "
          f"{TARGET_QUEUED_PER_SECOND}/s")
    print(f"  sent {flushed.sent:,} ({received:,} received, ~{size:,} bytes each) in {send:.2f} s "
          f"= {sent_rate:,.0f} messages/s; raw smtplib over one connection "
          f"{count / raw_send:,.0f}/s; ratio {sent_rate / (count / raw_send):.3f}")


if __name__ == "__main__":
    main()
