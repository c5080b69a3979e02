"""A creditor's dashboard and its daily reports: the same CSV as the command line, its own only."""
import re
from datetime import date

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
    assert "24/11/2026 (CSV)" in page


def test_the_report_download_is_the_command_lines_csv(browser, campaign, session):
    browser.log_in("mara")
    response = browser.get("/rapporti/2026-11-24.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == report_csv(session, campaign["acme"],
                                                         date(2026, 11, 24))


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
