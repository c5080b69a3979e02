"""requests' pooled HTTPAdapter, without the work that is the same for every request.

A dial pass sends thousands of POSTs to one host with the same settings. For each, requests
parses the URL and stats the CA bundle to find the connection pool's key, and builds a cookie
jar from the answer's Set-Cookie headers (Twilio sets none); urllib3 writes the request's head
and its body in two writes (two segments, two TLS records, two wake-ups of the server). The
adapter keeps the key of each pool it has found, reads cookies only from an answer that sets
some, and sends a body of known length with its head, as http.client does. `send` itself is
requests' own, so a test's `responses` mock still sees every request.
"""
from requests.adapters import HTTPAdapter
from requests.models import Response
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class PooledAdapter(HTTPAdapter):
    """An HTTPAdapter (no retries unless asked) that does per request only what differs."""

    def __init__(self, *args, **kwargs):
        self._pool_keys = {}
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        # The key depends on the scheme, host and port, and on `verify` and `cert` (a path's
        # being a directory or not): the same for every call of a pass.
        origin = request.url.split("/", 3)[:3]
        key = ("/".join(origin), verify, cert if not isinstance(cert, list) else tuple(cert))
        found = self._pool_keys.get(key)
        if found is None:
            found = super().build_connection_pool_key_attributes(request, verify, cert)
            if len(self._pool_keys) < 64:
                self._pool_keys[key] = found
        return found

    def build_response(self, req, resp):
        if resp.headers.get("Set-Cookie") is not None:
            return super().build_response(req, resp)
        # HTTPAdapter.build_response without reading cookies: the answer sets none.
        response = Response()
        response.status_code = getattr(resp, "status", None)
        response.headers = CaseInsensitiveDict(getattr(resp, "headers", {}))
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = response.raw.reason
        response.url = req.url.decode("utf-8") if isinstance(req.url, bytes) else req.url
        response.request = req
        response.connection = self
        return response


class _OneWrite:
    """A connection that sends a request's head and its body (bytes of a declared length) in
    one write; anything else goes as urllib3 sends it."""

    _body = None

    def request(self, method, url, body=None, headers=None, **options):
        if isinstance(body, str):
            body = body.encode("utf-8")   # as urllib3 would send it
        if not isinstance(body, bytes) or not body or options.get("chunked") \
                or not any(name.lower() == "content-length" for name in headers or ()):
            return super().request(method, url, body, headers, **options)
        self._body = body
        try:
            # urllib3 is given no body to send after the head: `send` adds it to the head.
            return super().request(method, url, None, headers, **options)
        finally:
            self._body = None

    def send(self, data):
        body, self._body = self._body, None   # taken first: a proxy's CONNECT goes alone
        super().send(data + body if body else data)


class _Connection(_OneWrite, HTTPConnection):
    pass


class _TLSConnection(_OneWrite, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection

