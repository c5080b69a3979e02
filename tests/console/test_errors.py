"""The console's error pages are Italian pages of the console, never Werkzeug's English ones;
the webhooks and the debtor's page keep their own."""
import pytest

ENGLISH = ("Not Found", "Forbidden", "Bad Request", "Method Not Allowed", "Too Large",
           "The requested URL", "Internal Server Error")


def assert_italian(response, status, heading):
    text = response.get_data(as_text=True)
    assert response.status_code == status and response.mimetype == "text/html"
    assert heading in text and f"Codice {status}" in text and '<html lang="it">' in text
    assert not [word for word in ENGLISH if word in text]
    return text


def test_an_address_that_matches_nothing_is_an_italian_404_with_a_way_on(browser, users):
    text = assert_italian(browser.get("/nessuna-pagina"), 404, "Pagina non trovata")
    assert "Vai all&#39;accesso" in text or "Vai all'accesso" in text
    browser.log_in("anna")
    text = assert_italian(browser.get("/posizioni/999999"), 404, "Pagina non trovata")
    assert "Torna alla home" in text and "anna" in text


def test_a_page_the_role_may_not_open_is_an_italian_403(browser, users):
    browser.log_in("carlo")
    assert_italian(browser.get("/cruscotto"), 403, "Accesso non consentito")


def test_a_form_without_its_token_is_an_italian_400(browser, users):
    browser.log_in("anna")
    assert_italian(browser.post("/logout", csrf=False), 400, "Richiesta non valida")


def test_a_method_the_page_does_not_take_is_an_italian_405(browser, users):
    assert_italian(browser.get("/logout"), 405, "Operazione non consentita")


def test_an_upload_over_the_limit_is_an_italian_413(app, browser, users):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    browser.log_in("anna")
    token = browser.csrf_token()
    response = browser.post("/liste", {"csrf_token": token, "note": "x" * 5000}, csrf=False)
    assert_italian(response, 413, "File troppo grande")


@pytest.mark.parametrize("path", ["/ivr/nessun-token/answer", "/p/nessun-link"])
def test_the_webhooks_and_the_debtors_page_keep_their_own_errors(browser, path):
    response = browser.get(path)
    assert "Codice " not in response.get_data(as_text=True)
