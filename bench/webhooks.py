"""Benchmark of the Twilio webhooks over HTTP: the answer webhook, an identify turn and the final
status callback, each request a fresh call, against a bare Flask app serving static TwiML.

    .venv/bin/python bench/webhooks.py [--seconds 10] [--connections 16] [--repeat 3]
                                       [--database-url postgresql://...] [--port 8207]

Both apps run on gunicorn with 2 workers; `wrk` (Debian's package: `apt-get install wrk`) loads
them with signed requests prepared beforehand, one call per request, so that every request does
the whole work of a new call's webhook (signature check, facts, events, TwiML). Prints each
webhook's requests per second and p99 latency, and its ratio to the bare app measured in the same
run (the median of `--repeat` runs each), and to a second baseline, `bench/floor_webhook.py`: the
least a webhook that records its facts can do on this stack (signature, one read, two writes,
one commit on the bare driver), which tells how much of the distance to bare Flask the stack
itself takes. It also prints the CPU the gunicorn workers spent per request (read from /proc
around each run), and bare Flask's as a share of each: requests per second move with what wrk
and the rest of the machine take of the two cores, what a request costs the workers much less.
Afterwards it counts what the webhooks recorded, so a fast run is also a complete one. Without --database-url the app runs on a fresh SQLite file
under bench/out/; with one, the database's tables are EMPTIED first: use a scratch database.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, insert, select  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from app import create_app  # noqa: E402
from bench.dial_pass import add_positions, fresh_database  # noqa: E402
from db import session_scope  # noqa: E402
from db.models import Attempt, Event, Position, new_token  # noqa: E402

BASE_URL = "https://cortesia.example.test"
AUTH_TOKEN = "bench-auth-token"
PORT = 8207
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
WARM_UP = 1   # seconds of status callbacks before the measured runs
# Each webhook: the attempt's number in its round and state before it, the path after the
# token, the form it posts. The status callback ends a first attempt (the last of a round would
# also end the round as no_answer: a third of the calls at most).
WEBHOOKS = {
    "answer": (2, "ringing", "answer", {"AnsweredBy": "human"}),
    "identify": (3, "in-progress", "identify?invalid=0&silent=0&turn=1&wrong=0",
                 {"Digits": "1"}),
    "status": (1, "in-progress", "status", {"CallStatus": "completed", "CallDuration": "42",
                                             "SequenceNumber": "3"}),
}
# The floor app's requests: fresh calls' answers, on attempts of their own.
FLOOR = (4, "ringing", "answer", {"AnsweredBy": "human"})
# wrk's Lua: each thread sends its own share of the prepared requests from an offset on (the
# calls of earlier runs are spent), each once.
LUA = """
local requests, n, threads = {}, 0, {}
function setup(thread)
  thread:set("id", counter or 0); counter = (counter or 0) + 1
  table.insert(threads, thread)
end
function init(args)
  local threads, offset = tonumber(args[2]), tonumber(args[3])
  local i = 0
  for line in io.lines(args[1]) do
    if i >= offset and i % threads == id then
      local path, body, signature = line:match("([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)")
      n = n + 1
      requests[n] = wrk.format("POST", path, {["Content-Type"] =
        "application/x-www-form-urlencoded", ["X-Twilio-Signature"] = signature}, body)
    end
    i = i + 1
  end
  n = math.max(n, 1)
  next_one = 0
end
function request()
  next_one = next_one % n + 1
  sent = next_one
  return requests[next_one]
end
function done(summary, latency, requests)
  local most = 0
  for _, thread in ipairs(threads) do most = math.max(most, thread:get("sent") or 0) end
  io.write(string.format("most lines of one thread: %d\\n", most))
end
"""


def server_config(database_url):
    return {"DATABASE_URL": database_url, "PUBLIC_BASE_URL": BASE_URL,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_ACCOUNT_SID": None, "TELEPHONY": "simulator",
            "TTS_ENGINE": "say", "SECRET_KEY": "bench-secret-key"}


def prepare(database_url, calls, out):
    """`calls` positions, each with an attempt for each webhook, and each webhook's requests
    (path, body, signature), one per attempt, written to a file; {webhook: file}."""
    app = create_app(server_config(database_url))
    add_positions(app, calls)
    validator = RequestValidator(AUTH_TOKEN)
    files = {}
    with session_scope(app) as session:
        positions = session.scalars(select(Position.id, ).order_by(Position.id)).all()
        for name, (number, status, tail, form) in {**WEBHOOKS, "floor": FLOOR}.items():
            rows, lines = [], []
            for index, position_id in enumerate(positions):
                token, sid = new_token(), f"CA{name[:2]}{index:030d}"
                rows.append({"token": token, "position_id": position_id, "round": 1,
                             "number": number, "status": status, "to_number": "+39333",
                             "call_sid": sid if status != "ringing" else None,
                             "placed_at": NOW, "created_at": NOW, "day": NOW.date(),
                             "answered_at": NOW if status == "in-progress" else None})
                params = dict(form, CallSid=sid, AccountSid="AC" + "0" * 32,
                              From="+390212345678", To="+39333", Direction="outbound-api")
                path = f"/ivr/{token}/{tail}"
                body = "&".join(f"{k}={v}".replace("+", "%2B") for k, v in params.items())
                signature = validator.compute_signature(BASE_URL + path, params)
                lines.append(f"{path}\t{body}\t{signature}")
            for start in range(0, len(rows), 5000):
                session.execute(insert(Attempt.__table__), rows[start:start + 5000])
            files[name] = os.path.join(out, f"{name}.tsv")
            with open(files[name], "w") as handle:
                handle.write("\n".join(lines) + "\n")
    app.extensions["cortesia.engine"].dispose()
    return files


# gunicorn's hook once a worker has loaded the app: a file per worker in READY_DIR.
READY_HOOK = """import os
def post_worker_init(worker):
    try:
        open(os.path.join(os.environ["READY_DIR"], str(worker.pid)), "w").close()
    except OSError:   # a worker started again later: nobody waits for it
        pass
"""


def serve(target, env, port=PORT, workers=2):
    """Start gunicorn ×`workers` serving `target` on `port`; the process, once every worker
    has loaded the app (on a busy machine that takes seconds, which a load would measure)."""
    ready = tempfile.mkdtemp(prefix="cortesia-bench-ready-")
    hook = os.path.join(ready, "hook.py")
    with open(hook, "w") as handle:
        handle.write(READY_HOOK)
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "-c", hook, target],
        cwd=ROOT, env=dict(env, READY_DIR=ready))
    try:
        for _ in range(1200):
            if process.poll() is not None:   # the port is taken: never load another's server
                raise SystemExit(f"gunicorn could not serve on port {port}: try --port")
            if len(os.listdir(ready)) > workers:   # the hook's file and one per worker
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return process
            time.sleep(0.05)
    finally:
        shutil.rmtree(ready, ignore_errors=True)
    process.kill()
    raise SystemExit("gunicorn did not start")


def load(requests_file, script, seconds, connections, offset=0, port=PORT):
    """(requests per second, p99 ms, errors, lines spent) of wrk sending `requests_file` from
    line `offset` on for `seconds`: the next run starts past every line a thread sent."""
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script,
         f"http://127.0.0.1:{port}", "--", requests_file, "2", str(offset)],
        check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    spent = 2 * int(re.search(r"most lines of one thread: (\d+)", output).group(1))
    return rps, p99_ms, (int(errors.group(1)) if errors else 0), spent


def worker_cpu(server):
    """CPU seconds the gunicorn workers of `server` have used so far (Linux's /proc; None
    elsewhere): what a request costs the app, whatever wrk's own share of the cores."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as listing:
            workers = listing.read().split()
        total = 0
        for pid in workers:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        return total
    except OSError:
        return None


def measured(server, *load_args, **load_kwargs):
    """`load`'s figures and the workers' CPU per request (µs; None where /proc is not)."""
    before = worker_cpu(server)
    figures = load(*load_args, **load_kwargs)
    after = worker_cpu(server)
    requests = figures[0] * load_args[2]
    cpu = None if before is None or after is None or not requests \
        else (after - before) / requests * 1e6
    return (*figures, cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--calls", type=int, default=30000,
                        help="calls prepared per webhook (more than one run can send)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="cortesia-bench-webhooks-") as out:
        url = fresh_database(args.database_url, "webhooks")
        files = prepare(url, args.calls, out)
        script = os.path.join(out, "requests.lua")
        with open(script, "w") as handle:
            handle.write(LUA)
        env = dict(os.environ, **{k: "" if v is None else str(v)
                                  for k, v in server_config(url).items()})
        print(f"webhooks on gunicorn ×2, wrk -t2 -c{args.connections} {args.seconds} s, "
              f"median of {args.repeat}; {url.split(':')[0]}", flush=True)
        figures = {name: [] for name in ("bare", "floor", *WEBHOOKS)}
        # Lines spent per file: the next fresh call's line.
        sent = {name: 0 for name in (*WEBHOOKS, "floor")}
        for _ in range(args.repeat):
            bare = serve("bench.bare_twiml:app", env, args.port)
            try:
                figures["bare"].append(measured(bare, files["answer"], script, args.seconds,
                                                args.connections, port=args.port))
            finally:
                bare.terminate()
                bare.wait()
            floor = serve("bench.floor_webhook:app", env, args.port)
            try:
                figures["floor"].append(measured(floor, files["floor"], script, args.seconds,
                                                 args.connections, sent["floor"], args.port))
                sent["floor"] += figures["floor"][-1][3]
            finally:
                floor.terminate()
                floor.wait()
            app = serve("app:create_app()", env, args.port)
            try:
                # Status callbacks first, for WARM_UP seconds: each worker's first requests
                # build what every later one reuses (compiled statements, the wording).
                sent["status"] += load(files["status"], script, WARM_UP, args.connections,
                                       sent["status"], args.port)[3]
                for name in WEBHOOKS:
                    figures[name].append(measured(app, files[name], script, args.seconds,
                                                  args.connections, sent[name], args.port))
                    sent[name] += figures[name][-1][3]
            finally:
                app.terminate()
                app.wait()
        median = {name: (statistics.median(r[0] for r in runs),
                         statistics.median(r[1] for r in runs), sum(r[2] for r in runs),
                         _median_cpu(runs))
                  for name, runs in figures.items()}
        bare_rps, floor_rps = median["bare"][0], median["floor"][0]
        for name, (rps, p99, errors, _cpu) in median.items():
            ratio = "" if name == "bare" else f"  {rps / bare_rps:5.2f} of bare"
            if name in WEBHOOKS:
                ratio += f"  {rps / floor_rps:5.2f} of floor"
            print(f"  {name:<9} {rps:9.0f} req/s  p99 {p99:7.1f} ms{ratio}"
                  f"{f'  {errors} errors' if errors else ''}")
        print_cpu(median)
        report_recorded(url, sent, args.calls)


def _median_cpu(runs):
    cpu = [r[4] for r in runs if r[4] is not None]
    return statistics.median(cpu) if cpu else None


def print_cpu(median):
    """The workers' CPU per request, and bare Flask's as a share of each: the ratio a webhook
    would reach on cores given to the workers alone (wrk takes its part of these two), and
    so the budget 0.5 of bare asks for: at most twice bare Flask's CPU."""
    bare_cpu, floor_cpu = median["bare"][3], median["floor"][3]
    if not bare_cpu:
        return
    print("workers' CPU per request (gunicorn, Flask and the app; /proc):")
    for name, (*_figures, cpu) in median.items():
        ratio = "" if name == "bare" else f"  bare's is {bare_cpu / cpu:4.2f} of it"
        if name in WEBHOOKS and floor_cpu:
            ratio += f"  the floor's {floor_cpu / cpu:4.2f}"
        print(f"  {name:<9} {cpu:7.0f} µs{ratio}")


def report_recorded(url, sent, calls):
    """What the webhooks recorded: each request a call's facts, counted in the database."""
    app = create_app(server_config(url))
    with session_scope(app) as session:
        events = dict(session.execute(select(Event.kind, func.count()).group_by(Event.kind)).all())
        answered = session.scalar(select(func.count()).select_from(Attempt).where(
            Attempt.number == WEBHOOKS["answer"][0], Attempt.status == "in-progress"))
    app.extensions["cortesia.engine"].dispose()
    print(f"recorded: {events.get('answered', 0):,} answers, {events.get('identified', 0):,} "
          f"identifications, {events.get('status', 0):,} statuses ({answered:,} calls answered) "
          f"in {sent['answer']:,}, {sent['identify']:,} and {sent['status']:,} calls used (a "
          f"thread's share up to the last it sent; {calls:,} prepared each, past that a request "
          f"replays a call, recorded once)")


if __name__ == "__main__":
    main()
