"""The console's guards: who is logged in, what their role lets them see, CSRF tokens on every
form, and the headers that keep browsers from framing, sniffing, leaking or caching its pages.
Twilio's webhooks and the audio they play are not console pages: they have their own signature
check and content addresses."""
import functools
import hmac
import secrets

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from console.accounts import end_sessions
from db import get_session
from db.models import User

CSRF_FIELD = "csrf_token"
# Everything a page uses comes from the console itself, and none of it inline: an injected
# <script> or style attribute does not run; no plugins, no <base>, forms post only back here,
# and no other site may frame a page (clickjacking).
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"))


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a request without the cookie (every Twilio webhook)
    gets its empty session without building the signing serializer first."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def csrf_token():
    """The session's CSRF token, made on first use; every form posts it back."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf():
    """Refuse (400) a state-changing request whose form does not carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="Modulo scaduto o non valido: ricarichi la pagina e riprovi.")


def load_user():
    """The logged-in, still active user in `g.user` (None otherwise)."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = get_session().get(User, user_id)
    # The generation is checked on every request, so a cookie made before a logout or a new
    # password stops working although its signature is still good.
    if user is None or not user.active or session.get("generation") != user.session_generation:
        session.clear()
        return
    g.user = user


def log_in(user):
    session.clear()   # a new session at login: no fixation of a token set before it
    session.permanent = True
    session["user_id"], session["generation"] = user.id, user.session_generation


def log_out(user):
    """End this session and every other one of `user` (the caller commits)."""
    if user is not None:
        end_sessions(get_session(), user)
    session.clear()


def login_required(*roles):
    """The view needs a logged-in user, of one of `roles` when given (else 403)."""
    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if g.user is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if roles and g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorate


SAFETY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),   # frame-ancestors, for older browsers
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),   # searches put names in URLs
)


def secure_headers(response):
    """Add the browser's safety headers to every response; console pages are never stored,
    since they show debtors' personal data (shared computers, proxies, the back button)."""
    headers = response.headers
    # Every response (each webhook too) passes here: the names it has are looked at once, and
    # the missing ones appended, instead of a search of the headers per name.
    present = {name.lower() for name in headers.keys()}
    for name, value in SAFETY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if current_app.config["PUBLIC_BASE_URL"].startswith("https://") \
            and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000")
    if request.blueprint == "console" and request.endpoint != "console.static":
        headers["Cache-Control"] = "no-store"
    return response
