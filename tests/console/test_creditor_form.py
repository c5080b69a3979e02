"""The creditor form helps: choices where choices exist, the caller ID required and checked as
the command line checks it, examples, and what was typed kept on a refusal."""
import html
import re

import pytest
from sqlalchemy import select

from contacts.creditors import SettingError, check_caller_id
from db.models import Creditor
from tests.console.test_admin import CREDITOR


def selected(page, name):
    """The value chosen in the <select> `name` of `page`, or None when it is no select."""
    select_ = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S)
    if select_ is None:
        return None
    chosen = re.search(r'<option value="([^"]*)" selected>', select_.group(1))
    return chosen and chosen.group(1)


def test_timezone_language_and_country_are_choices(browser, users):
    browser.log_in("anna")
    page = browser.get("/mandanti/nuovo").get_data(as_text=True)
    assert selected(page, "timezone") == "Europe/Rome"
    assert selected(page, "language") == "it" and ">inglese</option>" in page
    assert selected(page, "country") == "IT" and ">Italia (IT)</option>" in page
    assert '<option value="America/New_York"' in page and "US/Eastern" not in page
    assert selected(page, "playbook") == "primo-sollecito" and selected(page, "policy") == "it"
    assert "ad es. 08:30-12:00,14:00-17:00,18:00-21:00" in page and "ad es. 2h, 90m" in page


def test_a_creditor_needs_a_caller_id_and_keeps_what_was_typed(browser, users, session):
    browser.log_in("anna")
    refused = browser.post("/mandanti/nuovo", dict(CREDITOR, caller_id="",
                                                   timezone="America/New_York", language="en"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "il numero chiamante è obbligatorio" in page
    assert 'value="Gamma Gas"' in page and 'value="09:00-12:00"' in page
    assert selected(page, "timezone") == "America/New_York" and selected(page, "language") == "en"
    assert session.scalars(select(Creditor).where(Creditor.name == "Gamma Gas")).all() == []


@pytest.mark.parametrize("typed", ["", "abc", "+3902", "+39 02 1234 5678"])
def test_the_form_checks_the_caller_id_with_the_command_lines_own_check(browser, users, runner,
                                                                        typed):
    from console.i18n import say

    browser.log_in("anna")
    with pytest.raises(SettingError) as caught:
        check_caller_id(typed)
    cli = runner.invoke(args=["creditor", "add", "Delta", "--caller-id", typed])
    assert cli.exit_code != 0 and str(caught.value) in cli.output
    page = browser.post("/mandanti/nuovo", dict(CREDITOR, caller_id=typed)).get_data(as_text=True)
    with browser.client.application.test_request_context("/"):
        italian = say(caught.value)
    assert f"Non salvato: {italian}." in html.unescape(page)


def test_an_old_creditor_without_a_caller_id_must_get_one_when_saved(browser, users, session):
    acme = session.get(Creditor, users["creditor"].creditor_id)
    acme.caller_id = None
    session.commit()
    browser.log_in("anna")
    refused = browser.post(f"/mandanti/{acme.id}", dict(CREDITOR, name=acme.name, caller_id=""))
    assert refused.status_code == 400 and "il numero chiamante è obbligatorio" in \
        refused.get_data(as_text=True)
    saved = browser.post(f"/mandanti/{acme.id}", dict(CREDITOR, name=acme.name))
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Creditor, acme.id).caller_id == "+390612345678"


def test_a_stored_zone_no_longer_offered_stays_chosen(browser, users, session):
    acme = session.get(Creditor, users["creditor"].creditor_id)
    acme.timezone = "US/Eastern"
    session.commit()
    browser.log_in("anna")
    page = browser.get(f"/mandanti/{acme.id}").get_data(as_text=True)
    assert selected(page, "timezone") == "US/Eastern"
