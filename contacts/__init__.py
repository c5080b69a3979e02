"""Creditors and their contact lists: settings, parsing, importing, and the commands for both."""


def init_app(app):
    """Register `flask creditor …` and `flask import …`."""
    from contacts.cli import init_app as init_cli

    init_cli(app)
