"""Creditors and their contact lists: settings, parsing, importing, and the commands for both."""


def init_app(app):
    """Register `flask creditor …`, `flask import …` and `flask positions`."""
    from contacts.cli import init_app as init_cli
    from contacts.positions_cli import positions_command

    init_cli(app)
    app.cli.add_command(positions_command)
