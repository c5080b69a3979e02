"""The collectors' callback queue: oldest first, one collector at a time, results in the log."""
import io
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from console import callbacks
from console.accounts import create_user
from db.models import CallbackRequest, Event, utcnow
from tests.console.conftest import PASSWORD, Browser
from tests.factories import make_attempt, make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def requests_(session, users):
    """Two open callback requests: Bianchi asked two hours ago, Rossi ten minutes ago."""
    creditor = users["creditor"].creditor
    made = []
    for reference, name, phone, minutes in (("P-1", "Mario Rossi", "+393331111111", 10),
                                            ("P-2", "Lucia Bianchi", "+393332222222", 120)):
        position = make_position(session, creditor, reference=reference, name=name, phone=phone,
                                 outcome="callback_requested")
        attempt = make_attempt(session, position, status="completed", digits="1,3",
                               placed_at=utcnow() - timedelta(minutes=minutes + 1))
        request = CallbackRequest(position_id=position.id, attempt_id=attempt.id,
                                  requested_at=utcnow() - timedelta(minutes=minutes))
        session.add(request)
        session.commit()
        made.append(request)
    return {"rossi": made[0], "bianchi": made[1]}


def test_the_queue_shows_the_oldest_request_first_with_its_age(browser, requests_):
    browser.log_in("carlo")
    page = browser.get("/richiamate").get_data(as_text=True)
    assert page.index("Lucia Bianchi") < page.index("Mario Rossi")
    assert "2 h 00 min" in page and "10 min" in page and "1234,56" in page.replace(".", "")


def test_a_creditor_user_cannot_see_the_queue(browser, requests_):
    browser.log_in("mara")
    assert browser.get("/richiamate").status_code == 403
    assert browser.get(f"/richiamate/{requests_['rossi'].id}").status_code == 403


def test_the_request_page_shows_the_position_and_its_calls(browser, requests_):
    browser.log_in("carlo")
    page = browser.get(f"/richiamate/{requests_['rossi'].id}").get_data(as_text=True)
    assert "Mario Rossi" in page and "+393331111111" in page and "FT-2026/118" in page
    assert "15/10/2026" in page and "Prendi in carico" in page
    assert "Chiamata 1 di 3 — risposta, identificato, ha premuto 3" in page


def claim(browser, request):
    return browser.post(f"/richiamate/{request.id}/prendi")


def test_two_collectors_never_hold_the_same_request(browser, requests_, client, session, app):
    create_user(session, "dora", PASSWORD, "collector")
    session.commit()
    browser.log_in("carlo")
    assert claim(browser, requests_["rossi"]).status_code == 302
    other = Browser(app.test_client())
    other.log_in("dora")
    refused = other.post(f"/richiamate/{requests_['rossi'].id}/prendi", follow_redirects=True)
    assert "La sta già gestendo carlo" in refused.get_data(as_text=True)
    queue = other.get("/richiamate").get_data(as_text=True)
    assert "in carico a carlo" in queue


def test_a_claim_lapses_when_its_collector_goes_quiet(browser, requests_, session, app):
    create_user(session, "dora", PASSWORD, "collector")
    session.commit()
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    session.execute(CallbackRequest.__table__.update().values(
        claimed_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    other = Browser(app.test_client())
    other.log_in("dora")
    assert "presa in carico" in other.post(f"/richiamate/{requests_['rossi'].id}/prendi",
                                           follow_redirects=True).get_data(as_text=True)


def test_a_promise_to_pay_closes_the_request_and_lands_in_the_log(browser, requests_, session):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    promised_on = (utcnow() + timedelta(days=10)).date().isoformat()
    done = browser.post(f"/richiamate/{requests_['rossi'].id}/esito",
                        {"result": "promise", "promise_date": promised_on,
                         "promise_amount": "150,50", "note": "Paga a fine mese"})
    assert done.status_code == 302 and done.headers["Location"] == "/richiamate"
    session.expire_all()
    request = session.get(CallbackRequest, requests_["rossi"].id)
    assert (request.status, request.result, request.promise_amount, request.note) == \
        ("closed", "promise", Decimal("150.50"), "Paga a fine mese")
    kinds = [(e.kind, e.source) for e in session.scalars(
        select(Event).where(Event.position_id == request.position_id).order_by(Event.id))]
    # The promise counts as if keyed in (SPEC §2): the same word as the keypad's, and the
    # position is promised until the date.
    assert kinds == [("callback_claimed", "console:carlo"), ("callback_handled", "console:carlo"),
                     ("answer", "collector:carlo"), ("status", "collector:carlo")]
    position = request.position
    assert position.status == "promised"
    assert position.status_until.astimezone(ROME).date() == \
        date.fromisoformat(promised_on) + timedelta(days=position.creditor.promise_grace_days + 1)
    assert "Mario Rossi" not in browser.get("/richiamate").get_data(as_text=True)


@pytest.mark.parametrize("form, message", [
    ({"result": "promise", "promise_amount": "100"}, "Indichi la data promessa"),
    ({"result": "promise", "promise_date": (date.today() + timedelta(days=10)).isoformat(),
      "promise_amount": "zero"},
     "Indichi l&#39;importo promesso"),
    ({"result": "other"}, "scriva una nota"),
    ({}, "Scelga l&#39;esito"),
])
def test_an_incomplete_result_is_refused_and_the_request_stays_open(browser, requests_, session,
                                                                   form, message):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    page = browser.post(f"/richiamate/{requests_['rossi'].id}/esito", form,
                        follow_redirects=True).get_data(as_text=True)
    assert message in page
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).status == "open"


def test_a_result_needs_the_claim_first(browser, requests_):
    browser.log_in("carlo")
    page = browser.post(f"/richiamate/{requests_['bianchi'].id}/esito", {"result": "paid"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Prenda in carico la richiesta" in page


def test_claiming_needs_the_forms_token(browser, requests_):
    browser.log_in("carlo")
    assert browser.post(f"/richiamate/{requests_['rossi'].id}/prendi", csrf=False).status_code == 400


def test_an_unknown_request_is_not_found(browser, requests_):
    browser.log_in("carlo")
    assert browser.get("/richiamate/9999").status_code == 404


def close_with(browser, request, **changes):
    promised_on = (utcnow() + timedelta(days=10)).date().isoformat()
    form = dict({"result": "promise", "promise_date": promised_on, "promise_amount": "150,50",
                 "note": "Paga a rate"}, **changes)
    return browser.post(f"/richiamate/{request.id}/esito", form), form


@pytest.mark.parametrize("amount", ["1e999999", "99999999999999999", "12,345"])
def test_an_amount_beyond_reason_is_refused_and_the_form_keeps_what_was_typed(
        browser, requests_, session, amount):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    response, form = close_with(browser, requests_["rossi"], promise_amount=amount)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "maggiore di zero e non oltre il dovuto" in page
    assert f'value="{amount}"' in page and f'value="{form["promise_date"]}"' in page
    assert 'value="promise" required checked' in page and ">Paga a rate</textarea>" in page
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).status == "open"


def rome_today():
    return utcnow().astimezone(ROME).date()


def test_a_promise_beyond_the_amount_due_is_refused_and_the_form_keeps_what_was_typed(
        browser, requests_, session):
    position = requests_["rossi"].position
    position.amount = Decimal("2480.00")
    session.commit()
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    response, form = close_with(browser, requests_["rossi"], promise_amount="99.999.999,00")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "L&#39;importo promesso supera il dovuto" in page
    assert "2.480,00" in page.split("supera il dovuto")[1][:40]
    assert 'value="99.999.999,00"' in page and f'value="{form["promise_date"]}"' in page
    assert 'value="promise" required checked' in page and ">Paga a rate</textarea>" in page
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).status == "open"
    assert session.get(type(position), position.id).status == "open"


@pytest.mark.parametrize("amount, taken", [("1.234,57", False), ("1.234,56", True),
                                           ("0,00", False), ("-5", False)])
def test_a_promise_may_name_more_than_zero_up_to_the_whole_amount_due(
        browser, requests_, session, amount, taken):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    response, _ = close_with(browser, requests_["rossi"], promise_amount=amount)
    assert response.status_code == (302 if taken else 400)
    if not taken:
        assert f'value="{amount}"' in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).status == \
        ("closed" if taken else "open")


@pytest.mark.parametrize("days, message", [(-1, "La data promessa è già passata"),
                                           (61, "La data promessa può essere al più tardi il")])
def test_a_promise_date_past_or_beyond_sixty_days_is_refused_and_the_form_kept(
        browser, requests_, session, days, message):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    when = (rome_today() + timedelta(days=days)).isoformat()
    response, _ = close_with(browser, requests_["rossi"], promise_date=when)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    last = rome_today() + timedelta(days=60)
    if days > 0:
        assert last.strftime("%d/%m/%Y") in page
    # The date field offers only what is taken, on the creditor's clock.
    assert f'min="{rome_today().isoformat()}" max="{last.isoformat()}"' in page
    assert f'value="{when}"' in page and 'value="150,50"' in page and "Paga a rate" in page
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).status == "open"


def test_a_promise_of_the_sixtieth_day_written_the_italian_way_is_taken(browser, requests_,
                                                                         session):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    last = rome_today() + timedelta(days=60)
    response, _ = close_with(browser, requests_["rossi"], promise_date=last.strftime("%d/%m/%Y"))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).promise_date == last


# Two instants when UTC's date is not the creditor's: 02:30 UTC on 1 December is still the 30th
# in New York; 23:30 UTC on 30 November is already the 1st in Rome.
NEW_YORK_EVENING = datetime(2026, 12, 1, 2, 30, tzinfo=timezone.utc)
ROME_PAST_MIDNIGHT = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("now, zone, day, taken", [
    (NEW_YORK_EVENING, "America/New_York", date(2026, 11, 30), True),   # today there
    (NEW_YORK_EVENING, "America/New_York", date(2027, 1, 29), True),    # 60 days on
    (ROME_PAST_MIDNIGHT, "Europe/Rome", date(2026, 11, 30), False),     # yesterday there
    (ROME_PAST_MIDNIGHT, "Europe/Rome", date(2027, 1, 30), True),       # 60 days on
    (ROME_PAST_MIDNIGHT, "Europe/Rome", date(2027, 1, 31), False),      # 61
])
def test_a_promise_date_is_read_on_the_creditors_own_clock(session, requests_, now, zone, day,
                                                           taken):
    request = requests_["rossi"]
    request.position.creditor.timezone = zone
    session.commit()
    callbacks.claim(session, request.id, "carlo", now)
    close = lambda: callbacks.close(session, request.id, "carlo", now, "promise",
                                    promise_date=day.isoformat(), promise_amount="100")
    if taken:
        assert close().promise_date == day
    else:
        with pytest.raises(callbacks.CallbackError, match="La data promessa"):
            close()


def test_a_nul_in_the_note_is_refused_and_the_rest_of_the_form_kept(browser, requests_, session):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    response, _ = close_with(browser, requests_["rossi"], note="Paga\x00 a rate")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "«Nota» contiene un carattere non ammesso" in page
    assert ">Paga a rate</textarea>" in page and 'value="150,50"' in page
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).status == "open"


def test_an_amount_with_thousands_is_read_as_the_lists_read_it(browser, requests_, session):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    assert close_with(browser, requests_["rossi"], promise_amount="1.234,5")[0].status_code == 302
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).promise_amount == Decimal("1234.50")


def test_a_request_number_beyond_the_database_is_not_found(browser, requests_):
    browser.log_in("carlo")
    assert browser.get("/richiamate/99999999999999999").status_code == 404


@pytest.mark.parametrize("result, answer, status", [("paid", "declared_paid", "to_verify"),
                                                    ("dispute", "disputed", "disputed")])
def test_a_collectors_result_leaves_the_same_trace_as_the_debtors_answer(
        browser, requests_, session, result, answer, status):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    browser.post(f"/richiamate/{requests_['rossi'].id}/esito", {"result": result, "note": "ok"})
    session.expire_all()
    position = session.get(CallbackRequest, requests_["rossi"].id).position
    assert position.status == status and position.outcome == "callback_requested"
    said = session.scalar(select(Event).where(Event.position_id == position.id,
                                              Event.kind == "answer"))
    # The same word the keypad and the debtor's page record, and the same status change.
    assert (said.source, said.detail) == ("collector:carlo", {"answer": answer})
    change = session.scalar(select(Event).where(Event.position_id == position.id,
                                                Event.kind == "status"))
    assert (change.detail["to"], change.detail["reason"]) == (status, answer)
    page = browser.get(f"/posizioni/{position.id}").get_data(as_text=True)
    assert "Risposta del debitore" in page


def test_the_request_page_warns_when_nobody_could_identify_on_the_phone(browser, requests_,
                                                                        session):
    browser.log_in("carlo")
    path = f"/richiamate/{requests_['rossi'].id}"
    assert "nessuno si è identificato" not in browser.get(path).get_data(as_text=True)
    creditor = requests_["rossi"].position.creditor
    creditor.require_code = True
    session.commit()
    assert "nessuno si è identificato" in browser.get(path).get_data(as_text=True)


def test_a_closed_request_says_who_closed_it_when_and_how(browser, requests_, session):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    browser.post(f"/richiamate/{requests_['rossi'].id}/esito",
                 {"result": "unreachable", "note": "Squilla a vuoto"})
    page = browser.get(f"/richiamate/{requests_['rossi'].id}").get_data(as_text=True)
    assert "Chiusa il " in page and "da carlo: Non raggiungibile — Squilla a vuoto" in page


@pytest.fixture
def many_requests(session, users):
    """120 open requests of Acme's and 5 of Beta's, one a minute, the oldest first."""
    acme, beta = users["creditor"].creditor, make_creditor(session, name="Beta Telecom")
    for i in range(125):
        creditor = acme if i < 120 else beta
        position = make_position(session, creditor, reference=f"Q-{i:03d}", name=f"Debitore {i:03d}",
                                 phone=f"+39333444{i:04d}", outcome="callback_requested")
        session.add(CallbackRequest(position_id=position.id,
                                    requested_at=utcnow() - timedelta(minutes=500 - i)))
    session.commit()
    return {"acme": acme, "beta": beta}


def test_a_long_queue_comes_in_numbered_pages_oldest_first(browser, many_requests):
    browser.log_in("carlo")
    first = browser.get("/richiamate").get_data(as_text=True)
    assert "Debitore 000" in first and "Debitore 049" in first and "Debitore 050" not in first
    assert "Pagina 1 di 3" in first and 'href="/richiamate?pagina=3"' in first
    third = browser.get("/richiamate?pagina=3").get_data(as_text=True)
    assert "Debitore 100" in third and "Debitore 124" in third
    assert "Pagina 3 di 3" in browser.get("/richiamate?pagina=99999").get_data(as_text=True)


def test_the_queue_filters_by_creditor_and_searches_without_the_text_in_the_url(
        browser, many_requests):
    browser.log_in("carlo")
    beta = browser.get(f"/richiamate?creditore={many_requests['beta'].id}").get_data(as_text=True)
    assert "Debitore 120" in beta and "Debitore 000" not in beta
    found = browser.post("/richiamate", {"cerca": "Debitore 007"})
    assert found.status_code == 303 and "Debitore" not in found.headers["Location"]
    page = browser.get(found.headers["Location"]).get_data(as_text=True)
    assert "Debitore 007" in page and "Debitore 008" not in page
    wildcard = browser.post("/richiamate", {"cerca": "%"})
    assert "Nessuna richiesta aperta con questi filtri" in browser.get(
        wildcard.headers["Location"]).get_data(as_text=True)


def test_only_my_claims_when_asked(browser, many_requests, session):
    browser.log_in("carlo")
    oldest = session.scalar(select(CallbackRequest).order_by(CallbackRequest.requested_at))
    claim(browser, oldest)
    mine = browser.get("/richiamate?mie=1").get_data(as_text=True)
    assert "Debitore 000" in mine and "Debitore 001" not in mine and "in carico a lei" in mine


def test_a_promise_above_the_amount_due_asks_for_a_confirmation_then_is_taken(
        browser, requests_, session):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    refused, form = close_with(browser, requests_["rossi"], promise_amount="1.300,00",
                               note="Con gli interessi")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "supera il dovuto" in page
    # The confirmation appears after the refusal, unticked, with what was typed kept.
    assert 'name="oltre_dovuto" value="1" >' in page
    assert "Confermo l'importo superiore al dovuto (1.234,56" in page
    assert 'value="1.300,00"' in page and ">Con gli interessi</textarea>" in page
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).status == "open"
    # Sent again without ticking it: refused again, the box still offered.
    again, _ = close_with(browser, requests_["rossi"], promise_amount="1.300,00")
    assert again.status_code == 400 and 'name="oltre_dovuto"' in again.get_data(as_text=True)
    taken, _ = close_with(browser, requests_["rossi"], promise_amount="1.300,00",
                          oltre_dovuto="1")
    assert taken.status_code == 302
    session.expire_all()
    closed = session.get(CallbackRequest, requests_["rossi"].id)
    assert closed.status == "closed" and closed.promise_amount == Decimal("1300.00")


def test_a_ticked_confirmation_stays_ticked_when_another_field_is_wrong(browser, requests_):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    response, _ = close_with(browser, requests_["rossi"], promise_amount="1.300,00",
                             oltre_dovuto="1", promise_date="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Indichi la data promessa" in page
    assert 'name="oltre_dovuto" value="1" checked>' in page


def test_a_promise_within_the_amount_due_asks_no_confirmation(browser, requests_):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    response, _ = close_with(browser, requests_["rossi"], promise_amount="0")
    assert response.status_code == 400 and "oltre_dovuto" not in response.get_data(as_text=True)


def test_the_confirmation_does_not_take_an_unreadable_amount(browser, requests_):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    response, _ = close_with(browser, requests_["rossi"], promise_amount="1e999999",
                             oltre_dovuto="1")
    assert response.status_code == 400


def test_the_request_page_dials_the_number_with_a_tel_link(browser, requests_):
    browser.log_in("carlo")
    page = browser.get(f"/richiamate/{requests_['rossi'].id}").get_data(as_text=True)
    assert '<a class="tel" href="tel:+393331111111">+393331111111</a>' in page
    queue = browser.get("/richiamate").get_data(as_text=True)
    assert 'href="tel:+393332222222"' in queue


def queue_names(page):
    return re.findall(r">(Debitore \d{3})</a>", page)


@pytest.fixture
def sortable_queue(session, users):
    """Three open requests whose positions differ in amount and calls."""
    acme = users["creditor"].creditor
    made = {}
    for i, (name, amount, calls) in enumerate((("Debitore 002", "50.00", 1),
                                               ("Debitore 001", "900.00", 3),
                                               ("Debitore 003", "10.00", 0))):
        position = make_position(session, acme, reference=f"R-{i}", name=name,
                                 amount=Decimal(amount), phone=f"+3933355500{i}0")
        for number in range(1, calls + 1):
            make_attempt(session, position, number=number, status="completed",
                         placed_at=datetime(2026, 11, 20, 8 + number + i, tzinfo=timezone.utc))
        made[name] = CallbackRequest(position_id=position.id,
                                     requested_at=utcnow() - timedelta(minutes=100 - i))
        session.add(made[name])
    session.commit()
    return made


@pytest.mark.parametrize("query, expected", [
    ("", ["Debitore 002", "Debitore 001", "Debitore 003"]),            # oldest first
    ("ordina=attesa&verso=desc", ["Debitore 003", "Debitore 001", "Debitore 002"]),
    ("ordina=nome", ["Debitore 001", "Debitore 002", "Debitore 003"]),
    ("ordina=importo&verso=desc", ["Debitore 001", "Debitore 002", "Debitore 003"]),
    ("ordina=tentativi", ["Debitore 003", "Debitore 002", "Debitore 001"]),
    ("ordina=ultima&verso=desc", ["Debitore 001", "Debitore 002", "Debitore 003"]),
])
def test_the_queue_sorts_by_the_chosen_column(browser, sortable_queue, query, expected):
    browser.log_in("carlo")
    assert queue_names(browser.get(f"/richiamate?{query}").get_data(as_text=True)) == expected


def test_the_queue_comes_in_the_page_size_chosen(browser, many_requests):
    browser.log_in("carlo")
    page = browser.get("/richiamate?righe=100").get_data(as_text=True)
    assert len(queue_names(page)) == 100 and "Pagina 1 di 2" in page
    assert "righe=100" in re.search(r'rel="next" href="([^"]+)"', page).group(1)
    assert len(queue_names(browser.get("/richiamate?righe=25").get_data(as_text=True))) == 25


def test_the_queue_lists_closed_requests_with_who_closed_them_when_asked(
        browser, requests_, session):
    browser.log_in("carlo")
    claim(browser, requests_["rossi"])
    close_with(browser, requests_["rossi"], result="unreachable", promise_amount="")
    open_page = browser.get("/richiamate").get_data(as_text=True)
    assert "Mario Rossi" not in open_page and "Lucia Bianchi" in open_page
    closed = browser.get("/richiamate?stato=chiuse").get_data(as_text=True)
    assert "Mario Rossi" in closed and "Lucia Bianchi" not in closed
    assert "chiusa da carlo: Non raggiungibile" in closed
    by_result = browser.get("/richiamate?stato=tutte&esito=promise").get_data(as_text=True)
    assert "Mario Rossi" not in by_result


def test_the_queue_filters_by_the_day_of_the_request(browser, requests_, session):
    requests_["bianchi"].requested_at = datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)
    session.commit()
    browser.log_in("carlo")
    # 23:30 UTC on the 23rd is the 24th on the installation's clock (Rome).
    day = browser.get("/richiamate?giorno=2026-11-24").get_data(as_text=True)
    assert "Lucia Bianchi" in day and "Mario Rossi" not in day
    assert "Lucia Bianchi" not in browser.get("/richiamate?giorno=2026-11-23").get_data(
        as_text=True)
    wrong = browser.get("/richiamate?giorno=ieri").get_data(as_text=True)
    assert "non è una data" in wrong and "Lucia Bianchi" in wrong


def test_the_queue_exports_its_filtered_list_as_csv_and_xlsx(browser, sortable_queue):
    browser.log_in("carlo")
    response = browser.get("/richiamate/esporta.csv?ordina=importo&verso=desc")
    body = response.get_data()
    assert response.status_code == 200 and body.startswith("\ufeff".encode())
    rows = [line.split(";") for line in body.decode("utf-8-sig").split("\r\n") if line]
    assert rows[0][:5] == ["Richiesta il", "Pratica", "Nominativo", "Telefono", "Importo"]
    assert [row[2] for row in rows[1:]] == ["Debitore 001", "Debitore 002", "Debitore 003"]
    assert rows[1][4] == "900,00" and rows[1][7] == "3" and rows[1][9] == "da chiamare"
    workbook = load_workbook(io.BytesIO(browser.get("/richiamate/esporta.xlsx").get_data()))
    first = list(workbook.active[2])
    assert first[2].value == "Debitore 002" and first[0].is_date
    assert first[4].value == 50 and first[4].number_format == "#,##0.00"
    assert first[7].value == 1 and first[8].value == datetime(2026, 11, 20, 10, 0)


def test_the_queue_export_keeps_the_search_and_is_for_staff_only(browser, sortable_queue):
    browser.log_in("carlo")
    found = browser.post("/richiamate", {"cerca": "Debitore 003"})
    link = found.headers["Location"].replace("/richiamate?", "/richiamate/esporta.csv?")
    rows = browser.get(link).get_data().decode("utf-8-sig").split("\r\n")
    assert len([row for row in rows if row]) == 2 and "Debitore 003" in rows[1]
    browser.log_in("mara")
    assert browser.get("/richiamate/esporta.csv").status_code == 403
