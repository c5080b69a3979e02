"""The outbox in the console: the messages that need a person (failed, or of unknown fate) and
those waiting, for admins; a failed one sent again, an unknown one settled — what `flask outbox`
does, through the same functions (notify.fates.retry_failed, notify.outbox.settle_unknown)."""
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from console.forms import record_id, shown
from console.searches import PAGE_SIZE, page_count
from console.security import login_required
from console.views import bp
from db import get_session
from db.models import Creditor, OutgoingMail, Position, utcnow
from notify.fates import retry_failed
from notify.outbox import settle_unknown

# status → (label, what it means for the admin)
STATUSES = {
    "failed": ("non consegnati", "Il server ha rifiutato il messaggio a ogni tentativo."),
    "unknown": ("esito incerto", "Il messaggio è partito ma la risposta del server non è "
                "arrivata: cercate il Message-ID nel registro del server e decidete."),
    "queued": ("in attesa", "In coda: partirà al prossimo passaggio del worker."),
    "sending": ("in invio", "Preso in carico da un worker in questo momento."),
    "sent": ("inviati", ""),
    "withdrawn": ("ritirati", "Non più da inviare (la posizione è chiusa o pagata)."),
}
CHANNELS = {"email": "email", "pec": "PEC", "sms": "SMS"}
FILTERS = ("stato", "creditore")


@bp.get("/messaggi")
@login_required("admin")
def outbox():
    session, args = get_session(), request.args
    status = args.get("stato") if args.get("stato") in STATUSES else "failed"
    query = select(OutgoingMail, Position).outerjoin(
        Position, Position.id == OutgoingMail.position_id).where(OutgoingMail.status == status)
    creditor_id = args.get("creditore", type=record_id)
    if creditor_id is not None:
        query = query.where(Position.creditor_id == creditor_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = page_count(total)
    page = min(args.get("pagina", 1, type=record_id) or 1, pages)
    default_zone = ZoneInfo(current_app.config["TIMEZONE"])
    # Each message's times on its creditor's clock (the installation's for a report's mail).
    rows = [(mail, position, ZoneInfo(position.creditor.timezone) if position else default_zone)
            for mail, position in session.execute(
                query.order_by(OutgoingMail.id.desc()).limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)).all()]
    counts = dict(session.execute(select(OutgoingMail.status, func.count())
                                  .group_by(OutgoingMail.status)).all())
    kept = {key: shown(value) for key, value in args.items() if key in FILTERS}
    return render_template("console/messages.html", rows=rows, status=status, total=total,
                           page=page, pages=pages, args=dict(kept, stato=status),
                           statuses=STATUSES, channels=CHANNELS, counts=counts,
                           creditors=session.scalars(select(Creditor).order_by(Creditor.name))
                           .all())


@bp.post("/messaggi/<id:mail_id>/riprova")
@login_required("admin")
def outbox_retry(mail_id):
    """Send a failed message again; back to the page it was asked from: the failed messages,
    or the position's page (`posizione`: its id) when it is the message of that position."""
    try:
        retry_failed(current_app._get_current_object(), mail_id, f"user:{g.user.username}",
                     utcnow())
        flash("Messaggio rimesso in coda: partirà al prossimo passaggio del worker.", "info")
    except LookupError:
        flash("Il messaggio non è più tra quelli non consegnati.", "error")
    position_id = request.form.get("posizione", type=record_id)
    mail = get_session().get(OutgoingMail, mail_id)
    if position_id is not None and mail is not None and mail.position_id == position_id:
        return redirect(url_for("console.position", position_id=position_id, _anchor="messaggi"))
    return redirect(url_for("console.outbox", stato="failed"))


@bp.post("/messaggi/<id:mail_id>/esito")
@login_required("admin")
def outbox_settle(mail_id):
    fate = request.form.get("esito")
    if fate not in ("consegnato", "rinvia"):
        flash("Scegliete se il messaggio è stato consegnato o va rinviato.", "error")
        return redirect(url_for("console.outbox", stato="unknown"))
    try:
        settle_unknown(current_app._get_current_object(), mail_id, fate == "consegnato",
                       utcnow())
        flash("Segnato come consegnato." if fate == "consegnato" else
              "Rimesso in coda con lo stesso Message-ID.", "info")
    except LookupError:
        flash("Il messaggio non è più di esito incerto.", "error")
    return redirect(url_for("console.outbox", stato="unknown"))
