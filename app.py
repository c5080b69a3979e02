"""Cortesia: the application factory, the only place an app is built."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import api
import audio
import config
import console
import contacts
import db
import ivr
import notify
import page
import policy
import reports
import scheduler
import telephony
import tools


def create_app(test_config=None):
    """Build the app from the environment, or from `test_config` on top of it in tests."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.load_config())
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY_GIVEN"] and not (test_config or {}).get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.instance_path)
    # Only proxies we were told of may say who the client is: login throttling counts by
    # address, and a forged X-Forwarded-For would make every guess a new client. Webhook
    # signatures use PUBLIC_BASE_URL regardless.
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    for part in (db, contacts, telephony, ivr, audio, notify, reports, scheduler, console, page,
                 policy, api):
        part.init_app(app)
    tools.init_app(app, create_app)   # the simulator builds a campaign app of its own
    return app
