"""Benchmark of PUT /api/v1/positions against `import` of the same rows, in the same run.

    .venv/bin/python bench/api_put.py [--rows 100000] [--batch 1000] [--database-url URL]

The rows of bench/import_contacts.py (realistic Italian writings, one in two hundred wrong on
purpose) are written to a CSV and imported for one creditor as `flask import` does, then sent
as JSON batches for a second creditor to the API served by gunicorn (one worker, one client
sending batch after batch: the import's one writer at a time). Both are first imports of the
same rows; the ratio is the API's rows/s over the import's (issue 15's target: ≥ 0.7). The JSON
bodies are built before the clock starts, as an ERP would have them ready.
Without --database-url a fresh SQLite file under bench/out/ is used.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import requests  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from api.keys import add_key  # noqa: E402
from bench.dial_pass import scratch_sqlite_url  # noqa: E402
from bench.import_contacts import OUT, write_csv  # noqa: E402
from contacts.importer import import_contacts  # noqa: E402
from db import make_engine  # noqa: E402
from db.models import Creditor, utcnow  # noqa: E402
from db.upgrade import upgrade_schema  # noqa: E402

PORT = 8766
SECRET = "bench-secret"
FIELDS = {"Riferimento": "reference", "Nominativo": "name", "Telefono": "phone",
          "Email": "email", "Importo": "amount", "Scadenza": "due_date", "Fattura": "invoice",
          "Codice verifica": "verification_code", "Lingua": "language"}


def json_batches(path, batch):
    """The CSV's rows as the API's request bodies, `batch` items each."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    items = [{FIELDS[k]: (v or None) for k, v in row.items()} for row in rows]
    for item in items:   # a required field left empty is the item's problem, not the body's
        for required in ("reference", "name", "phone", "amount", "due_date"):
            item[required] = item[required] or ""
    return [json.dumps({"positions": items[i:i + batch]}).encode()
            for i in range(0, len(items), batch)]


def serve(url):
    env = dict(os.environ, DATABASE_URL=url, API_RATE_PER_MINUTE="0", SECRET_KEY=SECRET,
               TELEPHONY="simulator")
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--workers", "1",
         "--timeout", "300", "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning",
         "app:create_app()"], cwd=ROOT, env=env)
    # Up means answering: gunicorn's master listens before its worker has built the app.
    for _ in range(600):
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/api/v1/openapi.json", timeout=5).ok:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.05)
    process.kill()
    raise SystemExit("gunicorn did not start")


def timed_import(Session, creditor_id, path):
    started = time.perf_counter()
    with Session() as session, session.begin():
        # As `flask import` does: bars kept as hashes are looked up for the list's numbers,
        # with the key the served API uses too (its SECRET_KEY, below).
        result = import_contacts(session, session.get(Creditor, creditor_id), path,
                                 bar_secret=SECRET)
    seconds = time.perf_counter() - started
    return result.imported + result.updated + result.rejected, seconds, result


def timed_put(key, bodies):
    counts = {"imported": 0, "updated": 0, "rejected": 0}
    took = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    with requests.Session() as client:
        started = time.perf_counter()
        for body in bodies:
            sent = time.perf_counter()
            response = client.put(f"http://127.0.0.1:{PORT}/api/v1/positions", data=body,
                                  headers=headers, timeout=300)
            response.raise_for_status()
            answer = response.json()
            for name in counts:
                counts[name] += answer[name]
            took.append(time.perf_counter() - sent)
        seconds = time.perf_counter() - started
    print("  seconds per batch: " + " ".join(f"{t:.2f}" for t in took[:5]) + " … " +
          " ".join(f"{t:.2f}" for t in took[-3:]))
    return sum(counts.values()), seconds, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in bench/out/")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"contacts-{args.rows}.csv")
    write_csv(path, args.rows)
    bodies = json_batches(path, args.batch)
    url = args.database_url
    if url is None:
        url = scratch_sqlite_url("api-bench.db")
    engine = make_engine(url)
    upgrade_schema(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with Session() as session, session.begin():
        by_file = Creditor(name=f"Bench file {stamp}", caller_id="+390212345678")
        by_api = Creditor(name=f"Bench API {stamp}", caller_id="+390212345678")
        session.add_all([by_file, by_api])
        session.flush()
        _row, key = add_key(session, by_api, "bench", "bench", utcnow())
    print(f"database: {engine.url.render_as_string(hide_password=True)}; {args.rows:,} rows, "
          f"{len(bodies)} batches of {args.batch}")
    rows, seconds, result = timed_import(Session, by_file.id, path)
    file_rate = rows / seconds
    print(f"import (CSV): {rows:,} rows in {seconds:.2f} s = {file_rate:,.0f} rows/s; "
          f"{result.imported:,} imported, {result.rejected:,} rejected")
    engine.dispose()
    server = serve(url)
    try:
        rows, seconds, counts = timed_put(key, bodies)
    finally:
        server.terminate()
        server.wait()
    api_rate = rows / seconds
    print(f"PUT /api/v1/positions (gunicorn ×1): {rows:,} rows in {seconds:.2f} s = "
          f"{api_rate:,.0f} rows/s; {counts['imported']:,} imported, "
          f"{counts['rejected']:,} rejected")
    print(f"ratio API / import: {api_rate / file_rate:.2f} (target ≥ 0.7)")


if __name__ == "__main__":
    main()
