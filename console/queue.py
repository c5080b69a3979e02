"""The callback queue pages: thin views over console.callbacks."""
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from console import callbacks
from console.forms import FormError, record_id, shown
from console.positions import history_of
from console.searches import PAGE_SIZE, page_count, posted_search, searched_text
from console.security import login_required
from console.views import bp
from db import get_session
from db.models import CallbackRequest, Creditor, utcnow
from domain.promises import latest_promise_date

STAFF = ("admin", "collector")


FILTERS = ("creditore", "mie")   # not personal: they may stay in the URL


@bp.post("/richiamate")
@login_required(*STAFF)
def queue_search():
    """The queue's search form: its text kept under an opaque id (console.searches)."""
    try:
        filters = posted_search(request.form, FILTERS)
    except FormError as exc:
        flash(f"{exc}.", "error")
        filters = {name: request.form[name] for name in FILTERS if request.form.get(name)}
    return redirect(url_for("console.queue", **filters), code=303)


@bp.get("/richiamate")
@login_required(*STAFF)
def queue():
    session, args = get_session(), request.args
    text = searched_text(args.get("ricerca"))
    mine = args.get("mie") == "1"
    creditor_id = args.get("creditore", type=record_id)

    def page_of(number):
        return callbacks.open_queue(session, utcnow(), g.user.username, creditor_id, text, mine,
                                    number, PAGE_SIZE)

    items, total = page_of(1)
    pages = page_count(total)
    page = min(args.get("pagina", 1, type=record_id) or 1, pages)
    if page > 1:
        items, total = page_of(page)
    kept = {key: shown(value) for key, value in args.items() if key in FILTERS + ("ricerca",)}
    return render_template("console/queue.html", items=items, total=total, page=page,
                           pages=pages, args=kept, text=text, mine=mine,
                           creditors=session.scalars(select(Creditor).order_by(Creditor.name))
                           .all())


@bp.get("/richiamate/<id:request_id>")
@login_required(*STAFF)
def callback(request_id):
    return _page(request_id)


def _page(request_id, typed=None, status=200):
    """The request with its position and calls; `typed`: the result form as the user left it."""
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
                           and item.claimed_until >= now, now=now, typed=typed), status


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
                        form.get("note"), form.get("promise_date"), form.get("promise_amount"))
    except callbacks.CallbackError as exc:
        session.rollback()
        flash(str(exc), "error")
        # The form again, as the collector filled it in: only the wrong part needs retyping.
        return _page(request_id, typed=form.to_dict(), status=400)
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
