"""The date a debtor may promise (domain/promises.py): from today to 60 days ahead."""
from datetime import date, timedelta

import pytest

from domain.promises import MAX_PROMISE_DAYS, latest_promise_date, promise_date_problem

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("days, problem", [(-1, "past"), (-400, "past"), (0, None), (1, None),
                                           (MAX_PROMISE_DAYS, None),
                                           (MAX_PROMISE_DAYS + 1, "too_far")])
def test_a_promise_is_for_today_up_to_sixty_days_ahead(days, problem):
    assert promise_date_problem(TODAY + timedelta(days=days), TODAY) == problem


def test_the_last_day_a_promise_may_name():
    assert latest_promise_date(TODAY) == date(2027, 1, 30)
