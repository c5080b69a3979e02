"""The clock on the command line: `--now ISO8601`, read the same way by every command.

`2026-11-24T10:00+01:00` and `2026-11-24T09:00Z` are kept as written (same instant); a time
without an offset, `2026-11-24T10:00`, is read in the app's TIMEZONE (the creditors' default,
Europe/Rome), on the wall clock: in summer that is +02:00. Without `--now`, or with an empty
one (`--now "$AT"` with AT unset), the command runs at the current time.

It lives with the other helpers every part's commands share, so no part's commands import
another part's.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app, has_app_context
from flask.cli import ScriptInfo

from db.models import utcnow


def parse_instant(text, timezone_name):
    """An aware datetime from ISO 8601 `text`; without an offset it is read in `timezone_name`.

    Raises ValueError, with a message for the user, when `text` is not ISO 8601.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 date and time: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone_name))


class Instant(click.ParamType):
    """`parse_instant` as a click type: naive times in `timezone`, by default the app's TIMEZONE."""

    name = "instant"

    def __init__(self, timezone=None):
        self.timezone = timezone

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value  # the default, utcnow()
        if value == "":
            return utcnow()
        try:
            return parse_instant(value, self.timezone or _app_timezone(ctx))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _app_timezone(ctx):
    """The TIMEZONE of the command's app.

    `flask` pushes the app context before options are converted; a test runner on `app.cli`
    does not, so the app is found the way `with_appcontext` finds it.
    """
    if has_app_context():
        return current_app.config["TIMEZONE"]
    ctx = ctx or click.get_current_context()
    return ctx.ensure_object(ScriptInfo).load_app().config["TIMEZONE"]


def now_option(help_text):
    """The `--now ISO8601` option, given to the command as `now`; absent, the current time."""
    return click.option("--now", type=Instant(), default=utcnow, metavar="ISO8601",
                        help=help_text)
