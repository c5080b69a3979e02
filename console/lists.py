"""Contact lists in the console: upload, see what would happen, and only then import.

The preview is the import's own reading and sorting of the rows, counted without writing, so
its counts and rejected rows are what confirming will do (unless the positions change meanwhile).
Both run in the background (console/import_jobs.py): the page answers within
IMPORT_WAIT_SECONDS, with the outcome or with the job's progress. The uploaded file waits in
the instance folder under a random name until confirmed, cancelled, refused, or an hour old.
"""
import os
from datetime import date
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from console import import_jobs, uploads
from console.forms import record_id, shown
from console.security import login_required
from console.views import bp
from db import get_session
from db.models import Creditor, ImportBatch, utcnow

ACCEPTED = (".csv", ".xlsx")


@bp.get("/liste")
@login_required("admin")
def lists():
    uploads.sweep()
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
    creditor = get_session().get(Creditor, request.form.get("creditor", type=record_id) or 0)
    name = os.path.basename((upload.filename if upload else "") or "")
    suffix = os.path.splitext(name)[1].lower()
    if creditor is None or not name or suffix not in ACCEPTED:
        flash("Scelga il mandante e un file CSV o XLSX.", "error")
        return redirect(url_for("console.lists"))
    if shown(name) != name:   # a NUL or another control character: the database refuses it
        flash("Il nome del file contiene caratteri non ammessi: lo rinomini e lo carichi di "
              "nuovo.", "error")
        return redirect(url_for("console.lists"))
    uploads.sweep()
    token = uploads.save(upload, suffix)
    job = import_jobs.start(current_app._get_current_object(), token,
                            uploads.path_of(token, suffix), creditor.id, name, commit=False,
                            now=_now(), close_missing=request.form.get("chiudi_mancanti") == "1")
    job.join(current_app.config["IMPORT_WAIT_SECONDS"])
    return _show(token)


@bp.get("/liste/lavoro/<token>")
@login_required("admin")
def job(token):
    if not uploads.is_token(token):
        abort(404)
    return _show(token)


@bp.post("/liste/conferma")
@login_required("admin")
def confirm():
    token, suffix = _token_form()
    # The creditor and name are the preview's, kept on the server, not the form's.
    previewed = import_jobs.read(token)
    path = uploads.path_of(token, ".confirmed" + suffix)
    if previewed is not None and previewed.get("result", {}).get("warned") \
            and request.form.get("accetto_avvisi") != "1":
        flash("La lista ha valori insoliti: li controlli e spunti «Accetto gli avvisi» per "
              "importarla.", "error")
        return _show(token, status=400)
    try:
        if previewed is None or previewed["kind"] != "preview":
            raise FileNotFoundError
        # The rename is the claim: a second confirmation (a double click) finds no file.
        os.rename(uploads.path_of(token, suffix), path)
    except FileNotFoundError:
        flash("Anteprima scaduta o già importata: carichi di nuovo il file.", "error")
        return redirect(url_for("console.lists"))
    job = import_jobs.start(current_app._get_current_object(), token, path,
                            previewed["creditor_id"], previewed["filename"], commit=True,
                            now=_now(), close_missing=previewed.get("close_missing", False))
    job.join(current_app.config["IMPORT_WAIT_SECONDS"])
    return _show(token)


@bp.post("/liste/annulla")
@login_required("admin")
def cancel():
    token, _suffix = _token_form()
    uploads.discard(token)
    flash("Anteprima annullata: il file caricato è stato eliminato.", "info")
    return redirect(url_for("console.lists"))


def _token_form():
    stem, suffix = os.path.splitext(request.form.get("token", ""))
    if not uploads.is_token(stem) or suffix not in ACCEPTED:
        abort(400)
    return stem, suffix


def _now():
    """The app's clock (the webhooks' and the worker's): a list's due dates are read on it."""
    return current_app.extensions.get("cortesia.clock", utcnow)()


def _show(token, status=200):
    """The page for `token`'s job: its progress while it runs, else its outcome."""
    state = import_jobs.read(token)
    if state is None:
        flash("Anteprima scaduta o già importata: carichi di nuovo il file.", "error")
        return redirect(url_for("console.lists"))
    if state["status"] == "running":
        page = render_template("console/import_progress.html", state=state, token=token)
        return page, 200, {"Refresh": "1", "Cache-Control": "no-store"}
    if state["status"] == "done" and state["kind"] == "preview":
        creditor = get_session().get(Creditor, state["creditor_id"]) or abort(404)
        page = render_template("console/preview.html", creditor=creditor,
                               token=token + state["suffix"], result=state["result"],
                               sample=_sample(state["result"]), filename=state["filename"],
                               threshold=current_app.config["IMPORT_WARN_AMOUNT"])
        if not state["result"]["imported"] + state["result"]["updated"]:
            uploads.discard(token)  # nothing to confirm: nothing to keep
        return page, status, {"Cache-Control": "no-store"}
    uploads.discard(token)
    return _ended(state)


def _sample(result):
    """The accepted rows the preview shows, typed again (the job's state is JSON)."""
    return [dict(row, amount=Decimal(row["amount"]), due_date=date.fromisoformat(row["due_date"]))
            for row in result.get("sample", ())]


def _ended(state):
    name = state["filename"] or "Il file"
    if state["status"] == "done":
        result = state["result"]
        closed = "" if result.get("closed") is None else \
            f", {result['closed']} assenti dalla lista completa segnate come pagate"
        flash(f"Importazione completata: {result['imported']} nuove, {result['updated']} "
              f"aggiornate, {result['rejected']} scartate{closed}.", "info")
        if result.get("without_code"):
            flash(f"Attenzione: {result['without_code']} posizioni senza codice di verifica; "
                  "il mandante richiede l'identificazione con il codice, quindi il loro avviso "
                  "arriverà solo per iscritto.", "error")
    elif state["status"] == "refused":
        flash(f"{name}: {state['message']}. Non è stato importato nulla.", "error")
    else:
        what = "L'importazione" if state["kind"] == "import" else "L'anteprima"
        flash(f"{name}: {what} si è interrotta per un errore del server. "
              "Non è stato importato nulla: carichi di nuovo il file.", "error")
    return redirect(url_for("console.lists"))
