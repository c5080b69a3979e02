"""The SMS status callback: signed, filed once, and never undoing later news."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from db.models import Event, OutboxReceipt, OutgoingMail
from notify.receipts import sms_token
from tests.factories import make_creditor, make_position
from tests.twilio_signing import signed_post

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def sms(session):
    position = make_position(session, make_creditor(session))
    mail = OutgoingMail(key="step:1:3", channel="sms", position_id=position.id, kind="contatto",
                        to_address=position.phone, subject="", body="Acme la cerca",
                        status="sent", provider_id="SM" + "1" * 32, next_try_at=NOW,
                        created_at=NOW)
    session.add(mail)
    session.commit()
    return mail


def post_status(client, app, mail_id, status, **extra):
    path = f"/ivr/sms/{sms_token(app.config['SECRET_KEY'], mail_id)}/status"
    return signed_post(client, path, {"MessageSid": "SM" + "1" * 32, "MessageStatus": status,
                                      **extra})


def state(session, mail_id):
    session.expire_all()
    mail = session.get(OutgoingMail, mail_id)
    receipts = session.scalars(select(OutboxReceipt.kind).where(OutboxReceipt.mail_id == mail_id)
                               .order_by(OutboxReceipt.id)).all()
    events = session.scalars(select(Event.kind).where(Event.kind.like("sms_%"))).all()
    return mail.delivery, mail.delivered_at, receipts, events


def test_a_delivered_status_is_filed_on_its_message_with_an_event(client, app, session, sms):
    assert post_status(client, app, sms.id, "sent").status_code == 204
    assert post_status(client, app, sms.id, "delivered").status_code == 204
    delivery, delivered_at, receipts, events = state(session, sms.id)
    assert (delivery, receipts, events) == ("delivered", ["sms:sent", "sms:delivered"],
                                            ["sms_delivered"])
    assert delivered_at is not None


def test_a_late_sent_does_not_undo_delivered_and_a_repeat_is_filed_once(client, app, session,
                                                                         sms):
    post_status(client, app, sms.id, "delivered")
    post_status(client, app, sms.id, "delivered")
    post_status(client, app, sms.id, "sent")
    delivery, _, receipts, events = state(session, sms.id)
    assert delivery == "delivered"
    assert receipts == ["sms:delivered", "sms:sent"] and events == ["sms_delivered"]


def test_an_undelivered_sms_keeps_the_error_code(client, app, session, sms):
    post_status(client, app, sms.id, "undelivered", ErrorCode="30003")
    delivery, delivered_at, _, events = state(session, sms.id)
    assert (delivery, delivered_at, events) == ("undelivered", None, ["sms_undelivered"])
    event = session.scalar(select(Event).where(Event.kind == "sms_undelivered"))
    assert event.detail["error_code"] == "30003" and event.detail["mail_id"] == sms.id


def test_an_unsigned_or_forged_callback_is_refused(client, app, session, sms):
    path = f"/ivr/sms/{sms_token(app.config['SECRET_KEY'], sms.id)}/status"
    assert client.post(path, data={"MessageStatus": "delivered"}).status_code == 403
    assert signed_post(client, path, {"MessageStatus": "delivered"},
                       token="not-the-token").status_code == 403
    assert state(session, sms.id)[0] is None


def test_a_token_that_is_not_ours_changes_nothing(client, app, session, sms):
    for token in (f"{sms.id}-0000", str(sms.id), "x"):
        assert signed_post(client, f"/ivr/sms/{token}/status",
                           {"MessageStatus": "delivered"}).status_code == 204
    assert state(session, sms.id)[0] is None
