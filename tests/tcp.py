"""Databases that do not answer, on loopback: real sockets standing in for a hung PostgreSQL."""
import socket
import threading

import pytest


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never says a word (a hung server, a black hole
    behind a load balancer)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()


class FreezingProxy:
    """Relays TCP to `upstream` until `freeze()`: from then on it keeps every connection open
    and relays nothing, as a server whose process hung while its kernel still acknowledges."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self):
        self.frozen.set()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.upstream)
            except OSError:
                return
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source, target):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if self.frozen.is_set():
                continue   # swallowed: never relayed, never refused
            try:
                target.sendall(data)
            except OSError:
                return

    def close(self):
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()
