"""Pages for admins, collectors and creditors (login first), and the health check."""
from flask import jsonify
from sqlalchemy import text

from db import get_session


def healthz():
    try:
        get_session().execute(text("SELECT 1"))
    except Exception:  # any database failure means: take this process out of rotation
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def init_app(app):
    from console import admin, dashboard, lists, positions, prompts, queue  # noqa: F401 - pages
    from console.cli import user_cli
    from console.filters import FILTERS
    from console.forms import RecordIdConverter
    from console.security import csrf_token, secure_headers
    from console.views import bp

    # Flask's defaults are looser: a cookie sent over plain HTTP, to cross-site requests, for
    # a month. The console is served where Twilio reaches us, so HTTPS whenever that is.
    app.config.update(SESSION_COOKIE_SECURE=app.config["PUBLIC_BASE_URL"].startswith("https://"),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=8 * 3600,   # a working day
                      MAX_CONTENT_LENGTH=50 * 1024 * 1024)   # uploads: 50 MB is a big list
    app.add_url_rule("/healthz", "healthz", healthz)
    app.url_map.converters["id"] = RecordIdConverter   # before the routes that use it
    app.register_blueprint(bp)
    app.after_request(secure_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.filters.update(FILTERS)
    app.cli.add_command(user_cli)
