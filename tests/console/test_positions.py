"""Positions and their timeline; a creditor user sees only its own, and 404 for the others."""
from datetime import date

import pytest

from db.events import record_event
from db.models import utcnow
from tests.factories import make_attempt, make_creditor, make_position


@pytest.fixture
def book(session, users):
    """Acme's two positions (one confirmed) and one of another creditor, Beta."""
    acme = users["creditor"].creditor
    beta = make_creditor(session, name="Beta Telecom")
    rossi = make_position(session, acme, reference="A-1", name="Mario Rossi")
    verdi = make_position(session, acme, reference="A-2", name="Anna Verdi", phone="+393339990000",
                          outcome="confirmed", outcome_at=utcnow())
    attempt = make_attempt(session, verdi, status="completed", digits="1,1", day=date(2026, 11, 24),
                           placed_at=utcnow())
    record_event(session, verdi.id, "outcome", "twilio:menu CA1", {"outcome": "confirmed"},
                 attempt_id=attempt.id)
    other = make_position(session, beta, reference="B-1", name="Paolo Neri", phone="+393338880000")
    session.commit()
    return {"rossi": rossi, "verdi": verdi, "other": other, "beta": beta}


def test_staff_search_every_position_by_reference_name_or_phone(browser, book):
    browser.log_in("anna")
    everything = browser.get("/posizioni").get_data(as_text=True)
    assert all(name in everything for name in ("Mario Rossi", "Anna Verdi", "Paolo Neri"))
    by_phone = browser.get("/posizioni?cerca=999 0000").get_data(as_text=True)
    assert "Anna Verdi" in by_phone and "Mario Rossi" not in by_phone
    by_reference = browser.get("/posizioni?cerca=b-1").get_data(as_text=True)
    assert "Paolo Neri" in by_reference and "Anna Verdi" not in by_reference


def test_filters_by_outcome_creditor_and_day_of_the_calls(browser, book):
    browser.log_in("anna")
    confirmed = browser.get("/posizioni?esito=confirmed").get_data(as_text=True)
    assert "Anna Verdi" in confirmed and "Mario Rossi" not in confirmed
    pending = browser.get("/posizioni?esito=pending").get_data(as_text=True)
    assert "Mario Rossi" in pending and "Anna Verdi" not in pending
    beta = browser.get(f"/posizioni?creditore={book['beta'].id}").get_data(as_text=True)
    assert "Paolo Neri" in beta and "Mario Rossi" not in beta
    called = browser.get("/posizioni?giorno=2026-11-24").get_data(as_text=True)
    assert "Anna Verdi" in called and "Mario Rossi" not in called


def test_the_position_page_shows_its_calls_and_events_in_order(browser, book):
    browser.log_in("carlo")
    page = browser.get(f"/posizioni/{book['verdi'].id}").get_data(as_text=True)
    assert "A-2" in page and "1,1" in page and "outcome" in page and "twilio:menu CA1" in page


def test_a_creditor_user_sees_only_its_creditors_positions(browser, book):
    browser.log_in("mara")
    listing = browser.get("/posizioni").get_data(as_text=True)
    assert "Mario Rossi" in listing and "Paolo Neri" not in listing and "Beta Telecom" not in listing
    asked = browser.get(f"/posizioni?creditore={book['beta'].id}").get_data(as_text=True)
    assert "Paolo Neri" not in asked
    assert browser.get(f"/posizioni/{book['rossi'].id}").status_code == 200
    assert browser.get(f"/posizioni/{book['other'].id}").status_code == 404
    assert browser.get("/posizioni/99999").status_code == 404
