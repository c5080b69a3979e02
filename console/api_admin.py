"""The API in the console: an admin's page per creditor for its keys (made and shown once,
revoked) and its webhook (URL, secret, paused deliveries and their failures, resume); and the
API's document as a page for admins and creditors' users."""
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from api.delivery import resume
from api.keys import UnknownKey, add_key, find_key, keys_of, revoke_key
from api.openapi import document
from console.forms import FormError, clean_text
from console.security import login_required
from console.views import bp
from db import get_session
from db.models import Creditor, WebhookDelivery, utcnow
from domain.webhook_urls import WebhookUrlError, webhook_settings

FAILURES_SHOWN = 20
# The webhook URL's refusals, in Italian (domain.webhook_urls codes).
URL_ERRORS = {
    "not_https": "l'indirizzo deve iniziare con https://",
    "invalid": "non è un indirizzo valido (serve un host, senza utente né password)",
    "too_long": "l'indirizzo supera i 2000 caratteri",
    "unresolved": "il nome del server non si risolve",
    "private_address": "il server è su un indirizzo interno: i webhook vanno solo a server "
                       "pubblici",
}


@bp.get("/mandanti/<id:creditor_id>/api")
@login_required("admin")
def creditor_api(creditor_id):
    return _page(_creditor(creditor_id))


@bp.post("/mandanti/<id:creditor_id>/api/chiavi")
@login_required("admin")
def new_api_key(creditor_id):
    session = get_session()
    creditor = _creditor(creditor_id)
    try:
        label = clean_text(request.form.get("label"), "Descrizione")
    except FormError as exc:
        flash(f"Chiave non creata: {exc}.", "error")
        return _page(creditor), 400
    _row, key = add_key(session, creditor, label, f"console:{g.user.username}", utcnow())
    session.commit()
    # Shown in this page only: never in a flash message (the session cookie is not secret).
    return _page(creditor, new_key=key)


@bp.post("/mandanti/<id:creditor_id>/api/chiavi/<id:key_id>/revoca")
@login_required("admin")
def revoke_api_key(creditor_id, key_id):
    session = get_session()
    try:
        row = find_key(session, key_id, creditor_id)
    except UnknownKey:
        abort(404)
    revoke_key(session, row, utcnow())
    session.commit()
    flash(f"Chiave {row.prefix}… revocata: le sue richieste sono rifiutate da ora.", "info")
    return redirect(url_for("console.creditor_api", creditor_id=creditor_id))


@bp.post("/mandanti/<id:creditor_id>/api/webhook")
@login_required("admin")
def set_webhook(creditor_id):
    session = get_session()
    creditor = _creditor(creditor_id)
    config = current_app.config
    try:
        values = webhook_settings(creditor.webhook_secret, request.form.get("webhook_url", ""),
                                  config["WEBHOOK_ALLOW_HTTP"], config["WEBHOOK_ALLOW_PRIVATE"])
    except WebhookUrlError as exc:
        flash(f"Webhook non salvato: {URL_ERRORS.get(exc.code, exc)}.", "error")
        return _page(creditor), 400
    for attribute, value in values.items():
        setattr(creditor, attribute, value)
    session.commit()
    flash("Webhook salvato." if creditor.webhook_url else "Webhook tolto: gli eventi restano "
          "leggibili dall'API.", "info")
    return redirect(url_for("console.creditor_api", creditor_id=creditor_id))


@bp.post("/mandanti/<id:creditor_id>/api/webhook/riprendi")
@login_required("admin")
def resume_webhook(creditor_id):
    session = get_session()
    waiting = resume(session, _creditor(creditor_id), utcnow())
    session.commit()
    flash(f"Webhook ripreso: {waiting} eventi in attesa partono ora.", "info")
    return redirect(url_for("console.creditor_api", creditor_id=creditor_id))


@bp.get("/documentazione-api")
@login_required("admin", "creditor")
def api_doc():
    return render_template("console/api_doc.html", doc=document())


def _creditor(creditor_id):
    return get_session().get(Creditor, creditor_id) or abort(404)


def _page(creditor, new_key=None):
    session = get_session()
    counts = dict(session.execute(
        select(WebhookDelivery.status, func.count()).where(WebhookDelivery.creditor_id == creditor.id)
        .group_by(WebhookDelivery.status)).all())
    failing = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.creditor_id == creditor.id,
                                      WebhookDelivery.status == "queued",
                                      WebhookDelivery.last_error.is_not(None))
        .order_by(WebhookDelivery.last_tried_at.desc()).limit(FAILURES_SHOWN)).all()
    return render_template("console/creditor_api.html", creditor=creditor, new_key=new_key,
                           keys=keys_of(session, creditor.id), counts=counts, failing=failing,
                           base_url=current_app.config["PUBLIC_BASE_URL"])
