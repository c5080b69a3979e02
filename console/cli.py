"""`flask user add|list|password|disable|enable`: console accounts from the command line."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from console.accounts import (
    MIN_PASSWORD_LENGTH, AccountError, create_user, set_active, set_password,
)
from cli.lookup import find_creditor, format_table
from db import session_scope
from db.models import ROLES, User

user_cli = AppGroup("user", help="Console accounts: admins, collectors, creditors' users.")


@user_cli.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--creditor", "creditor_name", default=None,
              help="The creditor a creditor user sees (required for --role creditor).")
@click.password_option(help=f"At least {MIN_PASSWORD_LENGTH} characters; asked when not given.")
def add_command(name, role, creditor_name, password):
    """Add a console user."""
    with session_scope() as session:
        creditor = find_creditor(session, creditor_name) if creditor_name else None
        try:
            user = create_user(session, name, password, role, creditor)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        username = user.username
    click.echo(f"Added {role} '{username}'" + (f" for '{creditor_name}'." if creditor else "."))


@user_cli.command("list")
def list_command():
    """List console users."""
    with session_scope() as session:
        rows = [(u.username, u.role, u.creditor.name if u.creditor else "-",
                 "yes" if u.active else "no",
                 u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "-")
                for u in session.scalars(select(User).order_by(User.username))]
    if not rows:
        click.echo("No users yet: add one with `flask --app app user add NAME --role admin`.")
        return
    click.echo(format_table(("user", "role", "creditor", "active", "last login"), rows))


@user_cli.command("password")
@click.argument("name")
@click.password_option(help=f"At least {MIN_PASSWORD_LENGTH} characters; asked when not given.")
def password_command(name, password):
    """Set a user's password: every session they have open ends."""
    with session_scope() as session:
        user = _user(session, name)
        try:
            set_password(session, user, password)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        username = user.username
    click.echo(f"New password for '{username}'; their sessions have ended.")


@user_cli.command("disable")
@click.argument("name")
def disable_command(name):
    """Disable a user: they are logged out and cannot log in again."""
    with session_scope() as session:
        set_active(session, _user(session, name), False)
    click.echo(f"Disabled '{name}'.")


@user_cli.command("enable")
@click.argument("name")
def enable_command(name):
    """Enable a disabled user again: they log in with their password."""
    with session_scope() as session:
        set_active(session, _user(session, name), True)
    click.echo(f"Enabled '{name}'.")


def _user(session, name):
    user = session.scalar(select(User).where(User.username == name.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user named {name!r}")
    return user
