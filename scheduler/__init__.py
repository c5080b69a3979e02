"""The dialer: dial passes from the command line and the long-running worker."""
from scheduler.cli import dial_command, tick_command
from scheduler.worker import worker_command


def init_app(app):
    app.cli.add_command(dial_command)
    app.cli.add_command(tick_command)
    app.cli.add_command(worker_command)
