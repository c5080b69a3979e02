"""The personal link to the debtor's page (SPEC §1.6): a signed token naming the position, the
channel that carried it and the day it expires; pure (the secret is given).

Nothing of the debt is in it: no reference, no name, no amount. It is 32 URL-safe characters —
8 bytes of payload and a 16-byte HMAC-SHA256 under a key derived from SECRET_KEY — short enough
for an SMS. The channel tells the page how much it may show before the debtor identifies: no
more than the message that carried the link could say.
"""
import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from domain.playbooks import add_working_days

VERSION = 1
CHANNELS = ("email", "pec", "sms")
EPOCH = date(2020, 1, 1)
_PAYLOAD = struct.Struct(">BIBH")   # version, position id, channel, expiry (days since EPOCH)
_MAC_BYTES = 16
# A playbook without later steps (the first reminder's one call round) would make a link that
# dies the day it is sent: a link lives at least this long after its message.
MIN_LINK_DAYS = 14


class LinkError(ValueError):
    """A token that is not one of ours (or was altered)."""


@dataclass(frozen=True)
class PageLink:
    position_id: int
    channel: str
    expires_on: date     # the last day the link works (the creditor's day)

    def expired(self, today):
        return today > self.expires_on


def _key(secret):
    return hashlib.sha256(b"cortesia debtor page\0" + str(secret).encode()).digest()


def make_token(secret, position_id, channel, expires_on):
    """The token of a link to `position_id`'s page, carried by `channel`, valid through
    `expires_on`."""
    payload = _PAYLOAD.pack(VERSION, position_id, CHANNELS.index(channel) + 1,
                            (expires_on - EPOCH).days)
    mac = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(payload + mac).decode("ascii")


def read_token(secret, token):
    """The PageLink `token` names; LinkError when it is malformed or its signature is wrong."""
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise LinkError("not a page token") from None
    if len(raw) != _PAYLOAD.size + _MAC_BYTES or len(token) != 32:
        raise LinkError("not a page token")
    payload, mac = raw[:_PAYLOAD.size], raw[_PAYLOAD.size:]
    expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise LinkError("the token's signature does not match")
    version, position_id, channel, days = _PAYLOAD.unpack(payload)
    if version != VERSION or not 1 <= channel <= len(CHANNELS):
        raise LinkError("not a page token")
    return PageLink(position_id, CHANNELS[channel - 1], EPOCH + timedelta(days=days))


def link_expiry(playbook, phase_start, today, country):
    """The last day a link made on `today` works: the phase's end — its `end` day, else its
    last step's day, in working days from `phase_start` (today when not started) — and at
    least MIN_LINK_DAYS after `today`."""
    last_day = playbook.end_day if playbook.end_day is not None else playbook.steps[-1].day
    phase_end = add_working_days(phase_start or today, last_day, country)
    return max(phase_end, today + timedelta(days=MIN_LINK_DAYS))


def page_url(base_url, token):
    """The link as the debtor sees it, under PUBLIC_BASE_URL."""
    return f"{base_url.rstrip('/')}/p/{token}"
