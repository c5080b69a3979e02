"""Uploaded contact lists waiting in the instance folder: readable by this user only, removed
on every way out (confirmed, cancelled, refused, failed) and swept after an hour otherwise."""
import glob
import os
import secrets
import shutil
import stat
import time

from flask import current_app

MAX_AGE_SECONDS = 3600
_TOKEN_LENGTH = 32


def folder():
    path = os.path.join(current_app.instance_path, "uploads")
    os.makedirs(path, mode=0o700, exist_ok=True)
    if stat.S_IMODE(os.stat(path).st_mode) != 0o700:  # made by an older version, or by hand
        os.chmod(path, 0o700)
    return path


def save(upload, suffix):
    """Write the uploaded file under a new random token, mode 0600; returns the token."""
    token = secrets.token_hex(_TOKEN_LENGTH // 2)
    handle = os.open(path_of(token, suffix), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as target:
            shutil.copyfileobj(upload.stream, target, 1 << 20)
    except BaseException:
        discard(token)
        raise
    return token


def is_token(token):
    return len(token) == _TOKEN_LENGTH and all(c in "0123456789abcdef" for c in token)


def path_of(token, suffix):
    """The file of `token` with `suffix` (`.csv`, `.json`…); the token must be checked first."""
    return os.path.join(folder(), token + suffix)


def discard(token):
    """Remove every file of `token`."""
    for path in glob.glob(os.path.join(folder(), token + ".*")):
        remove(path)


def sweep(max_age=MAX_AGE_SECONDS, now=None):
    """Remove files not touched for `max_age` seconds: previews nobody confirmed or cancelled."""
    limit = (now or time.time()) - max_age
    removed = 0
    with os.scandir(folder()) as entries:
        for entry in entries:
            try:
                stale = entry.is_file() and entry.stat().st_mtime < limit
            except FileNotFoundError:
                continue
            if stale:
                removed += remove(entry.path)
    return removed


def remove(path):
    """Remove one file; 1 if this call removed it, 0 if it was already gone."""
    try:
        os.remove(path)
        return 1
    except FileNotFoundError:  # another process got there first
        return 0
