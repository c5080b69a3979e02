"""`flask creditor pause|resume NAME`: a creditor's campaign paused and resumed from the
command line, through contacts.controls like the console."""
import click
from flask.cli import with_appcontext

from cli.clock import now_option
from cli.lookup import find_creditor
from contacts.cli import creditor_cli
from contacts.controls import ControlError, pause_creditor, resume_creditor
from db import session_scope

SOURCE = "command line"


@click.command("pause")
@click.argument("name")
@click.option("--reason", required=True, help="Why the campaign is paused (kept in its event).")
@now_option("When the pause starts (ISO 8601); default now.")
@with_appcontext
def pause_command(name, reason, now):
    """Pause a creditor's campaign: no call placed, no step run, no message sent until resumed."""
    with session_scope() as session:
        _control(pause_creditor, session, find_creditor(session, name), reason, now)
    click.echo(f"Paused the campaign of '{name}': nothing is dialled, run or sent until "
               f"`creditor resume {name}`. Calls already ringing finish.")


@click.command("resume")
@click.argument("name")
@click.option("--reason", default="", help="Why it is resumed (kept in its event).")
@now_option("When the campaign resumes (ISO 8601); default now.")
@with_appcontext
def resume_command(name, reason, now):
    """Resume a creditor's paused campaign: everything due goes on at the next pass."""
    with session_scope() as session:
        _control(resume_creditor, session, find_creditor(session, name), reason, now)
    click.echo(f"Resumed the campaign of '{name}': what is due goes on at the next pass.")


def _control(control, session, creditor, reason, now):
    try:
        control(session, creditor, SOURCE, reason, now)
    except ControlError as exc:
        raise click.ClickException(str(exc)) from None


def init_app(_app):
    """The two commands join `flask creditor`."""
    creditor_cli.add_command(pause_command)
    creditor_cli.add_command(resume_command)
