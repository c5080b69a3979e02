"""Every API request's checks before its view: the body's size, the key, the key's rate."""
import time
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import delete, update

from api.keys import authenticate
from api.problems import ApiProblem
from db import get_session, insert_ignoring
from db.models import ApiKey, ApiRateWindow, utcnow

# last_used_at is written at most this often per key: a write on every GET would be a lock.
LAST_USED_EVERY = timedelta(minutes=1)
UNGUARDED = ("api.openapi",)


def guard():
    """Run before each API view: sets `g.api_key` and `g.creditor_id`, or raises ApiProblem."""
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]
    if request.endpoint in UNGUARDED:
        return
    session = get_session()
    key = authenticate(session, _bearer())
    if key is None:
        raise ApiProblem(401, "unauthorized", "a valid API key is required: "
                         "`Authorization: Bearer KEY` (a revoked key is no longer valid)",
                         headers={"WWW-Authenticate": 'Bearer realm="cortesia"'})
    wait = _over_rate(session, key.id, current_app.config["API_RATE_PER_MINUTE"])
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now)
                        .execution_options(synchronize_session=False))
    session.commit()
    if wait:
        raise ApiProblem(429, "rate_limited", "too many requests for this key: try again after "
                         f"{wait} s", headers={"Retry-After": str(wait)})
    g.api_key_id, g.creditor_id = key.id, key.creditor_id


def _bearer():
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def _over_rate(session, key_id, per_minute):
    """Count this request in its key's minute (every web process counts the same rows); the
    seconds to wait when the minute's allowance is spent, else 0."""
    if not per_minute:
        return 0
    wall = time.time()   # the wall clock: a rate is about real seconds, not a simulated now
    minute = int(wall // 60)
    opened = session.execute(insert_ignoring(session, ApiRateWindow.__table__),
                             {"key_id": key_id, "minute": minute, "count": 0}).rowcount
    if opened:   # the key's first request this minute: its past minutes are of no more use
        session.execute(delete(ApiRateWindow).where(ApiRateWindow.key_id == key_id,
                                                    ApiRateWindow.minute < minute))
    count = session.execute(
        update(ApiRateWindow).where(ApiRateWindow.key_id == key_id,
                                    ApiRateWindow.minute == minute)
        .values(count=ApiRateWindow.count + 1).returning(ApiRateWindow.count)).scalar_one()
    if count <= per_minute:
        return 0
    return max(1, int((minute + 1) * 60 - wall + 0.999))
