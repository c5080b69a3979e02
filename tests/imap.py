"""A real IMAP server on loopback (pymap, its in-memory dict backend, in a child process) that a
test seeds with messages and reads the flags of, as pytest fixtures."""
import imaplib
import socket
import subprocess
import sys
import time

import pytest

from tests.smtp import PEC_PASSWORD, PEC_USER, free_port

# The PEC mailbox: the same login as its SMTP server.
USER, PASSWORD = PEC_USER, PEC_PASSWORD
# pymap's other services (admin, sieve, cluster) would open ports of their own: only IMAP runs.
# Its one password is kept as a PBKDF2 hash of 500,000 rounds by default, checked at every
# login (about 0.2-0.4 s of the server's CPU, and a replayed month logs in at every tick): a
# thousand rounds check the same password the same way.
START = ("import sys; from pysasl.hashing import BuiltinHash; "
         "BuiltinHash.__init__.__kwdefaults__['rounds'] = 1000; "
         "from pymap.main import main; sys.argv[0] = 'pymap'; main()")


class LoopbackIMAP:
    """pymap on 127.0.0.1 without TLS, one mailbox (USER, PASSWORD)."""

    def __init__(self):
        self.host, self.port = "127.0.0.1", free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-c", START, "--host", self.host, "--port", str(self.port),
             "--no-tls", "--no-service", "admin", "--no-service", "managesieve",
             "--no-service", "swim", "dict", "--demo-user", USER, "--demo-password", PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("pymap did not start: " + self.process.stderr.read().decode())
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("pymap did not listen within 20 s")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def client(self):
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        return imap

    def deliver(self, message: bytes):
        """Put `message` in the INBOX, unseen, as the provider's server would; its UID."""
        imap = self.client()
        try:
            _, data = imap.append("INBOX", None, None, message)
            return int(data[0].split(b"]")[0].split()[-1])
        finally:
            imap.logout()

    def flags(self):
        """{uid: set of flags} of every message in the INBOX."""
        imap = self.client()
        try:
            _, data = imap.uid("FETCH", "1:*", "(FLAGS)")
        finally:
            imap.logout()
        found = {}
        for line in data:
            if not line:
                continue
            text = line.decode()
            uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
            found[uid] = set(text.split("FLAGS (")[1].split(")")[0].split())
        return found

    def empty(self):
        imap = self.client()
        try:
            _, data = imap.uid("SEARCH", None, "ALL")
            if data[0].split():
                imap.uid("STORE", b",".join(data[0].split()), "+FLAGS", "(\\Deleted)")
                imap.expunge()
        finally:
            imap.logout()


@pytest.fixture(scope="session")
def imap_process():
    server = LoopbackIMAP().start()
    yield server
    server.stop()


@pytest.fixture
def imap_server(imap_process):
    """The loopback IMAP server with an empty INBOX."""
    imap_process.empty()
    return imap_process
