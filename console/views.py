"""Login, logout and the home page of each role."""
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from console.accounts import AccountError, authenticate, change_own_password
from console.filters import home_zone
from console.forms import FormError, clean_text, has_control, shown
from console.i18n import CONSOLE_LOCALE, say
from console.security import check_csrf, load_user, log_in, log_out, login_required
from console.throttle import Throttled
from db import get_session
from db.models import utcnow
from prompts.greetings import salutation_at

bp = Blueprint("console", __name__, template_folder="templates", static_folder="static",
               static_url_path="/console/static")


# What a user whose password an admin set may open before choosing their own.
BEFORE_OWN_PASSWORD = ("console.own_password", "console.logout", "console.login",
                       "console.login_post", "console.static")


@bp.before_app_request
def _guards():
    # Only console pages: the webhooks and audio have their own checks and no cookies.
    if request.blueprint == "console":
        load_user()
        check_csrf()
        if g.user is not None and g.user.must_change_password \
                and request.endpoint not in BEFORE_OWN_PASSWORD:
            return redirect(url_for("console.own_password"))
    return None


@bp.get("/login")
def login():
    return render_template("console/login.html", next=_safe_next(request.args.get("next")))


@bp.post("/login")
def login_post():
    session = get_session()
    address = request.remote_addr or "-"
    try:
        username = clean_text(request.form.get("username"), "Nome utente")
    except FormError as exc:   # no such name can exist: nothing to check or count
        flash(f"{exc}.", "error")
        return render_template("console/login.html", next=_safe_next(request.form.get("next")),
                               username=shown(request.form.get("username"))), 400
    try:
        user = authenticate(session, username, request.form.get("password"), address)
    except Throttled as exc:
        session.commit()
        flash(f"Troppi tentativi non riusciti: riprovi tra {exc.minutes} minuti.", "error")
        return render_template("console/login.html", next=request.form.get("next")), 429
    session.commit()
    if user is None:
        flash("Nome utente o password non corretti.", "error")
        return render_template("console/login.html", next=request.form.get("next")), 401
    log_in(user)
    return redirect(_safe_next(request.form.get("next")) or url_for("console.home"))


@bp.post("/logout")
def logout():
    log_out(g.user)
    get_session().commit()
    flash("Uscita eseguita.", "info")
    return redirect(url_for("console.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required()
def own_password():
    """The user's own password: after an admin's reset, before anything else."""
    if request.method == "GET":
        return render_template("console/own_password.html")
    session = get_session()
    user = g.user
    try:
        change_own_password(session, user, request.form.get("current"), request.form.get("new"),
                            request.form.get("repeated"))
    except AccountError as exc:
        session.rollback()
        flash(f"Password non cambiata: {say(exc)}.", "error")
        return render_template("console/own_password.html"), 400
    session.commit()
    log_in(user)   # the new password ended every session, this one too: a fresh one
    flash("Password cambiata.", "info")
    return redirect(url_for("console.home"))


@bp.get("/")
@login_required()
def home():
    # The greeting of the hour on the user's clock: a creditor's user on the creditor's.
    zone = ZoneInfo(g.user.creditor.timezone) if g.user.creditor else home_zone()
    return render_template("console/home.html", user=g.user,
                           greeting=salutation_at(CONSOLE_LOCALE, utcnow(), zone))


def _safe_next(target):
    """Only a path on this site: never an address elsewhere (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or has_control(target) or "\\" in target:   # browsers read \ as /
        return None
    return target
