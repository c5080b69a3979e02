"""Console accounts: creating users, and checking a login without helping anyone guess.

Passwords are stored as Werkzeug hashes (scrypt). A login is refused without even checking the
password once a username, or an address, has failed too often in the last minutes: the
attempts are in the database, so every web process counts the same ones.
"""
from datetime import timedelta

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from db.models import ROLES, LoginAttempt, User, utcnow

MIN_PASSWORD_LENGTH = 10
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20
# Checked when the username is unknown, so that a miss takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("cortesia-no-such-user")


class AccountError(ValueError):
    """A user that cannot be created or changed, and why."""


class Throttled(Exception):
    """Too many failed logins: try again after `minutes`."""

    def __init__(self, minutes):
        super().__init__(f"too many failed logins; try again in {minutes} minutes")
        self.minutes = minutes


def create_user(session, username, password, role, creditor=None):
    username = (username or "").strip().lower()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise AccountError("a username is 1 to 80 characters without spaces")
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

    Every attempt is recorded, successful or not.
    """
    now = now or utcnow()
    username = (username or "").strip().lower()[:80]
    _check_throttle(session, username, address, now)
    user = session.scalar(select(User).where(User.username == username))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    ok = bool(user and valid and user.active)
    session.add(LoginAttempt(username=username, address=address[:64], succeeded=ok, at=now))
    if ok:
        user.last_login_at = now
    return user if ok else None


def _check_throttle(session, username, address, now):
    since = now - THROTTLE_WINDOW
    for column, value, limit in ((LoginAttempt.username, username, MAX_FAILURES_PER_USERNAME),
                                 (LoginAttempt.address, address, MAX_FAILURES_PER_ADDRESS)):
        last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
            column == value, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since))
        failures = session.execute(select(func.count(), func.min(LoginAttempt.at)).where(
            column == value, LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= (last_success or since))).one()
        if failures[0] >= limit:
            wait = failures[1] + THROTTLE_WINDOW - now
            raise Throttled(max(1, round(wait.total_seconds() / 60)))
