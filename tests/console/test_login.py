"""Logging in to the console: hashed passwords, throttled guessing, CSRF, safe sessions."""
from datetime import datetime, timezone

from db.models import LoginAttempt, User
from tests.console.conftest import PASSWORD


def test_every_page_but_the_login_needs_a_login(browser):
    response = browser.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/")
    assert browser.get("/login").status_code == 200
    assert browser.get("/healthz").status_code == 200


def at(monkeypatch, *moment):
    """The console's clock at `moment` (UTC)."""
    monkeypatch.setattr("console.views.utcnow",
                        lambda: datetime(*moment, tzinfo=timezone.utc))


def test_a_user_logs_in_and_lands_on_the_home_page(browser, users, monkeypatch):
    at(monkeypatch, 2026, 11, 24, 9, 0)          # 10:00 in Rome
    response = browser.log_in("anna")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = browser.get("/").get_data(as_text=True)
    assert "Buongiorno, anna" in home and "amministratore" in home


def test_the_home_page_greets_as_the_hour_asks_on_the_users_clock(browser, users, session,
                                                                  monkeypatch):
    at(monkeypatch, 2026, 11, 24, 18, 30)        # 19:30 in Rome, 13:30 in New York
    browser.log_in("anna")
    assert "Buonasera, anna" in browser.get("/").get_data(as_text=True)
    browser.post("/logout")
    users["creditor"].creditor.timezone = "America/New_York"
    session.commit()
    browser.log_in("mara")
    assert "Buongiorno, mara" in browser.get("/").get_data(as_text=True)


def test_the_username_is_not_case_sensitive(browser, users):
    assert browser.log_in("Anna").status_code == 302


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(browser, users):
    wrong = browser.log_in("anna", "sbagliata-davvero")
    unknown = browser.log_in("nessuno", "sbagliata-davvero")
    assert wrong.status_code == unknown.status_code == 401
    assert "Nome utente o password non corretti" in wrong.get_data(as_text=True)
    assert wrong.get_data(as_text=True) == unknown.get_data(as_text=True)


def test_passwords_are_stored_hashed(session, users):
    stored = session.get(User, users["admin"].id).password_hash
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_guessing_is_stopped_after_five_failures_even_with_the_right_password(browser, users,
                                                                             session):
    for _ in range(5):
        assert browser.log_in("anna", "tentativo-sbagliato").status_code == 401
    blocked = browser.log_in("anna")
    assert blocked.status_code == 429 and "riprovi tra 15 minuti" in blocked.get_data(as_text=True)
    assert browser.log_in("carlo").status_code == 302          # other users are not locked out
    assert session.query(LoginAttempt).count() == 6          # refused ones are not tried


def test_a_login_without_the_forms_token_is_refused(browser, users):
    response = browser.post("/login", {"username": "anna", "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    forged = browser.post("/login", {"username": "anna", "password": PASSWORD,
                                     "csrf_token": "indovinato"})
    assert forged.status_code == 400


def test_logout_is_a_post_with_the_token(browser, users):
    browser.log_in("anna")
    assert browser.post("/logout", csrf=False).status_code == 400
    assert browser.get("/").status_code == 200                 # still logged in
    assert browser.post("/logout").status_code == 302
    assert browser.get("/").status_code == 302


def test_a_disabled_user_is_logged_out_and_cannot_log_in(browser, users, runner):
    browser.log_in("carlo")
    assert runner.invoke(args=["user", "disable", "carlo"]).exit_code == 0
    assert browser.get("/").status_code == 302
    assert browser.log_in("carlo").status_code == 401


def test_after_login_the_user_returns_to_the_page_asked_for_but_never_elsewhere(browser, users):
    token = browser.csrf_token()
    back = browser.post("/login", {"username": "anna", "password": PASSWORD, "next": "/?x=1",
                                   "csrf_token": token})
    assert back.headers["Location"] == "/?x=1"
    browser.post("/logout")
    away = browser.post("/login", {"username": "anna", "password": PASSWORD,
                                   "next": "https://evil.example/"})
    assert away.headers["Location"] == "/"


def test_the_session_cookie_is_secure_http_only_and_same_site(browser, users):
    response = browser.log_in("anna")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_nul_in_the_username_is_refused_with_a_message_and_the_name_kept(browser, users,
                                                                          session):
    refused = browser.log_in("an\x00na")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "«Nome utente» contiene un carattere non ammesso" in page
    assert 'value="anna"' in page and session.query(LoginAttempt).count() == 0


def test_a_next_page_written_with_a_backslash_or_a_control_character_stays_here(browser, users):
    for target in ("/\\evil.example/", "/\\\\evil.example/", "/\t/evil.example/"):
        away = browser.post("/login", {"username": "anna", "password": PASSWORD,
                                       "next": target})
        assert away.headers["Location"] == "/", target
