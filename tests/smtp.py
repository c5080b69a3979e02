"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, as pytest fixtures."""
import asyncio
import email
import socket
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

MAIL_FROM = "Cortesia <cortesia@example.test>"
PEC_FROM = "Acme <acme@pec.example.test>"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CollectingHandler:
    """Accepts every message, except for recipients in `refuse` (550).

    `hold` ("RCPT" or "DATA") makes the server wait at that command, the message already kept
    at DATA (as a real server does before it answers), until `release()`: a test can kill the
    client there. `arrived` is set when a held command comes in. `quit_reply` replaces 221.
    """

    def __init__(self):
        self.envelopes = []
        self.refuse = set()
        self.lock = threading.Lock()
        self.hold = None
        self.arrived, self.released = threading.Event(), threading.Event()
        self.quit_reply = None

    def release(self):
        self.released.set()

    async def _held(self, command):
        if self.hold == command:
            self.arrived.set()
            while not self.released.is_set():
                await asyncio.sleep(0.01)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._held("RCPT")
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        await self._held("DATA")
        return "250 Message accepted"

    async def handle_QUIT(self, server, session, envelope):
        return self.quit_reply or "221 Bye"


class LoopbackSMTP:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, credentials=None, tls_context=None):
        self.host, self.port = "127.0.0.1", free_port()
        self.handler = CollectingHandler()
        self.controller = None
        # (username, password) the server asks for with AUTH (in the clear: loopback only).
        self.credentials = credentials
        # A server-side SSLContext: TLS from the first byte (SMTPS, as PEC providers on 465).
        self.tls_context = tls_context

    def start(self):
        # A controller's event loop is closed by stop(): a restart needs a new controller.
        auth = {} if self.credentials is None else dict(
            authenticator=self._authenticate, auth_required=True, auth_require_tls=False)
        if self.tls_context is not None:
            auth["ssl_context"] = self.tls_context
        self.controller = Controller(self.handler, hostname=self.host, port=self.port, **auth)
        self.controller.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        given = (auth_data.login.decode(), auth_data.password.decode()) \
            if isinstance(auth_data, LoginPassword) else None
        return AuthResult(success=given == tuple(self.credentials))

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self):
        return list(self.handler.envelopes)

    @property
    def messages(self):
        """What arrived, parsed (EmailMessage), in the order it arrived."""
        return [email.message_from_bytes(e.original_content or e.content, policy=policy.default)
                for e in self.envelopes]


@pytest.fixture
def smtp_server():
    server = LoopbackSMTP()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    """The test app, mailing through the loopback server."""
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, MAIL_FROM=MAIL_FROM,
                      SMTP_STARTTLS=False, SMTP_USERNAME=None, SMTP_PASSWORD=None)
    app.extensions.pop("cortesia.mailer", None)
    return app


PEC_USER, PEC_PASSWORD = "acme@pec.example.test", "pec-secret"


@pytest.fixture
def pec_server():
    """The PEC mailbox's SMTP server: a second loopback server, which asks for a login."""
    server = LoopbackSMTP(credentials=(PEC_USER, PEC_PASSWORD))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pec_app(smtp_app, pec_server):
    """The test app, mailing through the loopback server and sending PEC through the other."""
    smtp_app.config.update(PEC_SMTP_HOST=pec_server.host, PEC_SMTP_PORT=pec_server.port,
                           PEC_SMTP_SECURITY="none", PEC_FROM=PEC_FROM, PEC_USERNAME=PEC_USER,
                           PEC_PASSWORD=PEC_PASSWORD)
    smtp_app.extensions.pop("cortesia.pec_mailer", None)
    return smtp_app
