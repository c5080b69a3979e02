"""`flask apikey add|list|revoke`: creditors' keys to the HTTP API."""
import click
from flask.cli import AppGroup

from api.keys import UnknownKey, add_key, find_key, keys_of, revoke_key
from cli.lookup import find_creditor, format_table
from db import session_scope
from db.models import utcnow

apikey_cli = AppGroup("apikey", help="Keys to the HTTP API, one creditor each.")


@apikey_cli.command("add")
@click.option("--creditor", "creditor_name", required=True, help="The creditor the key acts for.")
@click.option("--label", default=None, help="What the key is for, e.g. the ERP's name.")
def add_command(creditor_name, label):
    """Make a key and print it once: only its hash is kept."""
    with session_scope() as session:
        creditor = find_creditor(session, creditor_name)
        row, key = add_key(session, creditor, label, "command line", utcnow())
        key_id = row.id
    click.echo(f"API key {key_id} for '{creditor_name}' (shown once, keep it now):")
    click.echo(key)


@apikey_cli.command("list")
@click.option("--creditor", "creditor_name", default=None, help="Only this creditor's keys.")
def list_command(creditor_name):
    """List keys: id, creditor, label, start of the key, when made, last used, revoked."""
    with session_scope() as session:
        creditor_id = find_creditor(session, creditor_name).id if creditor_name else None
        rows = [(str(k.id), k.creditor.name, k.label or "-", k.prefix + "…",
                 _when(k.created_at), _when(k.last_used_at), _when(k.revoked_at))
                for k in keys_of(session, creditor_id)]
    if not rows:
        click.echo("No API keys yet: make one with `flask --app app apikey add --creditor NAME`.")
        return
    click.echo(format_table(("id", "creditor", "label", "key", "created", "last used",
                             "revoked"), rows))


@apikey_cli.command("revoke")
@click.argument("key_id", type=int)
def revoke_command(key_id):
    """Revoke a key by its id (`apikey list`): its requests are refused from now on."""
    with session_scope() as session:
        try:
            row = find_key(session, key_id)
        except UnknownKey as exc:
            raise click.ClickException(str(exc)) from None
        done = revoke_key(session, row, utcnow())
    click.echo(f"Revoked API key {key_id}." if done else f"API key {key_id} was revoked already.")


def _when(moment):
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"
