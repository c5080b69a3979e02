"""`flask outbox`: flush the mail outbox now, or list what is in it."""
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from db import session_scope
from cli.clock import now_option
from db.models import OutgoingMail
from domain.phones import mask_phone
from notify.outbox import flush_outbox, settle_unknown

STATUSES = ("queued", "sending", "sent", "failed", "unknown", "withdrawn")


def mask_email(address):
    """Enough of an address to recognise it in a listing: ma***@example.test."""
    local, at, domain = address.partition("@")
    return f"{local[:2]}***{at}{domain}"


@click.group("outbox")
def outbox_group():
    """The outbox: queued notices, reports and the playbooks' emails, PEC and SMS."""


@outbox_group.command("flush")
@now_option("The clock for this flush (default: now).")
@with_appcontext
def flush_command(now):
    """Send every message that is due, retrying failures later."""
    click.echo(flush_outbox(current_app._get_current_object(), now).summary())


@outbox_group.command("settle")
@click.argument("mail_id", type=int)
@click.option("--delivered", "fate", flag_value="delivered",
              help="The server's log shows the Message-ID arrived: mark it sent.")
@click.option("--resend", "fate", flag_value="resend",
              help="It did not arrive: send it again, with the same Message-ID.")
@now_option("The clock for this decision (default: now).")
@with_appcontext
def settle_command(mail_id, fate, now):
    """Decide the fate of a message held as unknown (its flusher died during DATA)."""
    if fate is None:
        raise click.UsageError("say --delivered or --resend")
    try:
        settle_unknown(current_app._get_current_object(), mail_id, fate == "delivered", now)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"outbox: mail {mail_id} " + ("marked sent" if fate == "delivered"
                                              else "queued again, same Message-ID"))


@outbox_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only messages in this status.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1))
@with_appcontext
def list_command(status, limit):
    """The newest messages: id, channel, kind, masked recipient, status, tries, next try,
    delivery news."""
    query = select(OutgoingMail).order_by(OutgoingMail.id.desc()).limit(limit)
    if status:
        query = query.where(OutgoingMail.status == status)
    with session_scope(current_app._get_current_object()) as session:
        for mail in session.scalars(query):
            next_try = mail.next_try_at.isoformat() if mail.status == "queued" else "-"
            extra = {"sending": f"  lease={mail.lease_until and mail.lease_until.isoformat()}",
                     "unknown": f"  message-id={mail.message_id}"}.get(mail.status, "")
            if mail.delivery:
                extra += f"  delivery={mail.delivery}"
            recipient = (mask_phone if mail.channel == "sms" else mask_email)(mail.to_address)
            click.echo(f"{mail.id:>6}  {mail.channel:<5}  {mail.kind:<24}  {recipient:<32}  "
                       f"{mail.status:<8}  tries={mail.tries}  next={next_try}{extra}")
