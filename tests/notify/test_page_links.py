"""Every email, PEC and SMS carries the personal link to the debtor's page (SPEC §1.6), and the
link opens the page of that position with the channel that carried it."""
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from db.models import OutgoingMail
from domain.page_links import read_token
from ivr.outcomes import close_position
from notify import queue_notice_email
from notify.messages import queue_message
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import make_creditor, make_position

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc)   # a Monday
LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/p/([A-Za-z0-9_-]{32})")
PEC = dict(PEC_SMTP_HOST="127.0.0.1", PEC_FROM="acme@pec.example.test")


@pytest.fixture
def creditor(session):
    return make_creditor(session, playbook="cortesia-30", contact_phone="+390298765432")


@pytest.fixture
def position(session, creditor):
    return make_position(session, creditor, pec="mario@pec.example.test",
                         phase_start=date(2026, 11, 16))


def link_in(app, text):
    [token] = LINK.findall(text)
    return read_token(app.config["SECRET_KEY"], token)


@pytest.mark.parametrize("channel, message", [("email", "verifica_contabile"),
                                              ("email", "sollecito"),
                                              ("pec", "sollecito_oneri")])
def test_each_written_message_links_the_page_in_its_text_and_html(app, session, position,
                                                                   channel, message):
    app.config.update(PEC)
    mail = queue_message(app, session, position, channel, message, NOW, "step:x")
    link = link_in(app, mail.body)
    # cortesia-30 from Monday 16 November 2026: working day 30 is Wednesday 30 December (the
    # 8th and the 25th of December are holidays).
    assert (link.position_id, link.channel, link.expires_on) == \
        (position.id, channel, date(2026, 12, 30))
    assert re.search(r'<a href="' + LINK.pattern + r'">', mail.html)


def test_the_sms_carries_the_link_and_still_no_amount_nor_invoice(app, session, position):
    mail = queue_message(app, session, position, "sms", "contatto", NOW, "step:x")
    assert link_in(app, mail.body).channel == "sms"
    for fact in ("1.234,56", "1234", "FT-2026/118", "15/10/2026", "Mario", "PR-", "P-001"):
        assert fact not in mail.body, fact
    assert mail.body.startswith("Acme Energia desidera parlare con lei.")
    assert "+390298765432" in mail.body


def test_the_emailed_notice_links_the_page_for_each_address(app, session, position):
    close_position(session, position, "wrong_person", "test", NOW)
    session.commit()
    mails = {m.to_address: m for m in session.scalars(select(OutgoingMail))}
    assert link_in(app, mails["mario.rossi@example.test"].body).channel == "email"
    assert link_in(app, mails["mario@pec.example.test"].body).channel == "pec"


def test_the_link_is_made_in_the_workers_threads_too(app, session, position):
    # A dial pass runs with no app context: the session knows its app's configuration.
    [mail, _] = queue_notice_email(session, position, "identity_failed", NOW)
    assert link_in(app, mail.body).position_id == position.id


def test_a_first_reminders_link_lasts_two_weeks(app, session):
    first = make_position(session, make_creditor(session, name="Primo"), reference="F-1")
    [mail] = queue_notice_email(session, first, "wrong_person", NOW)
    assert link_in(app, mail.body).expires_on == date(2026, 11, 30)
