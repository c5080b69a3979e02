"""Positions and their timeline; a creditor user sees only its own, and 404 for the others."""
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from console.positions import PAGE_SIZE

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


def search(browser, text, **filters):
    """The search form, sent as a browser sends it; the page it lands on, after the redirect."""
    return browser.post("/posizioni", {"cerca": text, **filters}, follow_redirects=True)


def test_staff_search_every_position_by_reference_name_or_phone(browser, book):
    browser.log_in("anna")
    everything = browser.get("/posizioni").get_data(as_text=True)
    assert all(name in everything for name in ("Mario Rossi", "Anna Verdi", "Paolo Neri"))
    by_phone = search(browser, "999 0000").get_data(as_text=True)
    assert "Anna Verdi" in by_phone and "Mario Rossi" not in by_phone
    by_reference = search(browser, "b-1").get_data(as_text=True)
    assert "Paolo Neri" in by_reference and "Anna Verdi" not in by_reference
    by_name = search(browser, "rossi").get_data(as_text=True)
    assert "Mario Rossi" in by_name and "Paolo Neri" not in by_name


def test_the_searched_name_or_phone_never_appears_in_a_url(browser, book):
    """URLs land in access logs, proxies and browser history: a search goes by POST, and its
    results page carries an opaque id instead of the text."""
    browser.log_in("anna")
    page = browser.get("/posizioni").get_data(as_text=True)
    assert re.search(r'<form method="post"[^>]*class="filters"', page)

    sent = browser.post("/posizioni", {"cerca": "Anna Verdi", "esito": "confirmed"})

    assert sent.status_code == 303
    location = sent.headers["Location"]
    assert "Anna" not in location and "Verdi" not in location
    assert "cerca" not in parse_qs(urlsplit(location).query)
    results = browser.get(location).get_data(as_text=True)
    assert "A-2" in results and "Mario Rossi" not in results
    assert 'value="Anna Verdi"' in results          # the form still shows what was searched
    for link in re.findall(r'href="([^"]+)"', results):
        assert "Anna" not in link and "Verdi" not in link


def test_a_search_pages_through_its_results(browser, session, book, users):
    acme = users["creditor"].creditor
    for n in range(PAGE_SIZE + 5):
        make_position(session, acme, reference=f"Z-{n:03d}", name=f"Zeno Zanetti {n}",
                      phone=f"+39333777{n:04d}")
    browser.log_in("anna")
    first = search(browser, "zanetti").get_data(as_text=True)
    assert "Pagina 1 di 2" in first and "Mario Rossi" not in first
    [following] = re.findall(r'href="([^"]+)">successiva', first)
    second = browser.get(following.replace("&amp;", "&")).get_data(as_text=True)
    assert "Pagina 2 di 2" in second and "Z-054" in second and "Mario Rossi" not in second
    assert "zanetti" not in following


def test_a_search_needs_the_forms_csrf_token(browser, book):
    browser.log_in("anna")
    assert browser.post("/posizioni", {"cerca": "rossi"}, csrf=False).status_code == 400


def test_an_expired_or_unknown_search_says_so_and_filters_nothing(browser, book):
    browser.log_in("anna")
    page = browser.get("/posizioni?ricerca=nonesiste").get_data(as_text=True)
    assert "La ricerca è scaduta" in page
    assert all(name in page for name in ("Mario Rossi", "Anna Verdi", "Paolo Neri"))


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
    refused = browser.post("/posizioni", {"cerca": "Ros\x00si", "esito": "confirmed"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "«Cerca» contiene un carattere non ammesso" in page
    assert 'value="Rossi"' in page and "Nessuna posizione trovata" in page
    assert '<option value="confirmed" selected' in page


def test_odd_page_numbers_land_on_a_real_page(browser, book, session):
    from db.models import Position

    acme = book["rossi"].creditor
    session.add_all(Position(creditor=acme, reference=f"M-{i:02}", name=f"Molti {i}",
                             phone=f"+3933355{i:05}", amount=10, currency="EUR",
                             due_date=date(2026, 10, 15)) for i in range(55))
    session.commit()
    browser.log_in("anna")
    for odd, shown_page in (("99", 2), ("99999999999999999999", 1), ("²", 1), ("0", 1)):
        page = browser.get(f"/posizioni?pagina={odd}").get_data(as_text=True)
        assert f"Pagina {shown_page} di 2" in page, odd


def test_a_call_back_shows_as_the_debtor_s_call_in_the_calls_and_the_timeline(
        browser, session, book):
    verdi = book["verdi"]
    attempt = make_attempt(session, verdi, number=-1, direction="inbound", status="completed",
                           answered_at=utcnow(), to_number="+390212345678")
    record_event(session, verdi.id, "call_in", "twilio:inbound CA2", {"number": -1},
                 attempt_id=attempt.id)
    session.commit()
    browser.log_in("carlo")
    page = browser.get(f"/posizioni/{verdi.id}").get_data(as_text=True)
    assert "richiamata del debitore" in page and "Il debitore ha richiamato il numero" in page
    assert "<td>-1</td>" not in page


def test_percent_and_underscore_are_searched_as_typed_not_as_wildcards(browser, book):
    browser.log_in("anna")
    for typed in ("%", "_", "%ss%"):
        assert "Nessuna posizione trovata" in search(browser, typed).get_data(as_text=True)


def test_a_day_that_is_no_date_is_said_not_silently_ignored(browser, book):
    browser.log_in("anna")
    page = browser.get("/posizioni?giorno=31-02-2026").get_data(as_text=True)
    assert "non è una data: il filtro del giorno non è applicato" in page


def test_the_pages_are_numbered_around_the_current_one():
    from console.searches import page_links

    assert page_links(1, 1) == [1]
    assert page_links(6, 20) == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert page_links(2, 5) == [1, 2, 3, 4, 5]
