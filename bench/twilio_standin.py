"""A zero-latency stand-in for Twilio's Calls API on 127.0.0.1, for benchmarks and tests.

    .venv/bin/python bench/twilio_standin.py [--port 8099]

Point the app at it with TELEPHONY=twilio TWILIO_API_BASE_URL=http://127.0.0.1:8099.
`POST /2010-04-01/Accounts/<sid>/Calls.json` answers 201 with a new CallSid and records the
request (its `Url` names the attempt), or 400 with error 21211 for a `To` that is not E.164;
`GET` on the same path lists the recorded calls, filtered by `To`/`From`, newest first, as
Twilio does; `GET …/Calls/<CallSid>.json` answers one of them (404 for any other), its
`status` `queued` until a test writes another into `calls`. `POST /2010-04-01/Accounts/<sid>/Messages.json` likewise answers 201 with a new
MessageSid and records the SMS in `messages` (21211 for a `To` that is not E.164).
`GET /2010-04-01/Accounts/<sid>/Recordings/<RecordingSid>.wav` serves a recording kept with
`keep_recording` (404 for any other). Nothing else is simulated: no webhooks.

It speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) on one asyncio loop, so
that a benchmark measures the dialer, not the stand-in's own request parsing.
"""
import argparse
import asyncio
import json
import re
import threading
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote_plus, urlsplit

E164 = re.compile(r"\+[1-9]\d{6,14}")   # what Twilio rings; anything else is error 21211
CALLS_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Calls\.json$")
CALL_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Calls/(CA[0-9a-f]{32})\.json$")
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
RECORDING_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Recordings/(RE[0-9a-f]{32})\.wav$")
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found"}
RECORDED = ("To", "From", "Url", "StatusCallback", "Body")


class TwilioStandIn:
    """The server and what it was asked; `calls` holds one dict per placed call."""

    def __init__(self, port=0, clock=None):
        self.calls = []
        self.messages = []
        self.recordings = {}   # (account, RecordingSid) → WAV bytes
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.port = port
        self._lock = threading.Lock()
        self._loop = None
        self._thread = None
        self._ready = threading.Event()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def serve_forever(self):
        """Serve on this thread until `stop`."""
        self._loop = asyncio.new_event_loop()
        server = self._loop.run_until_complete(self._loop.create_server(
            lambda: _Connection(self), "127.0.0.1", self.port))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.run_until_complete(server.wait_closed())
            self._loop.close()

    def stop(self):
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def record(self, account, form):
        """Keep a placed call; the JSON Twilio would answer with."""
        call = {"sid": "CA" + uuid.uuid4().hex, "account_sid": account, "to": form.get("To"),
                "from": form.get("From"), "url": form.get("Url"),
                "status_callback": form.get("StatusCallback"), "status": "queued",
                "duration": None, "answered_by": None,
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

    def text(self, account, form):
        """Keep a sent SMS; the JSON Twilio would answer with."""
        message = {"sid": "SM" + uuid.uuid4().hex, "account_sid": account, "to": form.get("To"),
                   "from": form.get("From"), "body": form.get("Body"),
                   "status_callback": form.get("StatusCallback"), "status": "queued",
                   "date_created": format_datetime(self.clock())}
        with self._lock:
            self.messages.append(message)
        return message

    def keep_recording(self, account, audio):
        """Keep `audio` as a recording of `account`; its RecordingUrl, as Twilio gives it."""
        sid = "RE" + uuid.uuid4().hex
        with self._lock:
            self.recordings[account, sid] = audio
        return f"{self.url}/2010-04-01/Accounts/{account}/Recordings/{sid}"

    def answer(self, method, target, body):
        """(status, JSON payload or raw bytes) for one request."""
        parts = urlsplit(target)
        recording = RECORDING_PATH.match(parts.path)
        if recording and method == "GET":
            with self._lock:
                audio = self.recordings.get((recording[1], recording[2]))
            if audio is not None:
                return 200, audio
        one = CALL_PATH.match(parts.path)
        if one and method == "GET":
            with self._lock:
                found = [c for c in self.calls if (c["account_sid"], c["sid"]) == (one[1], one[2])]
            if found:
                return 200, dict(found[0])
            return 404, {"code": 20404, "message": "The requested resource was not found",
                         "status": 404}
        sms = MESSAGES_PATH.match(parts.path)
        if sms and method == "POST":
            form = _form(body)
            if not E164.fullmatch(form.get("To") or ""):
                return 400, {"code": 21211, "status": 400,
                             "message": f"Invalid 'To' Phone Number: {form.get('To')}"}
            return 201, self.text(sms[1], form)
        match = CALLS_PATH.match(parts.path)
        if not match:
            return 404, {"code": 20404, "message": "Not Found", "status": 404}
        if method == "POST":
            form = _form(body)
            if not E164.fullmatch(form.get("To") or ""):
                return 400, {"code": 21211, "status": 400,
                             "message": f"Invalid 'To' Phone Number: {form.get('To')}",
                             "more_info": "https://www.twilio.com/docs/errors/21211"}
            return 201, self.record(match[1], form)
        if method == "GET":
            calls = self.listing(parse_qs(parts.query))
            return 200, {"calls": calls, "page": 0, "page_size": 50, "uri": parts.path,
                         "next_page_uri": None}
        return 400, {"code": 20001, "message": f"{method} is not supported here", "status": 400}


def _form(body):
    """The fields a call record keeps, decoded; the others are left encoded and unread."""
    fields = {}
    for pair in body.decode().split("&"):
        name, _, value = pair.partition("=")
        if name in RECORDED and name not in fields:
            fields[name] = unquote_plus(value)
    return fields


class _Connection(asyncio.Protocol):
    """One keep-alive connection: requests are read from the buffer as they complete."""

    def __init__(self, standin):
        self.standin = standin
        self.buffer = b""
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return  # the body is still on its way
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            method, target, _ = lines[0].split(" ", 2)
            self.respond(*self.standin.answer(method, target, body))

    def respond(self, status, payload):
        raw = isinstance(payload, bytes)
        body = payload if raw else json.dumps(payload).encode()
        kind = "audio/x-wav" if raw else "application/json"
        head = (f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
                f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n")
        self.transport.write(head.encode() + body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    standin = TwilioStandIn(args.port).start()
    print(f"Twilio stand-in at {standin.url} (Ctrl-C to stop)", flush=True)
    try:
        standin._thread.join()
    except KeyboardInterrupt:
        standin.stop()
    print(f"{len(standin.calls)} calls placed")


if __name__ == "__main__":
    main()
