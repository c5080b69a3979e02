"""Call windows on the creditor's clock and calendar."""
from datetime import date, datetime, time, timezone

from scheduler.windows import is_calling_day, open_window

WINDOWS = "08:30-12:00,14:00-17:00,18:00-21:00"


def at(text):
    return datetime.fromisoformat(text)


def test_the_window_containing_now_is_found_in_local_time():
    assert open_window(WINDOWS, "Europe/Rome", "IT", at("2026-11-23T13:15:00+00:00")) == (time(14), time(17))


def test_a_window_includes_its_start_and_excludes_its_end():
    assert open_window(WINDOWS, "Europe/Rome", "IT", at("2026-11-23T08:30:00+01:00"))
    assert open_window(WINDOWS, "Europe/Rome", "IT", at("2026-11-23T12:00:00+01:00")) is None


def test_summer_time_moves_the_window_in_utc():
    # 07:00 UTC is 09:00 in Rome in July (UTC+2), 08:00 in November (UTC+1).
    assert open_window(WINDOWS, "Europe/Rome", "IT", datetime(2026, 7, 6, 7, 0, tzinfo=timezone.utc))
    assert open_window(WINDOWS, "Europe/Rome", "IT", datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)) is None


def test_sundays_and_national_holidays_are_not_calling_days():
    assert not is_calling_day(date(2026, 11, 22), "IT")   # Sunday
    assert not is_calling_day(date(2026, 12, 25), "IT")   # Christmas
    assert not is_calling_day(date(2026, 4, 25), "IT")    # Liberation Day
    assert is_calling_day(date(2026, 11, 23), "IT")
