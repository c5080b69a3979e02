"""A minimal Flask app serving canned TwiML, to test the simulator without the real call flow."""
from dataclasses import dataclass

from flask import Flask, request
from twilio.request_validator import RequestValidator

from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from telephony import CallRequest

TOKEN = "tok"
ANSWER_URL = f"{PUBLIC_BASE_URL}/ivr/{TOKEN}/answer"
STATUS_URL = f"{PUBLIC_BASE_URL}/ivr/{TOKEN}/status"


@dataclass
class Received:
    path: str
    query: str
    form: dict
    signed: bool


def call_request(to="+393331234567"):
    return CallRequest(to=to, from_="+390212345678", url=ANSWER_URL,
                       status_callback=STATUS_URL, timeout=30)


def canned_app(documents, **config):
    """Serves `documents[path]` (TwiML) on POST and GET; records every request and its signature."""
    app = Flask("canned")
    app.config.update(PUBLIC_BASE_URL=PUBLIC_BASE_URL, TELEPHONY="simulator",
                      TWILIO_AUTH_TOKEN=AUTH_TOKEN, SECRET_KEY="canned", **config)
    app.received = []

    @app.route("/<path:path>", methods=["GET", "POST"])
    def serve(path):
        query = request.query_string.decode()
        url = PUBLIC_BASE_URL + request.path + (f"?{query}" if query else "")
        signed = RequestValidator(AUTH_TOKEN).validate(
            url, request.form, request.headers.get("X-Twilio-Signature", ""))
        app.received.append(Received(request.path, query, request.form.to_dict(), signed))
        if request.path.endswith("/status"):
            return "", 204
        body = documents.get(request.path, "<Response/>")
        return body, 200, {"Content-Type": "application/xml"}

    return app
