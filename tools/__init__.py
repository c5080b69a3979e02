"""Tools built on the whole app: `flask simulate` runs a campaign on an app of its own.

The app's factory is handed in by `create_app` rather than imported, so `app` may register
the tool without the two importing each other.
"""
from tools.simulate import simulate_command


def init_app(app, factory):
    """Register `flask simulate`; `factory` (create_app) builds the campaign's own app."""
    app.extensions["cortesia.factory"] = factory
    app.cli.add_command(simulate_command)
