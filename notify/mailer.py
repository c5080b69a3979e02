"""Sending one email: the message builder, the `Mailer` interface, the SMTP mailer and an
in-memory fake that fails as an SMTP server would (tests/notify/test_mailer_contract.py).

This is the only module that imports `smtplib`; everything else asks `get_mailer(app)`.
"""
import hashlib
import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email import message_from_bytes, policy
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, getaddresses, parseaddr
from typing import Protocol

EXTENSION = "cortesia.mailer"
PEC_EXTENSION = "cortesia.pec_mailer"
# How the connection to the server is protected: `ssl` from the first byte (implicit TLS, port
# 465: what PEC providers offer), `starttls` upgraded after EHLO (587), `none` in the clear.
SECURITY = ("ssl", "starttls", "none")
# Long enough for a slow server, short enough that a hung one cannot outlive the outbox lease.
SMTP_TIMEOUT = 30


class MailError(Exception):
    """The message was not handed over; the outbox retries it later."""


class MailFateUnknown(MailError):
    """The message's DATA went out but no verdict came back: the server may have it or not."""


class Mailer(Protocol):
    """Hands one message to the mail system."""

    def send(self, message: Message, before_data: Callable[[], None] | None = None) -> None:
        """Deliver `message`, or raise saying why not.

        MailError: the server surely has nothing (unreachable, every recipient refused, a
        refusal of the message). `before_data()` runs once, just before the message goes out,
        and only if it is about to; an exception from it stops the send and comes through as
        is. MailFateUnknown (a MailError): the message went out but no verdict came back.
        """


@dataclass(frozen=True)
class Outgoing:
    """What the mailer needs of one outbox row: plain values, usable after its session is gone."""

    id: int
    key: str
    kind: str
    position_id: int | None
    to_address: str
    subject: str
    body: str
    attachment_name: str | None = None
    attachment: str | None = None
    html: str | None = None
    channel: str = "email"
    sender: str | None = None       # an SMS's From; a mail's comes from the configuration


def message_id(key, sender):
    """A Message-ID derived from the outbox key: a resent message is recognisably the same one."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = parseaddr(sender or "")[1].rpartition("@")[2] or "cortesia.invalid"
    return f"<{digest}@{domain}>"


def build_message(mail, sender):
    """The message for `mail` (an Outgoing), from `sender`; MailError without a sender.

    Built with the `email.mime` classes: the modern EmailMessage API parses every header it is
    given and took 2.4 ms a message, where these take 0.16 ms for the same bytes on the wire (what
    a receiver parses is what tests read, see `received`)."""
    if not sender:
        raise MailError("no sender address: set MAIL_FROM (PEC_FROM for a PEC)")
    if not _ascii_addresses(sender, mail.to_address):
        return _modern_message(mail, sender)
    message = _text_part(mail.body, "plain")
    if mail.html is not None:
        message = MIMEMultipart("alternative", _subparts=[message, _text_part(mail.html, "html")])
    if mail.attachment is not None:
        attachment = MIMEText(mail.attachment, "csv", "utf-8")   # base64: its CRLFs travel as is
        attachment.add_header("Content-Disposition", "attachment",
                              filename=mail.attachment_name or "attachment.csv")
        message = MIMEMultipart("mixed", _subparts=[message, attachment])
    message["From"] = _address(sender)
    message["To"] = _address(mail.to_address)
    message["Subject"] = mail.subject if mail.subject.isascii() else Header(mail.subject, "utf-8")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(mail.key, sender)
    return message


def _ascii_addresses(*values):
    return all(address.isascii() for _, address in getaddresses(values))


def _modern_message(mail, sender):
    """The same message through the modern API, for an address that is not ASCII (rare: the
    header registry knows how to write it, the `email.mime` classes do not)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, mail.to_address, mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(mail.key, sender)
    message.set_content(mail.body, charset="utf-8")
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html", charset="utf-8")
    if mail.attachment is not None:
        message.add_attachment(mail.attachment.encode("utf-8"), maintype="text", subtype="csv",
                               filename=mail.attachment_name or "attachment.csv",
                               params={"charset": "utf-8"})
    return message


def received(message):
    """`message` as its receiver reads it: its bytes parsed with the modern API (get_content,
    get_body, iter_attachments)."""
    return message_from_bytes(message.as_bytes(), policy=policy.default)


# Text goes as UTF-8, 8-bit when its lines are short enough to travel as they are (what a
# person opening a kept .eml reads), quoted-printable when they are not.
_EIGHT_BIT = Charset("utf-8")
_EIGHT_BIT.body_encoding = None
_QUOTED = Charset("utf-8")
_QUOTED.body_encoding = QP


def _text_part(text, subtype):
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return MIMEText(text, subtype, "us-ascii")
    short = all(len(line.encode()) <= 78 for line in text.splitlines())
    return MIMEText(text, subtype, _EIGHT_BIT if short else _QUOTED)


def _address(value):
    """An address header's value (its addresses ASCII), a non-ASCII display name encoded
    (RFC 2047)."""
    if value.isascii():
        return value
    return ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([value]))


class _DataHook:
    """smtplib's client, calling `before_data` just before DATA and noting how DATA ended."""

    def __init__(self, *args, before_data=None, **kwargs):
        self.before_data, self.data_begun, self.accepted = before_data, False, False
        super().__init__(*args, **kwargs)

    def data(self, msg):
        if self.before_data is not None:
            self.before_data()
        self.data_begun = True
        reply = super().data(msg)  # raises SMTPDataError unless the server answered 250
        self.accepted = True
        return reply


class _SMTP(_DataHook, smtplib.SMTP):
    pass


class _SMTP_SSL(_DataHook, smtplib.SMTP_SSL):
    pass


class SMTPMailer:
    """Hands messages to an SMTP server, one connection per message."""

    def __init__(self, host, port, username=None, password=None, starttls=False,
                 timeout=SMTP_TIMEOUT, security=None):
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.security = security or ("starttls" if starttls else "none")
        if self.security not in SECURITY:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY)}, "
                             f"not {self.security!r}")
        self.starttls, self.timeout = self.security == "starttls", timeout

    def send(self, message, before_data=None):
        """Deliver `message` to the server, or raise MailError saying why not.

        `before_data()` runs just before the DATA command, the last moment at which the server
        surely has nothing; after it, a failure without the server's verdict is MailFateUnknown.
        Once the server answered 250 to the DATA, the message is delivered, whatever QUIT says.
        """
        smtp = None
        try:
            # smtplib's own TLS checks no certificate: ours verifies it against the system's
            # authorities (SSL_CERT_FILE names others), since a password goes over it.
            if self.security == "ssl":
                smtp = _SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                 before_data=before_data, context=ssl.create_default_context())
            else:
                smtp = _SMTP(self.host, self.port, timeout=self.timeout, before_data=before_data)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:  # a verdict: the server refused it
            raise MailError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"recipient refused: {_refusals(exc.recipients)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            error = MailFateUnknown if smtp is not None and smtp.data_begun else MailError
            raise error(f"{type(exc).__name__}: {exc}") from exc
        finally:
            if smtp is not None:
                _quit(smtp)


def _quit(smtp):
    """Say goodbye, ignoring any trouble: by now the message's fate is already known."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class MemoryMailer:
    """Keeps messages in `sent` instead of sending them, failing where a server would: the
    addresses in `refuse` are refused (550); `fail_with` makes every send fail before DATA (a
    server down), `lose_reply_with` after it (the fate of the message is then unknown)."""

    def __init__(self):
        self._kept = []           # as handed over; parsed only when someone reads `sent`
        self._read = []
        self.refuse = set()
        self.fail_with = None
        self.lose_reply_with = None

    @property
    def sent(self):
        """The messages kept, in order, as their receiver would read them (`received`)."""
        self._read.extend(received(message) for message in self._kept[len(self._read):])
        return self._read

    def send(self, message, before_data=None):
        if self.fail_with is not None:
            raise MailError(self.fail_with)
        recipients = [address for _, address in getaddresses(
            [str(value) for field in ("To", "Cc", "Bcc") for value in message.get_all(field, [])])]
        if all(address in self.refuse for address in recipients):  # none, or all refused
            raise MailError("recipient refused: " + "; ".join(
                f"550 5.1.1 <{address}> mailbox unavailable" for address in recipients))
        if before_data is not None:
            before_data()
        self._kept.append(message)
        if self.lose_reply_with is not None:
            raise MailFateUnknown(self.lose_reply_with)


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _refusals(recipients):
    return "; ".join(f"{code} {_text(reply)}" for code, reply in recipients.values())


class FolderMailer:
    """Writes each message into `folder` instead of sending it, as `<UTC time>-<hash of its
    Message-ID>.eml` readable by its owner only (the messages speak of debts): what `make run`
    uses when no SMTP server is configured, so the written steps can be read offline."""

    def __init__(self, folder):
        self.folder = folder

    def send(self, message, before_data=None):
        try:
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise MailError(f"cannot make the mail folder {self.folder}: {exc}") from exc
        if before_data is not None:
            before_data()
        digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:16]
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = os.path.join(self.folder, f"{stamp}-{digest}.eml")
        handle = os.open(path + ".part", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(message.as_bytes())
        os.replace(path + ".part", path)


def mailer_from_config(config) -> Mailer:
    if config.get("MAIL_FOLDER"):
        return FolderMailer(config["MAIL_FOLDER"])
    return SMTPMailer(config["SMTP_HOST"], config["SMTP_PORT"], config.get("SMTP_USERNAME"),
                      config.get("SMTP_PASSWORD"), config.get("SMTP_STARTTLS", False))


def get_mailer(app) -> Mailer:
    """The app's mailer: SMTP from the configuration, built on first use; tests may set another."""
    mailer = app.extensions.get(EXTENSION)
    if mailer is None:
        mailer = app.extensions[EXTENSION] = mailer_from_config(app.config)
    return mailer


def set_mailer(app, mailer: Mailer):
    """Use `mailer` for this app from now on (tests, `simulate`)."""
    app.extensions[EXTENSION] = mailer


def pec_configured(config):
    """True when the PEC mailbox can send: its SMTP host and sender address are set."""
    return bool(config.get("PEC_SMTP_HOST") and config.get("PEC_FROM"))


def pec_mailer_from_config(config) -> Mailer:
    return SMTPMailer(config["PEC_SMTP_HOST"], config["PEC_SMTP_PORT"],
                      config.get("PEC_USERNAME"), config.get("PEC_PASSWORD"),
                      security=config.get("PEC_SMTP_SECURITY", "ssl"))


def get_pec_mailer(app) -> Mailer:
    """The PEC mailbox's SMTP mailer, built on first use; tests may set another."""
    mailer = app.extensions.get(PEC_EXTENSION)
    if mailer is None:
        mailer = app.extensions[PEC_EXTENSION] = pec_mailer_from_config(app.config)
    return mailer


def set_pec_mailer(app, mailer: Mailer):
    """Send PEC through `mailer` for this app from now on (tests, `simulate`)."""
    app.extensions[PEC_EXTENSION] = mailer
