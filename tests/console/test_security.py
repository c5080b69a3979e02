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
