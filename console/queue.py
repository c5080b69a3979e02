"""The callback queue pages: thin views over console.callbacks."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from console import callbacks
from console.filters import home_zone
from console.forms import FormError, record_id, shown
from console.positions import history_of
from console.listing import (KEYS as LIST_KEYS, SIZE_CHOICES, day_filter, export, on_clock,
                             page_size, sort_order)
from console.searches import page_count, posted_search, searched_text
from console.security import login_required
from console.views import bp
from db import get_session
from db.models import CallbackRequest, Creditor, utcnow
from domain.promises import latest_promise_date

STAFF = ("admin", "collector")


FILTERS = ("creditore", "mie", "stato", "esito", "giorno")   # not personal: may be in the URL
KEPT = FILTERS + LIST_KEYS + ("ricerca",)   # what the list's links carry
EXPORT_HEADINGS = ("Richiesta il", "Pratica", "Nominativo", "Telefono", "Importo", "Valuta",
                   "Mandante", "Tentativi", "Ultima chiamata", "Stato", "Esito", "Chiusa il",
                   "Nota")


@bp.post("/richiamate")
@login_required(*STAFF)
def queue_search():
    """The queue's search form: its text kept under an opaque id (console.searches)."""
    try:
        filters = posted_search(request.form, FILTERS + LIST_KEYS)
    except FormError as exc:
        flash(f"{exc}.", "error")
        filters = {name: request.form[name] for name in FILTERS + LIST_KEYS
                   if request.form.get(name)}
    return redirect(url_for("console.queue", **filters), code=303)


@bp.get("/richiamate")
@login_required(*STAFF)
def queue():
    session, args, now = get_session(), request.args, utcnow()
    chosen = _chosen(args)
    order = sort_order(args, callbacks.queue_query(now, g.user.username)[1])
    size = page_size(args)

    def page_of(number):
        return callbacks.open_queue(session, now, g.user.username, chosen, number, size, order)

    items, total = page_of(1)
    pages = page_count(total, size)
    page = min(args.get("pagina", 1, type=record_id) or 1, pages)
    if page > 1:
        items, total = page_of(page)
    kept = {key: shown(value) for key, value in args.items() if key in KEPT}
    creditors = session.scalars(select(Creditor).order_by(Creditor.name)).all()
    return render_template("console/queue.html", items=items, total=total, page=page,
                           pages=pages, args=kept, text=chosen.text, mine=chosen.mine,
                           order=order, per_page=size, sizes=SIZE_CHOICES,
                           states=callbacks.STATES, results=callbacks.RESULTS, now=now,
                           creditors=creditors, zones={c.id: ZoneInfo(c.timezone)
                                                       for c in creditors})


@bp.get("/richiamate/esporta.<any(csv, xlsx):formato>")
@login_required(*STAFF)
def export_queue(formato):
    """Every request the queue's filters list, in the page's order."""
    session, now = get_session(), utcnow()
    query, columns = callbacks.queue_query(now, g.user.username, _chosen(request.args))
    order = sort_order(request.args, columns)
    query = query.order_by(*order.clauses(columns, CallbackRequest.requested_at,
                                          CallbackRequest.id))
    rows = []
    for row in session.execute(query):
        item = callbacks.queue_item(row, g.user.username, now)
        request_, position = item.request, item.position
        zone = ZoneInfo(position.creditor.timezone)
        rows.append([on_clock(request_.requested_at, zone), position.reference, position.name,
                     position.phone, position.amount, position.currency,
                     position.creditor.name, item.attempts, on_clock(item.last_call, zone),
                     _state_words(item, g.user.username, now),
                     callbacks.RESULTS.get(request_.result, ""),
                     on_clock(request_.closed_at, zone), request_.note or ""])
    day = now.astimezone(home_zone()).date()
    return export(EXPORT_HEADINGS, rows, "Richiamate", f"richiamate-{day.isoformat()}", formato)


def _chosen(args):
    """The callbacks.QueueFilter of the queue's filters in `args`; a requested day is read on
    the installation's clock (a day that is no date is said, not ignored)."""
    since = until = None
    day = day_filter(args.get("giorno"))
    if day is not None:
        since = datetime.combine(day, time(), home_zone())
        until = since + timedelta(days=1)
    state = args.get("stato", "")
    return callbacks.QueueFilter(
        creditor_id=args.get("creditore", type=record_id),
        text=searched_text(args.get("ricerca")), mine=args.get("mie") == "1",
        state=state if state in callbacks.STATES else "", result=args.get("esito", ""),
        since=since and since.astimezone(timezone.utc),
        until=until and until.astimezone(timezone.utc))


def _state_words(item, collector, now):
    request_ = item.request
    if request_.status != "open":
        return f"chiusa da {request_.claimed_by}" if request_.claimed_by else "chiusa"
    if item.claimed_by_other:
        return f"in carico a {request_.claimed_by}"
    if request_.claimed_by == collector and request_.claimed_until \
            and request_.claimed_until >= now:
        return "in carico a lei"
    return "da chiamare"



@bp.get("/richiamate/<id:request_id>")
@login_required(*STAFF)
def callback(request_id):
    return _page(request_id)


def _page(request_id, typed=None, status=200, above_due=False):
    """The request with its position and calls; `typed`: the result form as the user left it;
    `above_due`: the form asks to confirm a promise above the amount due."""
    session = get_session()
    item = session.get(CallbackRequest, request_id) or abort(404)
    position = item.position
    zone = ZoneInfo(position.creditor.timezone)
    now = utcnow()
    typed = {key: shown(value) for key, value in (typed or {}).items()}
    today = now.astimezone(zone).date()   # a promise's dates, on the creditor's clock
    return render_template("console/callback.html", item=item, position=position,
                           zone=zone, results=callbacks.RESULTS, **history_of(session, position),
                           today=today.isoformat(), last=latest_promise_date(today).isoformat(),
                           mine=item.claimed_by == g.user.username and item.claimed_until
                           and item.claimed_until >= now, now=now, typed=typed,
                           above_due=above_due), status


@bp.post("/richiamate/<id:request_id>/prendi")
@login_required(*STAFF)
def claim(request_id):
    return _act(request_id, lambda s, now: callbacks.claim(s, request_id, g.user.username, now),
                "Richiesta presa in carico: ora può chiamare.")


@bp.post("/richiamate/<id:request_id>/lascia")
@login_required(*STAFF)
def release(request_id):
    return _act(request_id, lambda s, now: callbacks.release(s, request_id, g.user.username, now),
                "Richiesta rimessa in coda.")


@bp.post("/richiamate/<id:request_id>/esito")
@login_required(*STAFF)
def close(request_id):
    form = request.form
    session = get_session()
    try:
        callbacks.close(session, request_id, g.user.username, utcnow(), form.get("result"),
                        form.get("note"), form.get("promise_date"), form.get("promise_amount"),
                        above_due=form.get("oltre_dovuto") == "1")
    except callbacks.CallbackError as exc:
        session.rollback()
        flash(str(exc), "error")
        # The form again, as the collector filled it in: only the wrong part needs retyping.
        return _page(request_id, typed=form.to_dict(), status=400,
                     above_due=isinstance(exc, callbacks.AboveDue) or "oltre_dovuto" in form)
    session.commit()
    flash("Esito registrato e richiesta chiusa.", "info")
    return redirect(url_for("console.queue"))


def _act(request_id, action, done):
    session = get_session()
    try:
        action(session, utcnow())
    except callbacks.CallbackError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.callback", request_id=request_id))
    session.commit()
    flash(done, "info")
    return redirect(url_for("console.callback", request_id=request_id))
