"""A lean transport adapter for `requests`: keep-alive HTTP/1.1 straight on `http.client`.

Placing a call is one small form POST, and a dial pass makes thousands of them: urllib3's
general machinery cost about 0.6 ms of CPU per request, three times the request itself. This
adapter does only what those POSTs need — pooled keep-alive connections, TLS with certificate
and host checks, connect and read timeouts — and hands anything else (a proxy, a client
certificate, a streamed body) to requests' own adapter.

Errors are requests' own, with one distinction the dialer needs: `ResponseLost` (a kind of
ConnectionError) means the request was sent whole and no answer came back, so the server may
have acted on it.
"""
import http.client
import os
import select
import socket
import ssl
import threading
import zlib
from datetime import timedelta
from time import perf_counter
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, select_proxy

IDLE_CONNECTIONS_PER_HOST = 16
# For tests that mock this transport with `responses.RequestsMock(target=MOCK_TARGET)`.
MOCK_TARGET = "telephony.http.KeepAliveAdapter.send"


class ResponseLost(requests.ConnectionError):
    """The request went out whole but its answer did not come back: it may have been acted on."""


class KeepAliveAdapter(HTTPAdapter):
    """Sends prepared requests over pooled `http.client` connections; thread-safe. What it does
    not do itself goes to requests' own adapter, its base class."""

    def __init__(self, idle_per_host=IDLE_CONNECTIONS_PER_HOST):
        super().__init__()
        self.idle_per_host = idle_per_host
        self._idle = {}
        self._lock = threading.Lock()
        self._contexts = {}

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if stream or cert or (proxies and select_proxy(request.url, proxies)):
            return super().send(request, stream=stream, timeout=timeout, verify=verify,
                                cert=cert, proxies=proxies)
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise requests.exceptions.InvalidSchema(f"no connection adapter for {request.url!r}")
        connect_timeout, read_timeout = _timeouts(timeout)
        key = (parts.scheme, parts.hostname, parts.port, _verify_key(verify), connect_timeout)
        connection = self._take(key) or self._connect(key, verify, connect_timeout, request.url)
        started = perf_counter()
        try:
            connection.sock.settimeout(read_timeout)
            answer = self._exchange(connection, request, parts)
        except BaseException:
            connection.close()
            raise
        response = self._response(request, answer, started)
        if answer.will_close:
            connection.close()
        else:
            self._give_back(key, connection)
        return response

    def close(self):
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()
        super().close()

    def _exchange(self, connection, request, parts):
        """Send the request, read the whole answer; requests' exceptions on failure."""
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
        try:
            connection.request(request.method, target, body=body, headers=dict(request.headers))
        except OSError as exc:  # timed out or cut off while sending: the server has no whole request
            raise requests.ConnectionError(f"cannot send to {request.url}: {exc}",
                                           request=request) from exc
        try:
            answer = connection.getresponse()
            answer.content = answer.read()
        except socket.timeout as exc:
            raise requests.ReadTimeout(f"no answer from {request.url} in time: {exc}",
                                       request=request) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise ResponseLost(f"the answer from {request.url} was lost: {exc!r}",
                               request=request) from exc
        return answer

    def _response(self, request, answer, started):
        response = requests.Response()
        response.status_code = answer.status
        response.reason = answer.reason
        response.headers = CaseInsensitiveDict(answer.getheaders())
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = _decoded(answer.content, response.headers.get("Content-Encoding"))
        response.url = request.url
        response.request = request
        response.connection = self
        response.elapsed = timedelta(seconds=perf_counter() - started)
        return response

    def _connect(self, key, verify, connect_timeout, url):
        scheme, host, port = key[:3]
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=connect_timeout,
                                                     context=self._context(verify))
        else:
            connection = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        try:
            connection.connect()
        except socket.timeout as exc:
            raise requests.ConnectTimeout(f"cannot connect to {url} in time: {exc}") from exc
        except ssl.SSLError as exc:
            raise requests.exceptions.SSLError(f"TLS with {url} failed: {exc}") from exc
        except OSError as exc:
            raise requests.ConnectionError(f"cannot connect to {url}: {exc}") from exc
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _context(self, verify):
        key = _verify_key(verify)
        if key not in self._contexts:
            if verify is False:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif isinstance(verify, str) and os.path.isdir(verify):
                context = ssl.create_default_context(capath=verify)
            elif isinstance(verify, str):
                context = ssl.create_default_context(cafile=verify)
            else:
                context = ssl.create_default_context()
            self._contexts[key] = context
        return self._contexts[key]

    def _take(self, key):
        """An idle connection still open at the other end, or None."""
        while True:
            with self._lock:
                pool = self._idle.get(key)
                connection = pool.pop() if pool else None
            if connection is None:
                return None
            if not _dropped(connection):
                return connection
            connection.close()

    def _give_back(self, key, connection):
        with self._lock:
            pool = self._idle.setdefault(key, [])
            if len(pool) < self.idle_per_host:
                pool.append(connection)
                return
        connection.close()


def _decoded(content, encoding):
    """The body without its gzip or deflate content coding."""
    encoding = (encoding or "").strip().lower()
    if not content or encoding not in ("gzip", "deflate"):
        return content
    if encoding == "gzip":
        return zlib.decompress(content, 16 + zlib.MAX_WBITS)
    try:
        return zlib.decompress(content)
    except zlib.error:  # raw deflate, as some servers send it
        return zlib.decompress(content, -zlib.MAX_WBITS)


def _timeouts(timeout):
    if isinstance(timeout, tuple):
        return timeout
    return timeout, timeout


def _verify_key(verify):
    return verify if isinstance(verify, (bool, str)) else True


def _dropped(connection):
    """True when the server closed an idle connection (it reads as ready, with nothing to say)."""
    if connection.sock is None:
        return True
    try:
        readable, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
