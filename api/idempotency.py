"""Idempotency-Key: the first answer to a keyed request is kept, in the transaction of its
work, and given again to every retry of the same request; the same key with another body is
refused. Two requests with one key at once: the second waits on the key's unique row, then
answers what the first did."""
import hashlib
import json
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from api.problems import ApiProblem
from db.models import ApiIdempotency

MAX_KEY = 200
KEPT = timedelta(days=7)   # how long a retry is recognised (README: "Idempotency-Key")


def request_hash(method, path, body):
    return hashlib.sha256(b"%s %s\n" % (method.encode(), path.encode()) + body).hexdigest()


def check_key(key):
    if key is not None and not (0 < len(key) <= MAX_KEY and key.isprintable()):
        raise ApiProblem(400, "invalid_idempotency_key",
                         f"Idempotency-Key must be 1 to {MAX_KEY} printable characters")


def claim(session, creditor_id, key, digest, now):
    """Take `key` for this request, in the caller's transaction: None when it is new (the
    caller does the work, then `keep`s its answer and commits both); the kept (status, body)
    when the key was used before for the same request. Raises for another request's key."""
    kept = _kept(session, creditor_id, key, digest)
    if kept is not None:
        return kept
    try:
        with session.begin_nested():
            session.add(ApiIdempotency(creditor_id=creditor_id, key=key, request_hash=digest,
                                       status_code=0, body="", created_at=now))
    except IntegrityError:
        # Another request with this key got there first: its answer, once it committed.
        session.rollback()
        return _kept(session, creditor_id, key, digest)
    return None


def keep(session, creditor_id, key, status, body):
    """The answer to keep for the key this request claimed."""
    row = session.scalar(select(ApiIdempotency).where(ApiIdempotency.creditor_id == creditor_id,
                                                      ApiIdempotency.key == key))
    row.status_code, row.body = status, json.dumps(body)


def _kept(session, creditor_id, key, digest):
    row = session.scalar(select(ApiIdempotency).where(ApiIdempotency.creditor_id == creditor_id,
                                                      ApiIdempotency.key == key))
    if row is None:
        return None
    if row.request_hash != digest:
        raise ApiProblem(422, "idempotency_key_reused", "this Idempotency-Key was used for "
                         "another request: use a new key for new work")
    return row.status_code, json.loads(row.body)


def forget_old(session, now):
    """Drop the answers kept longer than KEPT; how many. Looked for first (an indexed read):
    a DELETE that matches nothing would still take SQLite's write lock, every few seconds."""
    old = ApiIdempotency.created_at < now - KEPT
    if session.scalar(select(ApiIdempotency.id).where(old).limit(1)) is None:
        return 0
    return session.execute(delete(ApiIdempotency).where(old)
                           .execution_options(synchronize_session=False)).rowcount
