"""Outgoing webhooks: a feed event POSTed as JSON to the creditor's URL, signed.

`X-Cortesia-Signature: sha256=<hex HMAC-SHA256(secret, body)>` over the exact bytes of the body;
the body carries `timestamp` (Unix seconds, also `X-Cortesia-Timestamp`) so a receiver refuses a
replay of an old body, and `id`, stable across retries, so it drops a delivery it already had.
Posting is behind WebhookPoster: HttpPoster for real servers, FakePoster in tests.
"""
import hashlib
import hmac
import json
import socket
from typing import Protocol
from urllib.parse import urlsplit

import certifi
import urllib3

SIGNATURE = "X-Cortesia-Signature"
TIMESTAMP = "X-Cortesia-Timestamp"
EVENT_ID = "X-Cortesia-Event-Id"


class WebhookError(Exception):
    """The creditor's server did not take the delivery (no answer, or not a 2xx)."""


class WebhookPoster(Protocol):
    def post(self, url: str, address: str, body: bytes, headers: dict, timeout: float) -> int:
        """POST `body` to `url`, connecting to `address` (the one checked for its host); the
        HTTP status of a 2xx answer, else raises WebhookError."""


class HttpPoster:
    """POSTs over a connection to the checked address itself, the URL's host named in `Host`
    and, over TLS, in SNI and the certificate check; redirects are not followed (one could
    lead inside). `ca_certs`: the CA bundle (certifi's; a test's own CA in tests)."""

    def __init__(self, ca_certs=None):
        self.ca_certs = ca_certs or certifi.where()

    def post(self, url, address, body, headers, timeout):
        parts = urlsplit(url)
        host = parts.hostname
        options = dict(timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False,
                       maxsize=1)
        if parts.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(address, parts.port or 443, server_hostname=host,
                                               assert_hostname=host, cert_reqs="CERT_REQUIRED",
                                               ca_certs=self.ca_certs, **options)
        else:
            pool = urllib3.HTTPConnectionPool(address, parts.port or 80, **options)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        netloc = parts.netloc.rsplit("@", 1)[-1]
        try:
            response = pool.urlopen("POST", path, body=body, headers={**headers, "Host": netloc},
                                    redirect=False, retries=False, preload_content=True)
        except urllib3.exceptions.HTTPError as exc:
            raise WebhookError(f"{type(exc).__name__}: {exc}"[:500]) from None
        finally:
            pool.close()
        if not 200 <= response.status < 300:
            raise WebhookError(f"HTTP {response.status}")
        return response.status


class FakePoster:
    """Keeps what it was given; `fail_with` makes the next posts fail like a server would."""

    def __init__(self):
        self.posted, self.fail_with = [], []

    def post(self, url, address, body, headers, timeout):
        if self.fail_with:
            raise WebhookError(self.fail_with.pop(0))
        self.posted.append((url, address, body, headers))
        return 200


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_request(secret, item, timestamp):
    """(body bytes, headers) of one delivery of the feed item `item` at `timestamp`."""
    body = json.dumps({**item, "timestamp": timestamp}, separators=(",", ":")).encode()
    return body, {"Content-Type": "application/json", "User-Agent": "Cortesia-Webhooks/1",
                  EVENT_ID: item["id"], TIMESTAMP: str(timestamp), SIGNATURE: sign(secret, body)}


def get_poster(app):
    return app.extensions.get("cortesia.webhook_poster") or HttpPoster()


def get_resolver(app):
    """How webhook hosts are resolved: socket.getaddrinfo, or a test's own names."""
    return app.extensions.get("cortesia.webhook_resolver") or socket.getaddrinfo
