"""Marking a position paid, closing, confirming or reopening it from the console."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from db.models import Attempt, Event, OutgoingMail, Position
from tests.factories import make_attempt, make_creditor, make_position


@pytest.fixture
def acme_position(session, users):
    position = make_position(session, users["creditor"].creditor, reference="A-1",
                             amount=Decimal("1234.56"))
    make_attempt(session, position, status="pending")
    session.add(OutgoingMail(key="step:A-1", kind="sollecito", position_id=position.id,
                             to_address=position.email, subject="s", body="b"))
    session.commit()
    return position


def fresh(session, position):
    session.expire_all()
    return session.get(Position, position.id)


@pytest.mark.parametrize("username", ["anna", "mara"])
def test_marking_paid_in_full_stops_every_planned_contact(browser, session, acme_position,
                                                          username):
    browser.log_in(username)
    page = browser.get(f"/posizioni/{acme_position.id}").get_data(as_text=True)
    assert 'value="1234,56"' in page and "Segna come pagata" in page
    done = browser.post(f"/posizioni/{acme_position.id}/pagamento", {"importo": "1234,56"},
                        follow_redirects=True).get_data(as_text=True)
    assert "la posizione è pagata" in done
    position = fresh(session, acme_position)
    assert (position.status, position.amount_due) == ("paid", Decimal("0.00"))
    assert session.scalar(select(Attempt.status)) == "canceled"
    assert session.scalar(select(OutgoingMail.status)) == "withdrawn"
    assert session.scalar(select(Event.source).where(Event.kind == "payment")) == \
        f"user:{username}"
    assert "Stato: aperta → pagata" in done and "pagata per intero" in done


def test_a_partial_payment_lowers_the_amount_due_and_keeps_the_plan(browser, session,
                                                                    acme_position):
    browser.log_in("mara")
    paid_on = (date.today() - timedelta(days=2)).isoformat()
    done = browser.post(f"/posizioni/{acme_position.id}/pagamento",
                        {"importo": "1.000,00", "data": paid_on}, follow_redirects=True)
    assert "Pagamento parziale registrato" in done.get_data(as_text=True)
    position = fresh(session, acme_position)
    assert (position.status, position.amount_due) == ("open", Decimal("234.56"))
    assert session.scalar(select(Attempt.status)) == "pending"
    detail = session.scalar(select(Event.detail).where(Event.kind == "payment"))
    assert detail["paid_on"] == paid_on


@pytest.mark.parametrize("form, message", [
    ({"importo": "mille"}, "L&#39;importo «mille» non è un numero"),
    ({"importo": "0"}, "L&#39;importo pagato deve essere maggiore di zero."),
    ({"importo": "10", "data": (date.today() + timedelta(days=5)).isoformat()},
     "La data del pagamento è nel futuro."),
    ({"importo": "10", "data": "31/02/2026"}, "non è una data valida"),
])
def test_a_refused_payment_says_why_in_italian_and_keeps_what_was_typed(
        browser, session, acme_position, form, message):
    browser.log_in("anna")
    response = browser.post(f"/posizioni/{acme_position.id}/pagamento", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert f'value="{form["importo"]}"' in page
    assert fresh(session, acme_position).amount_paid == Decimal("0.00")


def test_closing_needs_a_reason_and_then_stops_every_contact(browser, session, acme_position):
    browser.log_in("mara")
    refused = browser.post(f"/posizioni/{acme_position.id}/chiusura", {"motivo": " "})
    assert refused.status_code == 400
    assert "Scriva il motivo della chiusura." in refused.get_data(as_text=True)
    done = browser.post(f"/posizioni/{acme_position.id}/chiusura",
                        {"motivo": "saldata in sede"}, follow_redirects=True)
    assert "Posizione chiusa" in done.get_data(as_text=True)
    assert fresh(session, acme_position).status == "closed"
    assert session.scalar(select(Attempt.status)) == "canceled"
    again = browser.post(f"/posizioni/{acme_position.id}/pagamento", {"importo": "10"})
    assert again.status_code == 400
    assert "La posizione è già chiusa" in again.get_data(as_text=True)


def test_a_declared_payment_is_confirmed_or_the_position_reopened(browser, session, users):
    acme = users["creditor"].creditor
    declared = make_position(session, acme, reference="A-1", status="to_verify")
    disputed = make_position(session, acme, reference="A-2", status="disputed")
    browser.log_in("mara")
    page = browser.get(f"/posizioni/{declared.id}").get_data(as_text=True)
    assert "Conferma pagamento" in page and "Riapri" in page and "da verificare" in page
    browser.post(f"/posizioni/{declared.id}/pagamento", {})
    assert fresh(session, declared).status == "paid"
    browser.post(f"/posizioni/{disputed.id}/riapertura", {"motivo": "fattura corretta"})
    assert fresh(session, disputed).status == "open"
    refused = browser.post(f"/posizioni/{disputed.id}/riapertura", {})
    assert refused.status_code == 400
    assert "Si riapre solo una posizione da verificare o contestata" in \
        refused.get_data(as_text=True)


def test_another_creditors_position_cannot_be_touched(browser, session, users):
    other = make_position(session, make_creditor(session, name="Beta"), reference="B-1")
    browser.log_in("mara")
    for action, form in (("pagamento", {"importo": "10"}), ("chiusura", {"motivo": "x"}),
                         ("riapertura", {})):
        assert browser.post(f"/posizioni/{other.id}/{action}", form).status_code == 404
    assert fresh(session, other).status == "open"


def test_collectors_see_the_position_but_cannot_change_it(browser, session, acme_position):
    browser.log_in("carlo")
    page = browser.get(f"/posizioni/{acme_position.id}").get_data(as_text=True)
    assert "Segna come pagata" not in page
    response = browser.post(f"/posizioni/{acme_position.id}/pagamento", {"importo": "10"})
    assert response.status_code == 403


def test_the_forms_need_the_csrf_token(browser, session, acme_position):
    browser.log_in("anna")
    response = browser.post(f"/posizioni/{acme_position.id}/pagamento", {"importo": "10"},
                            csrf=False)
    assert response.status_code == 400
    assert fresh(session, acme_position).status == "open"


def test_the_list_filters_and_shows_positions_by_status(browser, session, users):
    acme = users["creditor"].creditor
    make_position(session, acme, reference="A-1", name="Mario Rossi", status="paid")
    make_position(session, acme, reference="A-2", name="Anna Verdi")
    browser.log_in("anna")
    paid = browser.get("/posizioni?stato=paid").get_data(as_text=True)
    assert "Mario Rossi" in paid and "Anna Verdi" not in paid
    assert ">pagata</span>" in paid
