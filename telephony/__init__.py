"""Placing calls and sending SMS: one written interface (`Telephony`), a real Twilio
implementation and a built-in simulator; tests/telephony/test_contract.py holds both to it."""
import hashlib
import hmac
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import current_app


class PlaceCallError(Exception):
    """The provider did not accept the call; the attempt stays due and is tried again.

    `maybe_placed` says the request may have reached the provider (its answer was lost): trying
    again could ring the debtor twice, so such an attempt is held for reconciliation instead.
    """

    def __init__(self, message, maybe_placed=False):
        super().__init__(message)
        self.maybe_placed = maybe_placed


# The progress callbacks each call asks for (Twilio's StatusCallbackEvent). "ringing" is the
# first sign that the call exists (what reconciles a call whose REST answer was lost) and what
# the console shows as ringing; "completed" is every final status. "initiated" says nothing a
# queued call does not, and "answered" arrives anyway as the answer webhook, so asking for them
# would only add two requests to every answered call.
STATUS_CALLBACK_EVENTS = ("ringing", "completed")


@dataclass(frozen=True)
class CallRequest:
    """What a dialer asks the provider to do: ring `to` and fetch TwiML from `url`."""

    to: str
    from_: str
    url: str
    status_callback: str
    timeout: int


@dataclass(frozen=True)
class CallState:
    """What the provider says of a call now: its CallStatus as Twilio spells it, and, once
    over, how long it lasted (seconds) and who answered (AnsweredBy: human, machine_start…)."""

    status: str
    duration: int | None = None
    answered_by: str | None = None


class FetchCallError(Exception):
    """The provider could not say how a call stands (unreachable, refused, unreadable): ask
    again later."""


class SendSmsError(Exception):
    """The provider did not take the SMS; the outbox tries again later.

    `maybe_sent`: the request may have reached the provider (its answer was lost), so sending
    again could text the debtor twice: the outbox holds such a message for a person instead.
    """

    def __init__(self, message, maybe_sent=False):
        super().__init__(message)
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class SmsRequest:
    """One text message: to `to` (E.164) from `from_` (E.164 or an alphanumeric sender), whose
    delivery news the provider posts to `status_callback`."""

    to: str
    from_: str
    body: str
    status_callback: str


class FetchRecordingError(Exception):
    """A recording's audio could not be fetched. `permanent`: the provider says it is not there
    (HTTP 404) or refuses it for good, so asking again the same way will not help; otherwise
    (a timeout, a 5xx, a refused connection) a later try may succeed."""

    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


# What Twilio accepts as a number to ring (E.164); anything else it refuses with error 21211.
E164 = re.compile(r"\+[1-9]\d{6,14}")
# What a CallSid looks like: nothing else is a call the provider could know.
CALL_SID = re.compile(r"CA[0-9a-f]{32}")


class Telephony(Protocol):
    """What Cortesia needs of a provider: place a call, find one whose answer was lost, ask how
    a call stands (its final status callback lost), send an SMS, fetch a debtor's recorded
    message."""

    def place_call(self, request: CallRequest) -> str:
        """Ring `request.to`; the new call's CallSid ("CA" and 32 hex digits).

        Not idempotent: each placement is a new call. PlaceCallError when the provider did not
        take it (a number that is not E.164: error 21211), with `maybe_placed` when it may have.
        """

    def settle(self) -> None:
        """Return once every call placed so far has run its course. Twilio's calls run on
        their own, their news coming by webhook: nothing to wait for. The simulator's may run
        in worker processes: the dialer settles after each batch, as a simulated tick ends with
        its calls."""

    def find_call(self, request: CallRequest, since: datetime,
                  known: Collection[str] = ()) -> str | None:
        """The oldest call from `request.from_` to `request.to` created at or after `since`
        whose CallSid is not in `known`, or None; PlaceCallError when the provider cannot say."""

    def fetch_call(self, call_sid: str) -> CallState | None:
        """How the call `call_sid` stands at the provider now (Twilio's `GET Calls/{Sid}`), or
        None when the provider knows no such call; FetchCallError when it cannot say."""

    def send_sms(self, request: SmsRequest) -> str:
        """Send one SMS; its MessageSid ("SM" and 32 hex digits). Not idempotent.

        SendSmsError when the provider did not take it (a `to` that is not E.164: error 21211),
        with `maybe_sent` when it may have.
        """

    def fetch_recording(self, url: str) -> bytes:
        """The audio (WAV) of the recording Twilio named `url` (a RecordingUrl, without suffix),
        fetched with the account's credentials. FetchRecordingError when it cannot be had:
        `permanent` when the provider says it does not exist (404)."""


def webhook_auth_token(app):
    """The secret Twilio signs webhooks with; the simulator signs with one derived from SECRET_KEY."""
    token = app.config.get("TWILIO_AUTH_TOKEN")
    if token:
        return token
    if app.config["TELEPHONY"] == "twilio":
        raise RuntimeError("TELEPHONY=twilio needs TWILIO_AUTH_TOKEN to check webhook signatures")
    return hmac.new(app.config["SECRET_KEY"].encode(), b"cortesia-simulator", hashlib.sha256).hexdigest()


def build_telephony(app) -> Telephony:
    kind = app.config["TELEPHONY"]
    if kind == "twilio":
        from telephony.twilio_rest import TwilioTelephony

        return TwilioTelephony(
            account_sid=app.config["TWILIO_ACCOUNT_SID"],
            auth_token=app.config["TWILIO_AUTH_TOKEN"],
            api_base_url=app.config["TWILIO_API_BASE_URL"],
        )
    if kind == "simulator":
        from telephony.simulator import Simulator

        return Simulator(app)
    raise RuntimeError(f"TELEPHONY must be 'twilio' or 'simulator', not {kind!r}")


def get_telephony(app=None) -> Telephony:
    """The app's telephony, built on first use (a web process that only answers never needs it)."""
    app = app or current_app
    if "cortesia.telephony" not in app.extensions:
        app.extensions["cortesia.telephony"] = build_telephony(app)
    return app.extensions["cortesia.telephony"]


def init_app(app):
    if app.config["TELEPHONY"] not in ("twilio", "simulator"):
        raise RuntimeError(f"TELEPHONY must be 'twilio' or 'simulator', not {app.config['TELEPHONY']!r}")
