"""The keep-alive transport against real sockets on loopback: reuse, timeouts, lost answers, TLS."""
import gzip
import shutil
import socket
import ssl
import subprocess
import threading

import pytest
import requests
import responses

from telephony.http import KeepAliveAdapter, ResponseLost


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
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/calls"

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


def post(adapter, url, timeout=2, **options):
    prepared = requests.Request("POST", url, data={"To": "+393331234567"}).prepare()
    return adapter.send(prepared, timeout=timeout, **options)


def test_requests_to_one_host_share_one_kept_alive_connection(serve):
    server = serve(lambda request: ok())
    adapter = KeepAliveAdapter()
    answers = [post(adapter, server.url) for _ in range(5)]
    assert [a.status_code for a in answers] == [201] * 5
    assert answers[0].json() == {"sid": "CA1"}
    assert server.connections == 1 and len(server.requests) == 5
    assert server.requests[0][1] == b"To=%2B393331234567"


def test_a_connection_the_server_closed_while_idle_is_replaced(serve):
    # Each answer promises keep-alive, then the server drops the connection (an idle
    # timeout at a load balancer, say): the next request must not be sent into it.
    server = serve(lambda request: (ok(), "then close"))
    adapter = KeepAliveAdapter()
    assert post(adapter, server.url).status_code == 201
    server.stopped.wait(0.2)
    assert post(adapter, server.url).status_code == 201
    assert server.connections == 2 and len(server.requests) == 2


def test_an_answer_that_does_not_come_in_time_is_a_read_timeout(serve):
    server = serve(lambda request: "hold")
    with pytest.raises(requests.ReadTimeout):
        post(KeepAliveAdapter(), server.url, timeout=0.2)


def test_a_connection_cut_after_the_whole_request_is_a_lost_answer(serve):
    server = serve(lambda request: None)
    with pytest.raises(ResponseLost):
        post(KeepAliveAdapter(), server.url)
    assert len(server.requests) == 1   # it did arrive: the server may have acted on it


def test_nothing_listening_is_a_connection_error_and_not_a_lost_answer():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as raised:
        post(KeepAliveAdapter(), f"http://127.0.0.1:{port}/calls")
    assert not isinstance(raised.value, ResponseLost)


def test_a_gzipped_answer_is_decoded(serve):
    body = gzip.compress(b'{"sid": "CA9"}')
    server = serve(lambda request: ok(body, b"Content-Encoding: gzip\r\n"))
    assert post(KeepAliveAdapter(), server.url).json() == {"sid": "CA9"}


def test_an_answer_saying_close_closes_the_connection(serve):
    server = serve(lambda request: ok(extra=b"Connection: close\r\n"))
    adapter = KeepAliveAdapter()
    for _ in range(2):
        assert post(adapter, server.url).status_code == 201
    assert server.connections == 2 and not any(adapter._idle.values())


def test_a_proxied_request_goes_through_requests_own_adapter():
    with responses.RequestsMock() as mock:   # it patches only requests' own adapter
        mock.post("http://api.example.test/calls", json={"sid": "CA2"}, status=201)
        answer = post(KeepAliveAdapter(), "http://api.example.test/calls",
                      proxies={"http": "http://proxy.example.test:3128"})
    assert answer.json() == {"sid": "CA2"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate path, key path)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def tls_server(serve, certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return serve(lambda request: ok(), tls=context)


def test_https_is_verified_against_the_given_authority(serve, certificate):
    server = tls_server(serve, certificate)
    assert post(KeepAliveAdapter(), server.url, verify=certificate[0]).status_code == 201


def test_an_untrusted_certificate_is_refused(serve, certificate):
    server = tls_server(serve, certificate)
    with pytest.raises(requests.exceptions.SSLError):
        post(KeepAliveAdapter(), server.url)
