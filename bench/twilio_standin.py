"""A zero-latency stand-in for Twilio's Calls API on 127.0.0.1, for benchmarks and tests.

    .venv/bin/python bench/twilio_standin.py [--port 8099]

Point the app at it with TELEPHONY=twilio TWILIO_API_BASE_URL=http://127.0.0.1:8099.
`POST /2010-04-01/Accounts/<sid>/Calls.json` answers 201 with a new CallSid and records the
request (its `Url` names the attempt); `GET` on the same path lists the recorded calls,
filtered by `To`/`From`, newest first, as Twilio does. Nothing else is simulated: no webhooks.
"""
import argparse
import json
import re
import threading
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CALLS_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Calls\.json$")


class TwilioStandIn:
    """The server and what it was asked; `calls` holds one dict per placed call."""

    def __init__(self, port=0, clock=None):
        self.calls = []
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = None

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def record(self, account, form):
        """Keep a placed call; the JSON Twilio would answer with."""
        call = {"sid": "CA" + uuid.uuid4().hex, "account_sid": account, "to": form.get("To"),
                "from": form.get("From"), "url": form.get("Url"),
                "status_callback": form.get("StatusCallback"), "status": "queued",
                "date_created": format_datetime(self.clock())}
        with self._lock:
            self.calls.append(call)
        return call

    def listing(self, query):
        """Recorded calls matching `To`/`From`, newest first."""
        wanted = {key: query[name][0] for name, key in (("To", "to"), ("From", "from"))
                  if name in query}
        with self._lock:
            found = [c for c in self.calls if all(c[k] == v for k, v in wanted.items())]
        return list(reversed(found))


def _handler_for(standin):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"   # keep-alive: one connection per dialer, not per call
        disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms ACK stall

        def do_POST(self):
            match = CALLS_PATH.match(urlsplit(self.path).path)
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if not match:
                return self._json(404, {"code": 20404, "message": "Not Found"})
            self._json(201, standin.record(match[1], form))

        def do_GET(self):
            parts = urlsplit(self.path)
            if not CALLS_PATH.match(parts.path):
                return self._json(404, {"code": 20404, "message": "Not Found"})
            calls = standin.listing(parse_qs(parts.query))
            self._json(200, {"calls": calls, "page": 0, "page_size": 50, "uri": parts.path,
                             "next_page_uri": None})

        def _json(self, status, payload):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # one line per call would drown a benchmark
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    standin = TwilioStandIn(args.port)
    print(f"Twilio stand-in at {standin.url} (Ctrl-C to stop)", flush=True)
    try:
        standin._server.serve_forever()
    except KeyboardInterrupt:
        pass
    print(f"{len(standin.calls)} calls placed")


if __name__ == "__main__":
    main()
