"""Recordings in the database: one per creditor, slot and language; a new upload replaces it.

The audio lives in the database, not on a web server's disk, so any number of stateless web
processes can serve it.
"""
from sqlalchemy import bindparam, select

from audio.recordings import PreparedRecording
from db.models import Recording, utcnow
from domain.wording import N_, Coded, register
from prompts.store import remove_own, wording_changed
from prompts.templates import TEMPLATES, recording_slots


class UnknownSlot(Coded):
    """A slot name that no template has."""


MESSAGES = register({
    "slot_language": N_("language must be one of {choices}, not {value!r}"),
    "slot_unknown": N_("no prompt slot {value!r}; the slots are: {choices}"),
})


def check_slot(slot, language, overrides=None):
    """A slot a recording can be made for: a whole sentence, or a fixed piece of one that has
    the debtor's own values in it (`notice.1`); see `flask prompt list`."""
    if language not in TEMPLATES:
        raise UnknownSlot("slot_language", choices=", ".join(TEMPLATES), value=language)
    slots = recording_slots(language, overrides)
    if slot not in slots:
        raise UnknownSlot("slot_unknown", value=slot, choices=", ".join(sorted(slots)))


# Built once, on the table: every answered call's turn reads it (a fifth of the ORM's cost).
_RECORDINGS = Recording.__table__
RECORDED = select(_RECORDINGS.c.slot, _RECORDINGS.c.sha256).where(
    _RECORDINGS.c.creditor_id == bindparam("creditor_id"),
    _RECORDINGS.c.language == bindparam("language"))


def recorded_urls(session, creditor_id, language, url_for_sha):
    """{slot: URL} of the creditor's recordings in `language`."""
    rows = session.execute(RECORDED, {"creditor_id": creditor_id, "language": language}).all()
    return {slot: url_for_sha(sha) for slot, sha in rows}


def save(session, creditor, slot, language, prepared: PreparedRecording, original_name=None):
    """Store `prepared` as the creditor's recording of `slot`; the Recording."""
    check_slot(slot, language)
    recording = session.scalar(select(Recording).where(
        Recording.creditor_id == creditor.id, Recording.slot == slot,
        Recording.language == language))
    if recording is None:
        recording = Recording(creditor_id=creditor.id, slot=slot, language=language)
        session.add(recording)
    recording.wav = prepared.wav
    recording.sha256 = prepared.sha256
    recording.duration_ms = prepared.duration_ms
    recording.original_name = original_name
    recording.created_at = utcnow()
    wording_changed(session, creditor.id)
    return recording


def remove(session, creditor_id, slot, language):
    """Back to synthesized speech for `slot`; False if the creditor had no recording of it."""
    return remove_own(session, Recording, creditor_id, slot, language)


def recordings_of(session, creditor_id=None):
    """(creditor id, slot, language, duration ms, sha256, created_at) rows, without the audio."""
    query = select(Recording.creditor_id, Recording.slot, Recording.language,
                   Recording.duration_ms, Recording.sha256, Recording.created_at)
    if creditor_id is not None:
        query = query.where(Recording.creditor_id == creditor_id)
    return session.execute(query.order_by(Recording.creditor_id, Recording.language,
                                          Recording.slot)).all()
