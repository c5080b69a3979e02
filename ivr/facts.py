"""The edge of every webhook: Twilio's form reduced to the facts Cortesia keeps, each one clean.

A signed request proves who sent it, not that its values fit: anyone holding the auth token (or
a Twilio bug) can send a NUL byte, a CallSid of a kilobyte, a duration of 2**40. Here, and only
here, each fact loses its control characters, is clipped to its column's length and, if it is a
number, clamped to what its column holds; the domain code (ivr.calls) sees clean facts only.
"""
import re

from db.models import Attempt

# Text facts and the column each ends up in (or, for those only logged in an event, a length
# that is generous for what Twilio sends).
TEXT_FACTS = {
    "CallSid": Attempt.call_sid.type.length,
    "AnsweredBy": Attempt.answered_by.type.length,
    "CallStatus": Attempt.status.type.length,
    "Digits": Attempt.digits.type.length,
    "SequenceNumber": 16,
    "Timestamp": 64,
}
INTEGER_FACTS = {"CallDuration": 2**31 - 1}   # Attempt.duration is a 32-bit INTEGER

# C0 and C1 controls (NUL among them: PostgreSQL refuses it in text) and lone surrogates
# (not encodable as UTF-8).
_UNFIT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_ASCII_DIGITS = re.compile("[0-9]+")
_ATTEMPT_TOKEN = re.compile("[A-Za-z0-9_-]{1,%d}" % Attempt.token.type.length)


def webhook_facts(form):
    """The facts of a webhook's form that Cortesia keeps: clean, fitting, absent when empty."""
    facts = {}
    for name, length in TEXT_FACTS.items():
        value = clean_text(form.get(name), length)
        if value:
            facts[name] = value
    for name, largest in INTEGER_FACTS.items():
        value = clean_integer(form.get(name), largest)
        if value is not None:
            facts[name] = value
    return facts


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
