"""Values of a contact list that are likely mistakes: warned of, never rejected."""
from datetime import date
from decimal import Decimal

import pytest

from contacts.parse import Contact
from contacts.plausibility import SAMPLE_ROWS, Review, warnings_of

TODAY = date(2026, 11, 24)
LIMIT = Decimal("100000")


def contact(row=2, **fields):
    values = dict(row_number=row, reference=f"P-{row}", name="Mario Rossi",
                  phone="+393331234567", amount=Decimal("120.00"), due_date=date(2026, 10, 15))
    values.update(fields)
    return Contact(**values)


@pytest.mark.parametrize("fields, codes", [
    ({}, []),
    ({"due_date": date(1999, 12, 31)}, ["due_before_2000"]),
    ({"due_date": date(2000, 1, 1)}, []),
    ({"due_date": TODAY}, []),
    ({"due_date": date(2026, 11, 25)}, ["due_in_future"]),
    ({"phone": "+12025550123"}, ["phone_foreign"]),
    ({"phone": "+390669812345"}, []),   # the Vatican shares +39: no foreign number
    ({"amount": LIMIT}, []),
    ({"amount": LIMIT + Decimal("0.01")}, ["amount_over"]),
    ({"due_date": date(1900, 1, 1), "phone": "+4930123456", "amount": Decimal("1e8")},
     ["due_before_2000", "phone_foreign", "amount_over"]),
])
def test_each_implausible_value_is_warned_of(fields, codes):
    assert [w.code for w in warnings_of(contact(**fields), TODAY, "IT", LIMIT)] == codes


def test_a_warning_says_the_value_in_english_for_the_command_line():
    found = warnings_of(contact(amount=Decimal("250000"), phone="+12025550123"), TODAY, "IT",
                        LIMIT)
    assert [str(w) for w in found] == [
        "phone +12025550123 is a number of US, not of IT like the creditor's",
        "amount 250.000,00 is over 100.000,00"]


def test_the_review_keeps_a_sample_of_the_first_rows_and_counts_every_warning():
    review = Review(TODAY, "IT", LIMIT)
    rows = [contact(row, due_date=date(1990, 1, 1) if row % 2 else date(2026, 1, 1))
            for row in range(2, 30)]
    review.note(rows[:5], {"P-3": 7})
    review.note(rows[5:], {})
    assert [c.row_number for c, _new in review.sample] == list(range(2, 2 + SAMPLE_ROWS))
    assert [new for _c, new in review.sample][:3] == [True, False, True]
    assert review.warned == 14 and [row for row, _ in review.warnings][:3] == [3, 5, 7]
