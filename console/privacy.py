"""An admin anonymises, from a position's page, the person it reaches (its number, email and
PEC, across every creditor): the same contacts.privacy.erase_person as `privacy erase`."""
from flask import abort, current_app, flash, g, redirect, request, url_for

from console.security import login_required
from console.views import bp
from contacts.privacy import Person, erase_person, privacy_secret
from db import get_session
from db.models import Position, utcnow


@bp.post("/posizioni/<id:position_id>/anonimizzazione")
@login_required("admin")
def erase_person_of(position_id):
    session = get_session()
    position = session.get(Position, position_id) or abort(404)
    back = redirect(url_for("console.position", position_id=position_id), code=303)
    if position.erased_at is not None:
        flash("I dati personali di questa posizione sono già anonimizzati.", "info")
        return back
    if request.form.get("conferma") != "si":
        flash("Non anonimizzato: spunti la conferma, l'operazione non si può annullare.", "error")
        return back
    erasure = erase_person(session, person_of(position), f"user:{g.user.username}", utcnow(),
                           privacy_secret(current_app))
    session.commit()
    flash(f"Dati personali anonimizzati in {erasure.positions} posizioni "
          f"({erasure.closed} chiuse); importi, esiti e contatti restano.", "info")
    return back


def person_of(position):
    """The person a position reaches: its number and its addresses."""
    addresses = {a.lower() for a in (position.email, position.pec) if a}
    return Person(frozenset({position.phone} if position.phone else ()), frozenset(addresses))
