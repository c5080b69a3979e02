"""`flask positions`: the positions of a creditor, with their status, outcome and calls so far."""
import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from cli.lookup import find_creditor, format_table
from db import session_scope
from db.models import OUTCOMES, Attempt, Creditor, Position
from domain.phones import mask_phone
from domain.statuses import STATUSES


def _last_statuses(session, position_ids):
    """(attempts made, status of the latest) of each position, across its call rounds; the
    debtor's call-backs (inbound) are not attempts."""
    latest = (select(Attempt.position_id, func.max(Attempt.id).label("id"),
                     func.count().label("attempts"))
              .where(Attempt.position_id.in_(position_ids), Attempt.direction == "outbound")
              .group_by(Attempt.position_id).subquery())
    rows = session.execute(select(Attempt.position_id, latest.c.attempts, Attempt.status).join(
        latest, Attempt.id == latest.c.id))
    return {pid: (attempts, status) for pid, attempts, status in rows}


@click.command("positions")
@click.option("--creditor", "creditor_name", help="Only this creditor's positions.")
@click.option("--outcome", type=click.Choice(OUTCOMES + ["pending"]),
              help="Only positions with this outcome ('pending': none yet).")
@click.option("--status", type=click.Choice(STATUSES), help="Only positions in this status.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1),
              help="At most this many rows.")
@with_appcontext
def positions_command(creditor_name, outcome, status, limit):
    """List positions with their status, outcome, attempts and the last call's status."""
    with session_scope() as session:
        query = select(Position, Creditor.name).join(Position.creditor).order_by(Position.id)
        if creditor_name:
            query = query.where(Position.creditor_id == find_creditor(session, creditor_name).id)
        if outcome:
            query = query.where(Position.outcome.is_(None) if outcome == "pending"
                                else Position.outcome == outcome)
        if status:
            query = query.where(Position.status == status)
        found = session.execute(query.limit(limit)).all()
        calls = _last_statuses(session, [p.id for p, _ in found])
        rows = [[p.reference, creditor, p.name, mask_phone(p.phone), p.outcome or "-",
                 calls.get(p.id, (0, "-"))[0], calls.get(p.id, (0, "-"))[1], p.status]
                for p, creditor in found]
    if not rows:
        click.echo("No positions match.")
        return
    click.echo(format_table(["reference", "creditor", "name", "phone", "outcome", "attempts",
                             "last call", "status"], rows))
