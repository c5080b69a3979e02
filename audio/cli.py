"""`flask prompt upload|list|remove`: creditors' recorded prompts from the command line."""
import os

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from audio.recordings import MAX_SECONDS, RecordingError, prepare
from audio import store
from audio.store import UnknownSlot, check_slot, recordings_of, save
from cli.lookup import find_creditor, format_table
from db import session_scope
from db.models import Creditor
from prompts.store import overrides_of, reset_override, set_override
from prompts.messages import MESSAGE_SLOTS, TEXTS
from prompts.templates import EMAIL, EMAIL_SLOTS, TEMPLATES, OverrideError, recording_slots

prompt_cli = AppGroup("prompt", help="Recorded prompts: a creditor's own voice for a slot.")


@prompt_cli.command("upload")
@click.argument("slot")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--creditor", "creditor_name", required=True, help="Name of the creditor.")
@click.option("--language", default=None, help="it or en (default: the creditor's).")
def upload_command(slot, file, creditor_name, language):
    """Record SLOT for a creditor from FILE (WAV, MP3, OGG, M4A): made 8 kHz mono, levelled."""
    with open(file, "rb") as handle:
        data = handle.read()
    with session_scope() as session:
        creditor = find_creditor(session, creditor_name)
        language = language or creditor.language
        try:
            check_slot(slot, language, overrides_of(session, creditor.id, language))
            prepared = prepare(data, MAX_SECONDS)
        except (UnknownSlot, RecordingError) as exc:
            raise click.ClickException(f"{os.path.basename(file)}: {exc}") from None
        save(session, creditor, slot, language, prepared, os.path.basename(file))
    click.echo(f"Recorded '{slot}' ({language}) for '{creditor_name}': "
               f"{prepared.duration_ms / 1000:.1f} s, {prepared.frame_rate} Hz mono, "
               f"{prepared.dbfs:.0f} dBFS.")


@prompt_cli.command("list")
@click.option("--creditor", "creditor_name", default=None, help="Only this creditor's.")
def list_command(creditor_name):
    """Each creditor's prompt slots, what each says, and whether it is recorded or synthesized.

    A sentence with the debtor's own values in it (name, amount, date, invoice) is recorded in
    pieces, `notice.1`, `notice.2`…: the values between them are always synthesized."""
    with session_scope() as session:
        creditors = [find_creditor(session, creditor_name)] if creditor_name else \
            session.scalars(select(Creditor).order_by(Creditor.name)).all()
        recorded = {(r.creditor_id, r.slot, r.language): r for r in recordings_of(session)}
        rows = []
        for creditor in creditors:
            own = overrides_of(session, creditor.id, creditor.language)
            for slot, text in recording_slots(creditor.language, own).items():
                found = recorded.get((creditor.id, slot, creditor.language))
                source = f"recorded, {found.duration_ms / 1000:.1f} s" if found else "synthesized"
                rows.append((creditor.name, creditor.language, slot, source, _short(text)))
            # Recordings in the creditor's other language, for positions that speak it.
            rows += [(creditor.name, lang, slot, f"recorded, {r.duration_ms / 1000:.1f} s",
                      _short(recording_slots(lang).get(slot, "")))
                     for (cid, slot, lang), r in sorted(recorded.items())
                     if cid == creditor.id and lang != creditor.language]
    if not rows:
        click.echo("No creditors yet: add one with `flask --app app creditor add`.")
        return
    click.echo(format_table(("creditor", "language", "slot", "audio", "says"), rows))


def _short(text, width=60):
    return text if len(text) <= width else text[:width - 1] + "…"


@prompt_cli.command("text")
@click.argument("slot")
@click.argument("text", required=False)
@click.option("--creditor", "creditor_name", required=True, help="Name of the creditor.")
@click.option("--language", default=None, help="it or en (default: the creditor's).")
@click.option("--reset", is_flag=True, help="Go back to the template's wording.")
def text_command(slot, text, creditor_name, language, reset):
    """Show SLOT's wording for a creditor, set it to TEXT, or --reset it.

    TEXT may name {creditor} and {name}; the notice also {amount}, {due_date} and {invoice}.
    The emailed notice is `email_subject` and `email_body` (write a line break as \\n); they
    may also name {currency} and {invoice_line}. The written messages of the courtesy phase
    are `<message>_subject` and `<message>_body` for verifica_contabile, sollecito and
    sollecito_oneri; the SMS is `contatto_sms`, naming only {creditor} and {contact_phone}.
    """
    with session_scope() as session:
        creditor = find_creditor(session, creditor_name)
        language = language or creditor.language
        try:
            if reset:
                if not reset_override(session, creditor.id, slot, language):
                    raise click.ClickException(f"'{creditor_name}' uses the template's "
                                               f"wording of '{slot}' ({language}) already")
                message = f"'{slot}' ({language}) is back to the template's wording."
            elif text is not None:
                stored = set_override(session, creditor.id, slot, language, text)
                message = f"'{slot}' ({language}) for '{creditor_name}' now says: {stored}"
            else:
                own = overrides_of(session, creditor.id, language).get(slot)
                template = TEMPLATES.get(language, {}).get(slot) \
                    or EMAIL.get(language, {}).get(EMAIL_SLOTS.get(slot, "")) \
                    or (TEXTS.get(language, {}).get(slot) if slot in MESSAGE_SLOTS else None)
                if template is None:
                    raise OverrideError(f"no prompt slot {slot!r} in {language!r}")
                message = own or template
        except OverrideError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(message)


@prompt_cli.command("render")
def render_command():
    """Synthesize every creditor's fixed sentences that are not cached yet (TTS_ENGINE=gtts)."""
    from audio.speech import render_prompts
    from db.models import utcnow

    report = render_prompts(current_app, utcnow())
    if report is None:
        click.echo("TTS_ENGINE is 'say': Twilio's <Say> speaks every prompt, nothing to render.")
        return
    click.echo(f"Speech: {report}.")
    if report.failed:
        raise click.ClickException(report.errors[0])


@prompt_cli.command("remove")
@click.argument("slot")
@click.option("--creditor", "creditor_name", required=True, help="Name of the creditor.")
@click.option("--language", default=None, help="it or en (default: the creditor's).")
def remove_command(slot, creditor_name, language):
    """Go back to synthesized speech for SLOT."""
    with session_scope() as session:
        creditor = find_creditor(session, creditor_name)
        language = language or creditor.language
        removed = store.remove(session, creditor.id, slot, language)
    if not removed:
        raise click.ClickException(f"'{creditor_name}' has no recording of '{slot}' ({language})")
    click.echo(f"Removed the recording of '{slot}' ({language}) for '{creditor_name}'.")
