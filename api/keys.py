"""Creditors' API keys: made once and shown once, kept only as a SHA-256, revoked for good.

A key is 32 random bytes: a plain SHA-256 is a safe store for it (no dictionary to try), and
one indexed lookup finds it on every request.
"""
import hashlib
import hmac
import secrets

from sqlalchemy import select

from db.models import ApiKey

KEY_PREFIX = "ctsa_"
SHOWN = len(KEY_PREFIX) + 6   # the characters a list shows to tell keys apart


class UnknownKey(LookupError):
    """No such key (or it is another creditor's)."""


def hash_key(key):
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def add_key(session, creditor, label, created_by, now):
    """A new key for `creditor`: (the ApiKey row, the key itself — never kept, shown once)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(creditor_id=creditor.id, label=(label or "").strip()[:100] or None,
                 prefix=key[:SHOWN], key_hash=hash_key(key), created_by=created_by[:200],
                 created_at=now)
    session.add(row)
    session.flush()
    return row, key


def find_key(session, key_id, creditor_id=None):
    """The key with id `key_id` (of `creditor_id` when given); raises UnknownKey."""
    row = session.get(ApiKey, key_id)
    if row is None or (creditor_id is not None and row.creditor_id != creditor_id):
        raise UnknownKey(f"no API key {key_id}")
    return row


def revoke_key(session, row, now):
    """Revoke `row` from `now` on; False when it was revoked already."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def authenticate(session, presented):
    """The live ApiKey that `presented` is, or None (unknown, revoked, or no key at all)."""
    if not presented or not presented.startswith(KEY_PREFIX) or len(presented) > 200:
        return None
    digest = hash_key(presented)
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    # The lookup is by the digest's index; compare again in constant time all the same.
    if row is None or row.revoked_at is not None or \
            not hmac.compare_digest(row.key_hash, digest):
        return None
    return row


def keys_of(session, creditor_id=None):
    query = select(ApiKey).order_by(ApiKey.creditor_id, ApiKey.id)
    if creditor_id is not None:
        query = query.where(ApiKey.creditor_id == creditor_id)
    return session.scalars(query).all()
