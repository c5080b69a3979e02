"""An admin uploads a contact list, sees the preview, and only then imports it."""
import html
import io
import os
import re
import time
from datetime import datetime, timezone

import pytest
from decimal import Decimal
from sqlalchemy import func, select

from db.models import Creditor, ImportBatch, Position
from tests.contacts.workbooks import good_rows, in_sheet, plain_zip, rewrite, workbook_bytes
from tests.factories import make_creditor, make_position

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc)
SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "contacts.csv")


@pytest.fixture(autouse=True)
def own_instance_folder(app, tmp_path):
    """Uploads of this test only, not those other tests left in the checkout's instance/."""
    app.instance_path = str(tmp_path / "instance")


@pytest.fixture(autouse=True)
def clock(app):
    """The app's clock, on which a list's due dates are read: after the sample's, in Rome."""
    app.extensions["cortesia.clock"] = lambda: NOW
    return NOW


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
    assert "12" in page and "non è un numero valido" in page
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


def uploaded_files(app):
    folder = os.path.join(app.instance_path, "uploads")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_a_zip_named_csv_is_refused_in_italian_and_leaves_no_file(browser, users, session, app):
    browser.log_in("anna")
    response = upload(browser, users["creditor"].creditor_id, plain_zip(), "lista.csv")
    assert response.status_code == 302
    page = browser.get("/liste").get_data(as_text=True)
    assert ("lista.csv: il file è un archivio ZIP, non una cartella di lavoro XLSX. "
            "Non è stato importato nulla.") in page
    assert positions(session) == 0 and uploaded_files(app) == []


def test_a_damaged_workbook_is_refused_in_italian(browser, users, session, app):
    broken = rewrite(workbook_bytes(good_rows(3)), in_sheet(b"<row", b"<row <", 1))
    browser.log_in("anna")
    upload(browser, users["creditor"].creditor_id, broken, "lista.xlsx")
    page = browser.get("/liste").get_data(as_text=True)
    assert "la cartella di lavoro è danneggiata e non si può leggere" in page
    assert positions(session) == 0 and uploaded_files(app) == []


def test_a_waiting_upload_is_private_and_cancelling_deletes_it(browser, users, app):
    os.makedirs(os.path.join(app.instance_path, "uploads"), mode=0o755)  # as versions before made it
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    folder = os.path.join(app.instance_path, "uploads")
    assert os.stat(folder).st_mode & 0o777 == 0o700
    assert {os.stat(os.path.join(folder, f)).st_mode & 0o777 for f in uploaded_files(app)} == {0o600}
    assert token in uploaded_files(app)
    done = browser.post("/liste/annulla", {"token": token}, follow_redirects=True)
    assert "Anteprima annullata" in done.get_data(as_text=True)
    assert uploaded_files(app) == []


def test_a_preview_with_nothing_to_import_keeps_no_file(browser, users, app):
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id,
                  b"reference,name,phone,amount,due_date\nP1,Mario,12,10,2026-10-15\n")
    assert "Nessuna riga può essere importata" in page.get_data(as_text=True)
    assert uploaded_files(app) == []


def test_uploads_abandoned_for_an_hour_are_swept(browser, users, app):
    browser.log_in("anna")
    upload(browser, users["creditor"].creditor_id)
    kept = uploaded_files(app)
    folder = os.path.join(app.instance_path, "uploads")
    old = os.path.join(folder, "0" * 32 + ".csv")
    with open(old, "w") as f:
        f.write("riferimento\n")
    os.utime(old, (time.time() - 3601, time.time() - 3601))
    browser.get("/liste")
    assert uploaded_files(app) == kept


def test_a_big_list_is_previewed_and_imported_in_the_background(browser, users, session, app):
    app.config["IMPORT_WAIT_SECONDS"] = 0
    rows = "".join(f"P{i};Nome {i};333{i:07d};10;2026-10-15\n" for i in range(6000))
    browser.log_in("anna")
    first = upload(browser, users["creditor"].creditor_id,
                   ("riferimento;nominativo;telefono;importo;scadenza\n" + rows).encode())
    assert first.headers.get("Refresh") == "1", "a preview still running shows its progress"
    assert "Lettura del file in corso" in first.get_data(as_text=True) or \
        "righe su circa" in first.get_data(as_text=True)
    job_url = re.search(r'href="(/liste/lavoro/[0-9a-f]{32})"', first.get_data(as_text=True))[1]
    page = wait_for_the_job(browser, job_url)
    assert "<strong>6000</strong> nuove posizioni" in page.get_data(as_text=True)
    assert positions(session) == 0
    token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    browser.post("/liste/conferma", {"token": token, "creditor": str(users["creditor"].creditor_id),
                                     "filename": "big.csv"})
    done = wait_for_the_job(browser, job_url)
    assert done.status_code == 302
    assert "Importazione completata: 6000 nuove" in browser.get("/liste").get_data(as_text=True)
    assert positions(session) == 6000 and uploaded_files(app) == []


def wait_for_the_job(browser, job_url, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        response = browser.get(job_url)
        if response.headers.get("Refresh") is None or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def test_the_confirmation_imports_for_the_previewed_creditor_whatever_the_form_says(
        browser, users, session):
    other = make_creditor(session, name="Beta Gas")
    session.commit()
    acme = users["creditor"].creditor_id
    browser.log_in("anna")
    page = upload(browser, acme).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    browser.post("/liste/conferma", {"token": token, "creditor": str(other.id),
                                     "filename": "altro.csv"})
    session.expire_all()
    assert set(session.scalars(select(Position.creditor_id))) == {acme}
    assert session.scalar(select(ImportBatch.filename)) == "contacts.csv"


def test_an_empty_upload_is_refused_in_italian_and_leaves_no_file(browser, users, session, app):
    browser.log_in("anna")
    upload(browser, users["creditor"].creditor_id, b"", "vuota.csv")
    page = browser.get("/liste").get_data(as_text=True)
    assert "vuota.csv: il file è vuoto: serve una riga di intestazione." in page
    assert positions(session) == 0 and uploaded_files(app) == []


def test_a_job_that_crashes_says_so_and_leaves_no_file(browser, users, session, app):
    gone = make_creditor(session, name="Cessata Srl")
    session.commit()
    browser.log_in("anna")
    page = upload(browser, gone.id).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    session.delete(gone)  # the import then meets no creditor: an error no refusal foresaw
    session.commit()
    browser.post("/liste/conferma", {"token": token})
    page = browser.get("/liste").get_data(as_text=True)
    assert "L&#39;importazione si è interrotta per un errore del server" in page
    assert positions(session) == 0 and uploaded_files(app) == []


def test_a_complete_list_previews_then_pays_the_positions_it_lacks(browser, users, session):
    acme = session.get(Creditor, users["creditor"].creditor_id)
    gone = make_position(session, acme, reference="GONE-1")
    browser.log_in("anna")
    with open(SAMPLE, "rb") as sample:
        content = sample.read()
    page = browser.post("/liste", {"creditor": str(acme.id), "chiudi_mancanti": "1",
                                   "file": (io.BytesIO(content), "completa.csv")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "<strong>1</strong> posizioni assenti dalla lista completa saranno segnate" in page
    assert session.get(Position, gone.id).status == "open"
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    # The option travels with the preview, on the server: the confirmation form cannot drop it.
    done = browser.post("/liste/conferma", {"token": token}, follow_redirects=True)
    assert ("1 scartate, 1 assenti dalla lista completa segnate come pagate."
            in done.get_data(as_text=True))
    session.expire_all()
    assert session.get(Position, gone.id).status == "paid"


def test_the_preview_warns_of_positions_without_a_code_when_the_creditor_requires_one(
        browser, users, session):
    acme = session.get(Creditor, users["creditor"].creditor_id)
    acme.require_code = True
    session.commit()
    browser.log_in("anna")
    page = upload(browser, acme.id).get_data(as_text=True)
    assert "senza codice di verifica" in page and "righe 3, 4," in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = browser.post("/liste/conferma", {"token": token, "creditor": str(acme.id),
                                            "filename": "contacts.csv"}, follow_redirects=True)
    assert "posizioni senza codice di verifica" in done.get_data(as_text=True)
    assert positions(session) == 11


def test_the_preview_warns_of_nothing_when_the_creditor_does_not_require_a_code(browser, users):
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id).get_data(as_text=True)
    assert "senza codice di verifica" not in page


def section(page, title):
    """The table under the heading `title` of a page."""
    return page.split(f"<h2>{title}</h2>")[1].split("</table>")[0]


def test_the_preview_shows_the_first_accepted_rows_as_they_will_be_imported(browser, users):
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id).get_data(as_text=True)
    sample = section(page, "Come saranno importate le prime righe")
    # Ten accepted rows in file order (row 12, number «12», is rejected and row 13 is the 11th).
    assert re.findall(r"PR-2026-00\d\d", sample) == [f"PR-2026-{n:04d}" for n in range(1, 11)]
    first = sample.split("</tr>")[1]
    assert "+393331234567" in first and "1.234,56\xa0€" in first and "15/10/2026" in first
    assert "nuova" in first
    assert "Avvisi" not in page and "accetto_avvisi" not in page


def warnings_in(page):
    """{row number: the warnings of the row} of the preview's «Avvisi» table."""
    return {row: html.unescape(text) for row, text in re.findall(
        r'<td class="num">(\d+)</td><td>([^<]+)</td>', section(page, "Avvisi"))}


WARNED = ("Riferimento;Nominativo;Telefono;Importo;Scadenza\r\n"
          "W-1;Anna Vecchi;+39 333 123 0001;100,00;15/03/1999\r\n"
          "W-2;Bruno Futuri;+39 333 123 0002;100,00;01/02/2027\r\n"
          "W-3;Carla Estero;+1 202 555 0123;100,00;15/10/2026\r\n"
          "W-4;Dario Grandi;+39 333 123 0004;250.000,00;15/10/2026\r\n"
          "W-5;Elena Giusti;+39 333 123 0005;100,00;15/10/2026\r\n").encode()


def test_implausible_values_are_listed_with_their_rows_and_must_be_accepted(
        browser, users, session):
    browser.log_in("anna")
    acme = users["creditor"].creditor_id
    page = upload(browser, acme, WARNED).get_data(as_text=True)
    assert "<strong>4</strong> righe con valori insoliti" in page
    warnings = warnings_in(page)
    assert warnings == {
        "2": "la scadenza 15/03/1999 è anteriore al 2000",
        "3": "la scadenza 01/02/2027 è nel futuro",
        "4": "il telefono +12025550123 è un numero del paese US, non del paese del mandante (IT)",
        "5": "l'importo 250.000,00 supera 100.000,00",
    }
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    form = {"token": token, "creditor": str(acme), "filename": "contacts.csv"}
    refused = browser.post("/liste/conferma", form)
    assert refused.status_code == 400 and "Accetto gli avvisi" in refused.get_data(as_text=True)
    assert positions(session) == 0
    done = browser.post("/liste/conferma", dict(form, accetto_avvisi="1"), follow_redirects=True)
    assert "Importazione completata: 5 nuove" in done.get_data(as_text=True)
    assert positions(session) == 5


def test_the_amount_warned_of_is_a_setting(browser, users, app):
    app.config["IMPORT_WARN_AMOUNT"] = Decimal("1000")
    browser.log_in("anna")
    page = upload(browser, users["creditor"].creditor_id).get_data(as_text=True)
    warned = warnings_in(page)
    assert warned["2"] == "l'importo 1.234,56 supera 1.000,00" and len(warned) == 5


def test_a_creditor_abroad_is_warned_of_its_list_s_italian_numbers(browser, users, session):
    acme = session.get(Creditor, users["creditor"].creditor_id)
    acme.country = "US"
    session.commit()
    browser.log_in("anna")
    page = upload(browser, acme.id, WARNED).get_data(as_text=True)
    warnings = warnings_in(page)
    assert "4" not in warnings and warnings["6"] == \
        "il telefono +393331230005 è un numero del paese IT, non del paese del mandante (US)"
