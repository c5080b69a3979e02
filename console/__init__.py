"""Pages for admins, collectors and creditors (login first), and the health check."""
import threading

from flask import jsonify
from sqlalchemy import text

from db import get_sessionmaker

# A load balancer waits a few seconds for /healthz; a connect timeout is at least 2 s.
HEALTHZ_WAIT = 1.5


def healthz():
    if not _database_answers(get_sessionmaker(), HEALTHZ_WAIT):
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def _database_answers(sessionmaker, wait):
    """Whether `SELECT 1` succeeds within `wait` seconds. It runs in a thread of its own, left
    to end by the database's own timeouts, so a hung database costs this request `wait`."""
    done, answers = threading.Event(), []

    def probe():
        try:
            with sessionmaker() as session:
                session.execute(text("SELECT 1"))
            answers.append(True)
        except Exception:  # noqa: BLE001 - any database failure means: out of rotation
            pass
        finally:
            done.set()

    threading.Thread(target=probe, name="healthz-probe", daemon=True).start()
    return done.wait(wait) and bool(answers)


def init_app(app):
    from console import (  # noqa: F401 - pages
        admin, api_admin, campaign, dashboard, lists, messages, position_actions, positions,
        privacy,
        prompts, queue)
    from console import errors, i18n
    from console.cli import user_cli
    from console.filters import FILTERS
    from console.history import FILTERS as HISTORY_FILTERS
    from console.searches import page_links
    from console.forms import RecordIdConverter
    from console.security import csrf_token, secure_headers
    from console.timeline import FILTERS as TIMELINE_FILTERS
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
    errors.init_app(app)
    i18n.init_app(app)
    app.after_request(secure_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["page_links"] = page_links
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.filters.update(TIMELINE_FILTERS)
    app.jinja_env.filters.update(HISTORY_FILTERS)
    app.cli.add_command(user_cli)
