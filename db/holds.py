"""What a person's stop holds back, as SQL conditions the dialer, the step engine and the
outbox share (contacts.controls sets them): a creditor's paused campaign, a held position.

A hold is no status: the position keeps its status and its progress, and takes them up again
when it is released (or its creditor resumed). A call already ringing finishes.
"""
from sqlalchemy import exists, or_, select

from db.models import Creditor, OutgoingMail, Position


def position_running():
    """The Position is not held by a person ("Ferma")."""
    return Position.held_at.is_(None)


def creditor_running(creditor_id):
    """Creditor `creditor_id` is not paused, read when the statement runs (one probe of the
    primary key): a pause made while a dial pass runs stops its next claim."""
    return ~exists().where(Creditor.id == creditor_id, Creditor.paused_at.is_not(None))


def message_running():
    """The OutgoingMail is no message of a held position or of a paused creditor's position
    (a message of no position, the daily report, always goes)."""
    held = (select(Position.id).join(Creditor, Creditor.id == Position.creditor_id)
            .where(Position.id == OutgoingMail.position_id,
                   or_(Position.held_at.is_not(None), Creditor.paused_at.is_not(None)))
            .exists())
    return or_(OutgoingMail.position_id.is_(None), ~held)
