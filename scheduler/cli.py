"""`flask dial`: one dialer pass from the command line, at any instant (`--now`) in tests."""
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from db.models import utcnow
from scheduler.dial import dial_pass


def parse_now(value, timezone_name):
    """An ISO 8601 instant; without an offset it is read in `timezone_name` (config TIMEZONE)."""
    try:
        now = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 date and time: {value!r}") from exc
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo(timezone_name))
    return now


@click.command("dial")
@click.option("--now", "now_text", metavar="ISO8601",
              help="The dialer's clock for this pass (default: the current time).")
@click.option("--dry-run", is_flag=True, help="List the calls that are due; change nothing.")
@click.option("--calls-per-second", type=click.FloatRange(min=0), default=None,
              help="Pace of this pass (default: DIAL_CALLS_PER_SECOND; 0 = unpaced).")
@with_appcontext
def dial_command(now_text, dry_run, calls_per_second):
    """One dial pass: place every call due at that instant, then return."""
    app = current_app._get_current_object()
    now = parse_now(now_text, app.config["TIMEZONE"]) if now_text else utcnow()
    report = dial_pass(app, now, dry_run=dry_run, calls_per_second=calls_per_second)
    click.echo(report.summary())
    for due in report.due if dry_run else ():
        click.echo(f"would call {due.reference} {due.masked_phone} ({due.creditor})")
    for due, error in report.failed:
        click.echo(f"failed {due.reference}: {error}")
