"""Pages for admins, collectors and creditors; for now the health check load balancers ask."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from db import get_session

bp = Blueprint("console", __name__)


@bp.get("/healthz")
def healthz():
    try:
        get_session().execute(text("SELECT 1"))
    except Exception:  # any database failure means: take this process out of rotation
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def init_app(app):
    app.register_blueprint(bp)
