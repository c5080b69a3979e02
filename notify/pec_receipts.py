"""Reading the PEC mailbox for the provider's receipts and filing each against its message.

An Italian PEC provider answers every message sent with receipts in the sender's mailbox:
`X-Ricevuta: accettazione` (taken by the sender's provider), `avvenuta-consegna` (delivered to
the recipient's mailbox), `errore-consegna`, `non-accettazione`, `preavviso-errore-consegna`;
`X-Riferimento-Message-ID` names the message it is about. Each unseen receipt is filed
(notify.receipts), then marked seen on the server, so it is filed once; filing twice (a crash
between the two) changes nothing. Mail that is not a receipt is left as it is, unread, for
whoever reads the mailbox; so are receipts about messages Cortesia did not send.
"""
import imaplib
import logging
import ssl
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as default_policy

from sqlalchemy import select

from db import session_scope
from db.models import OutgoingMail
from notify.receipts import PEC_RECEIPTS, file_receipt

log = logging.getLogger(__name__)

IMAP_TIMEOUT = 30
# Only unread mail carrying the receipt header: a person's own mail is never even fetched.
UNSEEN_RECEIPTS = 'UNSEEN HEADER X-Ricevuta ""'


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
    """File every unseen receipt in the PEC mailbox at `now`; a ReceiptsReport. An unreachable
    mailbox is reported (and logged), not raised: the receipts wait for the next reading."""
    config, report = app.config, ReceiptsReport()
    if not config.get("PEC_IMAP_HOST"):
        report.configured = False
        return report
    try:
        imap = connect(config)
    except (OSError, imaplib.IMAP4.error) as exc:
        report.error = f"cannot read the PEC mailbox: {type(exc).__name__}: {exc}"
        log.warning("%s", report.error)
        return report
    try:
        for uid in unseen_receipts(imap):
            _file_one(app, imap, uid, now, report)
    except (OSError, imaplib.IMAP4.error) as exc:
        report.error = f"PEC mailbox: {type(exc).__name__}: {exc}"
        log.warning("%s", report.error)
    finally:
        _logout(imap)
    return report


def connect(config):
    """A logged-in IMAP session on the PEC mailbox's INBOX (PEC_IMAP_SECURITY: ssl, starttls
    or none)."""
    host, port, security = config["PEC_IMAP_HOST"], config["PEC_IMAP_PORT"], \
        config.get("PEC_IMAP_SECURITY", "ssl")
    if security == "ssl":
        imap = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(),
                                 timeout=IMAP_TIMEOUT)
    elif security in ("starttls", "none"):
        imap = imaplib.IMAP4(host, port, timeout=IMAP_TIMEOUT)
        if security == "starttls":
            imap.starttls(ssl.create_default_context())
    else:
        raise ValueError(f"PEC_IMAP_SECURITY must be ssl, starttls or none, not {security!r}")
    imap.login(config.get("PEC_USERNAME") or "", config.get("PEC_PASSWORD") or "")
    status, _ = imap.select("INBOX")
    if status != "OK":
        raise imaplib.IMAP4.error("cannot open INBOX")
    return imap


def unseen_receipts(imap):
    status, data = imap.uid("SEARCH", None, UNSEEN_RECEIPTS)
    if status != "OK":
        raise imaplib.IMAP4.error(f"SEARCH failed: {data!r}")
    return data[0].split() if data and data[0] else []


def _file_one(app, imap, uid, now, report):
    headers = fetch_headers(imap, uid)
    kind = (headers.get("X-Ricevuta") or "").strip().lower()
    if kind not in PEC_RECEIPTS:
        return   # not a receipt this reader knows: left unread for a person
    with session_scope(app) as session:
        filed = file_pec_receipt(session, headers.get("X-Riferimento-Message-ID"), kind,
                                 {"receipt": kind}, now)
    if filed is None:
        report.unmatched += 1
        return
    imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    if filed:
        report.filed += 1
    else:
        report.repeated += 1


def fetch_headers(imap, uid):
    """The headers of message `uid`, without marking it seen."""
    status, data = imap.uid("FETCH", uid, "(BODY.PEEK[HEADER])")
    raw = next((part[1] for part in data or () if isinstance(part, tuple)), None)
    if status != "OK" or raw is None:
        raise imaplib.IMAP4.error(f"cannot fetch message {uid!r}")
    return message_from_bytes(raw, policy=default_policy)


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


def _logout(imap):
    try:
        imap.logout()
    except (OSError, imaplib.IMAP4.error):
        pass
