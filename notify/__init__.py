"""Outgoing messages: the mail outbox (queued with the decision that sends them)."""
from sqlalchemy import select

from db import config_of
from db.models import OutgoingMail
from notify.cli import outbox_group
from notify.formats import format_amount
from notify.links import page_link
from prompts import render_email
from prompts.store import overrides_of


def init_app(app):
    app.cli.add_command(outbox_group)


def queue_notice_email(session, position, reason, now):
    """Queue the notice by email to the position's email and PEC; idempotent per address.

    Runs in the caller's transaction, so the mail is queued if and only if the outcome is recorded.
    Returns the queued messages.
    """
    language = position.spoken_language
    overrides = overrides_of(session, position.creditor_id, language)
    fields = {
        "creditor": position.creditor.greeting_name,
        "name": position.name,
        "amount": format_amount(position.amount_due, language),
        "currency": position.currency,
        "due_date": position.due_date.strftime("%d/%m/%Y"),
        "invoice": position.invoice,
    }
    queued = []
    addresses = {position.email: "email", position.pec: "pec"}   # the PEC's channel if both
    for address in dict.fromkeys(a for a in (position.email, position.pec) if a):
        key = f"notice:{position.id}:{address.lower()}"
        if session.scalar(select(OutgoingMail.id).where(OutgoingMail.key == key)) is not None:
            continue
        link = page_link(config_of(session), position, addresses[address], now)
        subject, body = render_email(language, dict(fields, page_link=link), overrides)
        mail = OutgoingMail(key=key, position_id=position.id, kind=f"notice_{reason}",
                            to_address=address, subject=subject, body=body, next_try_at=now,
                            created_at=now)
        session.add(mail)
        queued.append(mail)
    return queued
