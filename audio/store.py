"""Recordings in the database: one per creditor, slot and language; a new upload replaces it.

The audio lives in the database, not on a web server's disk, so any number of stateless web
processes can serve it.
"""
from sqlalchemy import select

from audio.recordings import PreparedRecording
from db.models import Recording, utcnow
from prompts.templates import TEMPLATES


class UnknownSlot(ValueError):
    """A slot name that no template has."""


def check_slot(slot, language):
    if language not in TEMPLATES:
        raise UnknownSlot(f"language must be one of {', '.join(TEMPLATES)}, not {language!r}")
    if slot not in TEMPLATES[language]:
        raise UnknownSlot(f"no prompt slot {slot!r}; the slots are: "
                          f"{', '.join(sorted(TEMPLATES[language]))}")


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
    return recording


def recordings_of(session, creditor_id=None):
    """(creditor id, slot, language, duration ms, sha256, created_at) rows, without the audio."""
    query = select(Recording.creditor_id, Recording.slot, Recording.language,
                   Recording.duration_ms, Recording.sha256, Recording.created_at)
    if creditor_id is not None:
        query = query.where(Recording.creditor_id == creditor_id)
    return session.execute(query.order_by(Recording.creditor_id, Recording.language,
                                          Recording.slot)).all()
