"""Reading a creditor's positions for the API: one in full, or a page of them by cursor."""
from sqlalchemy import select

from api.feed import position_events
from db.models import Attempt, OutgoingMail, Position


def find_position(session, creditor_id, reference):
    """The creditor's position `reference`, or None: another creditor's is not found either."""
    return session.scalar(select(Position).where(Position.creditor_id == creditor_id,
                                                 Position.reference == reference))


def summary(position):
    return {
        "reference": position.reference, "status": position.status,
        "status_until": _iso(position.status_until), "outcome": position.outcome,
        "amount": f"{position.amount:.2f}", "amount_paid": f"{position.amount_paid or 0:.2f}",
        "amount_due": f"{max(position.amount_due, 0):.2f}", "currency": position.currency,
        "due_date": position.due_date.isoformat(), "invoice": position.invoice,
        "updated_at": _iso(position.updated_at), "held_at": _iso(position.held_at),
    }


def detail(session, position):
    attempts = session.scalars(select(Attempt).where(Attempt.position_id == position.id)
                               .order_by(Attempt.id)).all()
    messages = session.scalars(select(OutgoingMail).where(OutgoingMail.position_id == position.id)
                               .order_by(OutgoingMail.id)).all()
    return {
        **summary(position), "name": position.name, "phone": position.phone,
        "email": position.email, "pec": position.pec, "language": position.language,
        "attempts": [{"round": a.round, "number": a.number, "direction": a.direction,
                      "status": a.status, "outcome": a.outcome, "placed_at": _iso(a.placed_at),
                      "ended_at": _iso(a.ended_at), "duration": a.duration} for a in attempts],
        "messages": [{"channel": m.channel, "kind": m.kind, "status": m.status,
                      "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at),
                      "delivery": m.delivery} for m in messages],
        "events": position_events(session, position),
    }


def page(session, creditor_id, status, updated_after, cursor, limit):
    """(summaries, next cursor) of the creditor's positions by id after `cursor`."""
    query = select(Position).where(Position.creditor_id == creditor_id, Position.id > cursor)
    if status:
        query = query.where(Position.status == status)
    if updated_after is not None:
        query = query.where(Position.updated_at > updated_after)
    found = session.scalars(query.order_by(Position.id).limit(limit + 1)).all()
    more = len(found) > limit
    found = found[:limit]
    return [summary(p) for p in found], (str(found[-1].id) if more else None)


def _iso(moment):
    return None if moment is None else moment.isoformat()
