"""Positions and their timeline: search for everyone, scoped to its creditor for a creditor user.

A creditor user asking for another creditor's position gets 404, never a hint that it exists.
"""
from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, flash, g, render_template, request
from sqlalchemy import false, func, or_, select

from console.forms import FormError, clean_text, record_id, shown
from console.security import login_required
from console.views import bp
from db import get_session
from db.models import OUTCOMES, Attempt, Creditor, Event, Position

PAGE_SIZE = 50


def visible(query):
    """`query` on positions, narrowed to the user's creditor when they are a creditor user."""
    if g.user.role == "creditor":
        return query.where(Position.creditor_id == g.user.creditor_id)
    return query


@bp.get("/posizioni")
@login_required()
def positions():
    session = get_session()
    args, status = request.args, 200
    query = visible(select(Position))
    creditors = [g.user.creditor] if g.user.role == "creditor" else \
        session.scalars(select(Creditor).order_by(Creditor.name)).all()
    creditor_id = args.get("creditore", type=record_id)
    if creditor_id is not None:
        query = query.where(Position.creditor_id == creditor_id)
    outcome = args.get("esito", "")
    if outcome == "pending":
        query = query.where(Position.outcome.is_(None))
    elif outcome in OUTCOMES:
        query = query.where(Position.outcome == outcome)
    try:
        text = clean_text(args.get("cerca"), "Cerca")
    except FormError as exc:
        flash(f"{exc}.", "error")
        query, text, status = query.where(false()), "", 400
    if text:
        digits = "".join(c for c in text if c.isdigit())
        like = f"%{text.lower()}%"
        conditions = [func.lower(Position.reference).like(like), func.lower(Position.name).like(like)]
        if len(digits) >= 4:
            conditions.append(Position.phone.like(f"%{digits}%"))
        query = query.where(or_(*conditions))
    day = _date(args.get("giorno"))
    if day is not None:
        called = select(Attempt.position_id).where(Attempt.day == day)
        query = query.where(Position.id.in_(called))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(args.get("pagina", 1, type=record_id), pages)
    rows = session.scalars(query.order_by(Position.creditor_id, Position.reference)
                           .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("console/positions.html", rows=rows, total=total, page=page,
                           pages=pages, creditors=creditors, outcomes=OUTCOMES,
                           args={key: shown(value) for key, value in args.items()}), status


@bp.get("/posizioni/<id:position_id>")
@login_required()
def position(position_id):
    session = get_session()
    found = session.scalar(visible(select(Position).where(Position.id == position_id)))
    if found is None:
        abort(404)
    attempts = session.scalars(select(Attempt).where(Attempt.position_id == found.id)
                               .order_by(Attempt.number)).all()
    events = session.scalars(select(Event).where(Event.position_id == found.id)
                             .order_by(Event.at, Event.id)).all()
    return render_template("console/position.html", position=found, attempts=attempts,
                           events=events, zone=ZoneInfo(found.creditor.timezone))


def _date(text):
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
