"""A debtor with a phone in hand: the page's client, a position to answer for, its links."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from db.models import utcnow
from domain.page_links import make_token, page_url
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import make_creditor, make_position

PAY = "https://paga.example.test/?rif={reference}&importo={amount}"


class Debtor:
    """The Flask test client on the page, keeping its cookie like a phone's browser."""

    def __init__(self, client, app):
        self.client, self.app = client, app

    def link(self, position, channel="sms", days=30):
        token = make_token(self.app.config["SECRET_KEY"], position.id, channel,
                           utcnow().date() + timedelta(days=days))
        return page_url("", token)

    def get(self, path, **kwargs):
        return self.client.get(path, base_url=PUBLIC_BASE_URL, **kwargs)

    def post(self, path, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token(path)
        return self.client.post(path, data=data, base_url=PUBLIC_BASE_URL, **kwargs)

    def csrf_token(self, path):
        page = self.get(path.split("/codice")[0].split("/risposta")[0].split("/esci")[0])
        return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))[1]

    def identify(self, link, code="4321", **kwargs):
        return self.post(f"{link}/codice", {"code": code}, **kwargs)

    def choose(self, link, choice, data=None, **kwargs):
        return self.post(f"{link}/risposta/{choice}", data, **kwargs)


@pytest.fixture
def debtor(client, app):
    return Debtor(client, app)


@pytest.fixture
def creditor(session):
    return make_creditor(session, contact_phone="+390298765432",
                         contact_email="crediti@acme.example.test", payment_link=PAY)


@pytest.fixture
def position(session, creditor):
    return make_position(session, creditor, reference="PR-2026-0042", verification_code="4321",
                         amount=Decimal("1234.56"))
