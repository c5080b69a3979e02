"""`flask privacy export|erase`: a person's data rights on the command line, thin edges over
contacts/privacy.py and contacts/privacy_export.py."""
import click
from flask import current_app
from flask.cli import AppGroup

from cli.clock import now_option
from contacts.privacy import PrivacyError, erase_person, person_from, positions_of, privacy_secret
from contacts.privacy_check import traces
from contacts.privacy_export import write_export
from contacts.quoting import Quoted
from db import session_scope

SOURCE = "privacy:command"


def person_options(command):
    command = click.option("--email", help="The person's email or PEC address (any case).")(command)
    return click.option("--phone", help="The person's phone number, in any common writing "
                        "(+39 333 123 4567, 3331234567…).")(command)


def _person(session, phone, email):
    try:
        return person_from(session, phone, email)
    except PrivacyError as exc:
        raise click.UsageError(str(exc)) from None


@click.group("privacy", cls=AppGroup)
def privacy_cli():
    """A person's data across every creditor: export it, or erase it."""


@privacy_cli.command("export")
@person_options
@click.option("--out", "folder", type=click.Path(file_okay=False),
              help="Folder to write into (default: privacy-export-<time> here).")
@now_option("The export's time stamp (default: the current time).")
def export_command(phone, email, folder, now):
    """Write everything kept about a person: export.json and their recordings, in a folder."""
    folder = folder or f"privacy-export-{now.strftime('%Y%m%dT%H%M%SZ')}"
    with session_scope() as session:
        export = write_export(session, _person(session, phone, email), folder, now)
    for line in export.lines():
        click.echo(line)
    if not export.counts["positions"]:
        click.echo("No position of any creditor names this person.")


@privacy_cli.command("erase")
@person_options
@click.option("--yes", is_flag=True, help="Do it without asking.")
@now_option("The erasure's time (default: the current time).")
def erase_command(phone, email, yes, now):
    """Anonymise a person's data everywhere, keeping amounts, counts and that contacts were made."""
    with session_scope() as session:
        person = _person(session, phone, email)
        positions = [p for p in positions_of(session, person) if p.erased_at is None]
        creditors = len({p.creditor_id for p in positions})
        if not yes:
            click.confirm(f"Anonymise {len(positions)} positions of {creditors} creditors, and "
                          "every message, recording and bar naming this person? This cannot "
                          "be undone", abort=True)
        quoted = Quoted()
        quoted.add_person(person)
        for position in positions:
            quoted.add_position(position)
        erasure = erase_person(session, person, SOURCE, now, privacy_secret(current_app))
        session.flush()
        left = traces(session, quoted.values)
    click.echo(f"Erased: {erasure}.")
    if left:
        click.echo("Values of this person still appear in: " + ", ".join(map(str, left))
                   + " (a namesake's own data may be among them).")
    else:
        click.echo("No value of this person is left in any table.")


def init_app(app):
    app.cli.add_command(privacy_cli)
