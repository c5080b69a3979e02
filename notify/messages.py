"""Queueing a playbook step's message on its channel: email, PEC or SMS, through the outbox.

The step engine calls `queue_message` in its own transaction; a channel that cannot carry the
message to this position raises ChannelUnavailable with a code the engine records as the reason
the step was skipped.
"""
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from db import insert_ignoring_on
from db.events import record_event
from db.models import OutgoingMail
from db.prepared import Prepared
from domain.charges import late_charges
from domain.payment_links import payment_url
from domain.phones import can_receive_sms
from notify.formats import format_amount
from notify.links import page_link
from notify.mailer import pec_configured
from prompts.messages import SMS, WRITTEN, render_sms, render_written
from prompts.store import overrides_in

SOURCE = "steps"
CHANNELS = ("email", "pec", "email_or_pec", "sms")


class ChannelUnavailable(Exception):
    """The message cannot go on this channel to this position: `code` says why, for events and
    reports (no_email, no_pec, pec_not_configured, not_mobile); `text` says it to a person."""

    def __init__(self, code, text=""):
        super().__init__(text or code)
        self.code, self.text = code, text or code


def queue_message(app, session, position, channel, message, now, key):
    """Queue `message` to `position` on `channel` (email, pec, email_or_pec, sms); the queued
    OutgoingMail, or the one already queued under `key` (nothing queued twice, whatever the
    channel says now).

    email_or_pec is PEC when the position has a PEC address and PEC is configured, else email.
    Runs in the caller's transaction; records `message_queued`.
    """
    try:
        channel, to_address = resolve_channel(app.config, position, channel)
    except ChannelUnavailable:
        existing = queued_under(session, key)   # queued while it could still go
        if existing is None:
            raise
        return existing
    message = message or (SMS[0] if channel == "sms" else None)
    if (message not in SMS) if channel == "sms" else (message not in WRITTEN):
        raise ValueError(f"{message!r} is not a message the {channel} channel carries")
    subject, body, html = render_message(app, session, position, channel, message, now)
    # One statement: a message already queued under `key` — by an earlier pass, or by another
    # pass at this very moment (PostgreSQL waits for it) — stands, and nothing is added.
    mail = _QUEUE.first(session, dict(
        key=key, channel=channel, position_id=position.id, kind=message,
        to_address=to_address, subject=subject[:300], body=body, html=html, next_try_at=now,
        created_at=now))
    if mail is None:
        return queued_under(session, key)
    record_event(session, position.id, "message_queued", SOURCE,
                 {"mail_id": mail.id, "channel": channel, "kind": message}, at=now)
    return mail


def queued_under(session, key):
    """The message queued under `key` (its row), or None."""
    return _QUEUED_UNDER.first(session, {"key": key})


_MAIL = OutgoingMail.__table__
# The step engine queues thousands of messages a pass: named SQL (db.prepared), read back as
# rows of every column (what a queued message is to its callers).
_QUEUE = Prepared(build=lambda dialect_name: insert_ignoring_on(dialect_name, _MAIL)
                  .returning(*_MAIL.columns))
_QUEUED_UNDER = Prepared(select(*_MAIL.columns).where(_MAIL.c.key == bindparam("key")))


def resolve_channel(config, position, channel):
    """(channel, recipient) for `position`, or ChannelUnavailable."""
    if channel == "email_or_pec":
        channel = "pec" if position.pec and pec_configured(config) else "email"
    if channel == "email":
        if not position.email:
            raise ChannelUnavailable("no_email", "the position has no email address")
        return channel, position.email
    if channel == "pec":
        if not position.pec:
            raise ChannelUnavailable("no_pec", "the position has no PEC address")
        if not pec_configured(config):
            raise ChannelUnavailable("pec_not_configured",
                                     "PEC is not configured (PEC_SMTP_HOST and PEC_FROM)")
        return channel, position.pec
    if channel == "sms":
        if not can_receive_sms(position.phone):
            raise ChannelUnavailable("not_mobile", "the number cannot receive SMS (not a mobile)")
        return channel, position.phone
    raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")


def render_message(app, session, position, channel, message, now):
    """(subject, plain text, HTML or None) of `message` to `position`, in its language and the
    creditor's own wording."""
    creditor, language = position.creditor, position.spoken_language
    overrides = overrides_in(session, creditor.id, language)
    contact_phone = creditor.contact_phone or creditor.caller_id \
        or app.config.get("TWILIO_CALLER_ID")
    link = page_link(app.config, position, channel, now)
    if channel == "sms":
        fields = {"creditor": creditor.greeting_name, "contact_phone": contact_phone,
                  "page_link": link, "payment_link": creditor.payment_link and payment_url(
                      creditor.payment_link, position.reference, position.amount_due)}
        return "", render_sms(message, language, fields, overrides), None
    return render_written(message, language,
                          dict(written_fields(position, language, now), page_link=link), overrides)


def written_fields(position, language, now):
    """The fields of a written message: the debt as owed today, with its late charges."""
    creditor = position.creditor
    today = now.astimezone(ZoneInfo(creditor.timezone)).date()
    charges = late_charges(position.amount_due, position.due_date, today, creditor.late_fee,
                           creditor.late_interest_rate)
    money = {name: format_amount(getattr(charges, name), language)
             for name in ("capital", "fee", "interest", "total")}
    return dict(money, creditor=creditor.greeting_name, name=position.name,
                amount=money["capital"], currency=position.currency,
                due_date=position.due_date.strftime("%d/%m/%Y"), invoice=position.invoice,
                contact_email=creditor.contact_email, contact_phone=creditor.contact_phone)
