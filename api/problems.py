"""Errors as RFC 9457 problem details (`application/problem+json`), each with a `code` for
machines and, for a request that breaks its schema, one entry per field in `errors`."""
from flask import json, make_response
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

MEDIA_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """Raised anywhere in a request of the API: answered as a problem document."""

    def __init__(self, status, code, detail, errors=None, headers=None):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.headers = errors, headers or {}


def problem_response(status, code, detail, errors=None, headers=None):
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"),
            "status": status, "code": code, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = make_response(json.dumps(body), status)
    response.mimetype = MEDIA_TYPE
    response.headers.update(headers)
    return response


def answer_problem(problem):
    return problem_response(problem.status, problem.code, problem.detail, problem.errors,
                            problem.headers)


# An HTTP error Werkzeug raised (no route, wrong method, body too large…) → a code.
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found",
              405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type",
              429: "rate_limited"}


def answer_http_error(error: HTTPException):
    code = HTTP_CODES.get(error.code, "server_error" if error.code >= 500 else "error")
    detail = error.description if error.code != 500 else "an error on our side; nothing was " \
        "changed half-way, try again shortly"
    headers = {}
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(error.code, code, detail, headers=headers)
