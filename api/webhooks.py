"""Outgoing webhooks: a feed event POSTed as JSON to the creditor's URL, signed.

`X-Cortesia-Signature: sha256=<hex HMAC-SHA256(secret, body)>` over the exact bytes of the body;
the body carries `timestamp` (Unix seconds, also `X-Cortesia-Timestamp`) so a receiver refuses a
replay of an old body, and `id`, stable across retries, so it drops a delivery it already had.
Posting is behind WebhookPoster: RequestsPoster for real servers, FakePoster in tests.
"""
import hashlib
import hmac
import json
from typing import Protocol

import requests

SIGNATURE = "X-Cortesia-Signature"
TIMESTAMP = "X-Cortesia-Timestamp"
EVENT_ID = "X-Cortesia-Event-Id"


class WebhookError(Exception):
    """The creditor's server did not take the delivery (no answer, or not a 2xx)."""


class WebhookPoster(Protocol):
    def post(self, url: str, body: bytes, headers: dict, timeout: float) -> int:
        """POST `body`; the HTTP status of a 2xx answer, else raises WebhookError."""


class RequestsPoster:
    """POSTs with requests; redirects are not followed (a redirect could lead inside)."""

    def post(self, url, body, headers, timeout):
        try:
            response = requests.post(url, data=body, headers=headers, timeout=timeout,
                                     allow_redirects=False)
        except requests.RequestException as exc:
            raise WebhookError(f"{type(exc).__name__}: {exc}"[:500]) from None
        if not 200 <= response.status_code < 300:
            raise WebhookError(f"HTTP {response.status_code}")
        return response.status_code


class FakePoster:
    """Keeps what it was given; `fail_with` makes the next posts fail like a server would."""

    def __init__(self):
        self.posted, self.fail_with = [], []

    def post(self, url, body, headers, timeout):
        if self.fail_with:
            raise WebhookError(self.fail_with.pop(0))
        self.posted.append((url, body, headers))
        return 200


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_request(secret, item, timestamp):
    """(body bytes, headers) of one delivery of the feed item `item` at `timestamp`."""
    body = json.dumps({**item, "timestamp": timestamp}, separators=(",", ":")).encode()
    return body, {"Content-Type": "application/json", "User-Agent": "Cortesia-Webhooks/1",
                  EVENT_ID: item["id"], TIMESTAMP: str(timestamp), SIGNATURE: sign(secret, body)}


def get_poster(app):
    return app.extensions.get("cortesia.webhook_poster") or RequestsPoster()
