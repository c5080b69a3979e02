"""A creditor's campaign paused and resumed in the console: admins on the creditor's page, the
creditor's users on their dashboard, with a reason and a confirmation; another creditor's is a
404, collectors may not."""
import pytest
from sqlalchemy import select

from db.models import Creditor, CreditorEvent
from tests.factories import make_creditor


def paused_at(session, creditor):
    session.expire_all()
    return session.get(Creditor, creditor.id).paused_at


@pytest.fixture
def acme(users):
    return users["creditor"].creditor


def test_an_admin_pauses_and_resumes_from_the_creditors_page(browser, session, acme):
    browser.log_in("anna")
    page = browser.get(f"/mandanti/{acme.id}").get_data(as_text=True)
    assert "Metti in pausa" in page and "<strong>In corso</strong>" in page
    assert '<a href="#campagna">Campagna in corso</a>' in page   # at the top of a long form
    done = browser.post(f"/mandanti/{acme.id}/pausa",
                        {"motivo": "verifica della lista", "conferma": "si", "da": "mandante"},
                        follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.request.path == f"/mandanti/{acme.id}"
    assert "Campagna di Acme Energia in pausa" in text and "Riprendi la campagna" in text
    assert "da user:anna — verifica della lista" in text
    assert paused_at(session, acme) is not None
    browser.post(f"/mandanti/{acme.id}/ripresa", {"da": "mandante"})
    assert paused_at(session, acme) is None
    assert [(e.kind, e.source) for e in session.scalars(
        select(CreditorEvent).order_by(CreditorEvent.id))] == [("paused", "user:anna"),
                                                               ("resumed", "user:anna")]


def test_pausing_needs_the_confirmation_and_a_reason(browser, session, acme):
    browser.log_in("anna")
    unconfirmed = browser.post(f"/mandanti/{acme.id}/pausa", {"motivo": "lista da rivedere"},
                               follow_redirects=True)
    assert "Spunti la conferma" in unconfirmed.get_data(as_text=True)
    # The reason typed is there again to confirm, once: a later visit starts empty.
    assert 'value="lista da rivedere"' in unconfirmed.get_data(as_text=True)
    assert 'value="lista da rivedere"' not in browser.get("/cruscotto").get_data(as_text=True)
    no_reason = browser.post(f"/mandanti/{acme.id}/pausa", {"conferma": "si"},
                             follow_redirects=True)
    assert "Scriva il motivo." in no_reason.get_data(as_text=True)
    assert paused_at(session, acme) is None


def test_the_creditors_user_pauses_its_own_campaign_from_the_dashboard(browser, session, acme):
    browser.log_in("mara")
    assert "Metti in pausa" in browser.get("/cruscotto").get_data(as_text=True)
    done = browser.post(f"/mandanti/{acme.id}/pausa",
                        {"motivo": "contestazioni in corso", "conferma": "si"},
                        follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.request.path == "/cruscotto" and "Riprendi la campagna" in text
    assert "da user:mara" not in text   # the staff see who, the creditor's users the when
    assert session.scalar(select(CreditorEvent.source)) == "user:mara"
    again = browser.post(f"/mandanti/{acme.id}/pausa", {"motivo": "x", "conferma": "si"},
                         follow_redirects=True)
    assert "La campagna di Acme Energia è già in pausa." in again.get_data(as_text=True)


def test_another_creditors_campaign_is_a_404_and_collectors_may_not(browser, session, users):
    beta = make_creditor(session, name="Beta")
    browser.log_in("mara")
    for action in ("pausa", "ripresa"):
        response = browser.post(f"/mandanti/{beta.id}/{action}", {"motivo": "x", "conferma": "si"})
        assert response.status_code == 404
    browser.log_in("carlo")
    response = browser.post(f"/mandanti/{beta.id}/pausa", {"motivo": "x", "conferma": "si"})
    assert response.status_code == 403
    assert paused_at(session, beta) is None


def test_a_paused_campaign_is_said_on_its_positions_pages(browser, session, acme):
    from tests.factories import make_position

    position = make_position(session, acme)
    browser.log_in("anna")
    browser.post(f"/mandanti/{acme.id}/pausa", {"motivo": "x", "conferma": "si"})
    page = browser.get(f"/posizioni/{position.id}").get_data(as_text=True)
    assert "La campagna di Acme Energia è in pausa" in page
