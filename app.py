"""Cortesia: the application factory, the only place an app is built."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import audio
import config
import console
import contacts
import db
import ivr
import notify
import reports
import scheduler
import telephony


def create_app(test_config=None):
    """Build the app from the environment, or from `test_config` on top of it in tests."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.load_config())
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY_GIVEN"] and not (test_config or {}).get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.instance_path)
    # Behind a proxy that terminates HTTPS; webhook signatures use PUBLIC_BASE_URL regardless.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    for part in (db, contacts, telephony, ivr, audio, notify, reports, scheduler, console):
        part.init_app(app)
    return app
