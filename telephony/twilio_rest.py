"""Placing calls through Twilio's REST API, or any endpoint that speaks it.

The only module that imports `twilio.rest`. Every way the request can go wrong becomes a
`PlaceCallError`, so a dialer never crashes on the provider: it leaves the attempt due.
"""
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from telephony import CallRequest, PlaceCallError

TWILIO_API_BASE_URL = "https://api.twilio.com"
# Long enough for a slow answer from Twilio, short enough that one stuck request does not
# hold a dial pass (and the calls queued behind it) for minutes.
HTTP_TIMEOUT_SECONDS = 15
STATUS_CALLBACK_EVENTS = ["initiated", "ringing", "answered", "completed"]


class EnvironmentOnceSession(requests.Session):
    """Reads proxy and CA settings from the environment once per host, not on every call.

    Looking them up walks the whole environment each time: at thousands of calls per pass
    that was most of a placement's cost.
    """

    def __init__(self):
        super().__init__()
        self._settings = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, repr(proxies), stream, verify, cert)
        if key not in self._settings:
            self._settings[key] = super().merge_environment_settings(url, proxies, stream,
                                                                     verify, cert)
        return dict(self._settings[key])


class BaseUrlHttpClient(TwilioHttpClient):
    """Sends the requests the client builds for api.twilio.com to another base URL."""

    def __init__(self, api_base_url, timeout=HTTP_TIMEOUT_SECONDS):
        # No retries here: a POST retried after a lost response could ring the debtor twice.
        super().__init__(timeout=timeout)
        session = EnvironmentOnceSession()
        session.adapters = self.session.adapters   # the pool the Twilio client configured
        self.session = session
        self.api_base_url = api_base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API_BASE_URL):
            url = self.api_base_url + url[len(TWILIO_API_BASE_URL):]
        return super().request(method, url, *args, **kwargs)


class TwilioTelephony:
    """Places calls with the official client; Twilio then drives the call through our webhooks."""

    def __init__(self, account_sid, auth_token, api_base_url=TWILIO_API_BASE_URL,
                 timeout=HTTP_TIMEOUT_SECONDS):
        if not account_sid or not auth_token:
            raise RuntimeError("TELEPHONY=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        self.api_base_url = (api_base_url or TWILIO_API_BASE_URL).rstrip("/")
        self._client = Client(account_sid, auth_token,
                              http_client=BaseUrlHttpClient(self.api_base_url, timeout))

    def place_call(self, request: CallRequest) -> str:
        """Ask the provider to ring `request.to`; returns the CallSid or raises PlaceCallError."""
        try:
            call = self._client.calls.create(
                to=request.to, from_=request.from_,
                url=request.url, method="POST",
                status_callback=request.status_callback, status_callback_method="POST",
                status_callback_event=STATUS_CALLBACK_EVENTS,
                machine_detection="Enable",
                timeout=request.timeout,
            )
        except TwilioException as exc:  # TwilioRestException and TwilioServiceException
            raise PlaceCallError(describe_refusal(exc)) from exc
        except requests.ConnectTimeout as exc:
            raise PlaceCallError(f"cannot reach {self.api_base_url} within the timeout: {exc}") from exc
        except (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError) as exc:
            # The request went out: Twilio may have created the call even though we got no answer.
            raise PlaceCallError(f"no answer from {self.api_base_url} within the timeout: {exc}",
                                 maybe_placed=True) from exc
        except requests.RequestException as exc:
            raise PlaceCallError(f"cannot reach {self.api_base_url}: {exc}") from exc
        except ValueError as exc:  # a 2xx whose body is not the JSON of a call
            raise PlaceCallError(f"unreadable answer from {self.api_base_url}: {exc}") from exc
        if not call.sid:
            raise PlaceCallError(f"{self.api_base_url} accepted the call but returned no CallSid")
        return call.sid

    def find_call(self, request: CallRequest, since, known=()):
        """The CallSid of a call to `request.to` from `request.from_` created at or after
        `since` that is not in `known`, or None; PlaceCallError when the provider cannot say.

        Twilio does not echo a call's Url, so the call is recognised by its numbers and time.
        """
        try:
            calls = self._client.calls.list(to=request.to, from_=request.from_, limit=50)
        except (TwilioException, requests.RequestException, ValueError) as exc:
            raise PlaceCallError(f"cannot list calls at {self.api_base_url}: {exc}") from exc
        for call in reversed(calls):  # newest first from the API: adopt the oldest match
            if call.sid not in known and call.date_created and call.date_created >= since:
                return call.sid
        return None


def describe_refusal(exc):
    """One line with the HTTP status, Twilio's error code and its message."""
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    message = getattr(exc, "msg", None) or getattr(exc, "detail", None) \
        or getattr(exc, "title", None) or exc.__class__.__name__
    parts = ["Twilio refused the call"]
    if status:
        parts.append(f"HTTP {status}")
    if code and code != status:  # the client reports the HTTP status as the code when there is none
        parts.append(f"error {code}")
    return ", ".join(parts) + f": {message}"
