"""The debtors' spoken messages (key 6): fetched by the worker from the provider with the
account's credentials — never on the webhook path — and kept in the database by content address,
for the console to play.

Each message is claimed with a conditional UPDATE that moves its `next_try_at` to the end of a
lease: two workers never fetch the same message at once, and a worker that dies mid-fetch
leaves it to be taken again when the lease ends. The outcome is written only under that claim.
"""
import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from db import session_scope
from db.events import record_event
from db.models import VoiceMessage
from telephony import FetchRecordingError, get_telephony

log = logging.getLogger(__name__)

SOURCE = "worker"
# The wait before each retry; the last one repeats (as the outbox's).
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 180))
MAX_TRIES = 8
LEASE = timedelta(minutes=5)   # far longer than one fetch (its HTTP timeout is 15 s)
# Twilio may answer 404 for a recording it is still processing: a 404 is final only once the
# recording is older than this.
NOT_YET_THERE = timedelta(minutes=30)
BATCH = 100
# (first bytes, content type): what Twilio serves (WAV; MP3 when asked for).
AUDIO_SIGNATURES = ((b"RIFF", "audio/wav"), (b"ID3", "audio/mpeg"), (b"\xff\xfb", "audio/mpeg"),
                    (b"\xff\xf3", "audio/mpeg"), (b"\xff\xf2", "audio/mpeg"))


@dataclass
class FetchReport:
    """What one pass did: messages kept, left for a later try, given up."""

    kept: int = 0
    retried: int = 0
    failed: int = 0

    def __bool__(self):
        return bool(self.kept or self.retried or self.failed)

    def __str__(self):
        return (f"voice messages: {self.kept} kept, {self.retried} to try again, "
                f"{self.failed} given up")


def backoff(tries):
    """How long to wait after the `tries`-th failed try (1-based)."""
    return BACKOFF[min(max(tries, 1), len(BACKOFF)) - 1]


def audio_type(data):
    """The content type of `data` by its first bytes; None when it is not a WAV or an MP3."""
    for magic, content_type in AUDIO_SIGNATURES:
        if data.startswith(magic) and (magic != b"RIFF" or data[8:12] == b"WAVE"):
            return content_type
    return None


def fetch_voice_messages(app, now, telephony=None):
    """Fetch every pending voice message due at `now`; a FetchReport."""
    telephony = telephony or get_telephony(app)
    report = FetchReport()
    with session_scope(app) as session:
        due = session.scalars(select(VoiceMessage.id)
                              .where(VoiceMessage.status == "pending",
                                     VoiceMessage.next_try_at <= now)
                              .order_by(VoiceMessage.next_try_at, VoiceMessage.id)
                              .limit(BATCH)).all()
    for message_id in due:
        claimed = claim(app, message_id, now)
        if claimed is None:
            continue   # another worker took it
        try:
            data = telephony.fetch_recording(claimed.url)
            if audio_type(data) is None:
                raise FetchRecordingError("the provider's answer is not a WAV or MP3 recording")
        except FetchRecordingError as exc:
            if record_failure(app, claimed, str(exc), exc.permanent, now):
                report.failed += 1
            else:
                report.retried += 1
            continue
        if record_kept(app, claimed, data, now):
            report.kept += 1
    return report


@dataclass(frozen=True)
class Claim:
    id: int
    position_id: int
    url: str
    created_at: object
    lease_until: object


def claim(app, message_id, now):
    """Take message `message_id` for one fetch until `now` + LEASE; None if it is not ours."""
    lease_until = now + LEASE
    with session_scope(app) as session:
        taken = session.execute(
            update(VoiceMessage)
            .where(VoiceMessage.id == message_id, VoiceMessage.status == "pending",
                   VoiceMessage.next_try_at <= now)
            .values(next_try_at=lease_until)
            .execution_options(synchronize_session=False)).rowcount
        if not taken:
            return None
        row = session.execute(select(VoiceMessage.position_id, VoiceMessage.url,
                                     VoiceMessage.created_at)
                              .where(VoiceMessage.id == message_id)).one()
    return Claim(message_id, row.position_id, row.url, row.created_at, lease_until)


def _mine(claimed):
    return (VoiceMessage.id == claimed.id, VoiceMessage.status == "pending",
            VoiceMessage.next_try_at == claimed.lease_until)


def record_kept(app, claimed, data, now):
    """Keep the fetched audio in the message's row; False if the claim was lost meanwhile."""
    sha256 = hashlib.sha256(data).hexdigest()
    with session_scope(app) as session:
        done = session.execute(
            update(VoiceMessage).where(*_mine(claimed))
            .values(status="kept", data=data, sha256=sha256, content_type=audio_type(data),
                    fetched_at=now, next_try_at=None, last_error=None,
                    tries=VoiceMessage.tries + 1)
            .execution_options(synchronize_session=False)).rowcount
        if done:
            record_event(session, claimed.position_id, "voice_message_kept", SOURCE,
                         {"voice_message_id": claimed.id, "bytes": len(data)}, at=now,
                         dedupe_key=f"voice_message_kept:{claimed.id}")
    if done:
        log.info("voice message %s kept (%d bytes)", claimed.id, len(data))
    return bool(done)


def record_failure(app, claimed, error, permanent, now):
    """A fetch failed: try again after a backoff, or give up (`failed`); True if given up."""
    with session_scope(app) as session:
        row = session.scalar(select(VoiceMessage).where(*_mine(claimed)))
        if row is None:
            return False   # settled or taken by someone else meanwhile
        row.tries += 1
        row.last_error = error[:1000]
        gave_up = row.tries >= MAX_TRIES or (permanent and now - row.created_at >= NOT_YET_THERE)
        if gave_up:
            row.status, row.next_try_at = "failed", None
            record_event(session, claimed.position_id, "voice_message_failed", SOURCE,
                         {"voice_message_id": claimed.id, "tries": row.tries,
                          "error": error[:200]}, at=now,
                         dedupe_key=f"voice_message_failed:{claimed.id}")
        else:
            row.next_try_at = now + backoff(row.tries)
        tries = row.tries
    log.warning("voice message %s: try %d failed (%s)%s", claimed.id, tries, error,
                ", giving up" if gave_up else "")
    return gave_up


def voice_messages_of(session, position_id):
    """The position's voice messages, oldest first, without their audio."""
    return session.execute(select(VoiceMessage.id, VoiceMessage.status, VoiceMessage.duration,
                                  VoiceMessage.content_type, VoiceMessage.created_at,
                                  VoiceMessage.fetched_at, VoiceMessage.tries,
                                  func.length(VoiceMessage.data).label("size"))
                           .where(VoiceMessage.position_id == position_id)
                           .order_by(VoiceMessage.created_at, VoiceMessage.id)).all()
