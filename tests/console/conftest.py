"""A browser-like client of the console over HTTPS (its session cookie is Secure), and users."""
import re

import pytest

from console.accounts import create_user
from tests.factories import make_creditor

PASSWORD = "una-password-lunga"


class Browser:
    """The Flask test client on https://cortesia.example.test, keeping cookies like a browser."""

    def __init__(self, client):
        self.client = client

    def get(self, path, **kwargs):
        return self.client.get(path, base_url="https://cortesia.example.test", **kwargs)

    def post(self, path, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(path, data=data, base_url="https://cortesia.example.test", **kwargs)

    def csrf_token(self):
        page = self.get("/login").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def log_in(self, username, password=PASSWORD, **kwargs):
        return self.post("/login", {"username": username, "password": password}, **kwargs)


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def users(session):
    """An admin, a collector, and a user of the creditor Acme Energia."""
    acme = make_creditor(session)
    made = {role: create_user(session, name, PASSWORD, role, acme if role == "creditor" else None)
            for name, role in (("anna", "admin"), ("carlo", "collector"), ("mara", "creditor"))}
    session.commit()
    return made
