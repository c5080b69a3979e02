"""The HTTP API's endpoints (/api/v1): thin edges over the importer, contacts.status and the
feed; shapes from api.schemas, errors as problem details (api.problems)."""
import logging
from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, make_response, request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from api import idempotency, positions
from api.feed import publish, read_feed
from api.guard import guard
from api.openapi import document
from api.problems import ApiProblem, answer_http_error, answer_problem
from api.put import put_positions
from api.schemas import (
    MAX_PAGE, CloseRequest, ControlRequest, PaymentRequest, PutPositions,
)
from contacts.controls import (
    ControlError, hold_position, pause_creditor, release_position, resume_creditor,
)
from contacts.fields import FieldError, read_amount
from contacts.privacy import privacy_secret
from contacts.status import StatusError, close_position_by_creditor, record_payment
from db import get_session
from db.models import Creditor, utcnow
from domain.statuses import STATUSES

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(guard)


@bp.errorhandler(ApiProblem)
def _problem(problem):
    return answer_problem(problem)


@bp.errorhandler(HTTPException)
def _http_error(error):
    return answer_http_error(error)


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.put("/positions")
def put_positions_view():
    body = _body(PutPositions)
    session = get_session()
    key = request.headers.get("Idempotency-Key")
    idempotency.check_key(key)
    digest = idempotency.request_hash(request.method, request.path, request.get_data())
    now = utcnow()
    if key is not None:
        kept = idempotency.claim(session, g.creditor_id, key, digest, now)
        if kept is not None:
            return _json(*kept, replayed=True)
    creditor = session.get(Creditor, g.creditor_id)
    try:
        answer = put_positions(session, creditor, body.positions, f"api:key:{g.api_key_id}",
                               privacy_secret(current_app))
        if key is not None:
            idempotency.keep(session, g.creditor_id, key, 200, answer)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiProblem(409, "concurrent_write", "another request wrote some of these "
                         "positions at the same moment: send the batch again") from None
    return _json(200, answer)


@bp.get("/positions/<path:reference>")
def get_position(reference):
    session = get_session()
    position = _position(session, reference)
    return _json(200, positions.detail(session, position))


@bp.get("/positions")
def list_positions():
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise _query_problem("status", "invalid", "status must be one of: " + ", ".join(STATUSES))
    updated_after = _instant("updated_after")
    cursor = _integer("cursor", 0, 0, 2**62)
    limit = _integer("limit", 100, 1, MAX_PAGE)
    items, next_cursor = positions.page(get_session(), g.creditor_id, status, updated_after,
                                        cursor, limit)
    return _json(200, {"items": items, "next_cursor": next_cursor})


@bp.post("/positions/<path:reference>/payments")
def post_payment(reference):
    body = _body(PaymentRequest)
    session = get_session()
    position = _position(session, reference)
    try:
        record_payment(session, position, _amount(body.amount_paid), body.paid_on,
                       f"api:key:{g.api_key_id}", utcnow())
    except StatusError as exc:
        raise ApiProblem(409 if exc.code == "already_final" else 422, exc.code, str(exc)) from None
    session.commit()
    return _json(200, positions.summary(position))


@bp.post("/positions/<path:reference>/close")
def post_close(reference):
    body = _body(CloseRequest, empty_ok=True)
    session = get_session()
    position = _position(session, reference)
    try:
        close_position_by_creditor(session, position, f"api:key:{g.api_key_id}", body.reason,
                                   utcnow())
    except StatusError as exc:
        raise ApiProblem(409, exc.code, str(exc)) from None
    session.commit()
    return _json(200, positions.summary(position))


@bp.post("/positions/<path:reference>/hold")
def post_hold(reference):
    return _position_control(reference, hold_position)


@bp.post("/positions/<path:reference>/release")
def post_release(reference):
    return _position_control(reference, release_position)


@bp.get("/campaign")
def get_campaign():
    return _json(200, _campaign(get_session().get(Creditor, g.creditor_id)))


@bp.post("/campaign/pause")
def post_pause():
    return _campaign_control(pause_creditor)


@bp.post("/campaign/resume")
def post_resume():
    return _campaign_control(resume_creditor)


def _position_control(reference, control):
    """Stop a position's contacts or let them go on (contacts.controls, as the console)."""
    body = _body(ControlRequest, empty_ok=True)
    session = get_session()
    position = _position(session, reference)
    _controlled(control, session, position, body.reason)
    return _json(200, positions.summary(position))


def _campaign_control(control):
    body = _body(ControlRequest, empty_ok=True)
    session = get_session()
    creditor = session.get(Creditor, g.creditor_id)
    _controlled(control, session, creditor, body.reason)
    return _json(200, _campaign(creditor))


def _controlled(control, session, subject, reason):
    try:
        control(session, subject, f"api:key:{g.api_key_id}", reason, utcnow())
    except ControlError as exc:
        raise ApiProblem(422 if exc.code == "control_no_reason" else 409, exc.code,
                         str(exc)) from None
    session.commit()


def _campaign(creditor):
    return {"paused": creditor.paused_at is not None,
            "paused_at": creditor.paused_at.isoformat() if creditor.paused_at else None}


@bp.get("/events")
def get_events():
    after = _integer("after", 0, 0, 2**62)
    limit = _integer("limit", 100, 1, MAX_PAGE)
    session = get_session()
    if publish(session, utcnow()):   # what happened since the worker's last tick, too
        session.commit()
    items, next_cursor = read_feed(session, g.creditor_id, after, limit)
    return _json(200, {"items": items, "next_cursor": next_cursor})


def _body(model, empty_ok=False):
    if not request.is_json:
        if empty_ok and not request.get_data():
            return model()
        raise ApiProblem(415, "unsupported_media_type", "send the body as application/json")
    data = request.get_data()
    if empty_ok and not data.strip():
        return model()
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        errors = [{"pointer": "/" + "/".join(str(part) for part in e["loc"]),
                   "code": e["type"], "detail": e["msg"]} for e in exc.errors()]
        raise ApiProblem(422, "invalid_body", "the body does not match the schema: see "
                         "`errors`", errors=errors[:100]) from None


def _position(session, reference):
    position = positions.find_position(session, g.creditor_id, reference)
    if position is None:
        raise ApiProblem(404, "position_not_found", "no position with this reference")
    return position


def _amount(value):
    try:
        return read_amount(value, "amount_paid")
    except FieldError as exc:
        raise ApiProblem(422, "invalid_body", "the amount paid is not usable",
                         errors=[{"pointer": "/amount_paid", "code": exc.code,
                                  "detail": str(exc)}]) from None


def _integer(name, default, lowest, highest):
    text = request.args.get(name)
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or not lowest <= int(text) <= highest:
        raise _query_problem(name, "invalid", f"{name} must be a whole number from {lowest} "
                             f"to {highest}")
    return int(text)


def _instant(name):
    text = request.args.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _query_problem(name, "invalid", f"{name} must be an ISO 8601 instant with its "
                             "offset, e.g. 2026-12-01T08:00:00Z")
    return moment


def _query_problem(name, code, detail):
    return ApiProblem(400, "invalid_query", detail,
                      errors=[{"pointer": name, "code": code, "detail": detail}])


def _json(status, body, replayed=False):
    response = make_response(jsonify(body), status)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
