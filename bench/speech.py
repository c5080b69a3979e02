"""Benchmark of synthesized speech: what a 10,000-position campaign sends to the engine, and
how fast a cached clip is served.

    .venv/bin/python bench/speech.py [--positions 10000]

The engine is FakeSpeech (no network): every render is counted and answered with the same
short MP3. Then the app serves one cached clip repeatedly through its test client
(in-process, the whole Flask stack), and prints the latency percentiles.
"""
import argparse
import os
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from audio import use_speech_engine  # noqa: E402
from audio.speech import render_prompts  # noqa: E402
from audio.tts import FakeSpeech  # noqa: E402
from db import session_scope  # noqa: E402
from db.models import Creditor, Position  # noqa: E402
from db.upgrade import upgrade_schema  # noqa: E402

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"DATABASE_URL": f"sqlite:///{scratch}/speech.db", "TTS_ENGINE": "gtts",
                          "AUDIO_CACHE_DIR": f"{scratch}/clips", "TELEPHONY": "simulator"})
        upgrade_schema(app.extensions["cortesia.engine"])
        engine = FakeSpeech()
        use_speech_engine(app, engine)
        add_campaign(app, args.positions)
        started = time.perf_counter()
        report = render_prompts(app, datetime.now(timezone.utc))
        seconds = time.perf_counter() - started
        print(f"rendering for {args.positions:,} positions (2 creditors, it + en): "
              f"{len(engine.rendered)} renders = {len(set(engine.rendered))} distinct fixed "
              f"sentences, "
              f"{seconds:.2f} s; {report}")
        again = render_prompts(app, datetime.now(timezone.utc))
        print(f"second run: {again}; renders now {len(engine.rendered)}")
        serve(app, args.requests)
        app.extensions["cortesia.engine"].dispose()


def add_campaign(app, count):
    """Two creditors; one position in twenty speaks English."""
    now = datetime.now(timezone.utc)
    with session_scope(app) as session:
        ids = []
        for name in ("Acme Energia", "Beta Telecom"):
            creditor = Creditor(name=name, caller_id="+390212345678")
            session.add(creditor)
            session.flush()
            ids.append(creditor.id)
        session.execute(insert(Position.__table__), [
            {"creditor_id": ids[i % 2], "reference": f"S-{i:06d}", "name": f"Cliente {i}",
             "phone": f"+39333{i:07d}", "amount": Decimal("10") + i, "currency": "EUR",
             "due_date": date(2026, 10, 1), "language": "en" if i % 20 == 0 else None,
             "created_at": now, "updated_at": now} for i in range(count)])


def serve(app, requests):
    from audio.clips import clip_key
    from audio.speech import fixed_sentences

    key = clip_key(fixed_sentences("Acme Energia", "it")[-1], "it", FakeSpeech.name)
    client = app.test_client()
    path = f"/audio/clips/{key}.mp3"
    assert client.get(path).status_code == 200
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    pick = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
    print(f"serving a cached clip in-process, {requests:,} requests: p50 {pick(0.5):.2f} ms, "
          f"p99 {pick(0.99):.2f} ms, max {timings[-1]:.2f} ms")


if __name__ == "__main__":
    main()
