"""The API's tests: a creditor, its key, and a client whose every response is checked against
the served OpenAPI document."""
import pytest

from api.keys import add_key
from api.openapi import document
from db.models import utcnow
from tests.api.openapi_check import check_response
from tests.factories import make_creditor

CHECKED = []   # (method, operation) pairs seen, for the coverage test


class ApiClient:
    """The Flask test client with a key, checking each response against the OpenAPI document."""

    def __init__(self, client, key):
        self.client, self.key = client, key

    def request(self, method, path, key=..., headers=None, **kwargs):
        headers = dict(headers or {})
        key = self.key if key is ... else key
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        check_response(document(), method, path, response)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


@pytest.fixture
def creditor(session):
    return make_creditor(session)


@pytest.fixture
def other_creditor(session):
    return make_creditor(session, name="Beta Telecom")


def new_key(session, creditor, label="erp"):
    _row, key = add_key(session, creditor, label, "test", utcnow())
    session.commit()
    return key


@pytest.fixture
def api(client, session, creditor):
    return ApiClient(client, new_key(session, creditor))


@pytest.fixture
def other_api(client, session, other_creditor):
    return ApiClient(client, new_key(session, other_creditor))


def item(reference="P-1", **fields):
    values = {"reference": reference, "name": "Mario Rossi", "phone": "333 123 4567",
              "amount": "1.234,56", "due_date": "15/10/2026", "email": "mario@example.test"}
    values.update(fields)
    return values
