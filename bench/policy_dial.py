"""Benchmark of the contact policy's cost to the dialer: the dial pass of bench/dial_pass.py
(due positions placed through Twilio's REST client against the local stand-in, unpaced), with
the policy off and on, in one run (after an untimed warm-up, interleaved, each first in turn),
and the ratio of their call rates (target >= 0.8).

    .venv/bin/python bench/policy_dial.py [--size 10000] [--repeat 3] [--database-url URL]

With the policy on, every call is decided at its placement instant from the facts of its
batch, and the decision kept. So that the facts are not empty, each number has an earlier,
unanswered call of another creditor (last Friday), which the policy reads and counts. The
policy is switched off only here, through the app's extensions (policy.gate.OFF), never by
configuration. Without --database-url each run has a fresh SQLite file under bench/out/; with
one, the database's tables are EMPTIED before each run: use a scratch database.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, insert, select  # noqa: E402

from bench.dial_pass import (  # noqa: E402
    NOW, PORT, add_positions, build_app, fresh_database, insert_positions,
)
from db import session_scope  # noqa: E402
from db.models import Attempt, Creditor, PolicyDecision, Position, new_token  # noqa: E402
from policy.gate import OFF  # noqa: E402
from scheduler.dial import dial_pass  # noqa: E402

EARLIER = NOW - timedelta(days=3)     # the Friday before the benchmark's Monday


def add_history(app, size):
    """Another creditor's closed positions on the same numbers, each called once, unanswered."""
    with session_scope(app) as session:
        other = Creditor(name="Storico Srl", caller_id="+390212345679")
        session.add(other)
        session.flush()
        insert_positions(session, other.id, size, "S", due_date=date(2026, 9, 1),
                         status="closed", created_at=EARLIER, updated_at=EARLIER)
        ids = session.scalars(select(Position.id).where(Position.creditor_id == other.id)
                              .order_by(Position.id)).all()
        attempts = [{"token": new_token(), "position_id": pid, "round": 1, "number": 1,
                     "status": "no-answer", "to_number": f"+39333{i:07d}", "placed_at": EARLIER,
                     "day": EARLIER.date(), "created_at": EARLIER}
                    for i, pid in enumerate(ids)]
        for start in range(0, size, 5000):
            session.execute(insert(Attempt.__table__), attempts[start:start + 5000])


def run(size, database_url, standin_url, policy):
    """Seconds of one dial pass over `size` due positions, the policy on or off."""
    app = build_app(fresh_database(database_url, size), standin_url)
    if not policy:
        app.extensions[OFF] = True
    add_history(app, size)
    add_positions(app, size)
    started = time.perf_counter()
    report = dial_pass(app, NOW, calls_per_second=0)
    seconds = time.perf_counter() - started
    with session_scope(app) as session:
        placed = session.scalar(select(func.count(Attempt.id)).where(
            Attempt.call_sid.is_not(None)))
        decided = session.scalar(select(func.count(PolicyDecision.id)))
    app.extensions["cortesia.engine"].dispose()
    assert placed == size == len(report.placed), (placed, size, report.summary())
    assert decided == (size if policy else 0), decided
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    standin = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "twilio_standin.py"),
                                "--port", str(PORT)], stdout=subprocess.PIPE, text=True)
    standin.stdout.readline()   # it is listening once it has said so
    try:
        backend = "postgresql" if args.database_url else "sqlite"
        print(f"dial pass of {args.size} calls, {backend}, policy off vs on, "
              f"median of {args.repeat}", flush=True)
        url = f"http://127.0.0.1:{PORT}"
        run(min(args.size, 200), args.database_url, url, True)   # warm-up, not timed
        times = {False: [], True: []}
        for n in range(args.repeat):   # interleaved, each first in turn: a busy moment or a
            for policy in ((False, True) if n % 2 == 0 else (True, False)):   # warm cache
                times[policy].append(run(args.size, args.database_url, url, policy))
        off, on = statistics.median(times[False]), statistics.median(times[True])
        for label, seconds in (("off", off), ("on", on)):
            print(f"policy {label:>3}  {seconds:7.2f} s  {args.size / seconds:8.0f} calls/s")
        print(f"ratio on/off (calls/s): {off / on:.2f}  (target >= 0.8)")
    finally:
        standin.terminate()
        standin.wait()


if __name__ == "__main__":
    main()
