"""Daily reports: the CSV of each creditor's day, on demand and at 23:30 creditor time."""
from reports.cli import report_command


def init_app(app):
    app.cli.add_command(report_command)
