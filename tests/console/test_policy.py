"""The console: the creditor form's contact policy, and the position page's "Perché"."""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import Creditor, PolicyDecision
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import DebtorScript
from tests.factories import make_creditor, make_position

CREDITOR = {"name": "Gamma Gas", "caller_id": "+390612345678", "windows": "09:00-12:00",
            "max_attempts": "2", "min_gap": "3h", "timezone": "Europe/Rome", "language": "it",
            "country": "IT", "report_email": "", "spoken_name": "", "max_concurrent": "0",
            "playbook": "primo-sollecito", "policy": "strict", "max_written_per_month": "2"}


def gamma(session):
    session.expire_all()
    return session.scalar(select(Creditor).where(Creditor.name == "Gamma Gas"))


def test_an_admin_picks_a_preset_and_tightens_it_on_the_creditor_form(browser, users, session):
    browser.log_in("anna")
    assert browser.post("/mandanti/nuovo", CREDITOR).status_code == 302
    assert (gamma(session).policy, gamma(session).policy_settings) == \
        ("strict", {"max_written_per_month": 2})
    page = browser.get(f"/mandanti/{gamma(session).id}").get_data(as_text=True)
    assert '<option value="strict" selected>' in page and 'value="2"' in page


def test_a_looser_number_on_the_form_needs_the_box_ticked_and_is_recorded(browser, users,
                                                                          session):
    browser.log_in("anna")
    looser = dict(CREDITOR, policy="it", max_conversations_per_day="3")
    refused = browser.post("/mandanti/nuovo", looser)
    assert refused.status_code == 400 and \
        "regole di contatto" in refused.get_data(as_text=True)
    assert gamma(session) is None
    assert browser.post("/mandanti/nuovo", dict(looser, allow_looser="1")).status_code == 302
    [row] = session.scalars(select(PolicyDecision)).all()
    assert row.rule == "max_conversations_per_day" and row.facts["by"] == "console:anna"
    # Saved again without touching it: the allowance is kept, not asked for again.
    again = browser.post(f"/mandanti/{gamma(session).id}", dict(looser, windows="09:00-13:00"))
    assert again.status_code == 302
    assert gamma(session).policy_settings["max_conversations_per_day"] == 3


def test_the_position_page_says_why_in_italian(browser, users, session, app):
    # Acme's call comes first (and talks), then Beta's to the same debtor is refused.
    first = make_position(session, users["creditor"].creditor, reference="A-1")
    second = make_position(session, make_creditor(session, name="Beta Telecom"))
    get_telephony(app).script(first.phone, DebtorScript("human", ("1", "1")))
    dial_pass(app, datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Europe/Rome")))
    browser.log_in("anna")
    page = browser.get(f"/posizioni/{second.id}").get_data(as_text=True)
    assert "Perché" in page
    assert ("nessuna chiamata alle 09:00 sabato 28 novembre: regole it, al massimo 1 "
            "conversazione/i al giorno; prossima possibilità 08:30 lunedì 30 novembre") in page
