"""Signing test requests the way Twilio signs its webhooks."""
from twilio.request_validator import RequestValidator

from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL


def signed_post(client, path, data=None, token=AUTH_TOKEN, base_url=PUBLIC_BASE_URL):
    data = dict(data or {})
    signature = RequestValidator(token).compute_signature(base_url + path, data)
    return client.post(path, data=data, headers={"X-Twilio-Signature": signature})
