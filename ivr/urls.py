"""Webhook URLs under PUBLIC_BASE_URL: what Twilio is told to call for each attempt."""
from flask import current_app


def webhook_url(attempt, step, app=None, **query):
    base = (app or current_app).config["PUBLIC_BASE_URL"]
    url = f"{base}/ivr/{attempt.token}/{step}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    return url


def answer_url(attempt, app=None):
    """Twilio's `Url`: fetched when the callee picks up."""
    return webhook_url(attempt, "answer", app)


def status_url(attempt, app=None):
    """Twilio's `StatusCallback`: every change of the call's status."""
    return webhook_url(attempt, "status", app)
