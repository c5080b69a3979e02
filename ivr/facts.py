"""The edge of every webhook: Twilio's form reduced, once, to the facts Cortesia keeps, each clean.

A signed request proves who sent it, not that its values fit: anyone holding the auth token (or
a Twilio bug) can send a NUL byte, a CallSid of a kilobyte, a duration of 2**40. Here, and only
here, each fact loses its control characters, is clipped to its column's length and, if it is a
number, clamped to what its column holds; the domain code (ivr.calls) sees a `CallFacts` only,
never a form or Twilio's names for its fields.
"""
import re
from dataclasses import dataclass

from db.models import Attempt

# Twilio's name of each text fact, its name here and the length of the column it ends up in
# (or, for those only logged in an event, a length that is generous for what Twilio sends).
TEXT_FACTS = {
    "CallSid": ("call_sid", Attempt.call_sid.type.length),
    "AnsweredBy": ("answered_by", Attempt.answered_by.type.length),
    "CallStatus": ("status", Attempt.status.type.length),
    "Digits": ("digits", Attempt.digits.type.length),
    "SequenceNumber": ("sequence", 16),
    "Timestamp": ("timestamp", 64),
    "RecordingSid": ("recording_sid", 64),      # a debtor's spoken message (key 6)
    "RecordingUrl": ("recording_url", 500),
    "From": ("from_number", Attempt.from_number.type.length),   # a call-back: who rang
    "To": ("to_number", Attempt.to_number.type.length),         # and which caller ID
}
INTEGER_FACTS = {"CallDuration": ("duration", 2**31 - 1),   # Attempt.duration is a 32-bit INTEGER
                 "RecordingDuration": ("recording_duration", 2**31 - 1)}

# C0 and C1 controls (NUL among them: PostgreSQL refuses it in text) and lone surrogates
# (not encodable as UTF-8).
_UNFIT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_ASCII_DIGITS = re.compile("[0-9]+")
_ATTEMPT_TOKEN = re.compile("[A-Za-z0-9_-]{1,%d}" % Attempt.token.type.length)


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What one Twilio request says about its call: each value clean and fitting its column,
    None where the request said nothing usable."""

    call_sid: str | None = None
    status: str | None = None          # Twilio's CallStatus: queued, ringing, completed…
    answered_by: str | None = None     # human, machine_start, fax… (answering machine detection)
    duration: int | None = None        # seconds, in the final status callback
    digits: str | None = None          # the keys pressed at a <Gather>
    sequence: str | None = None        # the status callback's SequenceNumber
    timestamp: str | None = None       # the status callback's Timestamp, as Twilio wrote it
    recording_sid: str | None = None   # a <Record>'s message: its id, where to fetch it, seconds
    recording_url: str | None = None
    recording_duration: int | None = None
    from_number: str | None = None     # the caller's number and the one dialled (a call-back)
    to_number: str | None = None

    @classmethod
    def from_form(cls, form):
        """The facts of a webhook's form: clean, fitting, None when empty or unreadable."""
        facts = {attribute: clean_text(form.get(name), length) or None
                 for name, (attribute, length) in TEXT_FACTS.items()}
        for name, (attribute, largest) in INTEGER_FACTS.items():
            facts[attribute] = clean_integer(form.get(name), largest)
        return cls(**facts)


def clean_text(value, length):
    """`value` without control characters or surrounding blanks, at most `length` long."""
    return _UNFIT.sub("", value or "").strip()[:length]


def clean_integer(value, largest):
    """A count written in ASCII digits, clamped to `largest`; None for anything else
    (a negative, a fraction, '²' — str.isdigit() says yes to it, int() says no)."""
    value = (value or "").strip()
    if not _ASCII_DIGITS.fullmatch(value):
        return None
    # Compare lengths first: int() refuses strings of thousands of digits.
    return largest if len(value) > len(str(largest)) else min(int(value), largest)


def is_attempt_token(token):
    """Whether `token` could name an attempt at all (see db.models.new_token)."""
    return bool(_ATTEMPT_TOKEN.fullmatch(token or ""))
