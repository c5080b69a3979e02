"""TwilioTelephony's transport against real sockets on loopback: kept-alive connections,
timeouts, a lost answer told from a request that never went out, TLS."""
import logging
import socket
import ssl
import threading

import pytest

from bench.twilio_standin import TwilioStandIn
from telephony import CallRequest, PlaceCallError
from telephony.twilio_rest import TwilioTelephony
from tests.tls import certificate  # noqa: F401 - fixture

ACCOUNT_SID = "AC" + "1" * 32
REQUEST = CallRequest(to="+393331234567", from_="+390212345678",
                      url="https://cortesia.example.test/ivr/tok/answer",
                      status_callback="https://cortesia.example.test/ivr/tok/status", timeout=25)


class LoopbackServer:
    """A raw HTTP/1.1 server on 127.0.0.1 whose behaviour per request a test chooses.

    `behaviour(request_bytes)` returns the bytes to answer with; None to close without
    answering; `"hold"` to keep the connection silent; `(bytes, "then close")` to answer and
    close.
    """

    def __init__(self, behaviour, tls=None):
        self.behaviour = behaviour
        self.connections = 0
        self.requests = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.tls = tls
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _accept(self):
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.tls:
                try:
                    client = self.tls.wrap_socket(client, server_side=True)
                except (ssl.SSLError, OSError):
                    client.close()
                    continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        buffer = b""
        with client:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), 0)
                while len(buffer) < length:
                    buffer += client.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                self.requests.append((head, body))
                answer = self.behaviour(head + b"\r\n\r\n" + body)
                if answer == "hold":
                    self.stopped.wait(5)
                    return
                if answer is None:
                    return
                if isinstance(answer, tuple):
                    client.sendall(answer[0])
                    return
                client.sendall(answer)

    def close(self):
        self.stopped.set()
        self.listener.close()


def ok(body=b'{"sid": "CA1"}', extra=b""):
    return (b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


@pytest.fixture
def serve():
    servers = []

    def start(behaviour, tls=None):
        servers.append(LoopbackServer(behaviour, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def place(url, timeout=2):
    return TwilioTelephony(ACCOUNT_SID, "secret-token", url, timeout=timeout).place_call(REQUEST)


def test_calls_to_one_host_share_one_kept_alive_connection(serve):
    server = serve(lambda request: ok())
    telephony = TwilioTelephony(ACCOUNT_SID, "secret-token", server.url, timeout=2)
    assert [telephony.place_call(REQUEST) for _ in range(5)] == ["CA1"] * 5
    assert server.connections == 1 and len(server.requests) == 5
    assert b"To=%2B393331234567" in server.requests[0][1]


def test_a_connection_the_server_closed_while_idle_is_replaced(serve):
    # Each answer promises keep-alive, then the server drops the connection (an idle
    # timeout at a load balancer, say): the next call must not be sent into it.
    server = serve(lambda request: (ok(), "then close"))
    telephony = TwilioTelephony(ACCOUNT_SID, "secret-token", server.url, timeout=2)
    assert telephony.place_call(REQUEST) == "CA1"
    server.stopped.wait(0.2)
    assert telephony.place_call(REQUEST) == "CA1"
    assert server.connections == 2 and len(server.requests) == 2


def test_an_answer_that_does_not_come_in_time_may_have_placed_the_call(serve):
    server = serve(lambda request: "hold")
    with pytest.raises(PlaceCallError, match="within the timeout") as raised:
        place(server.url, timeout=0.2)
    assert raised.value.maybe_placed


def test_a_connection_cut_after_the_whole_request_may_have_placed_the_call(serve):
    server = serve(lambda request: None)
    with pytest.raises(PlaceCallError, match="was lost") as raised:
        place(server.url)
    assert raised.value.maybe_placed
    assert len(server.requests) == 1   # it did arrive: the server may have acted on it


def test_nothing_listening_certainly_placed_nothing():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(PlaceCallError, match="cannot reach") as raised:
        place(f"http://127.0.0.1:{port}")
    assert not raised.value.maybe_placed


def test_no_log_line_at_any_level_quotes_the_numbers_unmasked(caplog):
    with TwilioStandIn() as standin, caplog.at_level(logging.DEBUG):
        telephony = TwilioTelephony(ACCOUNT_SID, "secret-token", standin.url, timeout=2)
        telephony.place_call(REQUEST)
        telephony.find_call(REQUEST, standin.clock())
    lines = "\n".join(record.getMessage() for record in caplog.records)
    # urllib3's own line of the listing stays for debugging, its numbers masked
    assert f'"GET /2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json?To=+39333****567' in lines
    assert "3331234567" not in lines and "0212345678" not in lines


def tls_server(serve, certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return serve(lambda request: ok(), tls=context)


def tls_server(serve, certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return serve(lambda request: ok(), tls=context)


def test_https_is_verified_against_the_authority_the_environment_names(serve, certificate,
                                                                       monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
    assert place(tls_server(serve, certificate).url) == "CA1"


def test_an_untrusted_certificate_is_refused_and_placed_nothing(serve, certificate, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(PlaceCallError, match="cannot reach") as raised:
        place(tls_server(serve, certificate).url)
    assert not raised.value.maybe_placed
