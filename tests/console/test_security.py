"""The console's guards: sessions that end at logout, and the headers every page carries."""
import json

from console.accounts import set_password
from db.models import User
from tests.console.conftest import PASSWORD, Browser

HOST = "cortesia.example.test"


def session_cookie(browser):
    return browser.client.get_cookie("session", domain=HOST).value


def replay(browser, cookie):
    """Put back a session cookie copied earlier, as someone who stole it would."""
    browser.client.set_cookie("session", cookie, domain=HOST)


def test_a_session_cookie_copied_before_logout_is_refused_after_it(browser, users):
    browser.log_in("anna")
    copied = session_cookie(browser)
    assert browser.get("/").status_code == 200
    assert browser.post("/logout").status_code == 302
    replay(browser, copied)
    response = browser.get("/utenti")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logging_out_ends_the_users_sessions_in_other_browsers_too(browser, users, app):
    other = Browser(app.test_client())
    other.log_in("anna")
    browser.log_in("anna")
    browser.post("/logout")
    assert other.get("/").status_code == 302
    assert browser.log_in("anna").status_code == 302 and browser.get("/").status_code == 200


def test_a_new_password_ends_the_sessions_made_with_the_old_one(browser, users, session):
    browser.log_in("carlo")
    set_password(session, session.get(User, users["collector"].id), "un-altra-password-lunga")
    session.commit()
    assert browser.get("/").status_code == 302
    assert browser.log_in("carlo").status_code == 401
    assert browser.log_in("carlo", "un-altra-password-lunga").status_code == 302


def test_the_session_cookie_holds_no_part_of_the_password_hash(browser, users, app, session):
    browser.log_in("anna")
    serializer = app.session_interface.get_signing_serializer(app)
    stored = json.dumps(serializer.loads(session_cookie(browser)))
    digest = session.get(User, users["admin"].id).password_hash.rsplit("$", 1)[-1]
    assert not any(digest[i:i + 8] in stored for i in range(len(digest) - 7))


def assert_guarded(response):
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "object-src 'none'", "base-uri 'none'", "form-action 'self'",
                      "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe" not in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in headers["Cache-Control"]


def test_console_pages_are_neither_framed_sniffed_referred_nor_cached(browser, users):
    assert_guarded(browser.get("/login"))
    assert_guarded(browser.log_in("anna", "sbagliata-davvero"))
    browser.log_in("anna")
    for path in ("/", "/posizioni?cerca=Rossi", "/utenti", "/posizioni/999"):
        assert_guarded(browser.get(path))
    assert browser.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_stylesheet_may_be_cached(browser):
    response = browser.get("/console/static/console.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_browsers_are_told_to_keep_to_https_only_when_the_console_is_served_over_it(
        database_url):
    from app import create_app

    plain = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "plain",
                        "PUBLIC_BASE_URL": "http://127.0.0.1:5000", "TELEPHONY": "simulator",
                        "TWILIO_ACCOUNT_SID": None, "TTS_ENGINE": "say"})
    response = plain.test_client().get("/login")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    plain.extensions["cortesia.engine"].dispose()
