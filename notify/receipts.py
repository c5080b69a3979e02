"""What providers say after a message was handed over: PEC receipts and SMS status callbacks,
each filed once against its message, the delivery news only ever moving forward."""
import hashlib
import hmac

from sqlalchemy import or_, select, update

from db import insert_ignoring
from db.events import record_event
from db.models import OutboxReceipt, OutgoingMail

SOURCE = "receipts"

# Delivery news by how far along it is: later news never gives way to earlier (Twilio's
# callbacks come out of order; a PEC's acceptance may be read after its delivery).
PROGRESS = {"queued": 1, "accepted": 1, "sending": 2, "sent": 3, "delivery_warning": 3,
            "delivered": 4, "undelivered": 4, "not_delivered": 4, "not_accepted": 4,
            "failed": 4}

# Twilio's MessageStatus → (delivery, event).
SMS_STATUSES = {
    "queued": ("queued", None), "accepted": ("accepted", None), "scheduled": ("queued", None),
    "sending": ("sending", None), "sent": ("sent", None),
    "delivered": ("delivered", "sms_delivered"), "read": ("delivered", "sms_delivered"),
    "undelivered": ("undelivered", "sms_undelivered"), "failed": ("failed", "sms_undelivered"),
}

# The Italian PEC receipts' X-Ricevuta → (delivery, event).
PEC_RECEIPTS = {
    "accettazione": ("accepted", "pec_accepted"),
    "presa-in-carico": ("accepted", None),
    "preavviso-errore-consegna": ("delivery_warning", "pec_delivery_warning"),
    "avvenuta-consegna": ("delivered", "pec_delivered"),
    "errore-consegna": ("not_delivered", "pec_not_delivered"),
    "non-accettazione": ("not_accepted", "pec_not_accepted"),
}


def file_receipt(session, mail_id, kind, delivery, event, detail, now):
    """File one receipt of message `mail_id`: kept once per kind, the message's delivery moved
    forward to `delivery` if that is news, `event` recorded on its position. False when this
    receipt was filed before (a callback delivered twice, a receipt read again)."""
    inserted = session.execute(
        insert_ignoring(session, OutboxReceipt.__table__)
        .returning(OutboxReceipt.__table__.c.id),
        dict(mail_id=mail_id, kind=kind, received_at=now, detail=detail)).scalar()
    if inserted is None:
        return False
    behind = [name for name, rank in PROGRESS.items() if rank < PROGRESS[delivery]]
    values = {"delivery": delivery}
    if delivery == "delivered":
        values["delivered_at"] = now
    # One conditional UPDATE: two callbacks at once cannot put older news over newer.
    session.execute(update(OutgoingMail)
                    .where(OutgoingMail.id == mail_id,
                           or_(OutgoingMail.delivery.is_(None), OutgoingMail.delivery.in_(behind)))
                    .values(**values).execution_options(synchronize_session=False))
    position_id, message = session.execute(
        select(OutgoingMail.position_id, OutgoingMail.kind).where(OutgoingMail.id == mail_id)).one()
    if event and position_id is not None:
        record_event(session, position_id, event, SOURCE,
                     {"mail_id": mail_id, "kind": message, **detail}, at=now,
                     dedupe_key=f"{event}:{mail_id}")
    return True


def record_sms_status(session, mail_id, status, now, error_code=None, provider_id=None):
    """File an SMS status callback (Twilio's MessageStatus); False if already filed or unknown."""
    if status not in SMS_STATUSES:
        return False
    delivery, event = SMS_STATUSES[status]
    detail = {"status": status}
    if error_code:
        detail["error_code"] = str(error_code)[:16]
    if provider_id:
        session.execute(update(OutgoingMail)
                        .where(OutgoingMail.id == mail_id, OutgoingMail.provider_id.is_(None))
                        .values(provider_id=provider_id)
                        .execution_options(synchronize_session=False))
    return file_receipt(session, mail_id, f"sms:{status}", delivery, event, detail, now)


def sms_token(secret, mail_id):
    """The token naming message `mail_id` in its status callback URL: not guessable, so the
    URL names no message a stranger could find; checked without a lookup."""
    digest = hmac.new(secret.encode(), f"sms-status:{mail_id}".encode(), hashlib.sha256)
    return f"{mail_id}-{digest.hexdigest()[:24]}"


def mail_of_token(secret, token):
    """The message id a status callback token names, or None when it is not one of ours."""
    mail_id, _, _ = (token or "").partition("-")
    if not mail_id.isdigit() or not hmac.compare_digest(sms_token(secret, int(mail_id)), token):
        return None
    return int(mail_id)
