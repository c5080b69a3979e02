"""Creditors and their contact lists: settings, parsing, importing, and the commands for both."""


def init_app(app):
    """Register `flask creditor …` (`pause` and `resume` too), `flask import …`, `flask payments …`, `flask positions` and
    `flask privacy …`."""
    from contacts.cli import init_app as init_cli
    from contacts.controls_cli import init_app as init_controls
    from contacts.payments_cli import payments_command
    from contacts.positions_cli import positions_command
    from contacts.privacy_cli import init_app as init_privacy

    init_cli(app)
    init_controls(app)
    app.cli.add_command(payments_command)
    app.cli.add_command(positions_command)
    init_privacy(app)
