"""Sending one claimed SMS through telephony, with the outbox's at-most-once care: the hand-over
is committed before the provider is asked, and an answer lost on the way holds the message."""
from db.models import Position
from notify.fates import hold_unknown, mark_data, record_failure, record_sent
from notify.receipts import sms_token
from telephony import SendSmsError, SmsRequest, get_telephony


def sms_sender(app, session, mail):
    """The From of an SMS (its outbox row, or an OutgoingMail): its creditor's sms_sender, else
    SMS_SENDER, else the caller ID (the creditor's, else TWILIO_CALLER_ID)."""
    position = session.get(Position, mail.position_id) if mail.position_id else None
    creditor = position.creditor if position is not None else None
    return (creditor and creditor.sms_sender) or app.config.get("SMS_SENDER") \
        or (creditor and creditor.caller_id) or app.config.get("TWILIO_CALLER_ID")


def status_callback_url(app, mail_id):
    """Where the provider posts the SMS's delivery news: under /ivr/, like every Twilio webhook."""
    token = sms_token(app.config["SECRET_KEY"], mail_id)
    return f"{app.config['PUBLIC_BASE_URL']}/ivr/sms/{token}/status"


def send_sms_one(app, mail, now):
    """Hand one claimed SMS (an Outgoing) to the provider; its fate, as the outbox counts it:
    "sent", "retried", "failed" or "held"."""
    if not mail.sender:
        error = "no SMS sender: set SMS_SENDER, the creditor's sms_sender or a caller ID"
        return "failed" if record_failure(app, mail, error, now) else "retried"
    request = SmsRequest(to=mail.to_address, from_=mail.sender, body=mail.body,
                         status_callback=status_callback_url(app, mail.id))
    if not mark_data(app, mail):
        record_failure(app, mail, "claim lost before sending: another flusher settled it", now)
        return "retried"
    try:
        sid = get_telephony(app).send_sms(request)
    except SendSmsError as exc:
        if exc.maybe_sent:
            hold_unknown(app, mail, str(exc), now)
            return "held"
        return "failed" if record_failure(app, mail, str(exc), now) else "retried"
    except Exception as exc:  # noqa: BLE001 - the request may have gone out: never guess
        hold_unknown(app, mail, f"{type(exc).__name__}: {exc}", now)
        return "held"
    record_sent(app, mail, now, provider_id=sid)
    return "sent"
