"""A creditor's campaign paused and resumed from the console: by an admin on the creditor's
page, by the creditor's own users on their dashboard (another creditor's is a 404).

Both forms call contacts.controls, as `flask creditor pause|resume` does; pausing asks for a
reason and a confirmation. The page shows the state and the latest controls, with who made
them for the staff.
"""
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, request, session as cookie, url_for

from console.forms import FormError, clean_text, shown
from console.i18n import say
from console.position_actions import app_now
from console.security import login_required
from console.views import bp
from contacts.controls import ControlError, creditor_events, pause_creditor, resume_creditor
from db import get_session
from db.models import Creditor

HISTORY = 5
# A refused control's typed reason, kept for the page the refusal goes back to (one reading).
TYPED = "campagna_motivo"


@bp.post("/mandanti/<id:creditor_id>/pausa")
@login_required("admin", "creditor")
def pause_campaign(creditor_id):
    creditor = _creditor(creditor_id)
    if request.form.get("conferma") != "si":
        flash("Spunti la conferma per mettere in pausa la campagna.", "error")
        return _back(creditor, refused=True)
    return _control(creditor, pause_creditor,
                    f"Campagna di {creditor.name} in pausa: nessuna chiamata, passo o messaggio "
                    "parte finché non la riprende. Le chiamate già in corso si concludono.")


@bp.post("/mandanti/<id:creditor_id>/ripresa")
@login_required("admin", "creditor")
def resume_campaign(creditor_id):
    creditor = _creditor(creditor_id)
    return _control(creditor, resume_creditor,
                    f"Campagna di {creditor.name} ripresa: ciò che è in scadenza parte al "
                    "prossimo passaggio.")


@bp.app_template_global()
def campaign_box(creditor):
    """What the creditor's campaign box shows besides the creditor: its clock, and its latest
    pauses and resumptions, newest first."""
    return SimpleNamespace(zone=ZoneInfo(creditor.timezone),
                           history=creditor_events(get_session(), creditor.id, HISTORY),
                           typed=cookie.pop(TYPED, ""))


def _creditor(creditor_id):
    if g.user.role == "creditor" and g.user.creditor_id != creditor_id:
        abort(404)
    return get_session().get(Creditor, creditor_id) or abort(404)


def _control(creditor, control, done):
    session = get_session()
    try:
        reason = clean_text(request.form.get("motivo"), "Motivo")[:300]
        control(session, creditor, f"user:{g.user.username}", reason, app_now())
    except (ControlError, FormError) as exc:
        session.rollback()
        text = say(exc)
        flash(f"{text[:1].upper()}{text[1:]}.", "error")
        return _back(creditor, refused=True)
    session.commit()
    flash(done, "info")
    return _back(creditor)


def _back(creditor, refused=False):
    """To the page the form was on: the creditor's page for an admin who came from it, else the
    dashboard; a `refused` form shows its reason there again as typed."""
    if refused:
        cookie[TYPED] = shown(request.form.get("motivo"))[:300]
    if g.user.role == "admin" and request.form.get("da") == "mandante":
        return redirect(url_for("console.edit_creditor", creditor_id=creditor.id), code=303)
    return redirect(url_for("console.dashboard", creditore=creditor.id), code=303)
