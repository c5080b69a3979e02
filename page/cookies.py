"""The debtor's page keeps its session in a cookie of its own: signed with SECRET_KEY under
another salt, sent only to the page's paths, and short-lived.

Flask has one session interface per app; this one hands the page's requests to a cookie
`cortesia_page` (Path=/p/) and everything else to Flask's usual `session` cookie of the
console. So the console's CSRF tokens work on the page unchanged, a debtor's identification
never rides on a console cookie, and a console cookie never opens a debtor's page.
"""
from datetime import timedelta

from flask import request
from flask.sessions import SecureCookieSessionInterface, SessionInterface

from db.models import utcnow

PREFIX = "/p"
COOKIE = "cortesia_page"
# How long an identification lasts without a new one (each answer renews it).
LIFETIME = timedelta(minutes=15)


def is_page_path(path):
    return path == PREFIX or path.startswith(PREFIX + "/")


class PageCookie(SecureCookieSessionInterface):
    salt = "cortesia-debtor-page"

    def get_cookie_name(self, app):
        return COOKIE

    def get_cookie_path(self, app):
        return PREFIX + "/"

    def get_expiration_time(self, app, session):
        return utcnow() + LIFETIME if session.permanent else None


class PageOrConsoleSessions(SessionInterface):
    """The page's cookie for the page's paths, Flask's own for the rest."""

    def __init__(self, console=None):
        self.console = console or SecureCookieSessionInterface()
        self.page = PageCookie()

    def _for(self, path):
        return self.page if is_page_path(path) else self.console

    def open_session(self, app, request_):
        return self._for(request_.path).open_session(app, request_)

    def save_session(self, app, session, response):
        return self._for(request.path).save_session(app, session, response)
