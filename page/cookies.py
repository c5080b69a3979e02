"""The debtor's page keeps its session in a cookie of its own: signed with SECRET_KEY under
another salt, sent only to the page's paths, and short-lived.

Flask has one session interface per app; this one hands the page's requests to a cookie
`cortesia_page` (Path=/p/) and everything else to Flask's usual `session` cookie of the
console. So the console's CSRF tokens work on the page unchanged, a debtor's identification
never rides on a console cookie, and a console cookie never opens a debtor's page.
"""
from datetime import timedelta

from flask import request

from console.security import CookieSessions
from db.models import utcnow

PREFIX = "/p"
COOKIE = "cortesia_page"
# How long an identification lasts without a new one (each answer renews it).
LIFETIME = timedelta(minutes=15)


def is_page_path(path):
    return path == PREFIX or path.startswith(PREFIX + "/")


class PageCookie(CookieSessions):
    salt = "cortesia-debtor-page"

    def get_cookie_name(self, app):
        return COOKIE

    def get_cookie_path(self, app):
        return PREFIX + "/"

    def get_expiration_time(self, app, session):
        return utcnow() + LIFETIME if session.permanent else None


class PageOrConsoleSessions(CookieSessions):
    """Flask's own sessions, but the page's paths get the page's cookie (a request without its
    cookie, every Twilio webhook among them, opens an empty one at no cost)."""

    page = PageCookie()

    def open_session(self, app, request_):
        if is_page_path(request_.path):
            return self.page.open_session(app, request_)
        return super().open_session(app, request_)

    def save_session(self, app, session, response):
        if is_page_path(request.path):
            return self.page.save_session(app, session, response)
        return super().save_session(app, session, response)
