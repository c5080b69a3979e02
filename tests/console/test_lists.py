"""An admin uploads a contact list, sees the preview, and only then imports it."""
import io
import os
import re

from sqlalchemy import func, select

from db.models import ImportBatch, Position

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "contacts.csv")


def upload(browser, creditor_id, data=None, name="contacts.csv"):
    with open(SAMPLE, "rb") as sample:
        content = sample.read() if data is None else data
    return browser.post("/liste", {"creditor": str(creditor_id),
                                   "file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")


def positions(session):
    session.expire_all()
    return session.scalar(select(func.count(Position.id)))


def test_the_preview_counts_and_explains_without_importing(browser, users, session):
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id).get_data(as_text=True)
    assert "<strong>11</strong> nuove posizioni" in page and "<strong>1</strong> righe scartate" in page
    assert "12" in page and "is not a valid phone number" in page
    assert positions(session) == 0 and session.scalar(select(func.count(ImportBatch.id))) == 0


def test_confirming_imports_once_and_records_the_history(browser, users, session, app):
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    form = {"token": token, "creditor": str(users["creditor"].creditor_id),
            "filename": "contacts.csv"}
    done = browser.post("/liste/conferma", form, follow_redirects=True).get_data(as_text=True)
    assert "Importazione completata: 11 nuove, 0 aggiornate, 1 scartate." in done
    assert "contacts.csv" in done and positions(session) == 11
    assert os.listdir(os.path.join(app.instance_path, "uploads")).count(token) == 0
    again = browser.post("/liste/conferma", form, follow_redirects=True).get_data(as_text=True)
    assert "Anteprima scaduta" in again and positions(session) == 11


def test_an_unreadable_file_imports_nothing_and_says_why(browser, users, session):
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id, b"\x00\x01 binary", "lista.xlsx")
    text = browser.get("/liste").get_data(as_text=True) if page.status_code == 302 else ""
    assert "Non è stato importato nulla" in text and positions(session) == 0


def test_only_csv_or_xlsx_and_a_creditor_are_accepted(browser, users):
    browser.log_in("anna")
    response = upload(browser, users["creditor"].creditor_id, b"x", "lista.pdf")
    assert "Scelga il mandante e un file CSV o XLSX" in browser.get("/liste").get_data(as_text=True)
    assert response.status_code == 302


def test_only_admins_upload_lists(browser, users):
    browser.log_in("carlo")
    assert browser.get("/liste").status_code == 403
    assert upload(browser, users["creditor"].creditor_id).status_code == 403


def test_a_forged_confirmation_token_is_refused(browser, users, session):
    browser.log_in("anna")
    response = browser.post("/liste/conferma", {"token": "../../etc/passwd",
                                                "creditor": str(users["creditor"].creditor_id)})
    assert response.status_code == 400 and positions(session) == 0


def test_a_file_name_with_a_nul_is_refused_with_a_message(browser, users, session):
    browser.log_in("anna")
    refused = upload(browser, users["creditor"].creditor_id, name="liste\x00.csv")
    page = browser.get("/liste").get_data(as_text=True)
    assert refused.status_code == 302 and "Il nome del file contiene caratteri non ammessi" in page
    assert positions(session) == 0 and session.scalar(select(func.count(ImportBatch.id))) == 0
