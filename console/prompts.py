"""A creditor's recorded prompts in the console: what each piece says, listen, upload, remove."""
import os

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from audio.recordings import MAX_SECONDS, RecordingError, prepare
from audio import store
from audio.store import UnknownSlot, check_slot, save
from console.filters import number
from console.forms import FormError, clean_text, shown
from console.i18n import say
from console.security import login_required
from console.views import bp
from db import get_session
from db.models import Creditor, Recording
from prompts.store import overrides_of
from prompts.templates import TEMPLATES, recording_slots


@bp.get("/mandanti/<id:creditor_id>/messaggi")
@login_required("admin")
def prompts(creditor_id):
    session = get_session()
    creditor = session.get(Creditor, creditor_id) or abort(404)
    language = request.args.get("lingua") if request.args.get("lingua") in TEMPLATES \
        else creditor.language
    recorded = {r.slot: r for r in session.scalars(select(Recording).where(
        Recording.creditor_id == creditor.id, Recording.language == language))}
    # The creditor's own name is part of what gets recorded: show it as it will be said.
    slots = {slot: text.replace("{creditor}", creditor.greeting_name) for slot, text in
             recording_slots(language, overrides_of(session, creditor.id, language)).items()}
    return render_template("console/prompts.html", creditor=creditor, language=language,
                           languages=TEMPLATES, slots=slots, recorded=recorded)


@bp.post("/mandanti/<id:creditor_id>/messaggi")
@login_required("admin")
def upload_prompt(creditor_id):
    session = get_session()
    creditor = session.get(Creditor, creditor_id) or abort(404)
    slot, language = request.form.get("slot", ""), request.form.get("language", "")
    upload = request.files.get("file")
    back = redirect(url_for("console.prompts", creditor_id=creditor.id, lingua=language))
    try:
        check_slot(slot, language, overrides_of(session, creditor.id, language))
        if upload is None or not upload.filename:
            raise RecordingError("recording_no_file")
        name = clean_text(os.path.basename(upload.filename), "Nome del file")
        prepared = prepare(upload.read(), MAX_SECONDS)
    except (UnknownSlot, RecordingError, FormError) as exc:
        flash(f"Registrazione di «{shown(slot)}» non accettata: {say(exc)}.", "error")
        return back
    # The name is only shown again: cut to what the column holds rather than refuse the voice.
    save(session, creditor, slot, language, prepared, name[:255])
    session.commit()
    flash(f"«{slot}» registrato: {number(prepared.duration_ms / 1000, 1)} s, 8 kHz mono.", "info")
    return back


@bp.post("/mandanti/<id:creditor_id>/messaggi/rimuovi")
@login_required("admin")
def remove_prompt(creditor_id):
    session = get_session()
    language, slot = request.form.get("language", ""), request.form.get("slot", "")
    try:
        clean_text(slot, "Messaggio"), clean_text(language, "Lingua")
    except FormError as exc:
        flash(f"Nulla è stato rimosso: {exc}.", "error")
        return redirect(url_for("console.prompts", creditor_id=creditor_id))
    store.remove(session, creditor_id, slot, language)
    session.commit()
    flash(f"«{slot}» torna alla voce sintetica.", "info")
    return redirect(url_for("console.prompts", creditor_id=creditor_id, lingua=language))
