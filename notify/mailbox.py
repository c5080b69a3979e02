"""The PEC mailbox, read for its receipts: one written interface (`Mailbox`), the IMAP
implementation and an in-memory fake; tests/notify/test_mailbox_contract.py holds both to it.

This is the only module that imports `imaplib`; notify.pec_receipts asks `open_pec_mailbox`.
"""
import imaplib
import ssl
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formatdate, make_msgid
from typing import Protocol

EXTENSION = "cortesia.pec_mailbox"
IMAP_TIMEOUT = 30
# Only unread mail carrying the receipt header: a person's own mail is never even fetched.
UNSEEN_RECEIPTS = 'UNSEEN HEADER X-Ricevuta ""'


class MailboxError(Exception):
    """The mailbox could not be read (unreachable, login refused, a command failed)."""


class Mailbox(Protocol):
    """The unread receipts of a mailbox, and a way to mark one read."""

    def unseen_receipts(self) -> list[tuple[str, EmailMessage]]:
        """(id, headers) of every unread message carrying `X-Ricevuta`, oldest first; the
        messages stay unread. MailboxError when the mailbox cannot say."""

    def mark_seen(self, uid: str) -> None:
        """Mark message `uid` read, so it is not listed again; MailboxError if that failed."""

    def close(self) -> None:
        """Done with the mailbox (nothing is raised)."""


class ImapMailbox:
    """The INBOX of an IMAP account, one logged-in connection from construction to close()."""

    def __init__(self, host, port, username, password, security="ssl", timeout=IMAP_TIMEOUT):
        try:
            self.imap = _connect(host, port, security, timeout)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"cannot reach {host}:{port}: {type(exc).__name__}: {exc}") from exc
        try:
            self.imap.login(username or "", password or "")
            status, _ = self.imap.select("INBOX")
            if status != "OK":
                raise imaplib.IMAP4.error("cannot open INBOX")
        except (OSError, imaplib.IMAP4.error) as exc:
            self.close()
            raise MailboxError(f"{host}:{port}: {type(exc).__name__}: {exc}") from exc

    def unseen_receipts(self):
        status, data = self._command("SEARCH", None, UNSEEN_RECEIPTS)
        uids = data[0].split() if data and data[0] else []
        return [(uid.decode(), self._headers(uid)) for uid in uids]

    def mark_seen(self, uid):
        self._command("STORE", uid, "+FLAGS", "(\\Seen)")

    def close(self):
        try:
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass

    def _headers(self, uid):
        """The headers of message `uid`, fetched without marking it read."""
        _, data = self._command("FETCH", uid, "(BODY.PEEK[HEADER])")
        raw = next((part[1] for part in data or () if isinstance(part, tuple)), None)
        if raw is None:
            raise MailboxError(f"message {uid!r} has no headers")
        return message_from_bytes(raw, policy=default_policy)

    def _command(self, *args):
        try:
            status, data = self.imap.uid(*args)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"{args[0]}: {type(exc).__name__}: {exc}") from exc
        if status != "OK":
            raise MailboxError(f"{args[0]} failed: {data!r}")
        return status, data


def _connect(host, port, security, timeout):
    """An IMAP connection; TLS from the first byte (`ssl`), upgraded (`starttls`) or none. The
    server's certificate is verified against the system's authorities."""
    if security == "ssl":
        return imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(),
                                 timeout=timeout)
    if security not in ("starttls", "none"):
        raise ValueError(f"IMAP security must be ssl, starttls or none, not {security!r}")
    imap = imaplib.IMAP4(host, port, timeout=timeout)
    if security == "starttls":
        imap.starttls(ssl.create_default_context())
    return imap


class MemoryMailbox:
    """A mailbox in memory, for tests and `simulate`: `deliver` puts a message in, unread; it
    lists and marks as the IMAP one does. `fail_with` makes every reading fail."""

    def __init__(self):
        self.messages = []   # [uid, EmailMessage, seen]
        self.fail_with = None

    def deliver(self, message):
        """Put `message` (bytes or EmailMessage) in the mailbox, unread; its id."""
        if isinstance(message, bytes):
            message = message_from_bytes(message, policy=default_policy)
        uid = str(len(self.messages) + 1)
        self.messages.append([uid, message, False])
        return uid

    def unseen_receipts(self):
        if self.fail_with is not None:
            raise MailboxError(self.fail_with)
        return [(uid, message) for uid, message, seen in self.messages
                if not seen and "X-Ricevuta" in message]

    def mark_seen(self, uid):
        if self.fail_with is not None:
            raise MailboxError(self.fail_with)
        for entry in self.messages:
            if entry[0] == uid:
                entry[2] = True

    def seen(self, uid):
        return next(seen for entry_uid, _, seen in self.messages if entry_uid == uid)

    def close(self):
        pass


def pec_receipt(kind, message_id, subject="", to="", provider="pec.provider.test"):
    """A receipt as a PEC provider writes one about the message `message_id` (its headers; the
    signed daticert.xml a real one carries is not read here): for tests and `simulate`."""
    title = {"accettazione": "ACCETTAZIONE", "avvenuta-consegna": "CONSEGNA",
             "errore-consegna": "AVVISO DI MANCATA CONSEGNA",
             "non-accettazione": "AVVISO DI NON ACCETTAZIONE"}.get(kind, kind.upper())
    receipt = EmailMessage()
    receipt["From"] = f"posta-certificata@{provider}"
    receipt["To"] = to or f"mailbox@{provider}"
    receipt["Subject"] = f"{title}: {subject}".strip()
    receipt["Date"] = formatdate(usegmt=True)
    receipt["Message-ID"] = make_msgid(kind, provider)
    receipt["X-Ricevuta"] = kind
    receipt["X-Riferimento-Message-ID"] = message_id
    receipt["X-Trasporto"] = "posta-certificata"
    receipt.set_content(f"Ricevuta di {kind}\n")
    return receipt


def open_pec_mailbox(app) -> Mailbox:
    """The PEC mailbox: the fake a test or `simulate` set, else a new IMAP connection from the
    configuration (PEC_IMAP_*, PEC_USERNAME, PEC_PASSWORD); MailboxError if unreachable."""
    fake = app.extensions.get(EXTENSION)
    if fake is not None:
        return fake
    config = app.config
    return ImapMailbox(config["PEC_IMAP_HOST"], config["PEC_IMAP_PORT"],
                       config.get("PEC_USERNAME"), config.get("PEC_PASSWORD"),
                       config.get("PEC_IMAP_SECURITY", "ssl"))


def set_pec_mailbox(app, mailbox: Mailbox):
    """Read PEC receipts from `mailbox` for this app from now on (tests, `simulate`)."""
    app.extensions[EXTENSION] = mailbox
