"""The built-in call simulator: plays Twilio's part in-process, through the app's own webhooks.

What `make run` uses without Twilio credentials, and the end-to-end test harness. Placing a call
runs the whole call before `place_call` returns, so the caller must have committed first.
Every webhook is signed like Twilio signs it, and the TwiML is followed as Twilio follows it
(see `telephony.twiml_runner`). Each call is kept in `Simulator.calls` with its requests and
a transcript of what was heard.

A simulated campaign may run its calls in worker processes (`run_calls_in_processes`), as
Twilio's calls run beside each other: `place_call` then returns at once, like Twilio's REST
answer, and `settle()` waits for every call placed so far. Everything drawn at random is drawn
in this process, in the order the calls are placed, so a seeded campaign replays the same.
"""
import functools
import io
import logging
import multiprocessing
import random
import sys
import uuid
import wave
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import unquote, urlencode, urlsplit

from sqlalchemy import bindparam, select
from twilio.request_validator import RequestValidator

from db.models import utcnow
from domain.calls import (
    BUSY, COMPLETED, FAILED, IN_PROGRESS, INITIATED, NO_ANSWER, RINGING, TERMINAL_STATUSES,
)
from telephony import (E164, STATUS_CALLBACK_EVENTS, CallRequest, CallState, FetchRecordingError,
                       PlaceCallError, webhook_auth_token)
from telephony.simulated_sms import SmsSimulation
from telephony.twiml_runner import HANGUP, Debtor, Document, TwimlRunner, parse_twiml

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
SIMULATED_ACCOUNT_SID = "AC" + "5" * 32
MAX_REQUESTS_PER_CALL = 60   # a flow that loops forever ends here instead of hanging the dialer
UNANSWERED = (BUSY, NO_ANSWER, FAILED)
IDENTIFY = "<identify>"
WRONG_CODE = "<wrong code>"
SPEAK = "<speak>#"           # at a <Record>: a spoken message, ended with the hash key
PROMISE_DATE = "<promise date>"   # a date to pay by, PROMISE_DAYS after the call, as DDMM
PROMISE_DAYS = 10
ANSWERS = ("human", "machine") + UNANSWERED
# The StatusCallbackEvent a CallStatus belongs to; Twilio posts only the events a call asked for.
EVENT_OF_STATUS = {INITIATED: "initiated", RINGING: "ringing", IN_PROGRESS: "answered"}


@dataclass(frozen=True)
class DebtorScript:
    """How the callee behaves: who answers, the key typed at each <Gather>, when they hang up.

    Each key is digits (`'1'`, `'12345#'`), `''` for silence, or `'hangup'`; once the keys run
    out the debtor stays silent. `IDENTIFY` stands for what the debtor keys to say "it's me":
    their customer code and `#` when the position has one, else `1`; `WRONG_CODE` for a code
    that is not theirs; `PROMISE_DATE` for the day `PROMISE_DAYS` after the call, keyed as DDMM. `hangup_after` hangs up after that many segments heard.
    """

    answer: str = "human"
    keys: tuple = ("1", "1")
    hangup_after: int | None = None

    def __post_init__(self):
        if self.answer not in ANSWERS:
            raise ValueError(f"answer must be one of {ANSWERS}, not {self.answer!r}")


# Phones without a script draw from this mix: roughly what a soft-collection campaign meets.
RANDOM_MIX = (
    (22, DebtorScript("human", (IDENTIFY, "1"))),        # identifies and confirms
    (4, DebtorScript("human", (IDENTIFY, "5", PROMISE_DATE, "1"))),   # promises a date
    (3, DebtorScript("human", (IDENTIFY, "4"))),         # says it is paid already
    (1, DebtorScript("human", (IDENTIFY, "6", SPEAK))),  # disputes the invoice, says why
    (6, DebtorScript("human", (IDENTIFY, "3"))),         # asks for an operator
    (4, DebtorScript("human", (IDENTIFY, "9", "1"))),    # has it repeated, then confirms
    (4, DebtorScript("human", ("2",))),                  # wrong person
    (3, DebtorScript("human", (IDENTIFY, "8"))),         # opts out
    (1, DebtorScript("human", (WRONG_CODE, WRONG_CODE))),  # cannot say who they are
    (5, DebtorScript("human", (HANGUP,))),          # hangs up at the greeting
    (4, DebtorScript("human", ())),                 # stays silent
    (14, DebtorScript("machine", ())),
    (18, DebtorScript(NO_ANSWER)),
    (8, DebtorScript(BUSY)),
    (4, DebtorScript(FAILED)),
)


@dataclass
class WebhookRequest:
    """One request the simulator made to the app, and how the app answered."""

    kind: str            # "status", "answer", or "twiml" (a <Gather> action or a <Redirect>)
    method: str
    url: str
    path: str
    params: dict
    status_code: int | None = None
    body: str = ""


@dataclass
class SimulatedCall:
    """Everything about one simulated call: the script, the requests, what was heard."""

    call_sid: str
    request: CallRequest
    script: DebtorScript
    keys: tuple = ()               # the script's keys, made concrete for this debtor
    requests: list = field(default_factory=list)
    transcript: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    status: str = "queued"
    duration: int = 0
    created: object = None         # when it was placed, on the app's webhook clock
    inbound: bool = False          # the debtor rang the caller ID (`Simulator.call_in`)
    final_status_lost: bool = False   # its final status callback never arrives

    @property
    def to(self):
        return self.request.to

    def heard_text(self):
        return " ".join(h.text for h in self.transcript if h.verb == "Say")

    def heard_by_request(self, index):
        """What the response to `requests[index]` made the callee hear."""
        return [h for h in self.transcript if h.response_index == index]


class Simulator(SmsSimulation):
    """Telephony that "places" calls by driving the app's webhooks through its test client."""

    def __init__(self, app, seed=None):
        self.app = app
        self.base_url = app.config["PUBLIC_BASE_URL"].rstrip("/")
        self.account_sid = app.config.get("TWILIO_ACCOUNT_SID") or SIMULATED_ACCOUNT_SID
        self._validator = RequestValidator(webhook_auth_token(app))
        self._client = app.test_client()
        self._random = random.Random(app.config.get("SIMULATOR_SEED") if seed is None else seed)
        self.scripts = {}
        self.calls = []
        self.messages = []          # SimulatedSms, in the order sent
        self.sms_fates = {}         # each SMS's fate by number; the others are delivered
        self.recordings = {}        # RecordingUrl → WAV bytes of the messages left at <Record>
        self._pool = None           # worker processes running the calls (run_calls_in_processes)
        self._running = []          # (call, the worker's future), as placed
        self.lost_final_status = set()   # debtors' numbers whose calls' final callback is lost

    def script(self, phone, script):
        """Make every later call to `phone` follow `script`."""
        self.scripts[phone] = script

    def lose_final_status(self, phone):
        """Make the final status callback of every later call to (or call-back from) `phone`
        never arrive, as when the webhook server was down at the time: the call still ends,
        and `fetch_call` says how."""
        self.lost_final_status.add(phone)

    def place_call(self, request: CallRequest) -> str:
        """Run the whole call, webhooks and all, and return its CallSid."""
        if not E164.fullmatch(request.to or ""):   # Twilio refuses it before any call exists
            raise PlaceCallError("the simulator refused the call, as Twilio would: error 21211, "
                                 "the 'To' number is not a valid phone number")
        script = self.scripts.get(request.to) or self._draw()
        # CallSids are never seeded: two runs on one database must not reuse them.
        call = SimulatedCall(call_sid="CA" + uuid.uuid4().hex, request=request, script=script,
                             created=self._now(),
                             final_status_lost=request.to in self.lost_final_status)
        if self._pool is not None:
            self._running.append((call, self._pool.submit(_run_in_worker, call)))
            return call.call_sid
        self.calls.append(call)
        self._run(call)
        _log_errors(call)
        return call.call_sid

    def run_calls_in_processes(self, processes, make_app):
        """From now on run the calls in `processes` processes: this one and `processes` - 1
        workers, each with the app `make_app()` builds (a picklable callable: the same
        configuration and database as this app, whose schema is ready). `place_call` returns
        at once; `settle()` runs this process's share and waits for the workers'."""
        self.close()
        self._pool = ProcessPoolExecutor(processes - 1, multiprocessing.get_context("spawn"),
                                         initializer=_start_worker, initargs=(make_app,))

    def settle(self):
        """Wait until every call placed so far is over, as it is on return from `place_call`
        when the calls run here; keep them in `calls` in the order they were placed."""
        running, self._running = self._running, []
        # This process takes its share while it waits: the calls no worker has started yet,
        # from the last placed back, as the workers take them from the first on. The share
        # follows how busy each one is (this process has the rest of the tick to do too).
        here = set()
        for call, future in reversed(running):
            if not future.cancel():
                break   # the workers have taken every call placed before this one too
            self._run(call)   # on the placing clock, the instant it was placed
            here.add(id(call))
        for call, future in running:
            if id(call) not in here:
                call, recordings = future.result()
                self.recordings.update(recordings)
            self.calls.append(call)
            _log_errors(call)

    def close(self):
        """Settle and stop the worker processes; later calls run in this process again."""
        if self._pool is not None:
            try:
                self.settle()
            finally:
                self._pool.shutdown()
                self._pool = None

    def _run(self, call):
        """The whole of a placed call, its webhooks and all."""
        call.keys = self._resolve(call.script.keys, call.request, call.created)
        if call.script.answer in UNANSWERED:
            self._ring_unanswered(call)
        else:
            self._ring_answered(call)

    def call_in(self, from_, to, script=None):
        """A debtor rings the caller ID `to` from `from_`, as Twilio brings a call to a number:
        the number's Voice URL (`/ivr/inbound`) answers, its status callback URL
        (`/ivr/inbound/status`) gets the final status; every request signed. The script's
        keys are typed as written; `IDENTIFY` and `WRONG_CODE` are made concrete at each
        greeting for the position it names (a call-back that goes on to the caller's next
        position identifies again). The SimulatedCall, once over."""
        script = script or DebtorScript("human", (IDENTIFY, "1"))
        request = CallRequest(to=to, from_=from_, url=f"{self.base_url}/ivr/inbound",
                              status_callback=f"{self.base_url}/ivr/inbound/status", timeout=0)
        call = SimulatedCall(call_sid="CA" + uuid.uuid4().hex, request=request, script=script,
                             created=self._now(), inbound=True, status=IN_PROGRESS,
                             final_status_lost=from_ in self.lost_final_status)
        self.calls.append(call)
        call.keys = tuple(script.keys)
        debtor = Debtor(call.keys, script.hangup_after, resolve=lambda key, url: _identify_key(
            key, self._own_code(url)) if key in (IDENTIFY, WRONG_CODE) else key)
        runner = TwimlRunner(lambda url, method, params: self._fetch(call, url, method, params),
                             debtor, call.transcript, call.errors,
                             recorder=lambda seconds: self._record(call, seconds))
        runner.run(request.url)
        call.duration = max(1, round(runner.seconds))
        # A number's status callback gets the final status only (Twilio's default for it).
        self._status(call, COMPLETED, CallDuration=str(call.duration))
        _log_errors(call)
        return call

    def find_call(self, request: CallRequest, since, known=()):
        """Like Twilio: the oldest call between the request's numbers since `since` not in `known`."""
        for call in self.calls:
            if (call.request.to, call.request.from_) == (request.to, request.from_) \
                    and call.created >= since and call.call_sid not in known:
                return call.call_sid
        return None

    def fetch_call(self, call_sid):
        """Like Twilio: how the call stands now (every simulated call is over once placed or
        called in), None for a CallSid the simulator never made."""
        call = next((c for c in self.calls if c.call_sid == call_sid), None)
        if call is None:
            return None
        answered = call.status == COMPLETED and not call.inbound
        return CallState(call.status, call.duration if call.status in TERMINAL_STATUSES else None,
                         self._answered_by(call) if answered else None)

    @property
    def errors(self):
        return [error for call in self.calls for error in call.errors]

    def _resolve(self, keys, request, placed):
        """The keys with IDENTIFY, WRONG_CODE and PROMISE_DATE made concrete for the debtor
        being called at `placed`."""
        if PROMISE_DATE in keys:
            day = placed + timedelta(days=PROMISE_DAYS)
            keys = tuple(f"{day:%d%m}" if key == PROMISE_DATE else key for key in keys)
        if IDENTIFY not in keys and WRONG_CODE not in keys:
            return tuple(keys)
        code = self._own_code(request.url)
        return tuple(_identify_key(key, code) for key in keys)

    def _own_code(self, url):
        """The verification code of the position an attempt's webhook `url` is for: what the
        debtor knows (None on a URL naming no attempt)."""
        parts = urlsplit(url or "").path.split("/")
        if "cortesia.engine" not in self.app.extensions or len(parts) < 3:
            return None   # canned TwiML without Cortesia's database behind it: no codes known
        with self.app.extensions["cortesia.engine"].connect() as connection:
            return connection.execute(_own_code_query(), {"token": parts[2]}).scalar()

    def _draw(self):
        weights, scripts = zip(*RANDOM_MIX)
        return self._random.choices(scripts, weights=weights)[0]

    def _ring_unanswered(self, call):
        self._status(call, INITIATED)
        if call.script.answer != FAILED:
            self._status(call, RINGING)
        self._status(call, call.script.answer, CallDuration="0")

    def _ring_answered(self, call):
        for status in (INITIATED, RINGING, IN_PROGRESS):
            self._status(call, status)
        debtor = Debtor(call.keys if call.script.answer == "human" else (), call.script.hangup_after)
        runner = TwimlRunner(lambda url, method, params: self._fetch(call, url, method, params),
                             debtor, call.transcript, call.errors,
                             recorder=lambda seconds: self._record(call, seconds))
        runner.run(call.request.url)
        call.duration = max(1, round(runner.seconds))
        self._status(call, COMPLETED, CallDuration=str(call.duration),
                     AnsweredBy=self._answered_by(call))

    def _record(self, call, seconds):
        """A message the debtor left at a <Record>: kept as Twilio keeps it, at the URL its
        account's credentials fetch it from (`fetch_recording`); the form fields of its action."""
        sid = "RE" + uuid.uuid4().hex
        url = f"{RECORDINGS_BASE}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{sid}"
        self.recordings[url] = silent_wav(seconds)
        return {"RecordingSid": sid, "RecordingUrl": url, "RecordingDuration": str(seconds)}

    def fetch_recording(self, url):
        """The audio of a recording made on a simulated call (WAV bytes); FetchRecordingError,
        permanent, for one that was never made (Twilio's 404)."""
        try:
            return self.recordings[url.removesuffix(".wav")]
        except KeyError:
            raise FetchRecordingError(f"no simulated recording at {url} (HTTP 404)",
                                      permanent=True) from None

    def _status(self, call, status, **extra):
        call.status = status
        if EVENT_OF_STATUS.get(status, "completed") not in STATUS_CALLBACK_EVENTS:
            return
        if status in TERMINAL_STATUSES and call.final_status_lost:
            return
        sequence = sum(1 for r in call.requests if r.kind == "status")
        params = dict(self._call_params(call, status), CallbackSource="call-progress-events",
                      SequenceNumber=str(sequence), Timestamp=format_datetime(self._now()), **extra)
        self._request(call, "status", call.request.status_callback, "POST", params)

    def _fetch(self, call, url, method, params):
        """Request TwiML; the Document to run next, or None when Twilio would end the call."""
        # The first document of a call is the answer; the later ones are actions and redirects.
        kind = "twiml" if any(r.kind == "answer" for r in call.requests) else "answer"
        extra = {"AnsweredBy": self._answered_by(call)} if kind == "answer" and not call.inbound \
            else {}
        params = dict(self._call_params(call, IN_PROGRESS), **extra, **params)
        response = self._request(call, kind, url, method, params)
        if response is None:
            return None
        try:
            return Document(url, len(call.requests) - 1, parse_twiml(response.body))
        except ValueError as exc:
            call.errors.append(f"{url} returned bad TwiML ({exc}): the call ends")
            return None

    def _request(self, call, kind, url, method, params):
        """Send one signed webhook; the recorded WebhookRequest, or None when it failed."""
        if kind != "status" and len(call.requests) >= MAX_REQUESTS_PER_CALL:
            call.errors.append(f"more than {MAX_REQUESTS_PER_CALL} requests: the call is cut")
            return None
        if not url.startswith(self.base_url + "/"):
            call.errors.append(f"{url} is not under PUBLIC_BASE_URL {self.base_url}")
            return None
        if method == "GET":
            url, params = url + ("&" if "?" in url else "?") + urlencode(params), {}
        path = url[len(self.base_url):]
        record = WebhookRequest(kind, method, url, urlsplit(url).path, params)
        call.requests.append(record)
        signature = self._validator.compute_signature(url, params)
        try:
            record.status_code, record.body = _call_app(self.app, method, path, signature, params)
        except Exception as exc:  # the app crashed: Twilio would only see a 500
            log.exception("webhook %s crashed", path)
            call.errors.append(f"{method} {path} raised {exc!r}")
            return None
        if record.status_code >= 400:
            call.errors.append(f"{method} {path} answered HTTP {record.status_code}")
            return None
        return record

    def _call_params(self, call, status):
        return {"CallSid": call.call_sid, "AccountSid": self.account_sid,
                "From": call.request.from_, "To": call.request.to, "CallStatus": status,
                "Direction": "inbound" if call.inbound else "outbound-api",
                "ApiVersion": API_VERSION}

    def _answered_by(self, call):
        return "machine_start" if call.script.answer == "machine" else "human"

    def _now(self):
        # The app's webhook clock, so a simulated campaign's callbacks carry its own time.
        return self.app.extensions.get("cortesia.clock", utcnow)()


def _identify_key(key, code):
    """`key` with IDENTIFY and WRONG_CODE made concrete for a position whose code is `code`:
    the code and `#` (or `1` when it has none), a code one digit off (or `4`)."""
    if key == IDENTIFY:
        return code + "#" if code else "1"
    if key == WRONG_CODE:
        return str(int(code[0]) + 1)[-1] + code[1:] + "#" if code else "4"
    return key


def _log_errors(call):
    for error in call.errors:
        log.warning("simulated %s %s: %s", "call-back" if call.inbound else "call",
                    call.call_sid, error)


_WORKER = {}   # in a worker process: its Simulator and the clock its webhooks read


def _start_worker(make_app):
    app = make_app()
    clock = {"now": None}
    app.extensions["cortesia.clock"] = lambda: clock["now"]
    _WORKER.update(simulator=Simulator(app), clock=clock)


def _run_in_worker(call):
    """Run `call` in a worker process, its webhooks on the clock of the moment it was placed;
    the call, and the recordings it left (fetched later through the placing process)."""
    simulator = _WORKER["simulator"]
    _WORKER["clock"]["now"] = call.created
    simulator._run(call)
    recordings, simulator.recordings = simulator.recordings, {}
    return call, recordings


@functools.cache
def _own_code_query():
    """The verification code of the position an attempt's token names, as one Core SELECT
    built once (the models are imported late: canned-TwiML tests run without them)."""
    from db.models import Attempt, Position

    return select(Position.verification_code).join(Attempt, Attempt.position_id == Position.id) \
        .where(Attempt.token == bindparam("token"))


RECORDINGS_BASE = "https://api.twilio.com"


def silent_wav(seconds, rate=8000):
    """`seconds` of silence as an 8 kHz mono 16-bit WAV: what a simulated message sounds like."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * rate * seconds)
    return out.getvalue()


def _call_app(app, method, path, signature, params):
    """(HTTP status, body) of one signed request handed straight to the app's WSGI callable.

    What a web server hands the app, built here once per request: the test client's request
    builder, cookie jar and response wrapper cost a fifth of a simulated call."""
    path, _, query = path.partition("?")
    body = urlencode(params).encode() if params else b""
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "QUERY_STRING": query,
        # PEP 3333: the path unquoted, its UTF-8 bytes as latin-1 (what werkzeug does)
        "PATH_INFO": unquote(path).encode().decode("latin-1"),
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_TWILIO_SIGNATURE": signature, "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    status = []
    chunks = app(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        text = b"".join(chunks).decode()
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return int(status[0].split(" ", 1)[0]), text
