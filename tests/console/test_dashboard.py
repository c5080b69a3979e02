"""A creditor's dashboard and its daily reports (Italian CSV and XLSX), its own only."""
import io
import re
from datetime import date, datetime

from openpyxl import load_workbook

import pytest

from db.models import utcnow
from reports.daily import report_csv
from tests.factories import make_attempt, make_creditor, make_position


@pytest.fixture
def campaign(session, users):
    acme = users["creditor"].creditor
    today = utcnow()
    called = make_position(session, acme, reference="A-1", outcome="confirmed", outcome_at=today)
    make_attempt(session, called, status="completed", answered_by="human", call_window="08:30-12:00",
                 placed_at=today, day=date(2026, 11, 24))
    ringing = make_position(session, acme, reference="A-2", phone="+393330000002")
    make_attempt(session, ringing, status="no-answer", call_window="08:30-12:00", placed_at=today,
                 day=date(2026, 11, 24))
    make_position(session, acme, reference="A-3", phone="+393330000003")
    beta = make_creditor(session, name="Beta Telecom")
    make_position(session, beta, reference="B-1", phone="+393330000004")
    session.commit()
    return {"acme": acme, "beta": beta}


def test_the_dashboard_shows_todays_progress_and_answer_rate(browser, campaign):
    browser.log_in("mara")
    page = browser.get("/cruscotto").get_data(as_text=True)
    tiles = {label: number for number, label in re.findall(
        r"<strong>(\d+)</strong><span>([^<]+)</span>", page)}
    assert (tiles["da chiamare"], tiles["in corso"], tiles["confermate"]) == ("1", "1", "1")
    assert "08:30-12:00" in page and "50%" in page
    assert "24/11/2026: " in page and "Excel (XLSX)" in page


def test_the_report_download_is_italian_csv_and_typed_xlsx(browser, campaign, session):
    browser.log_in("mara")
    response = browser.get("/rapporti/2026-11-24.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="rapporto-acme-energia-2026-11-24.csv"' in \
        response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    header, first = text.lstrip("\ufeff").splitlines()[:2]
    assert header.startswith("Pratica;Nominativo;Telefono;Esito;Tentativi;Ultima chiamata;")
    assert first.startswith("A-1;Mario Rossi;'+393331234567;confermata;1;")
    assert ";conclusa;" in first and ";1234,56;EUR;" in first
    assert text != report_csv(session, campaign["acme"], date(2026, 11, 24))   # English there
    book = browser.get("/rapporti/2026-11-24.xlsx")
    assert book.status_code == 200 and book.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(book.data))["Posizioni"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Pratica", "Nominativo", "Telefono", "Esito")
    assert rows[1][0] == "A-1" and rows[1][3] == "confermata" and rows[1][4] == 1
    assert isinstance(rows[1][5], datetime) and rows[1][8] == 1234.56
    assert sheet.cell(2, 9).number_format == "#,##0.00"
    assert browser.get("/rapporti/2026-11-24.pdf").status_code == 404


def test_a_creditor_user_gets_404_for_another_creditor(browser, campaign):
    browser.log_in("mara")
    other = campaign["beta"].id
    assert browser.get(f"/cruscotto?creditore={other}").status_code == 404
    assert browser.get(f"/rapporti/2026-11-24.csv?creditore={other}").status_code == 404


def test_staff_choose_the_creditor(browser, campaign):
    browser.log_in("anna")
    page = browser.get(f"/cruscotto?creditore={campaign['beta'].id}").get_data(as_text=True)
    assert "Beta Telecom" in page and "Nessuna chiamata ancora" in page
    assert browser.get("/rapporti/not-a-day.csv").status_code == 404


def test_a_creditor_user_downloads_its_own_handover_and_not_another_creditors(browser, campaign,
                                                                               session):
    from reports.handover import build_handover, positions_csv

    mine = make_position(session, campaign["acme"], reference="A-9", status="ended")
    theirs = make_position(session, campaign["beta"], reference="B-9", status="ended")
    session.commit()
    browser.log_in("mara")
    assert "Posizioni e storia (XLSX)" in browser.get("/cruscotto").get_data(as_text=True)
    response = browser.get("/consegna/posizioni.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="handover-acme-energia-' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert mine.reference in text and theirs.reference not in text
    assert text == positions_csv(build_handover(session, campaign["acme"], utcnow()))
    workbook = browser.get("/consegna/consegna.xlsx")
    assert workbook.status_code == 200 and workbook.data.startswith(b"PK")
    other = campaign["beta"].id
    for part in ("posizioni.csv", "storia.csv", "consegna.xlsx"):
        assert browser.get(f"/consegna/{part}?creditore={other}").status_code == 404
    assert browser.get("/consegna/altro.csv").status_code == 404


def test_an_admin_downloads_any_creditors_handover_a_collector_none(browser, campaign, session):
    make_position(session, campaign["beta"], reference="B-9", status="ended")
    session.commit()
    browser.log_in("anna")
    history = browser.get(f"/consegna/storia.csv?creditore={campaign['beta'].id}")
    assert history.status_code == 200 and "reference,at,event" in history.get_data(as_text=True)
    browser.post("/logout")
    browser.log_in("carlo")
    assert browser.get("/consegna/posizioni.csv").status_code == 403


def test_a_collector_opens_no_creditors_dashboard_nor_its_reports(browser, campaign):
    browser.log_in("carlo")
    for creditor in ("", f"?creditore={campaign['beta'].id}"):
        assert browser.get(f"/cruscotto{creditor}").status_code == 403
        assert browser.get(f"/rapporti/2026-11-24.csv{creditor}").status_code == 403
    assert "/cruscotto" not in browser.get("/").get_data(as_text=True)
