"""The outbox on every channel: PEC through the PEC mailbox's own SMTP server, SMS through
telephony (the simulator, and Twilio's REST API mocked), each sent once, retried with backoff."""
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import pytest
import requests
import responses
from sqlalchemy import select

from db import session_scope
from db.models import Event, OutgoingMail
from notify.messages import queue_message
from notify.outbox import BACKOFF, flush_outbox
from notify.receipts import sms_token
from telephony import get_telephony
from tests.factories import make_creditor, make_position
from tests.smtp import MAIL_FROM, PEC_FROM, pec_app, pec_server  # noqa: F401 - fixtures

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
ACCOUNT_SID = "AC" + "7" * 32
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest.fixture
def position(session):
    creditor = make_creditor(session, contact_phone="+390298765432")
    return make_position(session, creditor, pec="mario@pec.example.test")


def queue(app, session, position, channel, message, key):
    mail = queue_message(app, session, position, channel, message, NOW, key)
    session.commit()
    return mail.id


def row(app, mail_id):
    with session_scope(app) as session:
        return session.get(OutgoingMail, mail_id)


def event_kinds(app):
    with session_scope(app) as session:
        return sorted(session.scalars(select(Event.kind).where(Event.kind != "message_queued")))


def test_a_pec_goes_through_the_pec_mailbox_and_an_email_through_the_mail_server(
        pec_app, smtp_server, pec_server, session, position):
    email_id = queue(pec_app, session, position, "email", "sollecito", "e")
    pec_id = queue(pec_app, session, position, "pec", "sollecito_oneri", "p")

    assert flush_outbox(pec_app, NOW).sent == 2

    [email] = smtp_server.messages
    [pec] = pec_server.messages
    assert (email["From"], email["To"]) == (MAIL_FROM, "mario.rossi@example.test")
    assert (pec["From"], pec["To"]) == (PEC_FROM, "mario@pec.example.test")
    assert pec_server.envelopes[0].mail_from == "acme@pec.example.test"
    assert pec["Message-ID"] == row(pec_app, pec_id).message_id
    assert "@pec.example.test>" in pec["Message-ID"]
    assert "Totale dovuto" in pec.get_body(("plain",)).get_content()
    assert "<p>" in pec.get_body(("html",)).get_content()
    assert row(pec_app, email_id).status == row(pec_app, pec_id).status == "sent"
    assert event_kinds(pec_app) == ["email_sent", "pec_sent"]


def test_a_pec_server_outage_is_retried_with_backoff_and_sent_once(pec_app, pec_server, session,
                                                                   position):
    pec_id = queue(pec_app, session, position, "pec", "sollecito_oneri", "p")
    pec_server.stop()
    assert flush_outbox(pec_app, NOW).retried == 1
    assert row(pec_app, pec_id).next_try_at == NOW + BACKOFF[0]
    pec_server.start()
    assert flush_outbox(pec_app, NOW + timedelta(seconds=30)).sent == 0
    assert flush_outbox(pec_app, NOW + BACKOFF[0]).sent == 1
    assert flush_outbox(pec_app, NOW + timedelta(days=1)).sent == 0
    assert len(pec_server.messages) == 1


def test_an_sms_goes_through_the_simulator_and_its_delivery_comes_back(app, session, position):
    mail_id = queue(app, session, position, "sms", "contatto", "s")

    assert flush_outbox(app, NOW).sent == 1

    [sms] = get_telephony(app).messages
    assert (sms.to, sms.request.from_) == ("+393331234567", "+390212345678")   # the caller ID
    assert sms.request.body == row(app, mail_id).body and sms.errors == []
    mail = row(app, mail_id)
    assert (mail.status, mail.provider_id, mail.delivery) == ("sent", sms.sid, "delivered")
    assert event_kinds(app) == ["sms_delivered", "sms_sent"]


def test_the_sms_sender_is_the_creditors_then_sms_sender_then_the_caller_id(app, session,
                                                                           position):
    app.config["SMS_SENDER"] = "Cortesia"
    queue(app, session, position, "sms", "contatto", "a")
    flush_outbox(app, NOW)
    position.creditor.sms_sender = "AcmeEnergia"
    session.commit()
    queue(app, session, position, "sms", "contatto", "b")
    flush_outbox(app, NOW)
    assert [s.request.from_ for s in get_telephony(app).messages] == ["Cortesia", "AcmeEnergia"]


@pytest.fixture
def api(app):
    """Twilio's REST API, mocked, behind the app's telephony."""
    app.config.update(TELEPHONY="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID)
    app.extensions.pop("cortesia.telephony", None)
    with responses.RequestsMock() as mock:
        yield mock


def test_an_sms_goes_to_twilios_messages_api_with_its_status_callback(app, api, session,
                                                                       position):
    api.post(MESSAGES_URL, json={"sid": "SM" + "9" * 32, "status": "queued"}, status=201)
    mail_id = queue(app, session, position, "sms", "contatto", "s")

    assert flush_outbox(app, NOW).sent == 1

    form = parse_qs(api.calls[0].request.body)
    token = sms_token(app.config["SECRET_KEY"], mail_id)
    assert form["To"] == ["+393331234567"] and form["From"] == ["+390212345678"]
    assert form["StatusCallback"] == [f"https://cortesia.example.test/ivr/sms/{token}/status"]
    assert form["Body"] == [row(app, mail_id).body]
    assert row(app, mail_id).provider_id == "SM" + "9" * 32


def test_an_sms_refused_by_twilio_is_retried_with_backoff_and_sent_once(app, api, session,
                                                                        position):
    api.post(MESSAGES_URL, json={"code": 20500, "message": "Internal error"}, status=500)
    api.post(MESSAGES_URL, json={"sid": "SM" + "9" * 32}, status=201)
    mail_id = queue(app, session, position, "sms", "contatto", "s")

    assert flush_outbox(app, NOW).retried == 1
    mail = row(app, mail_id)
    assert (mail.status, mail.next_try_at, mail.tries) == ("queued", NOW + BACKOFF[0], 1)
    assert "HTTP 500" in mail.last_error and "+39333" not in mail.last_error
    assert flush_outbox(app, NOW + timedelta(seconds=30)).sent == 0
    assert flush_outbox(app, NOW + BACKOFF[0]).sent == 1
    assert flush_outbox(app, NOW + timedelta(days=1)).sent == 0
    assert len(api.calls) == 2 and row(app, mail_id).status == "sent"


def test_an_sms_whose_answer_was_lost_is_held_never_sent_twice(app, api, session, position):
    api.post(MESSAGES_URL, body=requests.ReadTimeout("read timed out"))
    mail_id = queue(app, session, position, "sms", "contatto", "s")

    reports = [flush_outbox(app, NOW + timedelta(hours=h)) for h in (0, 1, 24)]

    assert [r.held for r in reports] == [1, 0, 0] and len(api.calls) == 1
    assert row(app, mail_id).status == "unknown"
    assert event_kinds(app) == ["sms_unknown"]


def test_a_withdrawn_message_is_never_sent(app, session, position):
    mail_id = queue(app, session, position, "sms", "contatto", "s")
    with session_scope(app) as s:
        s.get(OutgoingMail, mail_id).status = "withdrawn"
    assert flush_outbox(app, NOW + timedelta(days=1)).sent == 0
    assert get_telephony(app).messages == []


def test_the_list_command_shows_the_channel_masks_the_number_and_the_delivery(app, session,
                                                                             position, runner):
    queue(app, session, position, "sms", "contatto", "s")
    flush_outbox(app, NOW)
    [line] = runner.invoke(args=["outbox", "list"]).output.splitlines()
    assert "sms" in line and "contatto" in line and "+39333****567" in line
    assert "delivery=delivered" in line and "+393331234567" not in line
