"""Outgoing webhooks: each feed event POSTed to a real server on loopback, signed, retried after
a failure with the same id, paused after repeated failures without losing anything; URLs that
could reach inside refused."""
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from api.delivery import PAUSE_AFTER, publish_and_deliver, resume
from api.webhooks import FakePoster, HttpPoster, WebhookError
from db.events import record_event
from db.models import Creditor, Position, WebhookDelivery
from domain.webhook_urls import WebhookUrlError, check_webhook_url
from tests.api.conftest import item
from tests.api.receiver import Receiver

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hooked(app, runner, creditor, receiver):
    app.config.update(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_ALLOW_PRIVATE=True)
    result = runner.invoke(args=["creditor", "set", creditor.name, "--webhook-url", receiver.url])
    assert result.exit_code == 0, result.output
    return result.output.rsplit(": ", 1)[1].strip()   # the signing secret, printed once


def _outcome(api, session, outcome="confirmed", reference="P-1"):
    position = session.scalar(select(Position).where(Position.reference == reference))
    if position is None:
        api.put("/api/v1/positions", json={"positions": [item(reference)]})
        position = session.scalar(select(Position).where(Position.reference == reference))
    record_event(session, position.id, "outcome", "test", {"outcome": outcome}, at=NOW)
    session.commit()


def test_an_event_is_posted_signed_and_retried_after_a_500_with_the_same_id(
        app, api, session, receiver, hooked):
    assert hooked.startswith("whsec_")
    _outcome(api, session)
    receiver.statuses = [500]
    first = publish_and_deliver(app, NOW)
    assert (first.published, first.sent, first.retried) == (1, 0, 1)
    assert publish_and_deliver(app, NOW + timedelta(seconds=30)).sent == 0   # backing off
    second = publish_and_deliver(app, NOW + timedelta(minutes=2))
    assert second.sent == 1
    (_p1, headers1, body1, s1), (path, headers, body, s2) = receiver.received
    assert (s1, s2, path) == (500, 200, "/hooks/cortesia")
    expected = "sha256=" + hmac.new(hooked.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Cortesia-Signature"], expected)
    event = json.loads(body)
    assert json.loads(body1)["id"] == event["id"] == headers["X-Cortesia-Event-Id"]
    assert (event["type"], event["reference"], event["data"]) == \
        ("outcome", "P-1", {"outcome": "confirmed"})
    assert str(event["timestamp"]) == headers["X-Cortesia-Timestamp"]
    # The feed and the webhook tell the same event by the same id.
    assert api.get("/api/v1/events").json["items"][0]["id"] == event["id"]
    assert publish_and_deliver(app, NOW + timedelta(hours=1)).sent == 0   # never twice


def test_repeated_failures_pause_the_webhook_and_lose_nothing(app, api, session, receiver, hooked,
                                                            creditor):
    _outcome(api, session)
    receiver.statuses = [503] * PAUSE_AFTER
    moment = NOW
    for _ in range(PAUSE_AFTER):
        publish_and_deliver(app, moment)
        moment += timedelta(hours=4)
    session.expire_all()
    assert session.get(Creditor, creditor.id).webhook_paused_at is not None
    delivery = session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.tries, delivery.last_error) == ("queued", PAUSE_AFTER,
                                                                      "HTTP 503")
    _outcome(api, session, "no_answer", "P-2")
    assert publish_and_deliver(app, moment).sent == 0     # paused: new events wait too
    resume(session, session.get(Creditor, creditor.id), moment)
    session.commit()
    assert publish_and_deliver(app, moment).sent == 2
    assert len(receiver.received) == PAUSE_AFTER + 2


def test_a_claim_whose_worker_died_is_sent_again(app, api, session, hooked):
    _outcome(api, session)
    publish_and_deliver(app, NOW, limit=0)
    session.execute(WebhookDelivery.__table__.update().values(
        status="sending", lease_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
    session.commit()
    report = publish_and_deliver(app, NOW)
    assert (report.recovered, report.sent) == (1, 1)


def test_no_webhook_url_no_deliveries(app, api, session):
    _outcome(api, session)
    report = publish_and_deliver(app, NOW)
    assert (report.published, report.sent) == (1, 0)
    assert session.scalar(select(WebhookDelivery)) is None


def _resolver(*addresses):
    def resolve(host, port, type=None):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]
    return resolve


@pytest.mark.parametrize("url, addresses, code", [
    ("http://hooks.example.com/x", ["93.184.216.34"], "not_https"),
    ("https://user:pw@hooks.example.com/x", ["93.184.216.34"], "invalid"),
    ("https://localhost/x", ["127.0.0.1"], "private_address"),
    ("https://intranet.example.com/x", ["10.1.2.3"], "private_address"),
    ("https://mixed.example.com/x", ["93.184.216.34", "192.168.1.9"], "private_address"),
    ("https://metadata.example.com/x", ["169.254.169.254"], "private_address"),
    ("https://v6.example.com/x", ["::1"], "private_address"),
    ("https://mapped.example.com/x", ["::ffff:127.0.0.1"], "private_address"),
    ("ftp://hooks.example.com/x", ["93.184.216.34"], "not_https"),
])
def test_urls_that_could_reach_inside_are_refused(url, addresses, code):
    with pytest.raises(WebhookUrlError) as refused:
        check_webhook_url(url, resolve=_resolver(*addresses))
    assert refused.value.code == code


def test_a_public_https_url_is_taken():
    url = "https://hooks.example.com/cortesia"
    assert check_webhook_url(url, resolve=_resolver("93.184.216.34")) == url


def test_creditor_set_refuses_a_loopback_webhook_outside_development(runner, creditor, receiver):
    result = runner.invoke(args=["creditor", "set", creditor.name, "--webhook-url", receiver.url])
    assert result.exit_code != 0 and "https://" in result.output


@pytest.fixture(params=["real", "fake"])
def poster(request, receiver):
    """The contract both posters keep: a 2xx is taken, anything else raises WebhookError."""
    if request.param == "real":
        return HttpPoster(), lambda status: receiver.statuses.append(status)
    fake = FakePoster()
    return fake, lambda status: fake.fail_with.append(f"HTTP {status}")


def test_poster_contract(poster, receiver):
    sender, answer_next = poster
    headers = {"Content-Type": "application/json"}
    assert sender.post(receiver.url, "127.0.0.1", b"{}", headers, 5) == 200
    answer_next(500)
    with pytest.raises(WebhookError, match="HTTP 500"):
        sender.post(receiver.url, "127.0.0.1", b"{}", headers, 5)


def test_the_readme_receiver_accepts_a_real_delivery_and_refuses_a_forged_or_old_one(
        app, api, session, receiver, hooked):
    readme = open("README.md", encoding="utf-8").read()
    section = readme[readme.index("A receiver checks a delivery in ten lines"):]
    code = section[section.index("```python") + 9:section.index("```", section.index("```python") + 9)]
    assert len(code.strip().splitlines()) <= 10
    namespace = {}
    exec(code, namespace)   # the README's own code, as a reader would paste it
    verified_event = namespace["verified_event"]
    _outcome(api, session)
    publish_and_deliver(app, NOW)
    (_path, headers, body, _status), = receiver.received
    assert verified_event(body, headers["X-Cortesia-Signature"], hooked)["type"] == "outcome"
    assert verified_event(body.replace(b"confirmed", b"promised"),
                          headers["X-Cortesia-Signature"], hooked) is None
    assert verified_event(body, headers["X-Cortesia-Signature"], "whsec_wrong") is None
    assert verified_event(body, headers["X-Cortesia-Signature"], hooked, max_age=-1) is None


@pytest.fixture(scope="module")
def hooks_certificate(tmp_path_factory):
    """A self-signed certificate for the name hooks.cortesia.test (no DNS knows it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("hooks-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=hooks.cortesia.test",
                    "-addext", "subjectAltName=DNS:hooks.cortesia.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def test_https_goes_to_the_checked_address_with_the_hosts_name_in_tls(app, runner, api, session,
                                                                      creditor, hooks_certificate):
    # hooks.cortesia.test resolves only through the delivery's resolver: the poster connects to
    # the address that was checked, never resolving the name again (DNS rebinding).
    server = Receiver(tls=hooks_certificate, host="hooks.cortesia.test")
    try:
        app.config.update(WEBHOOK_ALLOW_PRIVATE=True)
        app.extensions["cortesia.webhook_resolver"] = _resolver("127.0.0.1")
        app.extensions["cortesia.webhook_poster"] = HttpPoster(ca_certs=hooks_certificate[0])
        creditor = session.get(Creditor, creditor.id)
        creditor.webhook_url, creditor.webhook_secret = server.url, "whsec_test"
        session.commit()
        _outcome(api, session)
        assert publish_and_deliver(app, NOW).sent == 1
        (_path, headers, _body, _status), = server.received
        assert headers["Host"] == server.url.split("/")[2]
        # A certificate that does not name the host is refused: retried, not sent.
        app.extensions["cortesia.webhook_poster"] = HttpPoster()   # the public CAs only
        _outcome(api, session, "no_answer", "P-2")
        assert publish_and_deliver(app, NOW).retried == 1
        # And once the name resolves inside, without WEBHOOK_ALLOW_PRIVATE, nothing goes.
        app.config.update(WEBHOOK_ALLOW_PRIVATE=False)
        assert publish_and_deliver(app, NOW + timedelta(hours=1)).retried == 1
        assert "internal address" in session.scalar(
            select(WebhookDelivery.last_error).where(WebhookDelivery.status == "queued"))
        assert len(server.received) == 1
    finally:
        server.close()
