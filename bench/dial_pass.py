"""Benchmark of one dial pass: 1k / 10k / 50k due positions, placed through Twilio's REST
client against a local zero-latency stand-in (`bench/twilio_standin.py`), pacing off.

Before each size, the same number of bare keep-alive `http.client` POSTs to the same stand-in
(bench/http_transport.py's floor: no database, no checks) is timed, and the pass's call rate is
printed as a ratio to that loop's (issue 16's target: at least 0.5), then the growth from the
smallest size to the largest (time per call; linear is 1.00). A second baseline is timed
alike: the same POSTs through the REST client the pass uses (`CallsEndpoint` over requests and
`telephony.adapter.PooledAdapter`, the transport `responses` can stand in for), still with no
database and no checks — the floor of placing calls on this stack — and the pass's rate is
printed as a ratio to it too.

    .venv/bin/python bench/dial_pass.py [--sizes 1000,10000,50000] [--database-url postgresql://...]

Without --database-url each size runs on a fresh SQLite file under bench/out/. With one, the
database's tables are EMPTIED before each size: use a scratch database.
"""
import argparse
import os
import subprocess
import sys
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from db import make_engine, session_scope  # noqa: E402
from db.models import Attempt, Base, Creditor, Position  # noqa: E402
from db.upgrade import upgrade_schema  # noqa: E402
from scheduler.dial import dial_pass  # noqa: E402
from bench.http_transport import ACCOUNT, REQUEST, BareHttpClient  # noqa: E402
from telephony.twilio_rest import CallsEndpoint  # noqa: E402

OUT = os.path.join(ROOT, "bench", "out")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Rome"))   # a Monday, in a window
PORT = 8197


def scratch_sqlite_url(name):
    """The URL of a new, empty SQLite file `name` under bench/out (an earlier one removed)."""
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return f"sqlite:///{path}"


def fresh_database(url, size):
    """The URL of an empty, migrated database for one run."""
    if url is None:
        url = scratch_sqlite_url(f"dial-{size}.db")
    engine = make_engine(url)
    upgrade_schema(engine)
    if engine.dialect.name == "postgresql":
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


def build_app(url, standin_url):
    return create_app({"DATABASE_URL": url, "TELEPHONY": "twilio",
                       "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "bench",
                       "TWILIO_API_BASE_URL": standin_url, "TWILIO_CALLER_ID": "+390212345678",
                       "PUBLIC_BASE_URL": "https://cortesia.example.test"})


def insert_positions(session, creditor_id, size, prefix, **values):
    """`size` positions of `creditor_id` in bulk, references PREFIX-000000…, the numbers
    +39333 and seven digits from 0 (the same numbers whatever the creditor), and `values`."""
    rows = [{"creditor_id": creditor_id, "reference": f"{prefix}-{i:06d}", "name": "Cliente",
             "phone": f"+39333{i:07d}", "amount": 100, "currency": "EUR", **values}
            for i in range(size)]
    for start in range(0, size, 5000):
        session.execute(insert(Position.__table__), rows[start:start + 5000])


def add_positions(app, size):
    """One creditor and `size` never-called positions, inserted in bulk."""
    with session_scope(app) as session:
        creditor = Creditor(name="Bench Srl", caller_id="+390212345678")
        session.add(creditor)
        session.flush()
        insert_positions(session, creditor.id, size, "B", due_date=date(2026, 10, 1),
                         created_at=NOW, updated_at=NOW)


def bare_loop(size):
    """Seconds of `size` bare keep-alive POSTs of a call to the stand-in: the floor."""
    calls = BareHttpClient(CallsEndpoint(f"http://127.0.0.1:{PORT}", ACCOUNT, "bench", 15), PORT)
    calls.create(REQUEST)   # connected outside the measure, as a pass's session is
    started = time.perf_counter()
    for _ in range(size):
        status, _ = calls.create(REQUEST)
        assert status == 201, status
    seconds = time.perf_counter() - started
    calls.connection.close()
    return seconds


def client_loop(size):
    """Seconds of `size` POSTs of a call through the pass's own REST client: its floor."""
    calls = CallsEndpoint(f"http://127.0.0.1:{PORT}", ACCOUNT, "bench", 15)
    calls.create(REQUEST)
    started = time.perf_counter()
    for _ in range(size):
        status, _ = calls.create(REQUEST)
        assert status == 201, status
    return time.perf_counter() - started


def run(size, database_url, standin_url):
    app = build_app(fresh_database(database_url, size), standin_url)
    add_positions(app, size)
    started = time.perf_counter()
    report = dial_pass(app, NOW, calls_per_second=0)
    seconds = time.perf_counter() - started
    with session_scope(app) as session:
        placed = session.scalar(select(func.count(Attempt.id)).where(Attempt.call_sid.is_not(None)))
    app.extensions["cortesia.engine"].dispose()
    assert placed == size == len(report.placed), (placed, size, report.summary())
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    standin = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "twilio_standin.py"),
                                "--port", str(PORT)], stdout=subprocess.PIPE, text=True)
    standin.stdout.readline()   # it is listening once it has said so
    try:
        backend = "postgresql" if args.database_url else "sqlite"
        print(f"dial pass, {backend}, Twilio REST client against a local stand-in, unpaced; "
              f"the ratio is to bare keep-alive POSTs to the same stand-in")
        per_call = []
        for size in (int(s) for s in args.sizes.split(",")):
            floor = bare_loop(size)
            client = client_loop(size)
            seconds = run(size, args.database_url, f"http://127.0.0.1:{PORT}")
            per_call.append(seconds / size)
            print(f"{size:>7} due  {seconds:7.2f} s  {size / seconds:8.0f} calls/s   bare POSTs "
                  f"{size / floor:8.0f}/s   ratio {floor / seconds:4.2f} (target 0.50)   "
                  f"REST client {size / client:6.0f}/s ({floor / client:4.2f} of bare)   ratio "
                  f"{client / seconds:4.2f}", flush=True)
        if len(per_call) > 1:
            print(f"growth: time per call at the largest size / at the smallest = "
                  f"{per_call[-1] / per_call[0]:.2f} (linear = 1.00)")
    finally:
        standin.terminate()
        standin.wait()


if __name__ == "__main__":
    main()
