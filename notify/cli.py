"""`flask outbox`: flush the mail outbox now, or list what is in it."""
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from db import session_scope
from db.models import OutgoingMail, utcnow
from notify.outbox import flush_outbox

STATUSES = ("queued", "sending", "sent", "failed")


def parse_instant(value, timezone_name):
    """An ISO 8601 instant; without an offset it is read in `timezone_name` (config TIMEZONE)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 date and time: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone_name))


def mask_email(address):
    """Enough of an address to recognise it in a listing: ma***@example.test."""
    local, at, domain = address.partition("@")
    return f"{local[:2]}***{at}{domain}"


@click.group("outbox")
def outbox_group():
    """The mail outbox: queued notices and reports."""


@outbox_group.command("flush")
@click.option("--now", "now_text", metavar="ISO8601", help="The clock for this flush (default: now).")
@with_appcontext
def flush_command(now_text):
    """Send every message that is due, retrying failures later."""
    app = current_app._get_current_object()
    now = parse_instant(now_text, app.config["TIMEZONE"]) if now_text else utcnow()
    click.echo(flush_outbox(app, now).summary())


@outbox_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only messages in this status.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1))
@with_appcontext
def list_command(status, limit):
    """The newest messages: id, kind, masked recipient, status, tries, next try."""
    query = select(OutgoingMail).order_by(OutgoingMail.id.desc()).limit(limit)
    if status:
        query = query.where(OutgoingMail.status == status)
    with session_scope(current_app._get_current_object()) as session:
        for mail in session.scalars(query):
            next_try = mail.next_try_at.isoformat() if mail.status in ("queued", "sending") else "-"
            click.echo(f"{mail.id:>6}  {mail.kind:<24}  {mask_email(mail.to_address):<32}  "
                       f"{mail.status:<8}  tries={mail.tries}  next={next_try}")
