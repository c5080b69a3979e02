"""Reading the PEC mailbox for the provider's receipts and filing each against its message.

An Italian PEC provider answers every message sent with receipts in the sender's mailbox:
`X-Ricevuta: accettazione` (taken by the sender's provider), `avvenuta-consegna` (delivered to
the recipient's mailbox), `errore-consegna`, `non-accettazione`, `preavviso-errore-consegna`;
`X-Riferimento-Message-ID` names the message it is about. Each unread receipt is filed
(notify.receipts), then marked read in the mailbox, so it is filed once; filing twice (a stop
between the two) changes nothing. Mail that is not a receipt is left as it is, unread, for
whoever reads the mailbox; so are receipts about messages Cortesia did not send.
"""
import logging
from dataclasses import dataclass

from sqlalchemy import select

from db import session_scope
from db.models import OutgoingMail
from notify.mailbox import EXTENSION as MAILBOX_EXTENSION, MailboxError, open_pec_mailbox
from notify.receipts import PEC_RECEIPTS, file_receipt

log = logging.getLogger(__name__)


@dataclass
class ReceiptsReport:
    """What one reading of the mailbox did."""

    configured: bool = True
    filed: int = 0
    repeated: int = 0
    unmatched: int = 0
    error: str | None = None

    def summary(self):
        if not self.configured:
            return "pec receipts: PEC_IMAP_HOST not set"
        text = f"pec receipts: {self.filed} filed, {self.unmatched} about messages not ours"
        return text + (f"; stopped: {self.error}" if self.error else "")

    __str__ = summary


def read_pec_receipts(app, now):
    """File every unread receipt in the PEC mailbox at `now`; a ReceiptsReport. A mailbox that
    cannot be read is reported (and logged), not raised: its receipts wait for the next
    reading."""
    report = ReceiptsReport()
    if not app.config.get("PEC_IMAP_HOST") and MAILBOX_EXTENSION not in app.extensions:
        report.configured = False
        return report
    try:
        mailbox = open_pec_mailbox(app)
    except MailboxError as exc:
        report.error = f"cannot read the PEC mailbox: {exc}"
        log.warning("%s", report.error)
        return report
    try:
        for uid, headers in mailbox.unseen_receipts():
            _file_one(app, mailbox, uid, headers, now, report)
    except MailboxError as exc:
        report.error = f"PEC mailbox: {exc}"
        log.warning("%s", report.error)
    finally:
        mailbox.close()
    return report


def _file_one(app, mailbox, uid, headers, now, report):
    kind = (headers.get("X-Ricevuta") or "").strip().lower()
    if kind not in PEC_RECEIPTS:
        return   # not a receipt this reader knows: left unread for a person
    with session_scope(app) as session:
        filed = file_pec_receipt(session, headers.get("X-Riferimento-Message-ID"), kind,
                                 {"receipt": kind}, now)
    if filed is None:
        report.unmatched += 1
        return
    mailbox.mark_seen(uid)
    if filed:
        report.filed += 1
    else:
        report.repeated += 1


def file_pec_receipt(session, reference, kind, detail, now):
    """File receipt `kind` of the PEC whose Message-ID is `reference`: True when filed, False
    when it was already, None when no PEC of ours has that Message-ID."""
    reference = normalized_message_id(reference)
    mail_id = reference and session.scalar(select(OutgoingMail.id).where(
        OutgoingMail.message_id == reference, OutgoingMail.channel == "pec"))
    if not mail_id:
        return None
    delivery, event = PEC_RECEIPTS[kind]
    return file_receipt(session, mail_id, f"pec:{kind}", delivery, event, detail, now)


def normalized_message_id(value):
    """`<id@domain>` as we store Message-IDs, from a header however spaced or bracketed."""
    text = "".join(str(value or "").split()).strip("<>")
    return f"<{text}>" if text else None
