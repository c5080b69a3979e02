"""What a debtor can answer on the phone (SPEC §1.3, keys 4 to 7 and 0), through the simulator
and the real webhooks: the outcome, the status and the traces each answer leaves."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from db.models import Event, OutgoingMail, Position, VoiceMessage
from notify.outbox import flush_outbox
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import PROMISE_DATE, PROMISE_DAYS, SPEAK, DebtorScript
from tests.factories import make_creditor, make_position

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)   # a Tuesday, 10:30 in Rome
PAYMENT_LINK = "https://paga.example.it/?rif={reference}&importo={amount}"


@pytest.fixture
def answered(app, session):
    """Calls one scripted debtor per reference; {reference: (position, simulated call)}."""
    creditor = make_creditor(session, max_attempts=1, payment_link=PAYMENT_LINK)
    simulator = get_telephony(app)
    app.extensions["cortesia.clock"] = lambda: NOW   # the webhooks' time: the dial pass's

    def call(scripts, phones=None):
        for index, (reference, keys) in enumerate(scripts.items()):
            phone = (phones or {}).get(reference, f"+39333100{index:04d}")
            make_position(session, creditor, reference=reference, phone=phone)
            simulator.script(phone, DebtorScript("human", keys))
        report = dial_pass(app, NOW)
        assert len(report.placed) == len(scripts) and simulator.errors == []
        session.expire_all()
        by_phone = {c.to: c for c in simulator.calls}
        return {p.reference: (p, by_phone[p.phone]) for p in session.scalars(select(Position))}
    return call


def events(session, position, kind):
    return [e.detail for e in session.scalars(
        select(Event).where(Event.position_id == position.id, Event.kind == kind))]


def test_4_already_paid_puts_the_position_to_verify(answered, session):
    position, call = answered({"paid": ("1", "4")})["paid"]
    assert (position.outcome, position.status) == ("declared_paid", "to_verify")
    assert "verificheremo il pagamento" in call.heard_text()


def test_5_a_promise_read_back_in_words_pauses_the_position_until_the_date(answered, session):
    position, call = answered({"promise": ("1", "5", "1512", "1")})["promise"]
    assert (position.outcome, position.status) == ("promised", "promised")
    assert "entro il 15 dicembre 2026" in call.heard_text()
    assert events(session, position, "outcome")[0]["promise_date"] == "2026-12-15"
    assert position.status_until > datetime(2026, 12, 15, tzinfo=timezone.utc)


def test_the_simulated_debtors_promise_a_date_days_after_the_call(answered, session):
    position, call = answered({"promise": ("1", "5", PROMISE_DATE, "1")})["promise"]
    promised = (call.created + timedelta(days=PROMISE_DAYS)).date()
    assert (position.outcome, position.status) == ("promised", "promised")
    assert events(session, position, "outcome")[0]["promise_date"] == promised.isoformat()


def test_5_an_impossible_date_twice_goes_back_to_the_menu(answered, session):
    position, call = answered({"dates": ("1", "5", "3102", "3102", "1")})["dates"]
    assert position.outcome == "confirmed"
    assert call.heard_text().count("non possiamo accettare questa data") == 2


def test_6_a_dispute_takes_the_spoken_message_and_stops_contact(app, answered, session):
    position, call = answered({"dispute": ("1", "6", SPEAK)})["dispute"]
    assert (position.outcome, position.status) == ("disputed", "disputed")
    [message] = session.scalars(select(VoiceMessage))
    assert (message.position_id, message.status) == (position.id, "pending")
    assert message.url in get_telephony(app).recordings and message.duration > 0
    assert events(session, position, "voice_message") == [
        {"voice_message_id": message.id, "duration": message.duration}]
    assert "la esamineremo" in call.heard_text()
    assert [r.path.rsplit("/", 1)[-1] for r in call.requests if r.kind == "twiml"][-1] == "recorded"


def test_6_with_nothing_said_still_records_the_dispute(answered, session):
    position, call = answered({"silent": ("1", "6", "")})["silent"]
    assert (position.outcome, position.status) == ("disputed", "disputed")
    assert events(session, position, "voice_message") == []
    assert "la esamineremo" in call.heard_text()


def test_7_texts_the_payment_link_at_once_and_the_menu_goes_on(app, answered, session):
    position, call = answered({"L-7": ("1", "0", "7", "1")})["L-7"]
    assert position.outcome == "confirmed"
    assert "Le abbiamo inviato il link per pagare" in call.heard_text()
    [mail] = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "link_pagamento"))
    assert mail.channel == "sms" and mail.to_address == position.phone
    assert "https://paga.example.it/?rif=L-7&importo=1234.56" in mail.body
    assert events(session, position, "payment_link_requested") == [{"mail_id": mail.id}]
    flush_outbox(app, NOW)   # queued at the webhook's clock, inside the hours for SMS
    [sms] = get_telephony(app).messages
    assert sms.to == position.phone and "paga.example.it" in sms.request.body


def test_7_is_not_offered_to_a_landline(answered, session):
    landline = "+390612345678"
    position, call = answered({"fixed": ("1", "0", "7", "1")},
                              phones={"fixed": landline})["fixed"]
    heard = call.heard_text()
    assert "prema 7" not in heard and "La scelta non è valida" in heard
    assert session.scalars(select(OutgoingMail)).all() == []


def test_the_new_keys_mean_nothing_before_identification(answered, session):
    position, call = answered({"early": ("4", "5", "")})["early"]
    assert position.outcome is None or position.outcome == "no_answer"
    assert position.status not in ("to_verify", "promised")
    assert "1.234" not in call.heard_text() and "milleduecento" not in call.heard_text()
