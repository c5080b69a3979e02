"""What a debtor may promise (domain/promises.py): a day from today to 60 days ahead, an amount
more than zero and no more than the amount due."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.promises import (
    MAX_PROMISE_DAYS, latest_promise_date, promise_amount_problem, promise_date_problem,
    read_promise_day,
)

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("days, problem", [(-1, "past"), (-400, "past"), (0, None), (1, None),
                                           (MAX_PROMISE_DAYS, None),
                                           (MAX_PROMISE_DAYS + 1, "too_far")])
def test_a_promise_is_for_today_up_to_sixty_days_ahead(days, problem):
    assert promise_date_problem(TODAY + timedelta(days=days), TODAY) == problem


def test_the_last_day_a_promise_may_name():
    assert latest_promise_date(TODAY) == date(2027, 1, 30)


@pytest.mark.parametrize("text, day", [("2026-12-15", date(2026, 12, 15)),
                                       (" 15/12/2026 ", date(2026, 12, 15)),
                                       ("15/12", None), ("2026-02-30", None), ("", None),
                                       (None, None), ("domani", None)])
def test_a_promised_day_is_read_as_a_date_field_or_the_italian_way(text, day):
    assert read_promise_day(text) == day


@pytest.mark.parametrize("amount, problem", [
    ("0.01", None), ("2480.00", None),                     # up to the whole amount due
    ("2480.01", "over_due"), ("99999999.00", "over_due"),
    ("0", "not_positive"), ("-10", "not_positive"),
])
def test_a_promised_amount_is_more_than_zero_and_no_more_than_the_amount_due(amount, problem):
    assert promise_amount_problem(Decimal(amount), Decimal("2480.00")) == problem
