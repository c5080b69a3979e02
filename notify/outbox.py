"""The mail outbox: claim due messages, send them, retry failures with a growing backoff.

A message goes `queued` → `sending` (claimed by one flusher) → `sent`; when the server cannot be
reached or refuses it goes back to `queued` with a later `next_try_at`, and after MAX_TRIES it is
`failed`. An SMTP outage delays mail, it loses none.

While a message is `sending`, its `next_try_at` holds the end of the claim's lease: a claim still
`sending` after that belongs to a flusher that died, and goes back to `queued`. Such a message
may have reached the server before the flusher died, so delivery is at least once, never lost.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from db import session_scope
from db.events import record_event
from db.models import OutgoingMail
from notify.mailer import MailError, Outgoing, build_message, get_mailer

log = logging.getLogger(__name__)

SOURCE = "outbox"
# The wait before each retry; the last one repeats.
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 180))
MAX_TRIES = 8
# Far longer than one SMTP exchange can take (see SMTP_TIMEOUT), so a live claim never expires.
LEASE = timedelta(minutes=10)


@dataclass
class FlushReport:
    """What one flush did: messages sent, put back for a retry, given up on; stale claims freed."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0

    def summary(self):
        text = f"outbox: {self.sent} sent, {self.retried} retried, {self.failed} failed"
        return text + (f", {self.recovered} stale claims recovered" if self.recovered else "")

    __str__ = summary


def backoff(tries):
    """How long to wait after the `tries`-th failed try (1-based)."""
    return BACKOFF[min(max(tries, 1), len(BACKOFF)) - 1]


def flush_outbox(app, now, limit=None):
    """Send every message due at `now` (timezone-aware), at most `limit`; a FlushReport."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("flush_outbox needs a timezone-aware `now`")
    report = FlushReport(recovered=recover_stale_claims(app, now))
    mailer, sender = get_mailer(app), app.config.get("MAIL_FROM")
    while limit is None or report.sent + report.retried + report.failed < limit:
        mail = claim_next(app, now)
        if mail is None:
            break
        try:
            mailer.send(build_message(mail, sender))
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the message must not stay claimed
            error = str(exc) if isinstance(exc, MailError) else f"{type(exc).__name__}: {exc}"
            if record_failure(app, mail, error, now):
                report.failed += 1
            else:
                report.retried += 1
            continue
        record_sent(app, mail, now)
        report.sent += 1
    return report


def recover_stale_claims(app, now):
    """Put back to `queued` the claims whose lease ended before `now`; how many."""
    with session_scope(app) as session:
        result = session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.status == "sending", OutgoingMail.next_try_at <= now)
            .values(status="queued", last_error="claim expired: its flusher stopped")
            .execution_options(synchronize_session=False))
        if result.rowcount:
            log.warning("outbox: %d stale claims back in the queue", result.rowcount)
        return result.rowcount


def claim_next(app, now):
    """Claim the next message due at `now` for this flusher, committed; None when none is due."""
    while True:
        with session_scope(app) as session:
            # PostgreSQL locks the row and skips rows other flushers hold; SQLite ignores the
            # clause, and the conditional UPDATE below lets only one flusher win the row.
            mail = session.scalars(
                select(OutgoingMail)
                .where(OutgoingMail.status == "queued", OutgoingMail.next_try_at <= now)
                .order_by(OutgoingMail.next_try_at, OutgoingMail.id)
                .limit(1).with_for_update(skip_locked=True)).first()
            if mail is None:
                return None
            claimed = session.execute(
                update(OutgoingMail)
                .where(OutgoingMail.id == mail.id, OutgoingMail.status == "queued")
                .values(status="sending", next_try_at=now + LEASE)
                .execution_options(synchronize_session=False)).rowcount
            if claimed:
                return _outgoing(mail)


def _outgoing(mail):
    return Outgoing(id=mail.id, key=mail.key, kind=mail.kind, position_id=mail.position_id,
                    to_address=mail.to_address, subject=mail.subject, body=mail.body,
                    attachment_name=mail.attachment_name, attachment=mail.attachment)


def record_sent(app, mail, now):
    """The server accepted `mail`: mark it sent, and note it on its position."""
    with session_scope(app) as session:
        row = session.get(OutgoingMail, mail.id)
        row.status, row.sent_at, row.tries = "sent", now, row.tries + 1
        if mail.position_id is not None:
            record_event(session, mail.position_id, "email_sent", SOURCE,
                         {"mail_id": mail.id, "kind": mail.kind}, at=now,
                         dedupe_key=f"email_sent:{mail.id}")
    log.info("outbox: mail %s (%s) sent", mail.id, mail.kind)


def record_failure(app, mail, error, now):
    """A try of `mail` failed: back to the queue with a backoff, or `failed`; True if failed."""
    with session_scope(app) as session:
        row = session.get(OutgoingMail, mail.id)
        row.tries += 1
        row.last_error = error[:1000]
        gave_up = row.tries >= MAX_TRIES
        if gave_up:
            row.status = "failed"
            if mail.position_id is not None:
                record_event(session, mail.position_id, "email_failed", SOURCE,
                             {"mail_id": mail.id, "kind": mail.kind, "tries": row.tries}, at=now)
        else:
            row.status, row.next_try_at = "queued", now + backoff(row.tries)
        tries = row.tries
    # The error may quote the recipient; the log names the message only.
    log.warning("outbox: mail %s (%s) try %d failed%s", mail.id, mail.kind, tries,
                ", giving up" if gave_up else "")
    return gave_up
