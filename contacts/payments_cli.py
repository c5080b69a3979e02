"""`flask payments FILE --creditor NAME`: a thin edge over contacts/payments.py."""
import click
from flask import current_app
from flask.cli import with_appcontext

from cli.clock import now_option
from cli.lookup import find_creditor
from contacts.cli import echo_reading
from contacts.payments import pay_file
from contacts.sources import Limits
from db import get_sessionmaker, session_scope


@click.command("payments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--creditor", "creditor_name", required=True, help="Name of the creditor.")
@now_option("When the payments are reported (default: the current time); replays use the "
            "clock of their `tick --now`.")
@with_appcontext
def payments_command(file, creditor_name, now):
    """Apply a creditor's payments file (CSV or XLSX: reference, amount_paid, paid_on)."""
    with session_scope() as session:
        creditor_id = find_creditor(session, creditor_name).id
    outcome = pay_file(get_sessionmaker(), creditor_id, file, now,
                       limits=Limits.from_config(current_app.config))
    if outcome.refusal is not None:
        raise click.ClickException(f"{file}: {outcome.refusal}; nothing was applied")
    result = outcome.result
    echo_reading(result)
    click.echo(f"{result.applied} applied ({result.paid_in_full} paid in full, "
               f"{result.partial} partial), {result.rejected} rejected.")
    if result.applied == 0:
        raise click.ClickException("nothing could be applied")
