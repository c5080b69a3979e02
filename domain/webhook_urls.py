"""Which URLs a creditor's webhook may have: https (http only where allowed, in development),
and a host that resolves to no loopback, private, link-local or otherwise internal address
unless that is allowed too — a webhook must not become a way into our own network (SSRF)."""
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit


class WebhookUrlError(ValueError):
    """A URL a webhook may not have, with the reason in plain words (`code` for translations)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def check_webhook_url(url, allow_http=False, allow_private=False, resolve=socket.getaddrinfo):
    """`url` when a webhook may be POSTed there; raises WebhookUrlError. The host is resolved
    (`resolve`, as socket.getaddrinfo) and every address it gives is checked."""
    url, _address = checked_address(url, allow_http, allow_private, resolve)
    return url


def checked_address(url, allow_http=False, allow_private=False, resolve=socket.getaddrinfo):
    """(url, the address to connect to) once every address of its host passed the checks; the
    poster connects to that very address, so a host whose name resolves elsewhere a moment
    later (DNS rebinding) cannot lead a delivery inside. Raises WebhookUrlError."""
    url = (url or "").strip()
    if len(url) > 2000:
        raise WebhookUrlError("too_long", "the webhook URL is longer than 2000 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlError("invalid", "the webhook URL is not a valid URL") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise WebhookUrlError("not_https", "the webhook URL must start with https://")
    if not parts.hostname or parts.username or parts.password:
        raise WebhookUrlError("invalid", "the webhook URL needs a host and no user or password")
    addresses = _addresses(parts.hostname, port, resolve)
    if not allow_private:
        for address in addresses:
            if not _public(address):
                raise WebhookUrlError("private_address", f"the webhook host resolves to {address}, "
                                      "an internal address: webhooks go to public servers only")
    return url, str(min(addresses, key=lambda a: (a.version, int(a))))


def _addresses(host, port, resolve):
    try:
        found = resolve(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise WebhookUrlError("unresolved", f"the webhook host {host} cannot be resolved") from None
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in found}
    if not addresses:
        raise WebhookUrlError("unresolved", f"the webhook host {host} cannot be resolved")
    return addresses


def _public(address):
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


SECRET_PREFIX = "whsec_"


def webhook_settings(current_secret, url, allow_http=False, allow_private=False):
    """The creditor's webhook columns for `url` ('' clears it): a checked URL, the secret it
    had (a new one for its first URL), and no pause — setting the URL resumes deliveries."""
    if not (url or "").strip():
        return {"webhook_url": None, "webhook_paused_at": None}
    return {"webhook_url": check_webhook_url(url, allow_http, allow_private),
            "webhook_secret": current_secret or SECRET_PREFIX + secrets.token_urlsafe(32),
            "webhook_paused_at": None}
