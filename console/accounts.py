"""Console accounts: creating users, and checking a login without helping anyone guess.

Passwords are stored as Werkzeug hashes (scrypt). A login is refused without even checking the
password once its name or address has failed too often lately (console.throttle).
"""
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from console.throttle import reserve
from db.models import ROLES, User, utcnow
from domain.wording import N_, Coded, register

MIN_PASSWORD_LENGTH = 10
# Checked when the username is unknown, so that a miss takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("cortesia-no-such-user")


class AccountError(Coded):
    """A user that cannot be created or changed: a code of ACCOUNT_ERRORS and its facts; str()
    is the English of the command line, the console says it in Italian (console.i18n)."""


ACCOUNT_ERRORS = register({
    "bad_username": N_("a username is 1 to 80 printable characters without spaces"),
    "bad_role": N_("the role is one of {roles}, not {role!r}"),
    "creditor_for_role": N_("a creditor user needs --creditor, and only a creditor user has one"),
    "username_taken": N_("a user named {username!r} exists already"),
    "wrong_current_password": N_("the current password is not right"),
    "new_passwords_differ": N_("the two new passwords differ"),
    "same_password": N_("the new password must differ from the current one"),
    "short_password": N_("the password needs at least {length} characters"),
})


def create_user(session, username, password, role, creditor=None):
    username = (username or "").strip().lower()
    if not username or len(username) > 80 or not all(c.isprintable() and not c.isspace()
                                                     for c in username):
        raise AccountError("bad_username")
    if role not in ROLES:
        raise AccountError("bad_role", roles=", ".join(ROLES), role=role)
    if (role == "creditor") != (creditor is not None):
        raise AccountError("creditor_for_role")
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError("username_taken", username=username)
    user = User(username=username, password_hash=generate_password_hash(password), role=role,
                creditor_id=creditor.id if creditor else None)
    session.add(user)
    return user


def set_password(session, user, password, temporary=False):
    """Give `user` a new password; the sessions made with the old one end. A `temporary` one
    (an admin's reset) lets them in only to choose their own."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    user.must_change_password = temporary
    end_sessions(session, user)


def change_own_password(session, user, current, new, repeated):
    """The user's own new password, after the current one: AccountError when the current one
    is wrong, the two new ones differ or the new one is the current one."""
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError("wrong_current_password")
    if new != repeated:
        raise AccountError("new_passwords_differ")
    if check_password_hash(user.password_hash, new or ""):
        raise AccountError("same_password")
    set_password(session, user, new)


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
        raise AccountError("short_password", length=MIN_PASSWORD_LENGTH)


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
