"""Receipts a debtor uploaded on their page, on the console's position page."""
from console.accounts import create_user
from contacts.receipts import save_receipt
from db.models import utcnow
from tests.console.conftest import PASSWORD, Browser
from tests.factories import make_creditor, make_position

PDF = b"%PDF-1.4\n%%EOF\n"


def kept(session, position, data=PDF, name="bonifico <marzo>.pdf"):
    receipt = save_receipt(session, position, data, name, "debtor:page", utcnow())
    session.commit()
    return receipt


def test_collectors_admins_and_the_creditors_users_see_and_download_a_receipt(
        browser, users, session, app):
    position = make_position(session, users["creditor"].creditor)
    receipt = kept(session, position)
    for username in ("mara", "carlo", "anna"):
        user = Browser(app.test_client())
        user.log_in(username)
        page = user.get(f"/posizioni/{position.id}").get_data(as_text=True)
        assert "Ricevute caricate dal debitore" in page and "«bonifico &lt;marzo&gt;.pdf»" in page
        got = user.get(f"/posizioni/{position.id}/ricevute/{receipt.id}")
        assert got.status_code == 200 and got.data == PDF
        assert got.mimetype == "application/pdf"
        assert got.headers["Content-Disposition"] == \
            f'attachment; filename="ricevuta-{receipt.id}.pdf"'
        assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_another_creditors_user_never_gets_a_receipt(browser, users, session):
    other = make_position(session, make_creditor(session, name="Beta"), reference="B-1")
    receipt = kept(session, other)
    create_user(session, "bea", PASSWORD, "creditor", other.creditor)
    session.commit()
    browser.log_in("mara")
    assert browser.get(f"/posizioni/{other.id}/ricevute/{receipt.id}").status_code == 404
    mine = make_position(session, users["creditor"].creditor, reference="A-1")
    assert browser.get(f"/posizioni/{mine.id}/ricevute/{receipt.id}").status_code == 404


def test_the_upload_is_in_the_timeline(browser, users, session):
    position = make_position(session, users["creditor"].creditor)
    kept(session, position)
    browser.log_in("carlo")
    page = browser.get(f"/posizioni/{position.id}").get_data(as_text=True)
    assert "Ricevuta di pagamento caricata dal debitore" in page and "debtor:page" in page
