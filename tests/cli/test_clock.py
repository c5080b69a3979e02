"""`--now` on the command line: ISO 8601, offsets kept, naive times read in TIMEZONE."""
from datetime import datetime, timedelta, timezone

import click
import pytest
from click.testing import CliRunner

from cli.clock import Instant, now_option, parse_instant


@click.command()
@now_option("The clock.")
def show(now):
    click.echo(now.isoformat())


def run(*args, runner=None):
    return (runner or CliRunner()).invoke(show, list(args))


def test_a_time_without_offset_is_read_in_the_given_timezone():
    assert parse_instant("2026-11-24T10:00", "Europe/Rome").isoformat() == \
        "2026-11-24T10:00:00+01:00"
    assert parse_instant("2026-07-01T10:00", "Europe/Rome").utcoffset() == timedelta(hours=2)


def test_an_offset_is_kept_as_written():
    moment = parse_instant("2026-11-24T10:00+05:30", "Europe/Rome")
    assert moment.utcoffset() == timedelta(hours=5, minutes=30) and moment.hour == 10


def test_z_means_utc():
    assert parse_instant("2026-11-24T09:00Z", "Europe/Rome") == \
        datetime(2026, 11, 24, 9, tzinfo=timezone.utc)


def test_garbage_is_a_value_error_that_quotes_it():
    with pytest.raises(ValueError, match=r"not an ISO 8601 date and time: 'tomorrow'"):
        parse_instant("tomorrow", "Europe/Rome")


def test_the_option_refuses_garbage_naming_the_option():
    result = run("--now", "tomorrow")
    assert result.exit_code == 2
    assert "Invalid value for '--now': not an ISO 8601 date and time: 'tomorrow'" in result.output


def test_the_option_without_a_value_is_the_current_aware_time():
    for result in (run(), run("--now", "")):
        now = datetime.fromisoformat(result.output.strip())
        assert now.tzinfo is not None
        assert abs(now - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_the_option_reads_a_naive_time_in_the_app_timezone(app):
    app.config["TIMEZONE"] = "America/New_York"
    result = run("--now", "2026-11-24T10:00", runner=app.test_cli_runner())
    assert result.output.strip() == "2026-11-24T10:00:00-05:00"


def test_the_type_can_be_given_its_own_timezone():
    assert Instant("Asia/Tokyo").convert("2026-11-24T10:00", None, None).utcoffset() == \
        timedelta(hours=9)
