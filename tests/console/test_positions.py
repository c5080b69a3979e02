"""Positions and their timeline; a creditor user sees only its own, and 404 for the others."""
import html
import io
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from console.searches import PAGE_SIZE

from db.events import record_event
from db.models import OutgoingMail, utcnow
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
    assert "A-2" in page
    assert "Chiamata 1 di 3 — risposta, identificato, ha premuto 1: conferma" in page
    assert "Esito: confermata" in page and "twilio:menu CA1" in page   # staff: the source


SID = "CA0123456789abcdef0123456789abcdef"


@pytest.fixture
def called(session, book, users):
    """Mario Rossi's history: call 1 unanswered, call 2 a promise keyed in, then the callback a
    collector (carlo) handled with an internal note, and two emails, one the server refused."""
    verdi = book["rossi"]
    at = utcnow() - timedelta(hours=3)
    first = make_attempt(session, verdi, number=1, status="no-answer", placed_at=at,
                         call_sid="CAfirst")
    second = make_attempt(session, verdi, number=2, status="completed", answered_by="human",
                          identified=True, outcome="promised", duration=69, call_sid=SID,
                          placed_at=at + timedelta(hours=1))
    source = f"twilio:menu {SID}"
    for kind, detail, attempt in (
            ("status", {"status": "no-answer", "sequence": "1"}, first),
            ("attempt_claimed", {"number": 2}, second), ("call_placed", {"call_sid": SID}, second),
            ("status", {"status": "initiated", "sequence": "0",
                        "timestamp": "Mon, 30 Nov 2026 22:35:44 +0000"}, second),
            ("status", {"status": "ringing", "sequence": "1"}, second),
            ("answered", {"answered_by": "human"}, second),
            ("keys", {"step": "identify", "digits": "1"}, second), ("identified", {}, second),
            ("keys", {"step": "menu", "digits": "5"}, second),
            ("keys", {"step": "promise", "digits": "1512"}, second),
            ("outcome", {"outcome": "promised", "promise_date": "2026-12-15"}, second),
            ("status", {"status": "completed", "duration": 69, "sequence": "3"}, second)):
        record_event(session, verdi.id, kind, source, detail, attempt_id=attempt.id,
                     at=(attempt.placed_at + timedelta(seconds=1)))
    record_event(session, verdi.id, "callback_handled", "console:carlo",
                 {"result": "promise", "note": "nota interna: tono aggressivo",
                  "promise_date": "2026-12-20", "promise_amount": "250.00"},
                 at=at + timedelta(hours=2))
    failed = OutgoingMail(key="t:1", channel="email", position_id=verdi.id, kind="sollecito",
                          to_address="verdi@example.test", subject="s", body="b", status="failed",
                          tries=8, last_error="550 5.1.1 mailbox unavailable", created_at=at)
    sent = OutgoingMail(key="t:2", channel="pec", position_id=verdi.id, kind="sollecito_oneri",
                        to_address="verdi@pec.example.test", subject="s", body="b", status="sent",
                        delivery="delivered", tries=1, created_at=at, sent_at=at)
    session.add_all([failed, sent])
    session.flush()
    record_event(session, verdi.id, "email_failed", "outbox",
                 {"mail_id": failed.id, "kind": "sollecito", "tries": 8},
                 at=at + timedelta(days=2))
    session.commit()
    return {"position": verdi, "failed": failed, "sent": sent, "at": at}


def test_a_call_reads_as_one_line_with_its_events_folded_under_it(browser, called):
    browser.log_in("anna")
    page = browser.get(f"/posizioni/{called['position'].id}").get_data(as_text=True)
    assert "Chiamata 1 di 3 — nessuna risposta" in page
    line = "Chiamata 2 di 3 — risposta, identificato, ha premuto 5: pagherà entro il 15/12"
    assert line in page
    folded = page[page.index(line):].split("</details>")[0]
    assert "<details>" in folded and "Il telefono squilla" in folded
    assert "Data della promessa" in folded and "ha digitato la data 15/12" in folded
    for raw in ("Stato della chiamata", "attempt_claimed", "sequence", "timestamp:"):
        assert raw not in page, raw
    message = page[page.index("Email «sollecito» — non inviata"):].split("</details>")[0]
    failed_on = (called["at"] + timedelta(days=2)).astimezone(ZoneInfo("Europe/Rome"))
    assert f"{failed_on:%d/%m/%Y} " in message and "Email non inviata" in message  # dated


def test_a_creditors_user_reads_no_collector_name_internal_note_or_provider_fact(browser,
                                                                                called):
    browser.log_in("mara")
    page = browser.get(f"/posizioni/{called['position'].id}").get_data(as_text=True)
    assert "Richiamata di un operatore — pagherà entro il 20/12 (250,00\xa0€)" in \
        html.unescape(page)
    for hidden in ("carlo", "nota interna", SID, "CAfirst", "twilio:", "550 5.1.1", "dialer"):
        assert hidden not in page, hidden
    browser.log_in("anna")
    staff = browser.get(f"/posizioni/{called['position'].id}").get_data(as_text=True)
    assert all(shown in staff for shown in ("carlo", "nota interna", SID, "550 5.1.1"))


def test_the_outcome_tag_follows_the_latest_answer(browser, session, called):
    verdi = called["position"]
    verdi.outcome = "callback_requested"
    record_event(session, verdi.id, "answer", "collector:carlo", {"answer": "promised"})
    session.commit()
    browser.log_in("mara")
    page = browser.get(f"/posizioni/{verdi.id}").get_data(as_text=True)
    assert '<span class="tag">promessa di pagamento</span>' in page


def test_the_position_shows_its_outbox_and_an_admin_sends_a_failed_message_again(
        browser, session, called):
    verdi, failed = called["position"], called["failed"]
    browser.log_in("anna")
    page = browser.get(f"/posizioni/{verdi.id}").get_data(as_text=True)
    outbox = page[page.index('id="messaggi"'):page.index('id="perche"')]
    assert "«sollecito»" in outbox and "non inviata" in outbox and "550 5.1.1" in outbox
    assert "«sollecito e oneri»" in outbox and "consegnata" in outbox
    assert outbox.count("Riprova") == 1
    sent = browser.post(f"/messaggi/{failed.id}/riprova", {"posizione": verdi.id})
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/posizioni/{verdi.id}#messaggi")
    session.expire_all()
    assert session.get(OutgoingMail, failed.id).status == "queued"
    again = browser.get(f"/posizioni/{verdi.id}").get_data(as_text=True)
    assert "Messaggio rimesso in coda" in again and "Email «sollecito» — in attesa" in again


def test_only_admins_may_send_a_message_again_from_the_position(browser, called):
    for user in ("carlo", "mara"):
        browser.log_in(user)
        page = browser.get(f"/posizioni/{called['position'].id}").get_data(as_text=True)
        assert "Riprova" not in page and "Email «sollecito» — non inviata" in page
        assert browser.post(f"/messaggi/{called['failed'].id}/riprova",
                            {"posizione": called["position"].id}).status_code == 403


def test_a_retry_names_another_position_goes_back_to_the_messages_page(browser, called, book):
    browser.log_in("anna")
    sent = browser.post(f"/messaggi/{called['failed'].id}/riprova",
                        {"posizione": book["verdi"].id})
    assert "/messaggi?stato=failed" in sent.headers["Location"]


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
    assert "Il debitore ha richiamato — risposta" in page
    assert "Il debitore ha richiamato il numero" in page and "Chiamata -1" not in page


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


@pytest.fixture
def ledger(session, users):
    """Acme's five positions of different amounts, names and calls, and one of Beta's."""
    acme = users["creditor"].creditor
    beta = make_creditor(session, name="Beta Telecom")
    made = {}
    for reference, name, amount, calls in (("L-3", "Carla Bruno", "300.00", 2),
                                           ("L-1", "Ugo Abate", "1500.50", 0),
                                           ("L-5", "Elsa Costa", "20.00", 3),
                                           ("L-2", "Bice Dotti", "75.25", 1),
                                           ("L-4", "Aldo Esposito", "980.00", 0)):
        position = make_position(session, acme, reference=reference, name=name,
                                 amount=Decimal(amount), phone=f"+39333111{reference[-1]}000")
        for number in range(1, calls + 1):
            make_attempt(session, position, number=number, status="no-answer",
                         placed_at=datetime(2026, 11, 20 + number, 9, int(reference[-1]),
                                            tzinfo=timezone.utc))
        made[reference] = position
    make_position(session, beta, reference="B-9", name="Zeno Neri", amount=Decimal("5.00"))
    session.commit()
    return made


def references(page):
    return re.findall(r'>(L-\d|B-\d)</a>', page)


@pytest.mark.parametrize("key, direction, expected", [
    ("pratica", "asc", ["L-1", "L-2", "L-3", "L-4", "L-5"]),
    ("pratica", "desc", ["L-5", "L-4", "L-3", "L-2", "L-1"]),
    ("nome", "asc", ["L-4", "L-2", "L-3", "L-5", "L-1"]),
    ("importo", "desc", ["L-1", "L-4", "L-3", "L-2", "L-5"]),
    ("importo", "asc", ["L-5", "L-2", "L-3", "L-4", "L-1"]),
    ("tentativi", "desc", ["L-5", "L-3", "L-2", "L-1", "L-4"]),
    # Never called: last either way.
    ("ultima", "asc", ["L-2", "L-3", "L-5", "L-1", "L-4"]),
    ("ultima", "desc", ["L-5", "L-3", "L-2", "L-1", "L-4"]),
])
def test_positions_sort_by_the_chosen_column_either_way(browser, ledger, key, direction,
                                                          expected):
    browser.log_in("mara")
    page = browser.get(f"/posizioni?ordina={key}&verso={direction}").get_data(as_text=True)
    assert references(page) == expected


def test_a_column_heading_sorts_and_its_second_click_reverses(browser, ledger):
    browser.log_in("anna")
    page = browser.get("/posizioni?stato=open&righe=25").get_data(as_text=True)
    link = re.search(r'<a class="sort" href="([^"]+)">Importo', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {"stato": ["open"], "righe": ["25"],
                                               "ordina": ["importo"], "verso": ["asc"],
                                               "pagina": ["1"]}
    sorted_page = browser.get(link).get_data(as_text=True)
    assert 'aria-sort="ascending"><a class="sort"' in sorted_page
    again = re.search(r'<a class="sort" href="([^"]+)">Importo', sorted_page).group(1)
    assert "verso=desc" in again


def test_the_positions_show_their_attempts_and_last_call_on_the_creditors_clock(browser, ledger):
    browser.log_in("mara")
    page = browser.get("/posizioni?ordina=pratica").get_data(as_text=True)
    row = page[page.index(">L-5</a>"):].split("</tr>")[0]
    # Three calls, the last on 23/11 at 09:05 UTC: 10:05 in Rome.
    assert '<td class="num">3</td>' in row and "23/11/2026 10:05" in row


@pytest.mark.parametrize("size, shown_rows", [("25", 25), ("100", 60), ("7", 50)])
def test_the_page_size_is_one_of_the_offered_ones(browser, session, users, size, shown_rows):
    acme = users["creditor"].creditor
    for n in range(60):
        make_position(session, acme, reference=f"S-{n:03d}", name=f"Debitore {n:03d}")
    browser.log_in("mara")
    page = browser.get(f"/posizioni?righe={size}").get_data(as_text=True)
    assert len(re.findall(r">S-\d{3}</a>", page)) == shown_rows
    if shown_rows == 25:
        assert "Pagina 1 di 3" in page and "righe=25" in re.search(
            r'rel="next" href="([^"]+)"', page).group(1)


def test_a_search_keeps_the_page_size_and_the_order(browser, ledger):
    browser.log_in("anna")
    response = browser.post("/posizioni", {"cerca": "L-", "righe": "100", "ordina": "importo",
                                           "verso": "desc"})
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["righe"] == ["100"] and query["ordina"] == ["importo"] and "ricerca" in query
    assert references(browser.get(response.headers["Location"]).get_data(as_text=True))[:2] == \
        ["L-1", "L-4"]


def csv_rows(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode("utf-8"))
    return [line.split(";") for line in body.decode("utf-8-sig").split("\r\n") if line]


def test_the_export_is_an_italian_csv_of_the_filtered_list(browser, ledger):
    browser.log_in("anna")
    response = browser.get("/posizioni/esporta.csv?ordina=importo&verso=desc&creditore="
                           f"{ledger['L-1'].creditor_id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Pratica", "Nominativo", "Telefono", "Importo", "Valuta", "Scadenza",
                       "Stato", "Esito", "Tentativi", "Ultima chiamata", "Mandante"]
    assert [row[0] for row in rows[1:]] == ["L-1", "L-4", "L-3", "L-2", "L-5"]  # no Beta's
    assert rows[1][3] == "1500,50" and rows[1][5] == "15/10/2026" and rows[1][6] == "aperta"
    assert rows[5][8] == "3" and rows[5][9] == "23/11/2026 10:05"


def test_the_export_is_a_workbook_with_typed_cells(browser, ledger):
    browser.log_in("anna")
    response = browser.get("/posizioni/esporta.xlsx?ordina=pratica")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["Pratica", "Nominativo", "Telefono", "Importo"]
    l5 = list(sheet[7])   # B-9, L-1 … L-5
    assert l5[0].value == "L-5" and l5[3].value == 20
    assert l5[3].number_format == "#,##0.00" and l5[3].data_type == "n"
    assert l5[5].value == datetime(2026, 10, 15) and l5[5].is_date
    assert l5[8].value == 3 and l5[9].value == datetime(2026, 11, 23, 10, 5)


def test_the_export_honours_the_creditor_user_and_the_search(browser, ledger, users):
    browser.log_in("mara")
    everything = csv_rows(browser.get("/posizioni/esporta.csv"))
    assert "B-9" not in {row[0] for row in everything} and len(everything) == 6
    # Asking for Beta's by the filter changes nothing for Acme's user.
    beta = browser.get(
        f"/posizioni/esporta.csv?creditore={users['creditor'].creditor_id + 1}")
    assert csv_rows(beta) == everything[:1]
    found = browser.post("/posizioni", {"cerca": "Costa"})
    link = found.headers["Location"].replace("/posizioni?", "/posizioni/esporta.csv?")
    assert "Costa" not in link
    assert [row[0] for row in csv_rows(browser.get(link))[1:]] == ["L-5"]


def test_the_page_links_its_exports_with_the_same_filters(browser, ledger):
    browser.log_in("anna")
    page = browser.get("/posizioni?stato=open&ordina=nome").get_data(as_text=True)
    link = re.search(r'href="(/posizioni/esporta\.xlsx[^"]*)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {"stato": ["open"], "ordina": ["nome"]}
