"""A property-based run of the API against its served OpenAPI document (schemathesis): a few
hundred generated requests, none answered with a 500 or a response that breaks its schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_headers_conformance,
    response_schema_conformance, status_code_conformance,
)

from tests.api.conftest import item, new_key

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path, sqlite_template):
    # SQLite only: a few hundred requests are the point, not the backend (the API's other
    # tests run on both).
    import shutil
    path = tmp_path / "cortesia.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def api_schema(app, session, creditor, client):
    app.config["API_RATE_PER_MINUTE"] = 0
    key = new_key(session, creditor)
    # A few positions, so that generated references sometimes find one.
    client.put("/api/v1/positions", json={"positions": [item("P-1"), item("a")]},
               headers={"Authorization": f"Bearer {key}"})
    app.config["SCHEMATHESIS_KEY"] = key
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# schemathesis's pytest plugin (from_fixture) does not run under pytest 9; its strategies do:
# one Hypothesis run per operation, over the schema served by the app under test.
EXAMPLES = 60


def test_no_request_breaks_the_api_or_its_document(app, api_schema):
    headers = {"Authorization": f"Bearer {app.config['SCHEMATHESIS_KEY']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {o.label for o in operations} >= {
        "PUT /positions", "GET /positions", "GET /positions/{reference}", "GET /events",
        "POST /positions/{reference}/payments", "POST /positions/{reference}/close"}

    statuses = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

        run()
    assert len(statuses) >= 200   # a few hundred cases ran, answered…
    assert {200, 404, 422} <= set(statuses)   # …and found positions, missed some, refused some
