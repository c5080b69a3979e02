"""Placing calls and sending SMS through Twilio's REST API, or any endpoint that speaks it.

The only module that talks to Twilio's REST API. Calls are created with one lean form POST
(`CallsEndpoint`): the official client spent about 1.5 ms of CPU per call on generic
machinery, most of a dial pass's cost. Listing calls, rare and not on the hot path, goes
through the official client. Both travel on requests' pooled adapters, calls on
`telephony.adapter.PooledAdapter` (requests' own `send`, without the per-request work that is
alike for every call): a hand-written transport saved 0.4 ms per call, 0.04% of a core at the
1 call/s of a default Twilio account (`bench/http_transport.py`). Every way a request can go
wrong becomes a `PlaceCallError`, so a dialer never crashes on the provider: it leaves the
attempt due. SMS are created the same way on the Messages resource, through the same pooled
adapter, and a debtor's recorded message and a call's state (its final status callback lost)
are fetched (GET, the account's credentials) on it too.
"""
import json
import logging
import re
from urllib.parse import quote_plus, urlencode

import requests
from requests.structures import CaseInsensitiveDict
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ProtocolError

from domain.phones import mask_phone
from telephony.adapter import PooledAdapter
from telephony import (CALL_SID, STATUS_CALLBACK_EVENTS, CallRequest, CallState, FetchCallError,
                       FetchRecordingError, PlaceCallError, SendSmsError, SmsRequest)

TWILIO_API_BASE_URL = "https://api.twilio.com"
# Long enough for a slow answer from Twilio, short enough that one stuck request does not
# hold a dial pass (and the calls queued behind it) for minutes.
HTTP_TIMEOUT_SECONDS = 15
# A <Record> of at most 60 s is about 1 MB of 8 kHz WAV; anything far larger is not ours to keep.
MAX_RECORDING_BYTES = 20 * 1024 * 1024
# What every call asks for besides its numbers and URLs, encoded once.
FIXED_CALL_FIELDS = urlencode([("Method", "POST"), ("StatusCallbackMethod", "POST")]
                              + [("StatusCallbackEvent", e) for e in STATUS_CALLBACK_EVENTS]
                              + [("MachineDetection", "Enable")])


# A phone number as it travels to Twilio: E.164, or URL-encoded in a query string.
PHONE = re.compile(r"(?:\+|%2B)(\d{8,15})(?!\d)")


def mask_phones(text):
    """`text` with every phone number in it masked as listings mask it: +39333****567."""
    return PHONE.sub(lambda match: mask_phone("+" + match.group(1)), text)


class _TwilioRequestLog(logging.Filter):
    """The official client logs each request at INFO, the debtor's number in its URL: mask the
    numbers and demote the lines to DEBUG, where they belong."""

    def filter(self, record):
        record.msg, record.args = mask_phones(record.getMessage()), None
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


# The official client's own logger, twilio.http_client, is shared by every Twilio client in the
# process; ours gets its own, so the filter is set once, here, where the client is built.
REQUEST_LOG = logging.getLogger(__name__ + ".requests")
REQUEST_LOG.addFilter(_TwilioRequestLog())


class _MaskPhones(logging.Filter):
    """urllib3 logs each request line at DEBUG, a listing's numbers in its query: mask them."""

    def filter(self, record):
        record.msg, record.args = mask_phones(record.getMessage()), None
        return True


# urllib3 carries all of Twilio's traffic; its logger is the process's, and masking a phone
# number in another request's line does no harm.
logging.getLogger("urllib3.connectionpool").addFilter(_MaskPhones())


class CallsEndpoint:
    """POSTs to an account's Calls resource, doing per call only what differs between calls.

    The request's URL, credentials and headers are prepared once; each call goes straight to
    requests' pooled adapter (thread-safe, kept-alive connections), with the proxy and CA
    settings read from the environment once. No retries: a POST retried after a lost response
    could ring twice.
    """

    def __init__(self, api_base_url, account_sid, auth_token, timeout, resource="Calls",
                 adapter=None):
        self.url = f"{api_base_url}/2010-04-01/Accounts/{account_sid}/{resource}.json"
        self._adapter = adapter or PooledAdapter(max_retries=0)
        settings = requests.Session().merge_environment_settings(self.url, {}, False, None, None)
        self._options = dict(timeout=timeout, verify=settings["verify"], cert=settings["cert"],
                             proxies=settings["proxies"], stream=False)
        self._headers = dict(requests.Request(
            "POST", self.url, auth=(account_sid, auth_token),
            headers={"Accept": "application/json",
                     "Content-Type": "application/x-www-form-urlencoded",
                     "User-Agent": "cortesia (python-requests)"}).prepare().headers)

    def create(self, request: CallRequest):
        """The provider's answer to creating `request`'s call: (HTTP status, body bytes)."""
        body = (f"To={quote_plus(request.to)}&From={quote_plus(request.from_)}"
                f"&Url={quote_plus(request.url)}&StatusCallback={quote_plus(request.status_callback)}"
                f"&Timeout={int(request.timeout)}&{FIXED_CALL_FIELDS}")  # ASCII: all quoted
        return self.post(body)

    def post(self, body):
        """POST the form `body` (ASCII, encoded); (HTTP status, body bytes)."""
        prepared = requests.PreparedRequest()
        prepared.method, prepared.url, prepared.body = "POST", self.url, body
        prepared.headers = CaseInsensitiveDict(self._headers)
        prepared.headers["Content-Length"] = str(len(body))
        response = self._adapter.send(prepared, **self._options)
        return response.status_code, response.content


class BaseUrlHttpClient(TwilioHttpClient):
    """Sends the requests the official client builds for api.twilio.com to another base URL."""

    def __init__(self, api_base_url, timeout=HTTP_TIMEOUT_SECONDS):
        super().__init__(timeout=timeout, logger=REQUEST_LOG)
        self.api_base_url = api_base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API_BASE_URL):
            url = self.api_base_url + url[len(TWILIO_API_BASE_URL):]
        return super().request(method, url, *args, **kwargs)


class TwilioTelephony:
    """Places calls on Twilio's REST API; Twilio then drives each call through our webhooks."""

    def __init__(self, account_sid, auth_token, api_base_url=TWILIO_API_BASE_URL,
                 timeout=HTTP_TIMEOUT_SECONDS):
        if not account_sid or not auth_token:
            raise RuntimeError("TELEPHONY=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        self.api_base_url = (api_base_url or TWILIO_API_BASE_URL).rstrip("/")
        self._calls = CallsEndpoint(self.api_base_url, account_sid, auth_token, timeout)
        self._messages = CallsEndpoint(self.api_base_url, account_sid, auth_token, timeout,
                                       resource="Messages", adapter=self._calls._adapter)
        self._client = Client(account_sid, auth_token,
                              http_client=BaseUrlHttpClient(self.api_base_url, timeout))
        self._media = requests.Session()
        self._media.auth = (account_sid, auth_token)
        for scheme in ("http://", "https://"):
            self._media.mount(scheme, self._calls._adapter)
        self._timeout = timeout

    def fetch_recording(self, url: str) -> bytes:
        """The WAV of the recording at `url` (a RecordingUrl), fetched with the account's
        credentials; FetchRecordingError, `permanent` when Twilio answers 404 (or another 4xx
        that asking again will not change)."""
        media = self._media_url(url)
        try:
            response = self._media.get(media, timeout=self._timeout, allow_redirects=True)
        except requests.RequestException as exc:
            raise FetchRecordingError(f"cannot fetch the recording from {self.api_base_url}: "
                                      f"{type(exc).__name__}") from exc
        status = response.status_code
        if status == 404:
            raise FetchRecordingError(f"{self.api_base_url} has no recording at {media} (HTTP 404)",
                                      permanent=True)
        if status in (401, 403):
            raise FetchRecordingError(f"{self.api_base_url} refused the account's credentials "
                                      f"(HTTP {status}): check TWILIO_ACCOUNT_SID and "
                                      "TWILIO_AUTH_TOKEN")
        if status >= 300:
            permanent = 400 <= status < 500 and status not in (408, 429)
            raise FetchRecordingError(describe_refusal(status, response.content, "recording"),
                                      permanent=permanent)
        if not response.content:
            raise FetchRecordingError(f"{self.api_base_url} sent an empty recording")
        if len(response.content) > MAX_RECORDING_BYTES:
            raise FetchRecordingError(f"the recording is larger than {MAX_RECORDING_BYTES} bytes",
                                      permanent=True)
        return response.content

    def _media_url(self, url):
        """Where the recording's WAV is: `url` + ".wav", on the configured API base URL. The
        account's credentials never go to another host."""
        url = url.removesuffix(".wav").removesuffix(".mp3")
        if url.startswith(TWILIO_API_BASE_URL + "/"):
            url = self.api_base_url + url[len(TWILIO_API_BASE_URL):]
        if not url.startswith(self.api_base_url + "/"):
            raise FetchRecordingError(f"not a recording of {self.api_base_url}: {url}",
                                      permanent=True)
        return url + ".wav"

    def place_call(self, request: CallRequest) -> str:
        """Ask the provider to ring `request.to`; returns the CallSid or raises PlaceCallError."""
        return self._create(lambda: self._calls.create(request), PlaceCallError, "call")

    def send_sms(self, request: SmsRequest) -> str:
        """Ask the provider to send `request`'s SMS; its MessageSid, or SendSmsError."""
        form = [("To", request.to), ("From", request.from_), ("Body", request.body),
                ("StatusCallback", request.status_callback)]
        return self._create(lambda: self._messages.post(urlencode(form)), SendSmsError, "SMS")

    def _create(self, post, error, what):
        """The sid of what `post()` created; `error(message, maybe_done)` when none surely was."""
        try:
            status, body = post()
        except requests.ConnectTimeout as exc:
            raise error(f"cannot reach {self.api_base_url} within the timeout: {exc}") from exc
        except (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError) as exc:
            # The request went out: Twilio may have created it even though we got no answer.
            raise error(f"no answer from {self.api_base_url} within the timeout: {exc}",
                        True) from exc
        except requests.RequestException as exc:
            if answer_lost(exc):
                raise error(f"the answer from {self.api_base_url} was lost: {exc}", True) from exc
            raise error(f"cannot reach {self.api_base_url}: {exc}") from exc
        if status >= 300:
            raise error(describe_refusal(status, body, what))
        try:
            sid = json.loads(body).get("sid")
        except (ValueError, AttributeError) as exc:  # a 2xx whose body is not the JSON asked for
            raise error(f"unreadable answer from {self.api_base_url}: {exc}") from exc
        if not sid:
            raise error(f"{self.api_base_url} accepted the {what} but returned no "
                        + ("CallSid" if what == "call" else "MessageSid"))
        return sid

    def settle(self):
        """Twilio's calls run on their own: their news comes by webhook."""

    def find_call(self, request: CallRequest, since, known=()):
        """The CallSid of a call to `request.to` from `request.from_` created at or after
        `since` that is not in `known`, or None; PlaceCallError when the provider cannot say.

        Twilio does not echo a call's Url, so the call is recognised by its numbers and time.
        """
        try:
            calls = self._client.calls.list(to=request.to, from_=request.from_, limit=50)
        except (TwilioException, requests.RequestException, ValueError) as exc:
            # The error may quote the request's URL, numbers and all.
            raise PlaceCallError(f"cannot list calls at {self.api_base_url}: "
                                 f"{mask_phones(str(exc))}") from exc
        for call in reversed(calls):  # newest first from the API: adopt the oldest match
            if call.sid not in known and call.date_created and call.date_created >= since:
                return call.sid
        return None

    def fetch_call(self, call_sid):
        """How the call stands at Twilio (`GET Calls/{Sid}.json`), or None when Twilio knows no
        such call (404); FetchCallError when it cannot say."""
        if not CALL_SID.fullmatch(call_sid or ""):
            return None   # not a CallSid: no call Twilio could know, and nothing to put in a URL
        url = f"{self._calls.url.removesuffix('.json')}/{call_sid}.json"
        try:
            response = self._media.get(url, timeout=self._timeout)
        except requests.RequestException as exc:
            raise FetchCallError(f"cannot fetch the call from {self.api_base_url}: "
                                 f"{type(exc).__name__}") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise FetchCallError(describe_refusal(response.status_code, response.content,
                                                  "call lookup"))
        try:
            call = json.loads(response.content)
        except ValueError as exc:
            raise FetchCallError(f"unreadable answer from {self.api_base_url}: {exc}") from exc
        if not isinstance(call, dict) or not isinstance(call.get("status"), str):
            raise FetchCallError(f"{self.api_base_url} answered without the call's status")
        duration = str(call.get("duration") or "")
        readable = duration.isascii() and duration.isdigit() and len(duration) < 10
        answered_by = call.get("answered_by")
        return CallState(status=call["status"], duration=int(duration) if readable else None,
                         answered_by=answered_by if isinstance(answered_by, str) else None)


def answer_lost(error):
    """True when the request went out and the connection broke before the answer came back.

    requests wraps urllib3's ProtocolError ("Connection aborted.") for exactly that case; a
    connection that could not be made is a MaxRetryError instead, so nothing was sent.
    """
    return (isinstance(error, requests.ConnectionError) and bool(error.args)
            and isinstance(error.args[0], ProtocolError))


def describe_refusal(status, body, what="call"):
    """One line with the HTTP status, Twilio's error code and its message."""
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if not isinstance(error, dict):
        error = {}
    parts = [f"Twilio refused the {what}", f"HTTP {status}"]
    code = error.get("code")
    if code and code != status:
        parts.append(f"error {code}")
    message = error.get("message") or error.get("detail") or _first_line(body) or "no details"
    # "The 'To' number +39… is not a valid phone number": the reason goes to the log.
    return ", ".join(parts) + f": {mask_phones(str(message))}"


def _first_line(body):
    text = body.decode("utf-8", "replace").strip()
    return text.splitlines()[0][:200] if text else ""
