"""Contact lists in the console: upload, see what would happen, and only then import.

The preview is the real import run in a transaction that is rolled back, so its counts and
rejected rows are exactly what confirming will do (unless the positions change meanwhile).
The uploaded file waits in the instance folder under a random name until confirmed.
"""
import os
import secrets

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from console.forms import shown
from console.security import login_required
from console.views import bp
from contacts.importer import import_contacts
from contacts.sources import ContactListError
from db import get_session, get_sessionmaker
from db.models import Creditor, ImportBatch

ACCEPTED = (".csv", ".xlsx")
PREVIEW_ROWS = 200


def _upload_path(token, suffix):
    folder = os.path.join(current_app.instance_path, "uploads")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, token + suffix)


@bp.get("/liste")
@login_required("admin")
def lists():
    session = get_session()
    creditors = session.scalars(select(Creditor).order_by(Creditor.name)).all()
    history = session.execute(select(ImportBatch, Creditor.name).join(
        Creditor, Creditor.id == ImportBatch.creditor_id)
        .order_by(ImportBatch.id.desc()).limit(50)).all()
    return render_template("console/lists.html", creditors=creditors, history=history)


@bp.post("/liste")
@login_required("admin")
def preview():
    upload = request.files.get("file")
    creditor = get_session().get(Creditor, request.form.get("creditor", type=int) or 0)
    name = os.path.basename((upload.filename if upload else "") or "")
    suffix = os.path.splitext(name)[1].lower()
    if creditor is None or not name or suffix not in ACCEPTED:
        flash("Scelga il mandante e un file CSV o XLSX.", "error")
        return redirect(url_for("console.lists"))
    if shown(name) != name:   # a NUL or another control character: the database refuses it
        flash("Il nome del file contiene caratteri non ammessi: lo rinomini e lo carichi di "
              "nuovo.", "error")
        return redirect(url_for("console.lists"))
    token = secrets.token_hex(16)
    path = _upload_path(token, suffix)
    upload.save(path)
    session = get_sessionmaker()()
    try:
        result = import_contacts(session, session.get(Creditor, creditor.id), path, filename=name)
    except ContactListError as exc:
        os.remove(path)
        flash(f"{name}: {exc}. Non è stato importato nulla.", "error")
        return redirect(url_for("console.lists"))
    finally:
        session.rollback()   # a preview changes nothing
        session.close()
    return render_template("console/preview.html", creditor=creditor, filename=name,
                           token=token + suffix, result=result,
                           rejections=result.rejections[:PREVIEW_ROWS])


@bp.post("/liste/conferma")
@login_required("admin")
def confirm():
    token = request.form.get("token", "")
    stem, suffix = os.path.splitext(token)
    if len(stem) != 32 or any(c not in "0123456789abcdef" for c in stem) or suffix not in ACCEPTED:
        abort(400)
    path = _upload_path(stem, suffix)
    if not os.path.exists(path):
        flash("Anteprima scaduta o già importata: carichi di nuovo il file.", "error")
        return redirect(url_for("console.lists"))
    session = get_session()
    creditor = session.get(Creditor, request.form.get("creditor", type=int) or 0) or abort(400)
    try:
        result = import_contacts(session, creditor, path,
                                 filename=shown(request.form.get("filename")) or None)
        session.commit()
    except ContactListError as exc:
        session.rollback()
        flash(f"{exc}. Non è stato importato nulla.", "error")
        return redirect(url_for("console.lists"))
    finally:
        if os.path.exists(path):
            os.remove(path)
    flash(f"Importazione completata: {result.imported} nuove, {result.updated} aggiornate, "
          f"{result.rejected} scartate.", "info")
    return redirect(url_for("console.lists"))
