"""A position's controls in the console: stop its contacts (Ferma) and let them go on, call it
now when the contact policy allows, notes; each an event naming the user, each refused with
another creditor's position (404) or by a role that may not (403)."""
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import Attempt, Event, OutgoingMail, Position
from tests.factories import make_attempt, make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")
MONDAY = datetime(2026, 11, 23, 11, 0, tzinfo=ROME)         # in the 08:30-12:00 window
SATURDAY_LATE = datetime(2026, 11, 28, 16, 0, tzinfo=ROME)


@pytest.fixture
def clock(app):
    """The app's clock (the webhooks' and the worker's, which the controls read), settable."""
    now = {"at": MONDAY}
    app.extensions["cortesia.clock"] = lambda: now["at"]
    return now


@pytest.fixture
def acme_position(session, users, clock):
    position = make_position(session, users["creditor"].creditor, reference="A-1",
                             amount=Decimal("1234.56"))
    make_attempt(session, position, status="pending", due_at=MONDAY + timedelta(hours=4),
                 call_window="14:00-17:00")
    session.add(OutgoingMail(key="step:A-1", kind="sollecito", position_id=position.id,
                             to_address=position.email, subject="s", body="b"))
    session.commit()
    return position


def fresh(session, position):
    session.expire_all()
    return session.get(Position, position.id)


def last_event(session, kind):
    session.expire_all()
    return session.scalar(select(Event).where(Event.kind == kind).order_by(Event.id.desc()))


@pytest.mark.parametrize("username", ["anna", "mara"])
def test_ferma_withdraws_every_planned_contact_and_riprendi_lets_it_go_on(
        browser, session, acme_position, username):
    browser.log_in(username)
    page = browser.get(f"/posizioni/{acme_position.id}").get_data(as_text=True)
    assert ">Ferma</button>" in page and ">Chiama ora</button>" in page
    done = browser.post(f"/posizioni/{acme_position.id}/ferma",
                        {"motivo": "il cliente ha chiamato"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Chiamate previste ritirate: 1; messaggi in coda ritirati: 1." in text
    assert "Riprendi i contatti" in text and ">Chiama ora</button>" not in text
    position = fresh(session, acme_position)
    assert (position.status, position.held_by) == ("open", f"user:{username}")
    assert session.scalar(select(Attempt.status)) == "canceled"
    assert session.scalar(select(OutgoingMail.status)) == "withdrawn"
    held = last_event(session, "held")
    assert (held.source, held.detail["reason"]) == (f"user:{username}", "il cliente ha chiamato")
    assert "Contatti fermati" in text and "il cliente ha chiamato" in text   # the timeline
    resumed = browser.post(f"/posizioni/{acme_position.id}/riprendi", {}, follow_redirects=True)
    assert "Chiamate previste rimesse in programma: 1; messaggi rimessi in coda: 1." in \
        resumed.get_data(as_text=True)
    assert fresh(session, acme_position).held_at is None
    assert last_event(session, "released").source == f"user:{username}"
    assert session.scalar(select(Attempt.status)) == "pending"
    assert session.scalar(select(OutgoingMail.status)) == "queued"


def test_ferma_needs_a_reason_and_keeps_the_page(browser, session, acme_position):
    browser.log_in("mara")
    refused = browser.post(f"/posizioni/{acme_position.id}/ferma", {"motivo": " "})
    assert refused.status_code == 400
    assert "Scriva il motivo." in refused.get_data(as_text=True)
    assert fresh(session, acme_position).held_at is None


def test_chiama_ora_makes_the_call_due_for_the_next_pass(browser, session, acme_position):
    browser.log_in("mara")
    done = browser.post(f"/posizioni/{acme_position.id}/chiama", {}, follow_redirects=True)
    assert "Chiamata 1 del giro 1 pronta" in done.get_data(as_text=True)
    attempt = session.scalar(select(Attempt))
    session.refresh(attempt)
    assert (attempt.due_at, attempt.call_window) == (MONDAY, "08:30-12:00")
    assert last_event(session, "call_now").source == "user:mara"


def test_chiama_ora_shows_the_policys_refusal_in_italian(browser, session, acme_position, clock):
    clock["at"] = SATURDAY_LATE
    browser.log_in("anna")
    refused = browser.post(f"/posizioni/{acme_position.id}/chiama", {"motivo": "urgente"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Le regole di contatto non consentono di chiamare ora: nessuna chiamata alle 16:00 " \
        "sabato 28 novembre" in page
    assert "il sabato fino alle 15:00" in page and 'value="urgente"' in page
    assert last_event(session, "call_now") is None


def test_chiama_ora_outside_the_windows_says_so_in_italian(browser, session, acme_position,
                                                           clock):
    clock["at"] = MONDAY.replace(hour=13)
    browser.log_in("anna")
    refused = browser.post(f"/posizioni/{acme_position.id}/chiama", {})
    assert refused.status_code == 400
    assert "Nessuna fascia oraria di chiamata del mandante è aperta adesso" in \
        refused.get_data(as_text=True)


def test_a_creditor_users_note_is_seen_by_the_staff(browser, session, acme_position):
    browser.log_in("mara")
    done = browser.post(f"/posizioni/{acme_position.id}/nota",
                        {"nota": "Il cliente pagherà a fine mese"}, follow_redirects=True)
    assert "Nota aggiunta." in done.get_data(as_text=True)
    note = last_event(session, "note")
    assert (note.source, note.detail) == ("user:mara", {"text": "Il cliente pagherà a fine mese",
                                                        "internal": False})
    browser.log_in("carlo")
    assert "Il cliente pagherà a fine mese" in \
        browser.get(f"/posizioni/{acme_position.id}").get_data(as_text=True)


def test_a_collectors_internal_note_is_hidden_from_the_creditors_users(browser, session,
                                                                       acme_position):
    browser.log_in("carlo")
    page = browser.get(f"/posizioni/{acme_position.id}").get_data(as_text=True)
    assert "Aggiungi nota" in page and ">Ferma</button>" not in page
    browser.post(f"/posizioni/{acme_position.id}/nota", {"nota": "Tono aggressivo"})
    browser.post(f"/posizioni/{acme_position.id}/nota",
                 {"nota": "Chiede la fattura", "condividi": "si"})
    assert [e.detail["internal"] for e in session.scalars(
        select(Event).where(Event.kind == "note").order_by(Event.id))] == [True, False]
    browser.log_in("anna")
    staff = browser.get(f"/posizioni/{acme_position.id}").get_data(as_text=True)
    assert "Tono aggressivo" in staff and "Nota interna" in staff
    browser.log_in("mara")
    creditor = browser.get(f"/posizioni/{acme_position.id}").get_data(as_text=True)
    assert "Tono aggressivo" not in creditor and "Chiede la fattura" in creditor


def test_an_empty_note_is_refused_in_italian(browser, session, acme_position):
    browser.log_in("carlo")
    refused = browser.post(f"/posizioni/{acme_position.id}/nota", {"nota": "  "})
    assert refused.status_code == 400
    assert "La nota è vuota." in refused.get_data(as_text=True)


def test_collectors_may_not_stop_or_call(browser, session, acme_position):
    browser.log_in("carlo")
    for action in ("ferma", "riprendi", "chiama"):
        response = browser.post(f"/posizioni/{acme_position.id}/{action}", {"motivo": "x"})
        assert response.status_code == 403
    assert fresh(session, acme_position).held_at is None


def test_another_creditors_position_has_no_controls(browser, session, users, clock):
    other = make_position(session, make_creditor(session, name="Beta"), reference="B-1")
    browser.log_in("mara")
    for action, form in (("ferma", {"motivo": "x"}), ("riprendi", {}), ("chiama", {}),
                         ("nota", {"nota": "x"})):
        assert browser.post(f"/posizioni/{other.id}/{action}", form).status_code == 404
    assert fresh(session, other).held_at is None
    assert session.scalars(select(Event).where(Event.position_id == other.id)).all() == []


def test_the_controls_and_their_events_read_italian_for_every_role(browser, session,
                                                                   acme_position, clock):
    from contacts.controls import add_note, call_now, hold_position, pause_creditor
    from db.events import record_event
    from tests.console.test_i18n import untranslated

    call_now(session, acme_position, "user:anna", "", MONDAY)
    add_note(session, acme_position, "user:anna", "da sentire", True, MONDAY)
    record_event(session, acme_position.id, "step_postponed", "worker",
                 {"step": 0, "day": 0, "channel": "email", "reason": "creditor_paused"}, at=MONDAY)
    hold_position(session, acme_position, "user:anna", "in trattativa", MONDAY)
    pause_creditor(session, acme_position.creditor, "user:anna", "verifica", MONDAY)
    session.commit()
    for username in ("anna", "carlo", "mara"):
        browser.log_in(username)
        page = browser.get(f"/posizioni/{acme_position.id}").get_data(as_text=True)
        assert untranslated(page) == [], (username, untranslated(page))
        assert "Passo rinviato: la campagna del mandante è in pausa" in page
        assert "Contatti fermati il" in page
        if username != "carlo":
            dashboard = browser.get("/cruscotto").get_data(as_text=True)
            assert untranslated(dashboard) == [] and "In pausa" in dashboard
