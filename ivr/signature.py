"""Every Twilio webhook must carry a valid X-Twilio-Signature for its URL under PUBLIC_BASE_URL."""
import functools
import hmac
import logging

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from telephony import webhook_auth_token

log = logging.getLogger(__name__)


def public_url():
    """The URL Twilio requested: PUBLIC_BASE_URL, not what a proxy in front of us rewrote it to."""
    # Twilio's URLs are ASCII; other bytes cannot be part of anything it signed (and must not
    # fail the request): replaced, the signature simply does not match.
    query = request.query_string.decode("utf-8", "replace")
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def is_signed_by_twilio():
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(webhook_auth_token(current_app))
    url = public_url()
    # The URL exactly as we handed it to Twilio signs nearly every request: one HMAC. Only
    # a mismatch pays for the variants the full check allows (explicit port or not).
    expected = validator.compute_signature(url, request.form)
    return hmac.compare_digest(expected.encode(), signature.encode()) \
        or validator.validate(url, request.form, signature)


def twilio_signed(view):
    """Refuse (403) any request Twilio did not sign."""
    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not is_signed_by_twilio():
            log.warning("rejected unsigned or forged webhook to %s", request.path)
            abort(403)
        return view(*args, **kwargs)
    return checked
