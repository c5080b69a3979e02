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


def test_a_search_with_a_nul_is_refused_with_a_message_and_the_text_kept(browser, book):
    browser.log_in("anna")
    refused = browser.get("/posizioni?cerca=Ros%00si")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "«Cerca» contiene un carattere non ammesso" in page
    assert 'value="Rossi"' in page and "Nessuna posizione trovata" in page


def test_pages_of_results_keep_the_search_and_odd_page_numbers_land_on_a_real_page(
        browser, book, session):
    from db.models import Position

    acme = book["rossi"].creditor
    session.add_all(Position(creditor=acme, reference=f"M-{i:02}", name=f"Molti {i}",
                             phone=f"+3933355{i:05}", amount=10, currency="EUR",
                             due_date=date(2026, 10, 15)) for i in range(55))
    session.commit()
    browser.log_in("anna")
    second = browser.get("/posizioni?cerca=molti&pagina=2").get_data(as_text=True)
    assert "Pagina 2 di 2" in second and "M-54" in second and "M-00" not in second
    assert 'href="/posizioni?cerca=molti&amp;pagina=1"' in second
    for odd, shown_page in (("99", 2), ("99999999999999999999", 1), ("²", 1), ("0", 1)):
        page = browser.get(f"/posizioni?cerca=molti&pagina={odd}").get_data(as_text=True)
        assert f"Pagina {shown_page} di 2" in page, odd
