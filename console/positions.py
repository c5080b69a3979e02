"""Positions and their timeline: search for everyone, scoped to its creditor for a creditor user.

A creditor user asking for another creditor's position gets 404, never a hint that it exists.
The searched text (a name, a phone number) never travels in a URL (console.searches).
"""
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import false, func, select

from console import history
from console.history_facts import Viewer
from console.filters import home_zone, outcome_label, status_label
from console.forms import FormError, record_id, shown
from console.listing import (KEYS as LIST_KEYS, SIZE_CHOICES, calls_made, day_filter, export,
                             on_clock, page_size, sort_order)
from console.searches import matching, page_count, posted_search, searched_text
from console.security import login_required
from console.views import bp
from audio.voice_messages import voice_messages_of
from contacts.receipts import SUFFIXES, receipts_of
from db import get_session
from db.models import (OUTCOMES, Attempt, Creditor, Event, OutgoingMail, Position, Receipt,
                       User, VoiceMessage, utcnow)
from domain.statuses import STATUSES
from policy.why import why_lines

FILTERS = ("creditore", "stato", "esito", "giorno")  # not personal: they may stay in the URL
KEPT = FILTERS + LIST_KEYS + ("ricerca",)   # what the list's links carry
EXPORT_HEADINGS = ("Pratica", "Nominativo", "Telefono", "Importo", "Valuta", "Scadenza", "Stato",
                   "Esito", "Tentativi", "Ultima chiamata", "Mandante")


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
        filters = posted_search(request.form, FILTERS + LIST_KEYS)
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
    creditors = [g.user.creditor] if g.user.role == "creditor" else \
        db.scalars(select(Creditor).order_by(Creditor.name)).all()
    query, order = _listed(args, text, refused)
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    size = page_size(args)
    pages = page_count(total, size)
    page = min(args.get("pagina", 1, type=record_id), pages)
    rows = db.execute(query.limit(size).offset((page - 1) * size)).all()
    kept = {key: shown(value) for key, value in args.items() if key in KEPT}
    return render_template("console/positions.html", rows=rows, total=total, page=page,
                           pages=pages, creditors=creditors, outcomes=OUTCOMES, args=kept,
                           statuses=STATUSES, order=order, per_page=size, sizes=SIZE_CHOICES,
                           zones=_zones(creditors), text=text)


@bp.get("/posizioni/esporta.<any(csv, xlsx):formato>")
@login_required()
def export_positions(formato):
    """The whole filtered list (every page, in the page's order) as the user may see it."""
    query, _order = _listed(request.args, searched_text(request.args.get("ricerca")))
    zones = _zones(get_session().scalars(select(Creditor)).all())
    rows = [[position.reference, position.name, position.phone, position.amount,
             position.currency, position.due_date, status_label(position.status),
             outcome_label(position.outcome), attempts or 0,
             on_clock(last_call, zones[position.creditor_id]), position.creditor.name]
            for position, attempts, last_call in get_session().execute(query)]
    day = utcnow().astimezone(home_zone()).date()
    return export(EXPORT_HEADINGS, rows, "Posizioni", f"posizioni-{day.isoformat()}", formato)


def _listed(args, text, refused=False):
    """(the query of (position, attempts, last call) the user may see for the filters in
    `args` and the searched `text`, sorted as asked; its Order)."""
    calls = calls_made()
    query = visible(select(Position, calls.c.attempts, calls.c.last_call)
                    .outerjoin(calls, calls.c.position_id == Position.id))
    query = _filtered(query, args)
    if refused:
        query = query.where(false())
    elif text:
        query = query.where(matching(text, Position.reference, Position.name, Position.phone))
    day = day_filter(args.get("giorno"))
    if day is not None:
        called = select(Attempt.position_id).where(Attempt.day == day)
        query = query.where(Position.id.in_(called))
    columns = {"pratica": Position.reference, "nome": Position.name,
               "importo": Position.amount, "stato": Position.status,
               "ultima": calls.c.last_call, "tentativi": func.coalesce(calls.c.attempts, 0),
               "scadenza": Position.due_date}
    order = sort_order(args, columns)
    return query.order_by(*order.clauses(columns, Position.creditor_id, Position.reference,
                                         Position.id)), order


def _zones(creditors):
    return {creditor.id: ZoneInfo(creditor.timezone) for creditor in creditors}



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
    zone = ZoneInfo(found.creditor.timezone)
    return render_template("console/position.html", position=found, zone=zone, form=form,
                           typed=typed or {}, error=error, **history_of(session, found),
                           receipts=receipts_of(session, found.id),
                           may_act=g.user.role in ("admin", "creditor"),
                           today=utcnow().astimezone(zone).date(),
                           why=why_lines(session, found, "it"))


def history_of(session, found):
    """What the history of position `found` shows the user (console.history): its entries,
    its outbox, the debtor's spoken messages and its latest outcome, for the template."""
    attempts = session.scalars(select(Attempt).where(Attempt.position_id == found.id)
                               .order_by(Attempt.round, Attempt.number)).all()
    events = session.scalars(select(Event).where(Event.position_id == found.id)
                             .order_by(Event.at, Event.id)).all()
    mails = session.scalars(select(OutgoingMail).where(OutgoingMail.position_id == found.id)
                            .order_by(OutgoingMail.created_at, OutgoingMail.id)).all()
    colleagues = frozenset(session.scalars(select(User.username).where(
        User.creditor_id == found.creditor_id))) if g.user.role == "creditor" else frozenset()
    viewer = Viewer(g.user.role, colleagues)
    return {"history": history.entries(events, attempts, mails, viewer,
                                       found.creditor.max_attempts, found.currency),
            "mails": mails, "latest_outcome": history.latest_outcome(events, found.outcome),
            "voice_messages": voice_messages_of(session, found.id)}


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
