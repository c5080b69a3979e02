"""Login throttling: slow down whoever guesses passwords (or a debtor's page codes), not the
user they guess at.

Failed logins are counted in the database, so every web process counts the same ones, over a
sliding window, three ways:

- per name and address: the guesser's own tries at one account (a login forgives the typos
  made before it, from that address only);
- per address, whatever the name: a guesser trying many accounts (their own account's login
  forgives nothing here);
- per name, from every address: a looser ceiling for guessing spread over many addresses,
  which spares the addresses the user logged in from lately, so the user is not locked out.

Each *scope* counts apart: the console's logins (`console`) and the debtor's page's
verification codes (`page`) share this code, never their counters, so a debtor's wrong codes
never lock the console out of an office's address, nor failed logins a debtor's page.

An attempt is *reserved* — recorded, still unresolved, and committed — before it is counted
and before its password is checked. Concurrent attempts therefore count each other: of N
guesses sent at once, no more than the limit get their password checked (a burst may have a
few more refused than strictly needed, never more checked). An attempt whose process died
during the check stays unresolved, and counts as a failure until it leaves the window.
"""
from datetime import timedelta

from sqlalchemy import and_, delete, exists, func, or_, select

from db.models import LoginAttempt

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME_AND_ADDRESS = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_USERNAME = 50
# A login from an address in this time makes it the user's own for the per-name ceiling.
KNOWN_ADDRESS_AGE = timedelta(days=30)
CONSOLE = "console"   # the console's logins
PAGE = "page"         # the debtor's page's verification codes


class Throttled(Exception):
    """Too many failed logins: try again after `minutes`."""

    def __init__(self, minutes):
        super().__init__(f"too many failed logins; try again in {minutes} minutes")
        self.minutes = minutes


def reserve(session, username, address, now, scope=CONSOLE):
    """The committed, unresolved LoginAttempt to check the password for; Throttled (and the
    attempt withdrawn) when the name or the address has failed too often in `scope`."""
    forget_old_attempts(session, now)
    attempt = LoginAttempt(scope=scope, username=username, address=address, succeeded=None,
                           at=now)
    session.add(attempt)
    session.commit()
    wait = _wait(session, scope, username, address, now)
    if wait is not None:
        session.delete(attempt)   # a refused attempt is not a failure: it checked nothing
        session.commit()
        raise Throttled(max(1, round(wait.total_seconds() / 60)))
    return attempt


def forget_old_attempts(session, now):
    """Drop the attempts no limit looks at any more: failures out of the window, logins older
    than KNOWN_ADDRESS_AGE. So the table holds minutes of guesses and a month of logins."""
    session.execute(delete(LoginAttempt).where(or_(
        LoginAttempt.at < now - KNOWN_ADDRESS_AGE,
        and_(LoginAttempt.succeeded.is_not(True), LoginAttempt.at < now - THROTTLE_WINDOW))))


def _wait(session, scope, username, address, now):
    """How long until the first limit exceeded frees up, or None when none is."""
    since = now - THROTTLE_WINDOW
    mine = LoginAttempt.scope == scope
    name, place = LoginAttempt.username == username, LoginAttempt.address == address
    forgiven = session.scalar(select(func.max(LoginAttempt.at)).where(
        mine, name, place, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since))
    limits = [(and_(name, place, LoginAttempt.at >= (forgiven or since)),
               MAX_FAILURES_PER_NAME_AND_ADDRESS),
              (place, MAX_FAILURES_PER_ADDRESS)]
    if not _known_address(session, scope, username, address, now):
        limits.append((name, MAX_FAILURES_PER_USERNAME))
    for condition, limit in limits:
        # Unresolved attempts count as failures: they may be, and they count themselves.
        count, oldest = session.execute(select(func.count(), func.min(LoginAttempt.at)).where(
            mine, condition, LoginAttempt.succeeded.is_not(True), LoginAttempt.at >= since)).one()
        if count > limit:
            return oldest + THROTTLE_WINDOW - now
    return None


def _known_address(session, scope, username, address, now):
    return session.scalar(select(exists().where(
        LoginAttempt.scope == scope, LoginAttempt.username == username,
        LoginAttempt.address == address, LoginAttempt.succeeded.is_(True),
        LoginAttempt.at >= now - KNOWN_ADDRESS_AGE)))
