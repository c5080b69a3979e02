"""Console accounts: creating users, and checking a login without helping anyone guess.

Passwords are stored as Werkzeug hashes (scrypt). A login is refused without even checking the
password once its name or address has failed too often lately (console.throttle).
"""
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from console.throttle import reserve
from db.models import ROLES, User, utcnow

MIN_PASSWORD_LENGTH = 10
# Checked when the username is unknown, so that a miss takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("cortesia-no-such-user")


class AccountError(ValueError):
    """A user that cannot be created or changed, and why."""


def create_user(session, username, password, role, creditor=None):
    username = (username or "").strip().lower()
    if not username or len(username) > 80 or not all(c.isprintable() and not c.isspace()
                                                     for c in username):
        raise AccountError("a username is 1 to 80 printable characters without spaces")
    if role not in ROLES:
        raise AccountError(f"the role is one of {', '.join(ROLES)}, not {role!r}")
    if (role == "creditor") != (creditor is not None):
        raise AccountError("a creditor user needs --creditor, and only a creditor user has one")
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"a user named {username!r} exists already")
    user = User(username=username, password_hash=generate_password_hash(password), role=role,
                creditor_id=creditor.id if creditor else None)
    session.add(user)
    return user


def set_password(session, user, password):
    """Give `user` a new password; the sessions made with the old one end."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)


def set_active(session, user, active):
    """Let `user` log in again, or not: a disabled user's open sessions end at once."""
    user.active = active
    if not active:
        end_sessions(session, user)


def end_sessions(session, user):
    """Every console session of `user` ends: their cookies carry an older generation now."""
    session.execute(update(User).where(User.id == user.id)
                    .values(session_generation=User.session_generation + 1))
    session.refresh(user)


def _check_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def authenticate(session, username, password, address, now=None):
    """The active User for these credentials, or None; Throttled when attempts are spent.

    Every attempt that gets its password checked is recorded, successful or not; it is
    committed before the check (see console.throttle), the result is for the caller to commit.
    """
    now = now or utcnow()
    username = (username or "").strip().lower()[:80]
    attempt = reserve(session, username, address[:64], now)
    user = session.scalar(select(User).where(User.username == username))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    ok = bool(user and valid and user.active)
    attempt.succeeded = ok
    if ok:
        user.last_login_at = now
    return user if ok else None
