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
    """A user that cannot be created or changed: why, as a `code` with its `params`; str() is
    the English of the command line, the console says it in Italian (ACCOUNT_ERRORS_IT)."""

    def __init__(self, code, **params):
        self.code, self.params = code, params
        super().__init__(ACCOUNT_ERRORS[code].format(**params))

    def italian(self):
        return ACCOUNT_ERRORS_IT[self.code].format(**self.params)


ACCOUNT_ERRORS = {
    "bad_username": "a username is 1 to 80 printable characters without spaces",
    "bad_role": "the role is one of {roles}, not {role!r}",
    "creditor_for_role": "a creditor user needs --creditor, and only a creditor user has one",
    "username_taken": "a user named {username!r} exists already",
    "wrong_current_password": "the current password is not right",
    "new_passwords_differ": "the two new passwords differ",
    "same_password": "the new password must differ from the current one",
    "short_password": "the password needs at least {length} characters",
}
ACCOUNT_ERRORS_IT = {
    "bad_username": "il nome utente va da 1 a 80 caratteri stampabili, senza spazi",
    "bad_role": "il ruolo è uno tra amministratore, operatore e mandante",
    "creditor_for_role": "un utente mandante va legato a un mandante, e solo lui",
    "username_taken": "esiste già un utente «{username}»",
    "wrong_current_password": "la password attuale non è corretta",
    "new_passwords_differ": "le due nuove password non coincidono",
    "same_password": "la nuova password deve essere diversa da quella attuale",
    "short_password": "la password deve avere almeno {length} caratteri",
}


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
