"""Positions and their timeline: search for everyone, scoped to its creditor for a creditor user.

A creditor user asking for another creditor's position gets 404, never a hint that it exists.
The searched text (a name, a phone number) never travels in a URL (console.searches).
"""
from datetime import date
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import false, func, select

from console.forms import FormError, record_id, shown
from console.searches import PAGE_SIZE, matching, page_count, posted_search, searched_text
from console.security import login_required
from console.views import bp
from audio.voice_messages import voice_messages_of
from contacts.receipts import SUFFIXES, receipts_of
from db import get_session
from db.models import (OUTCOMES, Attempt, Creditor, Event, Position, Receipt, VoiceMessage,
                       utcnow)
from domain.statuses import STATUSES
from policy.why import why_lines

FILTERS = ("creditore", "stato", "esito", "giorno")  # not personal: they may stay in the URL


def visible(query):
    """`query` on positions, narrowed to the user's creditor when they are a creditor user."""
    if g.user.role == "creditor":
        return query.where(Position.creditor_id == g.user.creditor_id)
    return query


@bp.post("/posizioni")
@login_required()
def search():
    """The search form: keep its text under a fresh opaque id, then show the results by GET."""
    try:
        filters = posted_search(request.form, FILTERS)
    except FormError as exc:
        flash(f"{exc}.", "error")
        return _listing(request.form, shown(request.form.get("cerca")), refused=True), 400
    return redirect(url_for("console.positions", **filters), code=303)


@bp.get("/posizioni")
@login_required()
def positions():
    return _listing(request.args, searched_text(request.args.get("ricerca")))


def _listing(args, text, refused=False):
    """The positions page for the filters in `args` and the searched `text`; no rows when the
    search was `refused` (its text is shown again for the user to correct)."""
    db = get_session()
    query = visible(select(Position))
    creditors = [g.user.creditor] if g.user.role == "creditor" else \
        db.scalars(select(Creditor).order_by(Creditor.name)).all()
    query = _filtered(query, args)
    if refused:
        query = query.where(false())
    elif text:
        query = query.where(matching(text, Position.reference, Position.name, Position.phone))
    day = _date(args.get("giorno"))
    if day is not None:
        called = select(Attempt.position_id).where(Attempt.day == day)
        query = query.where(Position.id.in_(called))
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    pages = page_count(total)
    page = min(args.get("pagina", 1, type=record_id), pages)
    rows = db.scalars(query.order_by(Position.creditor_id, Position.reference)
                      .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    kept = {key: shown(value) for key, value in args.items() if key in FILTERS + ("ricerca",)}
    return render_template("console/positions.html", rows=rows, total=total, page=page,
                           pages=pages, creditors=creditors, outcomes=OUTCOMES, args=kept,
                           statuses=STATUSES,
                           text=text)


@bp.get("/posizioni/<id:position_id>")
@login_required()
def position(position_id):
    found = get_session().scalar(visible(select(Position).where(Position.id == position_id)))
    if found is None:
        abort(404)
    return render_position(found)


def render_position(found, form=None, typed=None, error=None):
    """The page of position `found`; `form` names the action form refused with `error`, shown
    again with what was `typed`."""
    session = get_session()
    attempts = session.scalars(select(Attempt).where(Attempt.position_id == found.id)
                               .order_by(Attempt.round, Attempt.number)).all()
    events = shown_events(session.scalars(select(Event).where(Event.position_id == found.id)
                                          .order_by(Event.at, Event.id)).all())
    zone = ZoneInfo(found.creditor.timezone)
    return render_template("console/position.html", position=found, attempts=attempts,
                           events=events, zone=zone, form=form, typed=typed or {}, error=error,
                           receipts=receipts_of(session, found.id),
                           voice_messages=voice_messages_of(session, found.id),
                           may_act=g.user.role in ("admin", "creditor"),
                           today=utcnow().astimezone(zone).date(),
                           why=why_lines(session, found, "it"))


def shown_events(events):
    """The events the user may read: a creditor's users do not see the staff's internal notes."""
    if g.user.role != "creditor":
        return events
    return [e for e in events if not (e.kind == "note" and (e.detail or {}).get("internal"))]


@bp.get("/posizioni/<id:position_id>/ricevute/<id:receipt_id>")
@login_required()
def receipt(position_id, receipt_id):
    """A receipt the debtor uploaded on their page, for whoever may see the position; always a
    download (never shown inline), under a name of ours."""
    db = get_session()
    found = db.scalar(visible(select(Position.id).where(Position.id == position_id)))
    kept = db.get(Receipt, receipt_id) if found is not None else None
    if kept is None or kept.position_id != position_id:
        abort(404)
    name = f"ricevuta-{kept.id}.{SUFFIXES.get(kept.content_type, 'bin')}"
    return Response(kept.data, mimetype=kept.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/posizioni/<id:position_id>/messaggi/<id:message_id>")
@login_required()
def voice_message(position_id, message_id):
    """A debtor's spoken message, once the worker has kept it, for whoever may see the position
    (the same scope as receipts); played in the page, never cached by the browser."""
    db = get_session()
    found = db.scalar(visible(select(Position.id).where(Position.id == position_id)))
    kept = db.get(VoiceMessage, message_id) if found is not None else None
    if kept is None or kept.position_id != position_id or kept.status != "kept":
        abort(404)
    return Response(kept.data, mimetype=kept.content_type,
                    headers={"Cache-Control": "private, no-store"})


def _filtered(query, args):
    """`query` narrowed to the creditor, status and outcome chosen in `args`."""
    creditor_id = args.get("creditore", type=record_id)
    if creditor_id is not None:
        query = query.where(Position.creditor_id == creditor_id)
    status = args.get("stato", "")
    if status in STATUSES:
        query = query.where(Position.status == status)
    outcome = args.get("esito", "")
    if outcome == "pending":
        query = query.where(Position.outcome.is_(None))
    elif outcome in OUTCOMES:
        query = query.where(Position.outcome == outcome)
    return query


def _date(text):
    """The day of the "calls of the day" filter; a day that is no date is said, not ignored."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        flash(f"«{shown(text)[:20]}» non è una data: il filtro del giorno non è applicato.",
              "error")
        return None
