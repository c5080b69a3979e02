"""The HTTP API (/api/v1) for the creditors' systems, its keys, its event feed and the
outgoing webhooks."""
from api.cli import apikey_cli
from api.views import bp


def init_app(app):
    """Register the API's blueprint and `flask apikey …`."""
    app.register_blueprint(bp)
    app.cli.add_command(apikey_cli)
