"""The fate of one claimed message, each step committed on its own: about to be handed over,
sent, failed (retried with backoff, or given up), or of unknown fate (held for a person)."""
import logging
from datetime import timedelta

from sqlalchemy import bindparam, update

from db import session_scope, transaction
from db.events import record_event
from db.models import OutgoingMail, utcnow
from db.prepared import Prepared

log = logging.getLogger("notify.outbox")

SOURCE = "outbox"
# The wait before each retry; the last one repeats.
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 180))
MAX_TRIES = 8


def backoff(tries):
    """How long to wait after the `tries`-th failed try (1-based)."""
    return BACKOFF[min(max(tries, 1), len(BACKOFF)) - 1]


_MAIL = OutgoingMail.__table__
# Every message sent runs these two: named SQL (db.prepared).
_HANDING_OVER = Prepared(update(_MAIL).where(
    _MAIL.c.id == bindparam("mail_id"), _MAIL.c.status == "sending",
    _MAIL.c.lease_until > bindparam("wall_clock")))
_SENT = Prepared(update(_MAIL).where(_MAIL.c.id == bindparam("mail_id"))
                 .values(tries=_MAIL.c.tries + 1))


def mark_data(app, mail):
    """Commit that `mail` is about to be handed over; False if it is no longer our claim."""
    with transaction(app) as connection:
        wall_clock = utcnow()
        return bool(_HANDING_OVER.execute(connection, {
            "mail_id": mail.id, "wall_clock": wall_clock, "data_at": wall_clock}).rowcount)


def record_sent(app, mail, now, provider_id=None):
    """The server (or the SMS provider) accepted `mail`: mark it sent, and note it on its
    position."""
    values = dict(mail_id=mail.id, status="sent", sent_at=now, lease_until=None)
    if provider_id is not None:
        values["provider_id"] = provider_id
    with transaction(app) as connection:
        _SENT.execute(connection, values)
        if mail.position_id is not None:
            record_event(connection, mail.position_id, f"{mail.channel}_sent", SOURCE,
                         {"mail_id": mail.id, "kind": mail.kind}, at=now,
                         dedupe_key=f"{mail.channel}_sent:{mail.id}")
    log.info("outbox: mail %s (%s, %s) sent", mail.id, mail.channel, mail.kind)


def hold_unknown(app, mail, error, now):
    """The DATA went out and no verdict came back: hold `mail` as unknown for a person."""
    with session_scope(app) as session:
        mine = (OutgoingMail.id == mail.id, OutgoingMail.status == "sending")
        mark_unknown(session, mine, mail.id, error, now)


def mark_unknown(session, mine, mail_id, error, now):
    done = session.execute(
        update(OutgoingMail).where(*mine)
        .values(status="unknown", lease_until=None, last_error=error[:1000])
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        return False
    row = session.get(OutgoingMail, mail_id)
    if row.position_id is not None:
        record_event(session, row.position_id, f"{row.channel}_unknown", SOURCE,
                     {"mail_id": mail_id, "kind": row.kind, "message_id": row.message_id}, at=now,
                     dedupe_key=f"{row.channel}_unknown:{mail_id}:{row.tries}")
    # The Message-ID is a hash: it names the message, not the person, and finds it in the
    # server's logs.
    log.warning("outbox: mail %s (%s) may or may not have been delivered: held, not re-sent "
                "(Message-ID %s; `outbox settle %s`)", mail_id, row.kind, row.message_id, mail_id)
    return True


def record_failure(app, mail, error, now):
    """A try of `mail` failed: back to the queue with a backoff, or `failed`; True if failed."""
    with session_scope(app) as session:
        row = session.get(OutgoingMail, mail.id)
        if row.status != "sending":  # settled by someone else meanwhile
            return False
        row.tries += 1
        row.last_error = error[:1000]
        row.lease_until = None
        gave_up = row.tries >= MAX_TRIES
        if gave_up:
            row.status = "failed"
            if mail.position_id is not None:
                record_event(session, mail.position_id, f"{mail.channel}_failed", SOURCE,
                             {"mail_id": mail.id, "kind": mail.kind, "tries": row.tries}, at=now)
        else:
            row.status, row.next_try_at = "queued", now + backoff(row.tries)
        tries = row.tries
    # The error may quote the recipient; the log names the message only.
    log.warning("outbox: mail %s (%s) try %d failed%s", mail.id, mail.kind, tries,
                ", giving up" if gave_up else "")
    return gave_up



def retry_failed(app, mail_id, who, now):
    """A person sends a message that was given up on once more, with a fresh set of tries (the
    address or the server fixed meanwhile); LookupError when it is not `failed` (any more)."""
    with session_scope(app) as session:
        row = session.get(OutgoingMail, mail_id, with_for_update=True)
        if row is None or row.status != "failed":
            raise LookupError(f"mail {mail_id} is not failed")
        row.status, row.tries, row.next_try_at, row.lease_until = "queued", 0, now, None
        if row.position_id is not None:
            record_event(session, row.position_id, f"{row.channel}_retried", who,
                         {"mail_id": mail_id, "kind": row.kind}, at=now)
    log.info("outbox: mail %s queued again by %s", mail_id, who)
