"""`flask dial` (one dialer pass) and `flask tick` (one pass of everything due), at any instant
(`--now`), from the command line."""
import click
from flask import current_app
from flask.cli import with_appcontext

from cli.clock import now_option
from scheduler.dial import dial_pass
from scheduler.tick import tick


@click.command("dial")
@now_option("The dialer's clock for this pass (default: the current time).")
@click.option("--dry-run", is_flag=True, help="List the calls that are due; change nothing.")
@click.option("--calls-per-second", type=click.FloatRange(min=0), default=None,
              help="Pace of this pass (default: DIAL_CALLS_PER_SECOND; 0 = unpaced).")
@with_appcontext
def dial_command(now, dry_run, calls_per_second):
    """One dial pass: place every call due at that instant, then return."""
    app = current_app._get_current_object()
    report = dial_pass(app, now, dry_run=dry_run, calls_per_second=calls_per_second)
    click.echo(report.summary())
    for due in report.due if dry_run else ():
        click.echo(f"would call {due.reference} {due.masked_phone} ({due.creditor})")
    for due, error in report.failed:
        click.echo(f"failed {due.reference}: {error}")


@click.command("tick")
@now_option("The clock of this pass (default: the current time).")
@with_appcontext
def tick_command(now):
    """One pass of everything due at that instant: playbook steps, calls, the outbox."""
    app = current_app._get_current_object()
    click.echo(tick(app, now).summary())
