"""Serving recordings and synthesized clips to Twilio's <Play>: by content address,
cacheable for ever (their URLs are built by audio.urls).

No login (Twilio fetches them) and no personal data in them: both are a creditor's fixed
sentences; the debtor's own values are spoken by <Say>.
"""
from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select

from db import get_session
from db.models import Recording

bp = Blueprint("audio", __name__, url_prefix="/audio")

ONE_YEAR = 365 * 24 * 3600


@bp.get("/recordings/<sha256>.wav")
def recording(sha256):
    if request.if_none_match.contains(sha256):
        return _cached(Response(status=304), sha256)
    wav = get_session().scalar(select(Recording.wav).where(Recording.sha256 == sha256).limit(1))
    if wav is None:
        abort(404)
    return _cached(Response(wav, mimetype="audio/wav"), sha256)


@bp.get("/clips/<key>.mp3")
def clip(key):
    renderer = current_app.extensions.get("cortesia.renderer")
    if renderer is None or not _is_key(key) or not renderer.cache.has(key):
        abort(404)
    if request.if_none_match.contains(key):
        return _cached(Response(status=304), key)
    return _cached(Response(renderer.cache.read(key), mimetype=renderer.engine.mimetype), key)


def _is_key(key):
    return len(key) == 64 and all(c in "0123456789abcdef" for c in key)


def _cached(response, sha256):
    # The address is the content's hash: what it names never changes.
    response.set_etag(sha256)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
