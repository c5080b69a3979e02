"""Benchmark of the written steps: queueing 10,000 messages as the step engine does, then sending
them through the outbox, by email to a local SMTP sink and by SMS to the local Twilio stand-in.

    .venv/bin/python bench/outbox_channels.py [--count 10000] [--database-url postgresql://...]

Without --database-url it uses a fresh SQLite file under bench/out/; with one, a scratch
database (its schema is upgraded and positions are added to it).
"""
import argparse
import os
import socket
import sys
import time
from datetime import date, datetime, timezone
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.twilio_standin import TwilioStandIn  # noqa: E402
from db import make_engine, session_scope  # noqa: E402
from db.models import Creditor, Position  # noqa: E402
from db.upgrade import upgrade_schema  # noqa: E402
from notify.messages import queue_message  # noqa: E402
from notify.outbox import flush_outbox  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)


class Sink:
    """Accepts every message and counts it."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_app(url, smtp_port, twilio_url):
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    return create_app({
        "DATABASE_URL": url, "SECRET_KEY": "bench", "TTS_ENGINE": "say",
        "PUBLIC_BASE_URL": "https://cortesia.example.test",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port, "MAIL_FROM": "bench@example.test",
        "TELEPHONY": "twilio", "TWILIO_ACCOUNT_SID": "AC" + "b" * 32,
        "TWILIO_AUTH_TOKEN": "bench", "TWILIO_API_BASE_URL": twilio_url,
        "TWILIO_CALLER_ID": "+390212345678"})


def add_positions(app, count):
    """`count` positions of a new creditor with late charges; their ids."""
    with session_scope(app) as session:
        creditor = Creditor(name=f"Bench {time.time_ns()}", caller_id="+390212345678",
                            late_fee=Decimal("40"), late_interest_rate=Decimal("8"),
                            contact_email="crediti@acme.test", contact_phone="+390298765432")
        session.add(creditor)
        session.flush()
        session.execute(insert(Position), [
            dict(creditor_id=creditor.id, reference=f"B-{n}", name=f"Mario Rossi {n}",
                 phone=f"+39333{n:07d}", email=f"debtor{n}@example.test",
                 amount=Decimal("1234.56"), currency="EUR", due_date=date(2026, 10, 15),
                 invoice=f"FT-{n}") for n in range(count)])
        return session.scalars(select(Position.id).where(Position.creditor_id == creditor.id)
                               .order_by(Position.id)).all()


def queue_all(app, ids, channel, message):
    """Queue one message per position, in chunks of 500 as the step engine commits them."""
    started = time.perf_counter()
    for offset in range(0, len(ids), 500):
        with session_scope(app) as session:
            positions = session.scalars(select(Position).where(
                Position.id.in_(ids[offset:offset + 500]))).all()
            for position in positions:
                queue_message(app, session, position, channel, message, NOW,
                              key=f"bench:{channel}:{position.id}")
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    url = args.database_url or f"sqlite:///{OUT}/outbox-{time.time_ns()}.db"
    sink, port = Sink(), free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    with TwilioStandIn() as standin:
        app = make_app(url, port, standin.url)
        ids = add_positions(app, args.count)
        for channel, message in (("email", "sollecito_oneri"), ("sms", "contatto")):
            queued = queue_all(app, ids, channel, message)
            started = time.perf_counter()
            report = flush_outbox(app, NOW)
            sent = time.perf_counter() - started
            print(f"{channel}: {args.count} queued in {queued:.1f} s "
                  f"({args.count / queued:.0f}/s); sent {report.sent} in {sent:.1f} s "
                  f"({report.sent / sent:.0f}/s)", flush=True)
        print(f"the SMTP sink got {sink.count}, the Twilio stand-in {len(standin.messages)}")
    smtp.stop()


if __name__ == "__main__":
    main()
