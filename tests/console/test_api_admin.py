"""The API in the console: an admin makes a key (shown once, and it works), revokes it (it
stops working), sets the webhook and resumes it after a pause; the API's page for creditors."""
import re

from sqlalchemy import select

from db.models import ApiKey, Creditor, utcnow


def _acme(session):
    return session.scalar(select(Creditor))


def test_an_admin_makes_a_key_shown_once_that_works_and_revokes_it(browser, users, session,
                                                                    client):
    browser.log_in("anna")
    acme = _acme(session)
    page = browser.post(f"/mandanti/{acme.id}/api/chiavi", {"label": "gestionale"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    key = re.search(r'<code class="secret">(ctsa_[^<]+)</code>', text)[1]
    assert "non sarà più mostrata" in text
    assert key not in browser.get(f"/mandanti/{acme.id}/api").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/positions", headers=headers).status_code == 200
    key_id = session.scalar(select(ApiKey.id))
    done = browser.post(f"/mandanti/{acme.id}/api/chiavi/{key_id}/revoca", follow_redirects=True)
    assert "revocata" in done.get_data(as_text=True)
    assert client.get("/api/v1/positions", headers=headers).status_code == 401


def test_only_admins_manage_keys(browser, users, session):
    acme = _acme(session)
    browser.log_in("mara")
    assert browser.get(f"/mandanti/{acme.id}/api").status_code == 403
    assert browser.post(f"/mandanti/{acme.id}/api/chiavi", {"label": "x"}).status_code == 403
    assert session.scalar(select(ApiKey)) is None


def test_another_creditors_key_cannot_be_revoked_from_this_page(browser, users, session):
    from tests.factories import make_creditor
    from api.keys import add_key
    beta = make_creditor(session, name="Beta")
    row, _key = add_key(session, beta, None, "test", utcnow())
    session.commit()
    browser.log_in("anna")
    acme = _acme(session)
    assert browser.post(f"/mandanti/{acme.id}/api/chiavi/{row.id}/revoca").status_code == 404


def test_the_webhook_url_is_checked_and_a_paused_webhook_resumed(app, browser, users, session):
    browser.log_in("anna")
    acme = _acme(session)
    refused = browser.post(f"/mandanti/{acme.id}/api/webhook",
                           {"webhook_url": "http://127.0.0.1:9/x"})
    assert refused.status_code == 400
    assert "https://" in refused.get_data(as_text=True)
    app.config.update(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_ALLOW_PRIVATE=True)
    saved = browser.post(f"/mandanti/{acme.id}/api/webhook",
                         {"webhook_url": "http://127.0.0.1:9/x"}, follow_redirects=True)
    assert "Webhook salvato" in saved.get_data(as_text=True)
    session.expire_all()
    acme = _acme(session)
    assert acme.webhook_secret.startswith("whsec_")
    acme.webhook_paused_at = utcnow()
    session.commit()
    page = browser.get(f"/mandanti/{acme.id}/api").get_data(as_text=True)
    assert "Invii sospesi" in page
    browser.post(f"/mandanti/{acme.id}/api/webhook/riprendi")
    session.expire_all()
    assert _acme(session).webhook_paused_at is None


def test_the_api_page_shows_every_operation_to_admins_and_creditors(browser, users):
    browser.log_in("mara")
    page = browser.get("/documentazione-api")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for operation in ("PUT /api/v1/positions", "GET /api/v1/events",
                      "POST /api/v1/positions/{reference}/payments"):
        assert operation in text
    assert "PositionItem" in text and "verification_code" in text
    browser.log_in("carlo")
    assert browser.get("/documentazione-api").status_code == 403
