"""Benchmark of the dashboard's live part (what an open dashboard asks every few seconds) on a
creditor of 100,000 positions: 3 calls each over the last two weeks, a message each, their
outcomes spread over the days; each figure's query timed, then the whole fragment.

    .venv/bin/python bench/dashboard.py [--positions 100000] [--database-url postgresql://...]

Without --database-url it runs on a fresh SQLite file under bench/out/. With one, the
database's tables are EMPTIED first: use a scratch database.
"""
import argparse
import os
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.dial_pass import fresh_database  # noqa: E402
from console import figures  # noqa: E402
from console.accounts import create_user  # noqa: E402
from db import get_sessionmaker  # noqa: E402
from db.models import OUTCOMES, Attempt, Creditor, OutgoingMail, Position, User  # noqa: E402

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=ROME)   # a Tuesday morning, a pass under way
WINDOWS = ("08:30-12:00", "14:00-17:00", "18:00-21:00")
CHUNK = 10_000


def fill(session, size):
    """A creditor of `size` positions with their calls and messages; its id."""
    creditor = Creditor(name="Bench Energia", caller_id="+390212345678")
    session.add(creditor)
    session.flush()
    for start in range(0, size, CHUNK):
        rows = []
        for i in range(start, min(start + CHUNK, size)):
            outcome = OUTCOMES[i % len(OUTCOMES)] if i % 3 else None
            rows.append(dict(creditor_id=creditor.id, reference=f"B-{i:07d}", name="Bench",
                             phone=f"+39333{i:07d}", amount=Decimal("480.00"),
                             amount_paid=Decimal("480.00") if i % 17 == 0 else Decimal(0),
                             currency="EUR", due_date=NOW.date(), status=(
                                 "paid" if i % 17 == 0 else "promised" if i % 11 == 0 else
                                 "to_verify" if i % 13 == 0 else "open"),
                             outcome=outcome,
                             outcome_at=NOW - timedelta(hours=i % (24 * 20)) if outcome else None))
        session.execute(insert(Position), rows)
    ids = session.scalars(select(Position.id).where(Position.creditor_id == creditor.id)).all()
    for start in range(0, len(ids), CHUNK):
        attempts, mails = [], []
        for n, position_id in enumerate(ids[start:start + CHUNK], start):
            for number in (1, 2, 3):
                placed = NOW - timedelta(minutes=(n * 3 + number) % (60 * 24 * 14))
                attempts.append(dict(
                    token=f"t{position_id}-{number}", position_id=position_id, round=1,
                    number=number, status="in-progress" if n % 5000 == 0 else "completed",
                    call_window=WINDOWS[number - 1], placed_at=placed,
                    day=placed.astimezone(ROME).date(),
                    answered_by="human" if (n + number) % 3 == 0 else None))
            mails.append(dict(key=f"m{position_id}", channel=("email", "pec", "sms")[n % 3],
                              position_id=position_id, kind="notice", to_address="x@example.test",
                              subject="Avviso", body="…", status="sent",
                              sent_at=NOW - timedelta(minutes=n % (60 * 24 * 7)),
                              next_try_at=NOW, created_at=NOW))
        session.execute(insert(Attempt), attempts)
        session.execute(insert(OutgoingMail), mails)
    session.commit()
    return creditor.id


def timed(label, call, repeat=5):
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        spent = time.perf_counter() - started
        best = spent if best is None else min(best, spent)
    print(f"{label:<24} {best * 1000:8.1f} ms (best of {repeat})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", action="store_true",
                        help="time the book already in the database (filled by an earlier run)")
    args = parser.parse_args()
    url = args.database_url if args.keep else \
        fresh_database(args.database_url, f"dashboard-{args.positions}")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TELEPHONY": "simulator",
                      "TTS_ENGINE": "say"})
    app.extensions["cortesia.clock"] = lambda: NOW
    with app.app_context():
        session = get_sessionmaker(app)()
        if args.keep:
            creditor_id = session.scalar(select(Creditor.id).where(
                Creditor.name == "Bench Energia"))
        else:
            started = time.perf_counter()
            creditor_id = fill(session, args.positions)
            create_user(session, "bench", "una-password-lunga", "admin")
            session.commit()
            print(f"filled {args.positions:,} positions in {time.perf_counter() - started:.0f} s")
        creditor = session.get(Creditor, creditor_id)
        today, start = NOW.date(), figures.day_start(NOW.date(), ROME)
        timed("book", lambda: figures.book(session, creditor_id))
        timed("outcomes_per_day", lambda: figures.outcomes_per_day(session, creditor_id, ROME,
                                                                   today))
        timed("calls_per_window", lambda: figures.calls_per_window(session, creditor_id))
        timed("messages_sent", lambda: figures.messages_sent(session, creditor_id, start))
        timed("live (every ask)", lambda: figures.live(session, creditor_id, today, NOW))
        timed("calls_per_window today", lambda: figures.calls_per_window(
            session, creditor_id, Attempt.day == today))
        user = session.scalar(select(User).where(User.username == "bench"))
        client = app.test_client()
        with client.session_transaction() as cookie:
            cookie["user_id"], cookie["generation"] = user.id, user.session_generation
        session.close()
        path = f"/cruscotto/dal-vivo?creditore={creditor_id}"
        assert client.get(path).status_code == 200
        timed("GET /cruscotto/dal-vivo", lambda: client.get(path))     # the book kept
        timed("GET /cruscotto (fresh)", lambda: client.get(f"/cruscotto?creditore={creditor_id}"))


if __name__ == "__main__":
    main()
