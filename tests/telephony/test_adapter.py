"""The pooled adapter: requests' own `send`, a request in one write, a pool's key found once,
and cookies read only from an answer that sets some."""
import os

import requests
import responses

from telephony.adapter import PooledAdapter, _Connection
from tests.telephony.test_twilio_rest_transport import ok, serve  # noqa: F401 - fixture


class _Socket:
    """What a connection writes, write by write."""

    def __init__(self):
        self.writes = []

    def sendall(self, data):
        self.writes.append(bytes(data))

    def settimeout(self, _seconds):
        pass


def connection_on(socket):
    connection = _Connection("127.0.0.1", 9)
    connection.sock = socket
    return connection


def test_a_body_of_declared_length_goes_in_the_same_write_as_the_head():
    socket = _Socket()
    connection_on(socket).request("POST", "/Calls.json", body="To=%2B39333",
                                  headers={"Content-Length": "11", "User-Agent": "t"})
    [write] = socket.writes
    assert write.startswith(b"POST /Calls.json HTTP/1.1\r\n")
    assert write.endswith(b"\r\n\r\nTo=%2B39333") and write.count(b"Content-Length") == 1


def test_a_body_without_a_declared_length_is_sent_as_urllib3_sends_it():
    socket = _Socket()
    connection_on(socket).request("POST", "/Calls.json", body=b"abc", headers={"User-Agent": "t"})
    assert socket.writes[0].endswith(b"\r\n\r\n") and b"Content-Length: 3" in socket.writes[0]
    assert socket.writes[1:] == [b"abc"]
    socket = _Socket()
    connection_on(socket).request("GET", "/Calls.json", headers={"User-Agent": "t"})
    [write] = socket.writes
    assert write.startswith(b"GET /Calls.json HTTP/1.1\r\n") and write.endswith(b"\r\n\r\n")


def test_a_pools_key_is_found_once_not_per_request(serve, monkeypatch):
    server = serve(lambda request: ok())
    adapter, session = PooledAdapter(max_retries=0), requests.Session()
    session.mount("http://", adapter)
    stats = []
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda path: stats.append(path) or real_isdir(path))
    for _ in range(3):
        assert session.post(server.url + "/x", data=b"a", verify="/no/such/bundle").ok
    assert stats == ["/no/such/bundle"]          # requests alone would stat it each time
    assert server.connections == 1 and len(server.requests) == 3


def test_cookies_are_read_from_an_answer_that_sets_some(serve):
    server = serve(lambda request: ok(extra=b"Set-Cookie: region=eu; Path=/\r\n")
                   if b"/set " in request else ok())
    session = requests.Session()
    session.mount("http://", PooledAdapter(max_retries=0))
    assert session.post(server.url + "/set", data=b"a").cookies.get("region") == "eu"
    plain = session.post(server.url + "/plain", data=b"a")
    assert plain.status_code == 201 and plain.json() == {"sid": "CA1"}
    assert plain.cookies.get_dict() == {} and plain.reason == "Created"
    assert (plain.url, plain.encoding) == (server.url + "/plain", "utf-8")


def test_a_mock_of_requests_still_answers_every_request():
    session = requests.Session()
    session.mount("https://", PooledAdapter(max_retries=0))
    with responses.RequestsMock() as api:
        api.post("https://api.example.test/Calls.json", json={"sid": "CA9"}, status=201)
        assert session.post("https://api.example.test/Calls.json", data="a").json() == \
            {"sid": "CA9"}
