"""`flask why REFERENCE [--creditor NAME]`: every contact and refusal of a position."""
import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cli.lookup import find_creditor
from db import session_scope
from db.models import Creditor, Position
from policy.why import why_lines


def held_back(position):
    """What a person holds back above the policy: the creditor's paused campaign, a stopped
    position (contacts.controls)."""
    creditor = position.creditor
    if creditor.paused_at is not None:
        yield (f"campaign paused at {creditor.paused_at.isoformat()} by {creditor.paused_by}: "
               "nothing is dialled, run or sent until `creditor resume`")
    if position.held_at is not None:
        yield (f"contact stopped at {position.held_at.isoformat()} by {position.held_by}: "
               "nothing is dialled, run or sent until it is released")


@click.command("why")
@click.argument("reference")
@click.option("--creditor", "creditor_name", help="The creditor, when several have the reference.")
@with_appcontext
def why_command(reference, creditor_name):
    """Every contact and refusal of a position, with the rule that decided it."""
    with session_scope() as session:
        query = select(Position).join(Position.creditor).where(Position.reference == reference)
        if creditor_name is not None:
            query = query.where(Position.creditor_id == find_creditor(session, creditor_name).id)
        found = session.scalars(query.order_by(Creditor.name)).all()
        if not found:
            raise click.ClickException(f"no position with reference '{reference}'")
        if len(found) > 1:
            names = ", ".join(p.creditor.name for p in found)
            raise click.ClickException(f"several creditors have a position '{reference}' "
                                       f"({names}): name one with --creditor")
        position = found[0]
        lines = why_lines(session, position)
        click.echo(f"{position.reference} ({position.creditor.name}), "
                   f"policy {position.creditor.policy}")
        for line in held_back(position):
            click.echo(line)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no contact has been asked about yet")
