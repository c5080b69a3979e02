"""Call windows: read from a creditor's text, written back, and on the creditor's calendar."""
from datetime import date, time

import pytest

from domain.windows import CallWindow, WindowError, format_windows, is_calling_day, parse_windows


def test_windows_parse_into_start_and_end_times():
    assert parse_windows("08:30-12:00, 14:00-17:00,18:00-21:00") == (
        CallWindow(time(8, 30), time(12)), CallWindow(time(14), time(17)),
        CallWindow(time(18), time(21)))


def test_a_window_may_start_where_the_previous_ends():
    assert parse_windows("08:00-12:00,12:00-13:00")[1] == CallWindow(time(12), time(13))


@pytest.mark.parametrize("text, reason", [
    ("08:00-12:00,11:00-13:00", "starts before the previous one ends"),
    ("14:00-17:00,08:00-12:00", "starts before the previous one ends"),
    ("12:00-08:00", "ends before it starts"),
    ("09:00-09:00", "ends before it starts"),
    ("8-12", "not a time"),
    ("24:00-25:00", "not a time"),
    ("08:00", "not like 08:30-12:00"),
    ("", "not like 08:30-12:00"),
])
def test_bad_windows_are_refused_with_the_reason(text, reason):
    with pytest.raises(WindowError, match=reason):
        parse_windows(text)


def test_windows_round_trip_to_canonical_text():
    assert format_windows(parse_windows("8:30-12:00,14:00-17:00")) == "08:30-12:00,14:00-17:00"


def test_a_window_is_labelled_as_attempts_store_it():
    assert CallWindow.parse("8:30-12:00").label == "08:30-12:00"
    assert str(CallWindow(time(14), time(17))) == "14:00-17:00"


def test_a_window_includes_its_start_and_excludes_its_end():
    window = CallWindow.parse("08:30-12:00")
    assert window.contains(time(8, 30)) and window.contains(time(11, 59))
    assert not window.contains(time(12)) and not window.contains(time(8, 29))


def test_windows_order_by_the_time_they_open():
    evening, morning = CallWindow.parse("18:00-21:00"), CallWindow.parse("08:30-12:00")
    assert sorted([evening, morning]) == [morning, evening]


def test_sundays_and_national_holidays_are_not_calling_days():
    assert not is_calling_day(date(2026, 11, 22), "IT")   # Sunday
    assert not is_calling_day(date(2026, 12, 25), "IT")   # Christmas
    assert not is_calling_day(date(2026, 4, 25), "IT")    # Liberation Day
    assert is_calling_day(date(2026, 11, 23), "IT")
