"""Windows and retries, on plain values: no Flask, no database."""
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from domain.windows import CallWindow
from scheduler.retries import (
    CallRules, PastAttempt, allowed_windows, ended_without_outcome, open_window, plan_attempt,
    window_end,
)

ROME = ZoneInfo("Europe/Rome")
RULES = CallRules.from_text("08:30-12:00,14:00-17:00,18:00-21:00", "Europe/Rome", "IT")


def rome(*args):
    return datetime(*args, tzinfo=ROME)


def local(plan):
    return plan.due_at.astimezone(ROME)


def test_a_retry_goes_to_a_later_different_window_at_least_min_gap_after():
    # Placed Monday 11:50: 14:00 is less than two hours later, so the retry waits for 13:50+.
    history = [PastAttempt("08:30-12:00", rome(2026, 11, 23, 11, 50))]
    plan = plan_attempt(RULES, history, after=rome(2026, 11, 23, 11, 51))
    assert plan.window == "14:00-17:00" and local(plan) == rome(2026, 11, 23, 14, 0)


def test_min_gap_pushes_the_retry_inside_the_next_window():
    history = [PastAttempt("08:30-12:00", rome(2026, 11, 23, 10, 0))]
    rules = CallRules.from_text("08:30-12:00,12:00-17:00", "Europe/Rome", "IT",
                                min_gap_seconds=3 * 3600)
    plan = plan_attempt(rules, history, after=rome(2026, 11, 23, 10, 1))
    assert plan.window == "12:00-17:00" and local(plan) == rome(2026, 11, 23, 13, 0)


def test_the_retry_skips_the_window_of_the_previous_attempt():
    history = [PastAttempt("14:00-17:00", rome(2026, 11, 23, 14, 0))]
    plan = plan_attempt(RULES, history, after=rome(2026, 11, 23, 16, 30))
    assert plan.window == "18:00-21:00"


def test_untried_windows_come_before_tried_ones():
    history = [PastAttempt("18:00-21:00", rome(2026, 11, 23, 18, 0)),
               PastAttempt("08:30-12:00", rome(2026, 11, 24, 8, 30))]
    assert allowed_windows(RULES, history) == ["14:00-17:00"]
    plan = plan_attempt(RULES, history, after=rome(2026, 11, 24, 8, 31))
    assert plan.window == "14:00-17:00" and local(plan) == rome(2026, 11, 24, 14, 0)


def test_with_every_window_tried_only_the_previous_one_is_excluded():
    rules = CallRules.from_text("08:30-12:00,14:00-17:00", "Europe/Rome", "IT", max_attempts=4)
    history = [PastAttempt("08:30-12:00", rome(2026, 11, 23, 9, 0)),
               PastAttempt("14:00-17:00", rome(2026, 11, 23, 14, 0))]
    assert allowed_windows(rules, history) == ["08:30-12:00"]
    assert local(plan_attempt(rules, history, rome(2026, 11, 23, 14, 1))) == rome(2026, 11, 24, 8, 30)


def test_a_single_window_retries_on_a_later_day():
    rules = CallRules.from_text("09:00-18:00", "Europe/Rome", "IT", min_gap_seconds=0)
    history = [PastAttempt("09:00-18:00", rome(2026, 11, 23, 9, 0))]
    assert local(plan_attempt(rules, history, rome(2026, 11, 23, 9, 1))) == rome(2026, 11, 24, 9, 0)


def test_no_attempt_beyond_max_attempts():
    history = [PastAttempt("08:30-12:00", rome(2026, 11, 23, 9, 0)),
               PastAttempt("14:00-17:00", rome(2026, 11, 23, 14, 0)),
               PastAttempt("18:00-21:00", rome(2026, 11, 23, 18, 0))]
    assert plan_attempt(RULES, history, rome(2026, 11, 23, 18, 1)) is None
    assert plan_attempt(RULES, history[:2], rome(2026, 11, 23, 14, 1)) is not None


def test_saturday_evening_retries_skip_sunday_to_monday():
    history = [PastAttempt("18:00-21:00", rome(2026, 11, 28, 18, 0))]   # a Saturday
    plan = plan_attempt(RULES, history, rome(2026, 11, 28, 18, 1))
    assert local(plan) == rome(2026, 11, 30, 8, 30) and plan.window == "08:30-12:00"


def test_national_holidays_are_skipped():
    history = [PastAttempt("18:00-21:00", rome(2026, 12, 7, 18, 0))]    # the eve of Immacolata
    assert local(plan_attempt(RULES, history, rome(2026, 12, 7, 18, 1))).date() == \
        rome(2026, 12, 9, 0, 0).date()


def test_a_first_attempt_waits_for_the_next_open_window():
    plan = plan_attempt(RULES, [], rome(2026, 11, 23, 12, 30))
    assert plan.window == "14:00-17:00" and local(plan) == rome(2026, 11, 23, 14, 0)
    inside = plan_attempt(RULES, [], rome(2026, 11, 23, 9, 15))
    assert inside.window == "08:30-12:00" and local(inside) == rome(2026, 11, 23, 9, 15)


def test_a_window_stays_on_local_time_across_the_march_change():
    # Saturday 28 March 2026, 18:00 CET; the clocks go forward on Sunday 29 March.
    history = [PastAttempt("18:00-21:00", rome(2026, 3, 28, 18, 0))]
    plan = plan_attempt(RULES, history, rome(2026, 3, 28, 18, 1))
    assert local(plan) == rome(2026, 3, 30, 8, 30)
    assert plan.due_at == datetime(2026, 3, 30, 6, 30, tzinfo=timezone.utc)   # UTC+2 now


def test_a_window_stays_on_local_time_across_the_october_change():
    # Saturday 24 October 2026, 18:00 CEST; the clocks go back on Sunday 25 October.
    history = [PastAttempt("18:00-21:00", rome(2026, 10, 24, 18, 0))]
    plan = plan_attempt(RULES, history, rome(2026, 10, 24, 18, 1))
    assert local(plan) == rome(2026, 10, 26, 8, 30)
    assert plan.due_at == datetime(2026, 10, 26, 7, 30, tzinfo=timezone.utc)   # UTC+1 now


def test_min_gap_counts_real_hours_across_a_dst_change():
    rules = CallRules.from_text("00:00-23:59", "Europe/Rome", "IT", min_gap_seconds=26 * 3600)
    history = [PastAttempt("00:00-23:59", rome(2026, 3, 27, 10, 0))]   # Friday
    plan = plan_attempt(rules, history, rome(2026, 3, 27, 10, 1))
    # 26 real hours after Friday 10:00 CET is Saturday 12:00 CET (no change yet).
    assert local(plan) == rome(2026, 3, 28, 12, 0)


def test_windows_are_read_on_the_creditors_clock():
    MORNING = CallWindow(time(8, 30), time(12))
    assert open_window(RULES, datetime(2026, 11, 23, 7, 45, tzinfo=timezone.utc)) == MORNING
    assert open_window(RULES, datetime(2026, 7, 6, 6, 45, tzinfo=timezone.utc)) == MORNING
    assert open_window(RULES, rome(2026, 11, 22, 10, 0)) is None          # Sunday
    assert window_end(RULES, rome(2026, 11, 23, 15, 0)) == rome(2026, 11, 23, 17, 0)


def test_only_calls_ended_without_an_outcome_are_retried():
    for status in ("no-answer", "busy", "failed", "canceled", "completed"):
        assert ended_without_outcome(status, None)
    assert not ended_without_outcome("completed", "confirmed")
    assert not ended_without_outcome("in-progress", None)


def test_plans_are_the_same_whatever_the_dialers_pace():
    history = [PastAttempt("08:30-12:00", rome(2026, 11, 23, 9, 0))]
    early = plan_attempt(RULES, history, rome(2026, 11, 23, 9, 1))
    late = plan_attempt(RULES, history, rome(2026, 11, 23, 13, 59))
    assert early == late
    # A dialer that only comes back at 14:30 plans for 14:30: never in the past.
    assert plan_attempt(RULES, history, rome(2026, 11, 23, 14, 30)).due_at == \
        rome(2026, 11, 23, 14, 30).astimezone(timezone.utc)
