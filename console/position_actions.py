"""What an admin or the creditor's own users do on a position: mark it paid (in full or in
part), close it, confirm or reject a payment the debtor declared, reopen a dispute; stop every
contact ("Ferma") and let it go on, have it called now; and, collectors too, add a note.

Each form calls the one code path, contacts.status or contacts.controls; another creditor's
position is a 404. A refused change shows the page again with what was typed and the reason
in Italian (a refusal of the contact policy as the "Perché" section says it).
"""
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, g, redirect, request, url_for
from sqlalchemy import select

from console.filters import money
from console.forms import FormError, clean_text, shown
from console.i18n import say
from console.positions import render_position, visible
from console.security import login_required
from console.timeline import status_label
from console.views import bp
from contacts.controls import (
    CallRefused, ControlError, add_note, call_now, hold_position, release_position,
)
from contacts.fields import FieldError, read_amount
from contacts.status import StatusError, close_position_by_creditor, record_payment, reopen
from db import get_session
from db.models import Position, utcnow
from domain.statuses import Status
from policy.audit import explain
from policy.gate import opt_out_everywhere

ROLES = ("admin", "creditor")
REOPENABLE = (Status.TO_VERIFY.value, Status.DISPUTED.value)
ERRORS = {
    "amount_not_positive": "L'importo pagato deve essere maggiore di zero.",
    "already_final": "La posizione è già {status}: non si può più cambiare.",
    "paid_in_future": "La data del pagamento è nel futuro.",
    "bad_amount": "L'importo «{value}» non è un numero come 1234,56 o 1.234,56.",
    "bad_date": "La data «{value}» non è una data valida.",
    "no_reason": "Scriva il motivo della chiusura.",
    "not_reopenable": "Si riapre solo una posizione da verificare o contestata (questa è "
                      "{status}).",
}


class ActionError(Exception):
    """A change refused, with its `code` (a key of ERRORS) and the facts its text needs."""

    def __init__(self, code, **facts):
        super().__init__(code)
        self.code, self.facts = code, facts

    def text(self):
        return ERRORS[self.code].format(**self.facts)


@bp.post("/posizioni/<id:position_id>/pagamento")
@login_required(*ROLES)
def mark_paid(position_id):
    return _act(position_id, "pagamento", _pay)


@bp.post("/posizioni/<id:position_id>/chiusura")
@login_required(*ROLES)
def close_position(position_id):
    return _act(position_id, "chiusura", _close)


@bp.post("/posizioni/<id:position_id>/riapertura")
@login_required(*ROLES)
def reopen_position(position_id):
    return _act(position_id, "riapertura", _reopen)


@bp.post("/posizioni/<id:position_id>/ferma")
@login_required(*ROLES)
def hold_contacts(position_id):
    return _act(position_id, "ferma", _hold)


@bp.post("/posizioni/<id:position_id>/riprendi")
@login_required(*ROLES)
def release_contacts(position_id):
    return _act(position_id, "riprendi", _release)


@bp.post("/posizioni/<id:position_id>/chiama")
@login_required(*ROLES)
def call_now_position(position_id):
    return _act(position_id, "chiama", _call)


@bp.post("/posizioni/<id:position_id>/nota")
@login_required("admin", "collector", "creditor")
def add_position_note(position_id):
    return _act(position_id, "nota", _note)


def _act(position_id, form_name, change):
    """Run `change(session, position, now)` on the user's visible position, locked; the page
    again (400) with what was typed when it is refused."""
    session = get_session()
    position = session.scalar(visible(select(Position).where(Position.id == position_id))
                              .with_for_update())
    if position is None:
        abort(404)
    typed = {key: shown(value) for key, value in request.form.items() if key != "csrf_token"}
    try:
        message = change(session, position, app_now())
    except (ActionError, StatusError, FormError, ControlError, CallRefused) as exc:
        session.rollback()
        position = session.get(Position, position_id)
        return render_position(position, form=form_name, typed=typed, error=_text(exc,
                               position)), 400
    session.commit()
    flash(message, "info")
    return redirect(url_for("console.position", position_id=position_id), code=303)


def app_now():
    """The app's clock, the one the webhooks and the worker read (`cortesia.clock`): "call now"
    asks the creditor's windows and the contact policy about this instant."""
    return current_app.extensions.get("cortesia.clock", utcnow)()


def _text(exc, position):
    if isinstance(exc, ActionError):
        return exc.text()
    if isinstance(exc, StatusError):
        return ERRORS.get(exc.code, str(exc)).format(status=status_label(position.status))
    if isinstance(exc, ControlError):
        return _sentence(say(exc))
    if isinstance(exc, CallRefused):
        why = explain(SimpleNamespace(**exc.decision), exc.rules, "it")
        return f"Le regole di contatto non consentono di chiamare ora: {why}."
    return f"{exc}."


def _sentence(text):
    return f"{text[:1].upper()}{text[1:]}."


def _pay(session, position, now):
    amount = _amount(request.form.get("importo"), position)
    paid_on = _paid_on(request.form.get("data"), position, now)
    due = record_payment(session, position, amount, paid_on, _source(), now)
    if due == 0:
        return "Pagamento registrato: la posizione è pagata e ogni contatto è fermato."
    return f"Pagamento parziale registrato: restano da pagare {money(due, position.currency)}."


def _close(session, position, now):
    reason = clean_text(request.form.get("motivo"), "Motivo")[:300]
    if not reason:
        raise ActionError("no_reason")
    close_position_by_creditor(session, position, _source(), reason, now)
    return "Posizione chiusa: ogni contatto è fermato."


def _reopen(session, position, now):
    if position.status not in REOPENABLE:
        raise ActionError("not_reopenable", status=status_label(position.status))
    reason = clean_text(request.form.get("motivo"), "Motivo")[:300] or "reopened"
    reopen(session, position, _source(), reason, now)
    return "Posizione riaperta: il piano riprende."


def _hold(session, position, now):
    attempts, messages = hold_position(session, position, _source(), _reason(), now)
    return (f"Contatti fermati. Chiamate previste ritirate: {attempts}; messaggi in coda "
            f"ritirati: {messages}. Una chiamata già in corso si conclude.")


def _release(session, position, now):
    attempts, messages = release_position(session, position, _source(), _reason(), now)
    return (f"Contatti ripresi: il piano riprende al prossimo passaggio. Chiamate previste "
            f"rimesse in programma: {attempts}; messaggi rimessi in coda: {messages}.")


def _call(session, position, now):
    due = call_now(session, position, _source(), _reason(), now,
                   opt_out_everywhere(current_app))
    return (f"Chiamata {due.number} del giro {due.round} pronta: parte al prossimo passaggio "
            "del dialer.")


def _note(session, position, now):
    text = clean_text(request.form.get("nota"), "Nota", multiline=True)
    # A creditor's user writes to the staff; the staff's notes stay theirs unless shared.
    internal = g.user.role != "creditor" and request.form.get("condividi") != "si"
    add_note(session, position, _source(), text, internal, now)
    return "Nota aggiunta." if not internal else "Nota interna aggiunta (il mandante non la vede)."


def _reason():
    return clean_text(request.form.get("motivo"), "Motivo")[:300]


def _amount(text, position):
    """The amount typed, or the whole amount due when the field is left empty."""
    text = clean_text(text, "Importo")
    if not text:
        return position.amount_due
    try:
        return read_amount(text, "importo")
    except FieldError as exc:
        if exc.code == "amount_not_positive":
            raise ActionError("amount_not_positive") from None
        raise ActionError("bad_amount", value=text[:40]) from None


def _paid_on(text, position, now):
    """The date typed (a date field's ISO, or DD/MM/YYYY), or today on the creditor's clock."""
    text = clean_text(text, "Data")
    if not text:
        return now.astimezone(ZoneInfo(position.creditor.timezone)).date()
    try:
        if "/" in text:
            return datetime.strptime(text, "%d/%m/%Y").date()
        return date.fromisoformat(text)
    except ValueError:
        raise ActionError("bad_date", value=text[:40]) from None


def _source():
    return f"user:{g.user.username}"
