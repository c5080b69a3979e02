"""The OpenAPI document: valid OpenAPI 3.1, served as generated, and naming every route the
API has (an endpoint left out of it could not be written against)."""
import re

from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from api.openapi import document
from api.schemas import PutPositions


def test_the_document_is_valid_openapi_3_1(api):
    served = api.get("/api/v1/openapi.json", key=None).json
    assert served == document()
    assert served["openapi"].startswith("3.1")
    validate(served, cls=OpenAPIV31SpecValidator)


def test_every_api_route_is_in_the_document(app):
    routes = {(re.sub(r"<(?:path:)?(\w+)>", r"{\1}", rule.rule)[len("/api/v1"):], method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, operations in document()["paths"].items()
                  for method in operations}
    assert routes == documented


def test_the_request_schemas_are_the_ones_the_views_validate_with():
    # The same model: its JSON Schema is the document's component, not a copy kept by hand.
    assert document()["components"]["schemas"]["PutPositions"]["properties"] == \
        PutPositions.model_json_schema(ref_template="#/components/schemas/{model}")["properties"]


def test_the_documents_examples_work_as_written(api):
    doc = document()
    body = doc["paths"]["/positions"]["put"]["requestBody"]["content"]["application/json"]
    answer = api.put("/api/v1/positions", json=body["example"]).json
    assert [i["result"] for i in answer["items"]] == ["imported", "imported"]
    pay = doc["paths"]["/positions/{reference}/payments"]["post"]["requestBody"]
    paid = api.post("/api/v1/positions/FT-2026-118/payments",
                    json=pay["content"]["application/json"]["example"])
    assert paid.status_code == 200 and paid.json["amount_due"] == "1000.00"
    close = doc["paths"]["/positions/{reference}/close"]["post"]["requestBody"]
    closed = api.post("/api/v1/positions/FT-2026-119/close",
                      json=close["content"]["application/json"]["example"])
    assert closed.json["status"] == "closed"
