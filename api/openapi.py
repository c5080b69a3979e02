"""The OpenAPI 3.1 document of the API, generated from api.schemas (pydantic's JSON Schema is
draft 2020-12, OpenAPI 3.1's own dialect: the schemas go in as they are)."""
from functools import lru_cache

from pydantic.json_schema import models_json_schema

from api import schemas
from api.schemas import MAX_BATCH, MAX_PAGE
from domain.statuses import STATUSES

REQUESTS = (schemas.PutPositions, schemas.PaymentRequest, schemas.CloseRequest,
            schemas.ControlRequest)
RESPONSES = (schemas.PutResult, schemas.Position, schemas.PositionPage, schemas.PositionSummary,
             schemas.EventPage, schemas.Campaign, schemas.Problem)


def _ref(model):
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model, description):
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _problem(description):
    return {"description": description,
            "content": {"application/problem+json": {"schema": _ref(schemas.Problem)}}}


COMMON = {
    "401": _problem("No key, an unknown key or a revoked key."),
    "413": _problem("The body is larger than the server takes (API_MAX_BODY_BYTES)."),
    "429": {**_problem("Too many requests for this key in this minute."),
            "headers": {"Retry-After": {"description": "Seconds to wait.",
                                        "schema": {"type": "integer"}}}},
}
REFERENCE = {"name": "reference", "in": "path", "required": True,
             "description": "The creditor's reference of the position.",
             "schema": {"type": "string", "minLength": 1, "maxLength": 100}}
NOT_FOUND = _problem("No position with this reference for this key's creditor.")
INVALID = _problem("The body does not match its schema (`errors`: one per field), or a value "
                   "cannot be used.")
CONFLICT = _problem("The position is paid or closed already (`code`: already_final).")


def _body(model, required=True, example=None):
    media = {"schema": _ref(model)}
    if example is not None:
        media["example"] = example
    return {"required": required, "content": {"application/json": media}}


PUT_EXAMPLE = {"positions": [
    {"reference": "FT-2026-118", "name": "Mario Rossi", "phone": "333 123 4567",
     "amount": "1.234,56", "due_date": "15/10/2026", "email": "mario.rossi@example.it",
     "invoice": "FT-2026/118", "verification_code": "48213", "language": "it"},
    {"reference": "FT-2026-119", "name": "Bar Sport S.n.c.", "phone": "+39 06 1234 5678",
     "amount": 89.9, "due_date": "2026-11-30"}]}


def _query(name, description, schema):
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _paths():
    cursor = {"type": "string", "pattern": "^[0-9]{1,18}$"}
    limit = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100}
    return {
        "/positions": {
            "put": {
                "operationId": "putPositions",
                "summary": f"Import or update up to {MAX_BATCH} positions",
                "description": "Each item is checked exactly as a row of a contact list file "
                "and answered `imported`, `updated` or `rejected` with its problems; bad items "
                "never stop the good ones. With `Idempotency-Key`, a retry of the same request "
                "gets the first answer again (header `Idempotent-Replayed: true`) and changes "
                "nothing.",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}],
                "requestBody": _body(schemas.PutPositions, example=PUT_EXAMPLE),
                "responses": {"200": _json(schemas.PutResult, "What each item did."),
                              "400": _problem("A malformed Idempotency-Key."),
                              "409": _problem("A concurrent request wrote the same positions: "
                                              "send the batch again."),
                              "415": _problem("The body is not JSON."),
                              "422": INVALID, **COMMON}},
            "get": {
                "operationId": "listPositions",
                "summary": "The creditor's positions, a page at a time",
                "parameters": [
                    _query("status", "Only positions in this status.",
                           {"type": "string", "enum": list(STATUSES)}),
                    _query("updated_after", "Only positions changed after this instant "
                           "(ISO 8601 with its offset).", {"type": "string", "format": "date-time"}),
                    _query("cursor", "`next_cursor` of the previous page.", cursor),
                    _query("limit", "Positions per page.", limit)],
                "responses": {"200": _json(schemas.PositionPage, "A page of positions."),
                              "400": _problem("A query parameter that cannot be used."),
                              **COMMON}},
        },
        "/positions/{reference}": {
            "get": {
                "operationId": "getPosition",
                "summary": "A position with its status, amount due, attempts, messages, events",
                "parameters": [REFERENCE],
                "responses": {"200": _json(schemas.Position, "The position."),
                              "404": NOT_FOUND, **COMMON}}},
        "/positions/{reference}/payments": {
            "post": {
                "operationId": "postPayment",
                "summary": "Report a payment",
                "description": "The same as the console and the `payments` command: a partial "
                "payment lowers the amount due; paid in full, the position is `paid` and every "
                "planned call and message stops at once.",
                "parameters": [REFERENCE],
                "requestBody": _body(schemas.PaymentRequest,
                                     example={"amount_paid": "234,56", "paid_on": "2026-12-01"}),
                "responses": {"200": _json(schemas.PositionSummary, "The position after it."),
                              "404": NOT_FOUND, "409": CONFLICT, "415": _problem("Not JSON."),
                              "422": INVALID, **COMMON}}},
        "/positions/{reference}/close": {
            "post": {
                "operationId": "closePosition",
                "summary": "Withdraw a position: `closed`, every contact stops at once",
                "parameters": [REFERENCE],
                "requestBody": _body(schemas.CloseRequest, required=False,
                                     example={"reason": "settled at the counter"}),
                "responses": {"200": _json(schemas.PositionSummary, "The position after it."),
                              "404": NOT_FOUND, "409": CONFLICT, "415": _problem("Not JSON."),
                              "422": INVALID, **COMMON}}},
        "/positions/{reference}/hold": {
            "post": {
                "operationId": "holdPosition",
                "summary": "Stop every contact with a position, its status kept",
                "description": "The console's *Ferma*: planned calls and queued messages are "
                "withdrawn at once (a call already ringing finishes); nothing is planned, "
                "dialled or sent until `release`. A `reason` is required.",
                "parameters": [REFERENCE],
                "requestBody": _body(schemas.ControlRequest,
                                     example={"reason": "in talks with the customer"}),
                "responses": {"200": _json(schemas.PositionSummary, "The position after it."),
                              "404": NOT_FOUND,
                              "409": _problem("Stopped already (`position_held_already`), or "
                                              "paid, closed or ended (`position_over`)."),
                              "415": _problem("Not JSON."), "422": INVALID, **COMMON}}},
        "/positions/{reference}/release": {
            "post": {
                "operationId": "releasePosition",
                "summary": "Let contact with a stopped position go on",
                "parameters": [REFERENCE],
                "requestBody": _body(schemas.ControlRequest, required=False),
                "responses": {"200": _json(schemas.PositionSummary, "The position after it."),
                              "404": NOT_FOUND,
                              "409": _problem("Not stopped (`position_not_held`)."),
                              "415": _problem("Not JSON."), "422": INVALID, **COMMON}}},
        "/campaign": {
            "get": {
                "operationId": "getCampaign",
                "summary": "Whether the creditor's campaign is paused",
                "responses": {"200": _json(schemas.Campaign, "The campaign."), **COMMON}}},
        "/campaign/pause": {
            "post": {
                "operationId": "pauseCampaign",
                "summary": "Pause the creditor's campaign",
                "description": "As `flask creditor pause` and the console: no call placed, no "
                "playbook step run, no message of its positions sent until `resume`; nothing "
                "is dropped and calls already ringing finish. A `reason` is required.",
                "requestBody": _body(schemas.ControlRequest,
                                     example={"reason": "checking the list"}),
                "responses": {"200": _json(schemas.Campaign, "The campaign after it."),
                              "409": _problem("Paused already (`creditor_paused_already`)."),
                              "415": _problem("Not JSON."), "422": INVALID, **COMMON}}},
        "/campaign/resume": {
            "post": {
                "operationId": "resumeCampaign",
                "summary": "Resume the creditor's campaign: what is due goes at the next pass",
                "requestBody": _body(schemas.ControlRequest, required=False),
                "responses": {"200": _json(schemas.Campaign, "The campaign after it."),
                              "409": _problem("Not paused (`creditor_not_paused`)."),
                              "415": _problem("Not JSON."), "422": INVALID, **COMMON}}},
        "/events": {
            "get": {
                "operationId": "listEvents",
                "summary": "The creditor's events in a stable order, from a cursor",
                "description": "Outcomes, status changes (promises, disputes, declared "
                "payments, paid, closed, ended…), payments recorded, broken promises, messages "
                "sent, delivered or failed. Keep `next_cursor` and pass it as `after`: an "
                "event never appears behind a cursor already read. The same events are POSTed "
                "to the creditor's webhook URL with the same `id`.",
                "parameters": [_query("after", "The cursor to read on from (0: the start).",
                                      cursor),
                               _query("limit", "Events per page.", limit)],
                "responses": {"200": _json(schemas.EventPage, "Events after the cursor."),
                              "400": _problem("A query parameter that cannot be used."),
                              **COMMON}}},
        "/openapi.json": {
            "get": {
                "operationId": "getOpenapi", "summary": "This document", "security": [],
                "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
    }


@lru_cache(maxsize=1)
def document():
    """The document (built once; the schemas do not change while the server runs)."""
    _keys, definitions = models_json_schema(
        [(m, "validation") for m in REQUESTS] + [(m, "serialization") for m in RESPONSES],
        ref_template="#/components/schemas/{model}")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cortesia API", "version": "1.0.0",
                 "description": "A creditor's systems push positions and payments and follow "
                 "what happens by cursor or webhook. Every request carries "
                 "`Authorization: Bearer KEY` (`flask apikey add`) and sees only its "
                 "creditor's positions. Errors are RFC 9457 problem details with a `code`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
