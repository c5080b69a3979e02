"""At most once, at scale: several `flask dial` processes at once on PostgreSQL ring each
attempt exactly once, against a local Twilio stand-in. Needs TEST_DATABASE_URL."""
import os
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, insert, select, text

from bench.twilio_standin import TwilioStandIn
from db.models import Attempt, Base, Creditor, Position
from tests.conftest import PUBLIC_BASE_URL, TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")

DIALERS = 4
POSITIONS = 2500
NOW = "2026-11-23T09:00:00+01:00"   # a Monday, inside the morning window
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def engine(postgres_engine):
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with postgres_engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return postgres_engine


def add_campaign(engine):
    """Two creditors sharing the positions: the dialers race on both."""
    created = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with engine.begin() as connection:
        ids = [connection.execute(insert(Creditor.__table__).values(
            name=name, caller_id="+390212345678", windows="08:30-12:00,14:00-17:00,18:00-21:00",
            max_attempts=3, min_gap_seconds=7200, timezone="Europe/Rome", country="IT",
            language="it", created_at=created).returning(Creditor.id)).scalar_one()
            for name in ("Acme Energia", "Beta Telecom")]
        connection.execute(insert(Position.__table__), [
            {"creditor_id": ids[i % 2], "reference": f"R-{i:05d}", "name": "Cliente",
             "phone": f"+39333{i:07d}", "amount": 50, "currency": "EUR",
             "due_date": date(2026, 10, 1), "created_at": created, "updated_at": created}
            for i in range(POSITIONS)])


def dialer(standin):
    environment = dict(os.environ, DATABASE_URL=TEST_DATABASE_URL, TELEPHONY="twilio",
                       TWILIO_ACCOUNT_SID="AC" + "3" * 32, TWILIO_AUTH_TOKEN="race",
                       TWILIO_API_BASE_URL=standin.url, TWILIO_CALLER_ID="+390212345678",
                       PUBLIC_BASE_URL=PUBLIC_BASE_URL, DIAL_BATCH_SIZE="100")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "dial", "--now", NOW,
         "--calls-per-second", "0"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_concurrent_dialer_processes_ring_each_attempt_exactly_once(engine):
    add_campaign(engine)
    with TwilioStandIn() as standin:
        processes = [dialer(standin) for _ in range(DIALERS)]
        outputs = [p.communicate(timeout=60)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * DIALERS, outputs
    tokens = Counter(call["url"].split("/ivr/")[1].split("/")[0] for call in standin.calls)
    assert len(standin.calls) == POSITIONS and set(tokens.values()) == {1}
    with engine.connect() as connection:
        rows = connection.execute(select(Attempt.token, Attempt.position_id, Attempt.call_sid,
                                         Attempt.claimed_by)).all()
        called = connection.scalar(select(func.count(func.distinct(Attempt.position_id))))
    assert called == POSITIONS and len(rows) == POSITIONS          # one attempt per position
    assert {r.token for r in rows} == set(tokens)
    assert all(r.call_sid for r in rows)
    assert len({r.claimed_by for r in rows}) > 1, "the dialers did not overlap at all"
