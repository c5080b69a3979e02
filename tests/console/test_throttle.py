"""Login throttling: the guesser is slowed down, not the user they guess at; the count holds
under concurrent guesses and against a forged X-Forwarded-For."""
import http.client
import re
import threading
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest

from app import create_app
from console.accounts import create_user
from db.models import LoginAttempt, utcnow
from tests.console.browser import LiveServer
from tests.console.conftest import PASSWORD, Browser
from tests.conftest import AUTH_TOKEN

GUESSER, VICTIM = "203.0.113.66", "198.51.100.7"


def from_address(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


def failures(session, address, names, minutes_ago=1):
    """Failed attempts recorded a little while ago, one per name."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    session.add_all(LoginAttempt(username=name, address=address, succeeded=False, at=at)
                    for name in names)
    session.commit()


def test_a_guessers_failures_do_not_lock_out_the_user_from_another_address(browser, users):
    for _ in range(5):
        assert browser.log_in("anna", "tentativo-sbagliato", **from_address(GUESSER)).status_code == 401
    assert browser.log_in("anna", **from_address(GUESSER)).status_code == 429
    assert browser.log_in("anna", **from_address(VICTIM)).status_code == 302


def test_a_login_on_the_guessers_own_account_does_not_reset_the_count_of_their_address(
        browser, users, session):
    failures(session, GUESSER, [f"nome{i}" for i in range(19)])
    assert browser.log_in("carlo", **from_address(GUESSER)).status_code == 302   # their own
    browser.post("/logout")
    assert browser.log_in("anna", "tentativo-sbagliato", **from_address(GUESSER)).status_code == 401
    assert browser.log_in("mara", "tentativo-sbagliato", **from_address(GUESSER)).status_code == 429


def test_the_users_own_typos_are_forgiven_once_they_log_in(browser, users, session):
    failures(session, VICTIM, ["anna"] * 4, minutes_ago=2)
    assert browser.log_in("anna", **from_address(VICTIM)).status_code == 302
    browser.post("/logout")
    for _ in range(4):
        assert browser.log_in("anna", "refuso-ancora", **from_address(VICTIM)).status_code == 401
    assert browser.log_in("anna", **from_address(VICTIM)).status_code == 302


def test_guesses_from_many_addresses_meet_a_ceiling_that_spares_the_users_own_address(
        browser, users, session):
    session.add(LoginAttempt(username="anna", address=VICTIM, succeeded=True,
                             at=utcnow() - timedelta(days=3)))
    for block in range(10):
        failures(session, f"192.0.2.{block}", ["anna"] * 5)
    assert browser.log_in("anna", **from_address("192.0.2.200")).status_code == 429
    assert browser.log_in("anna", **from_address(VICTIM)).status_code == 302


def test_a_forged_x_forwarded_for_is_ignored_without_trusted_proxies(browser, users, session):
    for i in range(5):
        assert browser.log_in("anna", "tentativo-sbagliato",
                              headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 401
    assert browser.log_in("anna", headers={"X-Forwarded-For": "10.0.0.99"}).status_code == 429
    assert {a for (a,) in session.query(LoginAttempt.address)} == {"127.0.0.1"}


@pytest.fixture
def proxied(database_url):
    """The app behind one reverse proxy (TRUSTED_PROXIES=1), which sets X-Forwarded-For."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "proxied",
                      "PUBLIC_BASE_URL": "https://cortesia.example.test", "TRUSTED_PROXIES": 1,
                      "TELEPHONY": "simulator", "TWILIO_ACCOUNT_SID": None,
                      "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TTS_ENGINE": "say"})
    yield app
    app.extensions["cortesia.engine"].dispose()


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(proxied, users):
    browser = Browser(proxied.test_client())
    for _ in range(5):
        browser.log_in("anna", "tentativo-sbagliato", headers={"X-Forwarded-For": GUESSER})
    assert browser.log_in("anna", headers={"X-Forwarded-For": GUESSER}).status_code == 429
    assert browser.log_in("anna", headers={"X-Forwarded-For": VICTIM}).status_code == 302


class LoginClient:
    """A browser's login over a real socket to the live server, from a chosen local address."""

    def __init__(self, url, source="127.0.0.1"):
        parts = urlsplit(url)
        self.host, self.port, self.source = parts.hostname, parts.port, source
        page, response = self.request("GET", "/login")
        self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60,
                                                source_address=(self.source, 0))
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.read().decode(), response
        finally:
            connection.close()

    def log_in(self, username, password):
        _, response = self.request(
            "POST", "/login", urlencode({"username": username, "password": password,
                                         "csrf_token": self.token}),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie})
        return response.status


@pytest.fixture
def server(database_url, tmp_path):
    live = LiveServer(database_url, str(tmp_path / "instance"))
    yield live
    live.stop()


def test_concurrent_wrong_guesses_run_no_more_password_checks_than_the_limit(server, session):
    create_user(session, "anna", PASSWORD, "admin")
    session.commit()
    guesser = LoginClient(server.url)
    start, answers = threading.Barrier(40), []

    def guess(i):
        start.wait()
        answers.append(guesser.log_in("anna", f"tentativo-{i}"))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = session.query(LoginAttempt).filter(LoginAttempt.succeeded.is_(False)).count()
    assert answers.count(401) == checked <= 5 and answers.count(429) == 40 - checked
    # One by one, the guesser gets the rest of the five, then not even the right password works.
    later = [guesser.log_in("anna", f"ancora-{i}") for i in range(6 - checked)]
    assert later == [401] * (5 - checked) + [429]
    assert guesser.log_in("anna", PASSWORD) == 429
    assert LoginClient(server.url, source="127.0.0.2").log_in("anna", PASSWORD) == 302


def test_attempts_no_limit_looks_at_are_forgotten_at_the_next_login(browser, users, session):
    failures(session, GUESSER, ["anna"], minutes_ago=16)
    failures(session, GUESSER, ["mara"], minutes_ago=5)
    session.add(LoginAttempt(username="anna", address=VICTIM, succeeded=True,
                             at=utcnow() - timedelta(days=31)))
    session.add(LoginAttempt(username="anna", address=VICTIM, succeeded=True,
                             at=utcnow() - timedelta(days=20)))
    session.commit()
    assert browser.log_in("carlo", **from_address(VICTIM)).status_code == 302
    session.expire_all()
    kept = sorted((a.username, a.address, a.succeeded) for a in session.query(LoginAttempt))
    assert kept == [("anna", VICTIM, True), ("carlo", VICTIM, True), ("mara", GUESSER, False)]
