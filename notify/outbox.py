"""The outbox: claim due messages, send them, retry failures with a growing backoff.

Every channel goes through it: email through the mailer, PEC through the PEC mailbox's own
SMTP, SMS through telephony (notify.sms). Events are named for the channel: `email_sent`,
`pec_sent`, `sms_sent`, and likewise `_failed`, `_unknown`, `_settled`.

A message goes `queued` → `sending` (claimed by one flusher) → `sent`; when the server cannot be
reached or refuses it goes back to `queued` with a later `next_try_at`, and after MAX_TRIES it is
`failed`. An SMTP outage delays mail, it loses none.

The claim commits, before any SMTP, the Message-ID and a lease on the wall clock; a second commit,
just before the DATA command, marks the moment from which the server may have the message. A
claim whose lease ran out belongs to a flusher that died: if it never reached DATA, nothing can
have been delivered and the message goes back to the queue; if it did, the message's fate is
`unknown` and it is held for a person (`outbox settle`), never re-sent on a guess. So a message
is sent at most once; one whose flusher died in the DATA exchange waits for a decision.

A message of a held position, or of a paused creditor's position (db.holds), stays queued and
is not due until the hold ends: it goes at the first flush after the release or the resume.
"""
import functools
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from db import session_scope, transaction
from db.holds import message_running
from db.events import record_event
from db.models import OutgoingMail, utcnow
from db.prepared import Prepared
from notify.mailer import (
    MailError, MailFateUnknown, Outgoing, build_message, get_mailer, get_pec_mailer, message_id,
)
from notify.fates import (  # noqa: F401 - BACKOFF, MAX_TRIES, backoff: the outbox's policy
    BACKOFF, MAX_TRIES, SOURCE, mark_unknown, backoff, hold_unknown, mark_data, record_failure,
    record_sent,
)
from notify.sms import send_sms_one, sms_sender
from policy import audit
from policy.gate import MessageGate, postpone_message

log = logging.getLogger(__name__)

# Far longer than one SMTP exchange can take (see SMTP_TIMEOUT), so a live claim never expires.
# On the wall clock, not the flush's `now`: a flush replayed at another instant (`--now`) must
# neither steal a live claim nor make one that is over at once.
LEASE = timedelta(minutes=10)
# Messages read, and their debtors' facts gathered for the contact policy, at once. Each is
# claimed just before it is sent: the lease covers one exchange, never a whole batch.
BATCH = 50


@dataclass
class FlushReport:
    """What one flush did: messages sent, put back for a retry, given up on, held as unknown;
    stale claims put back in the queue."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    held: int = 0
    postponed: int = 0      # refused by the contact policy: back in the queue, or withdrawn

    def summary(self):
        text = f"outbox: {self.sent} sent, {self.retried} retried, {self.failed} failed"
        if self.postponed:
            text += f", {self.postponed} held back by the contact policy"
        if self.recovered:
            text += f", {self.recovered} stale claims recovered"
        if self.held:
            text += f", {self.held} of unknown fate held (see `outbox list --status unknown`)"
        return text

    __str__ = summary


def flush_outbox(app, now, limit=None):
    """Send every message due at `now` (timezone-aware), at most `limit`; a FlushReport.

    Due messages are read BATCH at a time, their debtors' facts for the contact policy gathered
    once per batch (policy.gate.MessageGate); each is then asked, claimed and sent in turn."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("flush_outbox needs a timezone-aware `now`")
    report = FlushReport()
    report.recovered, report.held = recover_stale_claims(app, now)
    while limit is None or _handled(report) < limit:
        due, gate = due_messages(app, now, BATCH if limit is None
                                 else min(BATCH, limit - _handled(report)))
        if not due:
            break
        taken = 0   # none: the batch went to other flushers meanwhile, and the queue is theirs
        for row in due:
            mail = claim(app, row, now, gate)
            taken += mail is not None
            if mail is REFUSED:
                report.postponed += 1
            elif mail is not None:
                fate = _send(app, mail, now)
                setattr(report, fate, getattr(report, fate) + 1)
                if fate == "sent":
                    gate.sent(mail, now)
        if not taken:
            break
    return report


def _handled(report):
    return report.sent + report.retried + report.failed + report.held


def _send(app, mail, now):
    if mail.channel == "sms":
        return send_sms_one(app, mail, now)
    mailer = get_pec_mailer(app) if mail.channel == "pec" else get_mailer(app)
    return send_one(app, mailer, mail, _mail_sender(app, mail.channel), now)


def due_messages(app, now, count):
    """(the first `count` messages due at `now`, as rows; the contact policy's MessageGate for
    them)."""
    with session_scope(app) as session:
        rows = session.execute(_due(), {"now": now, "count": count}).all()
        return rows, MessageGate(app, session, rows, now)


@functools.cache
def _due():
    """due_messages' query, built once (every tick asks it)."""
    return (select(*OUTGOING_COLUMNS)
            .where(OutgoingMail.status == "queued",
                   OutgoingMail.next_try_at <= bindparam("now", type_=OutgoingMail.next_try_at.type),
                   message_running())
            .order_by(OutgoingMail.next_try_at, OutgoingMail.id).limit(bindparam("count")))


REFUSED = object()   # what `claim` returns for a message the contact policy holds back


def claim(app, row, now, gate=None, sender=None):
    """Ask the contact policy about the due message `row` (through `gate`), then claim it for
    this flusher with the decision kept, committed: an Outgoing. REFUSED when the policy held
    it back (left in the queue until it allows, or withdrawn); None when another flusher took
    it first. `sender` is the email From (default MAIL_FROM), the Message-ID is made from."""
    decision, kept = gate.ask(row, now) if gate is not None else (None, None)
    if decision is not None and not decision.allowed:
        with session_scope(app) as session:
            if not postpone_message(session, row, decision, now):
                return None
            audit.record(session, [kept])
        log.info("outbox: mail %s held back by the contact policy (%s)", row.id, decision.rule)
        return REFUSED
    # Named SQL only, but for an SMS's sender (read through its position's creditor).
    with session_scope(app) if row.channel == "sms" else transaction(app) as session:
        claimed = CLAIM.execute(session, {
            "mail_id": row.id, "due_at": now, "status": "sending", "lease_until": utcnow() + LEASE,
            "data_at": None, "message_id": None if row.channel == "sms" else
            message_id(row.key, _mail_sender(app, row.channel, sender))}).rowcount
        if not claimed:
            return None
        if kept is not None:
            audit.record(session, [kept])
        return _outgoing(row, sms_sender(app, session, row) if row.channel == "sms" else None)


def claim_next(app, now, sender=None):
    """Claim the next message due at `now` for this flusher, committed, without asking the
    contact policy; None when none is due."""
    while True:
        due, _gate = due_messages(app, now, 1)
        if not due:
            return None
        mail = claim(app, due[0], now, sender=sender)
        if mail is not None:
            return mail


def due_since(app, since, now):
    """Whether a message waits in the queue that became due after `since` and is due at `now`:
    one the outbox pass that started at `since` could not have seen (key 7's SMS, queued by a
    webhook). One indexed SELECT (ix_outgoing_mail_due)."""
    with session_scope(app) as session:
        return session.scalar(select(OutgoingMail.id).where(
            OutgoingMail.status == "queued", OutgoingMail.next_try_at > since,
            OutgoingMail.next_try_at <= now, message_running()).limit(1)) is not None


def _mail_sender(app, channel, sender=None):
    """The From of a message on `channel`: the PEC mailbox's for PEC, MAIL_FROM otherwise."""
    return app.config.get("PEC_FROM") if channel == "pec" else sender or app.config.get("MAIL_FROM")


def send_one(app, mailer, mail, sender, now):
    """Hand one claimed message to the server and record its fate: "sent", "retried",
    "failed" or "held"."""
    handed_over = []

    def before_data():
        if not mark_data(app, mail):
            raise MailError("claim lost before DATA: another flusher settled this message")
        handed_over.append(True)

    try:
        mailer.send(build_message(mail, sender), before_data=before_data)
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the message must not stay claimed
        error = str(exc) if isinstance(exc, MailError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, MailFateUnknown) or (handed_over and not isinstance(exc, MailError)):
            hold_unknown(app, mail, error, now)
            return "held"
        return "failed" if record_failure(app, mail, error, now) else "retried"
    try:
        record_sent(app, mail, now)
    except Exception:
        # The database failed us (locked, gone): the message stays claimed past DATA and will be
        # held as unknown. Say now what only this process knows, for whoever settles it.
        log.warning("outbox: mail %s was accepted by the server but could not be recorded as "
                    "sent: `outbox settle %s --delivered` once it is held", mail.id, mail.id)
        raise
    return "sent"


def recover_stale_claims(app, now):
    """Settle the claims whose lease is over: (put back in the queue, held as unknown)."""
    with session_scope(app) as session:
        stale = session.execute(_STALE, {"wall_clock": utcnow()}).all()
    requeued = held = 0
    for mail_id, data_at in stale:
        with session_scope(app) as session:
            # Still expired: a concurrent flusher that settled or re-claimed it changed that.
            mine = (OutgoingMail.id == mail_id, *_expired(utcnow()))
            if data_at is None:  # it never reached DATA: the server cannot have it
                requeued += session.execute(
                    update(OutgoingMail).where(*mine)
                    .values(status="queued", lease_until=None,
                            last_error="claim expired before DATA: its flusher stopped")
                    .execution_options(synchronize_session=False)).rowcount
            elif mark_unknown(session, mine, mail_id, "claim expired after DATA: its flusher "
                               "stopped; the server may have the message", now):
                held += 1
    if requeued:
        log.warning("outbox: %d stale claims back in the queue", requeued)
    return requeued, held


def _expired(wall_clock):
    return OutgoingMail.status == "sending", OutgoingMail.lease_until <= wall_clock


# The claims whose lease is over at `wall_clock`: asked by every flush, built once.
_STALE = select(OutgoingMail.id, OutgoingMail.data_at).where(*_expired(
    bindparam("wall_clock", type_=OutgoingMail.lease_until.type)))


# What a claim reads of a message: its columns as a row, not an OutgoingMail the session tracks.
OUTGOING_COLUMNS = (OutgoingMail.id, OutgoingMail.key, OutgoingMail.kind, OutgoingMail.position_id,
                    OutgoingMail.to_address, OutgoingMail.subject, OutgoingMail.body,
                    OutgoingMail.attachment_name, OutgoingMail.attachment, OutgoingMail.html,
                    OutgoingMail.channel)
_MAIL = OutgoingMail.__table__
# A claim wins the row only while it is still queued: of two flushers, one.
CLAIM = Prepared(update(_MAIL).where(_MAIL.c.id == bindparam("mail_id"),
                                     _MAIL.c.status == "queued",
                                     _MAIL.c.next_try_at <= bindparam("due_at")))


def _outgoing(mail, sender=None):
    return Outgoing(id=mail.id, key=mail.key, kind=mail.kind, position_id=mail.position_id,
                    to_address=mail.to_address, subject=mail.subject, body=mail.body,
                    attachment_name=mail.attachment_name, attachment=mail.attachment,
                    html=mail.html, channel=mail.channel, sender=sender)


def settle_unknown(app, mail_id, delivered, now):
    """A person's decision on a message held as unknown: it was delivered (mark it sent), or it
    was not (queue it again; the same Message-ID lets its receiver spot a duplicate)."""
    with session_scope(app) as session:
        row = session.get(OutgoingMail, mail_id)
        if row is None or row.status != "unknown":
            raise LookupError(f"mail {mail_id} is not held as unknown")
        if delivered:
            row.status, row.sent_at, row.tries = "sent", now, row.tries + 1
        else:
            row.status, row.next_try_at, row.data_at = "queued", now, None
        if row.position_id is not None:
            record_event(session, row.position_id, f"{row.channel}_settled", SOURCE,
                         {"mail_id": mail_id, "delivered": delivered}, at=now)
    log.info("outbox: mail %s settled as %s", mail_id, "delivered" if delivered else "to resend")

