"""Sending one email: the message builder, the `Mailer` interface, the SMTP mailer and an
in-memory fake that fails as an SMTP server would (tests/notify/test_mailer_contract.py).

This is the only module that imports `smtplib`; everything else asks `get_mailer(app)`.
"""
import hashlib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parseaddr
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

    def send(self, message: EmailMessage, before_data: Callable[[], None] | None = None) -> None:
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
    """The EmailMessage for `mail` (an Outgoing), from `sender`; MailError without a sender."""
    if not sender:
        raise MailError("no sender address: set MAIL_FROM (PEC_FROM for a PEC)")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
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
        self.sent = []
        self.refuse = set()
        self.fail_with = None
        self.lose_reply_with = None

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
        self.sent.append(message)
        if self.lose_reply_with is not None:
            raise MailFateUnknown(self.lose_reply_with)


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _refusals(recipients):
    return "; ".join(f"{code} {_text(reply)}" for code, reply in recipients.values())


def mailer_from_config(config) -> Mailer:
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
