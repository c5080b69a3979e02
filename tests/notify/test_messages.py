"""Queueing a step's message: which channel can carry it, what it says, and only once."""
from datetime import datetime, timezone
from decimal import Decimal
import re

import pytest
from sqlalchemy import func, select

from db.models import Event, OutgoingMail
from notify.messages import ChannelUnavailable, queue_message
from prompts.store import set_override
from tests.factories import make_creditor, make_position

NOW = datetime(2026, 11, 14, 9, 0, tzinfo=timezone.utc)   # 30 days after the due date
PEC = dict(PEC_SMTP_HOST="127.0.0.1", PEC_FROM="acme@pec.example.test")


@pytest.fixture
def creditor(session):
    return make_creditor(session, contact_email="crediti@acme.test",
                         contact_phone="+390298765432", late_fee=Decimal("40"),
                         late_interest_rate=Decimal("8"))


@pytest.fixture
def position(session, creditor):
    return make_position(session, creditor, name="Mario <Rossi>", pec="mario@pec.example.test")


def queue(app, session, position, channel, message, key="step:1:0"):
    mail = queue_message(app, session, position, channel, message, NOW, key)
    session.commit()
    return mail


def count(session):
    return session.scalar(select(func.count()).select_from(OutgoingMail))


def test_an_email_is_queued_with_text_and_escaped_html(app, session, position):
    mail = queue(app, session, position, "email", "verifica_contabile")
    assert (mail.channel, mail.to_address, mail.kind, mail.status, mail.next_try_at) == (
        "email", "mario.rossi@example.test", "verifica_contabile", "queued", NOW)
    assert mail.subject == "Acme Energia: verifica contabile (fattura FT-2026/118)"
    assert "Gentile Mario <Rossi>" in mail.body and "1.234,56 EUR" in mail.body
    assert "crediti@acme.test" in mail.body and "+390298765432" in mail.body
    assert "Mario &lt;Rossi&gt;" in mail.html and "<Rossi>" not in mail.html
    [event] = session.scalars(select(Event).where(Event.kind == "message_queued")).all()
    assert event.detail == {"mail_id": mail.id, "channel": "email", "kind": "verifica_contabile"}


def test_the_charges_message_counts_the_fee_and_interest_to_today_on_the_amount_due(
        app, session, position):
    position.amount_paid = Decimal("234.56")   # 1,000.00 due
    mail = queue(app, session, position, "email", "sollecito_oneri")
    # 1000 × 8% × 30/365 = 6.58; plus the fixed 40.00
    for line in ("Capitale: 1.000,00 EUR", "Oneri fissi: 40,00 EUR", "Interessi di mora: 6,58 EUR",
                 "Totale dovuto: 1.046,58 EUR"):
        assert line in mail.body.splitlines()


def test_a_second_call_with_the_same_key_returns_the_queued_message(app, session, position):
    first = queue(app, session, position, "email", "sollecito")
    again = queue(app, session, position, "sms", "contatto")
    assert again.id == first.id and again.channel == "email"
    assert count(session) == 1
    assert session.scalar(select(func.count()).where(Event.kind == "message_queued")) == 1


def test_email_needs_the_positions_address(app, session, position):
    position.email = None
    with pytest.raises(ChannelUnavailable) as refused:
        queue(app, session, position, "email", "sollecito")
    assert refused.value.code == "no_email"
    assert count(session) == 0


def test_pec_needs_a_pec_address_and_a_configured_mailbox(app, session, position):
    with pytest.raises(ChannelUnavailable) as refused:
        queue(app, session, position, "pec", "sollecito_oneri")
    assert refused.value.code == "pec_not_configured"
    app.config.update(PEC)
    position.pec = None
    with pytest.raises(ChannelUnavailable) as refused:
        queue(app, session, position, "pec", "sollecito_oneri")
    assert refused.value.code == "no_pec"
    assert count(session) == 0


def test_a_pec_goes_to_the_pec_address(app, session, position):
    app.config.update(PEC)
    mail = queue(app, session, position, "pec", "sollecito_oneri")
    assert (mail.channel, mail.to_address) == ("pec", "mario@pec.example.test")


def test_email_or_pec_is_pec_when_the_position_has_one_and_pec_is_configured(app, session,
                                                                             position):
    assert queue(app, session, position, "email_or_pec", "sollecito_oneri", "k1").channel == "email"
    app.config.update(PEC)
    assert queue(app, session, position, "email_or_pec", "sollecito_oneri", "k2").channel == "pec"
    position.pec = None
    assert queue(app, session, position, "email_or_pec", "sollecito_oneri", "k3").channel == "email"
    position.email = None
    with pytest.raises(ChannelUnavailable) as refused:
        queue(app, session, position, "email_or_pec", "sollecito_oneri", "k4")
    assert refused.value.code == "no_email"


def test_an_sms_goes_to_a_mobile_and_says_nothing_of_the_debt(app, session, position):
    mail = queue(app, session, position, "sms", "contatto")
    assert (mail.channel, mail.to_address, mail.subject, mail.html) == (
        "sms", "+393331234567", "", None)
    assert "Acme Energia" in mail.body and "+390298765432" in mail.body
    for secret in ("1.234,56", "FT-2026/118", "15/10/2026", "Rossi", "fattura", "import"):
        assert secret not in mail.body


def test_an_sms_to_a_landline_is_refused(app, session, position):
    position.phone = "+390212345678"
    with pytest.raises(ChannelUnavailable) as refused:
        queue(app, session, position, "sms", "contatto")
    assert refused.value.code == "not_mobile"
    assert count(session) == 0


def test_the_creditors_wording_is_used(app, session, creditor, position):
    set_override(session, creditor.id, "sollecito_subject", "it", "Promemoria {invoice}")
    set_override(session, creditor.id, "contatto_sms", "it", "Chiami {creditor} al {contact_phone}")
    assert queue(app, session, position, "email", "sollecito", "a").subject == \
        "Promemoria FT-2026/118"
    sms = queue(app, session, position, "sms", "contatto", "b").body
    # The wording leaves out the debtor's page: its link is added at the end all the same.
    assert re.fullmatch(r"Chiami Acme Energia al \+390298765432 "
                        r"https://cortesia\.example\.test/p/[A-Za-z0-9_-]{32}", sms)


def test_a_message_the_channel_cannot_carry_is_a_programming_error(app, session, position):
    with pytest.raises(ValueError):
        queue(app, session, position, "sms", "sollecito")
    with pytest.raises(ValueError):
        queue(app, session, position, "email", "contatto")
    with pytest.raises(ValueError):
        queue(app, session, position, "fax", "sollecito")


def test_a_step_queued_by_another_pass_is_returned_whatever_the_channel_says_now(
        app, session, position):
    theirs = OutgoingMail(key="step:1:0", channel="email", position_id=position.id,
                          kind="sollecito", to_address=position.email, subject="s", body="b",
                          next_try_at=NOW, created_at=NOW)
    session.add(theirs)
    session.commit()
    position.email = None   # since then the address was removed

    assert queue(app, session, position, "email", "sollecito").id == theirs.id
    assert queue(app, session, position, "sms", "contatto").id == theirs.id
    assert count(session) == 1
    assert session.scalar(select(func.count()).where(Event.kind == "message_queued")) == 0


def test_a_wording_reset_in_the_session_is_seen_by_the_next_message(app, session, creditor,
                                                                    position):
    from prompts.store import reset_override

    set_override(session, creditor.id, "sollecito_subject", "it", "Promemoria {invoice}")
    assert queue(app, session, position, "email", "sollecito", "a").subject == \
        "Promemoria FT-2026/118"
    reset_override(session, creditor.id, "sollecito_subject", "it")
    assert queue(app, session, position, "email", "sollecito", "b").subject.startswith(
        "Acme Energia: sollecito di pagamento")
