"""The collectors' callback queue: oldest first, one collector at a time, results in the log."""
from datetime import date, timedelta
from zoneinfo import ZoneInfo
from decimal import Decimal

import pytest
from sqlalchemy import select

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
    assert "15/10/2026" in page and "1,3" in page and "Prendi in carico" in page


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
    ({"result": "promise", "promise_date": "2099-01-01", "promise_amount": "zero"},
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
    assert response.status_code == 400 and "fino a 999.999.999.999,99" in page
    assert f'value="{amount}"' in page and f'value="{form["promise_date"]}"' in page
    assert 'value="promise" required checked' in page and ">Paga a rate</textarea>" in page
    session.expire_all()
    assert session.get(CallbackRequest, requests_["rossi"].id).status == "open"


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
