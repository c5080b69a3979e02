"""Daily reports: the CSV of each creditor's day, on demand and at 23:30 creditor time; the
hand-over of ended positions."""
from reports.cli import handover_command, report_command


def init_app(app):
    app.cli.add_command(report_command)
    app.cli.add_command(handover_command)
