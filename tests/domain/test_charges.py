from datetime import date
from decimal import Decimal

from domain.charges import days_late, late_charges

DUE = date(2026, 10, 15)


def test_interest_runs_over_the_days_late_on_a_365_day_year():
    charges = late_charges(Decimal("1000.00"), DUE, date(2026, 11, 14), None, Decimal("8"))
    # 1000 × 8% × 30/365 = 6.5753…
    assert (charges.capital, charges.fee, charges.interest) == (
        Decimal("1000.00"), Decimal("0.00"), Decimal("6.58"))
    assert charges.total == Decimal("1006.58")


def test_the_fixed_fee_and_the_interest_add_up_to_the_total():
    charges = late_charges(Decimal("1234.56"), DUE, date(2026, 12, 14), Decimal("40"),
                           Decimal("10.5"))
    # 1234.56 × 10.5% × 60/365 = 21.3088…
    assert (charges.fee, charges.interest, charges.charges) == (
        Decimal("40.00"), Decimal("21.31"), Decimal("61.31"))
    assert charges.total == Decimal("1295.87")


def test_interest_rounds_half_up_to_the_cent():
    # 365 × 1% × 1/365 = 0.01 exactly; 182.50 × 1% × 1/365 = 0.005 → 0.01 (half up, not even)
    assert late_charges(Decimal("182.50"), DUE, date(2026, 10, 16), None, Decimal("1")).interest \
        == Decimal("0.01")


def test_no_interest_before_the_due_date_and_none_without_a_rate():
    early = late_charges(Decimal("500"), DUE, date(2026, 10, 1), Decimal("10"), Decimal("8"))
    assert (early.interest, early.total) == (Decimal("0.00"), Decimal("510.00"))
    plain = late_charges(Decimal("500"), DUE, date(2027, 10, 15), None, None)
    assert (plain.fee, plain.interest, plain.total) == (0, 0, Decimal("500.00"))
    assert days_late(DUE, date(2026, 10, 14)) == 0 and days_late(DUE, date(2026, 10, 16)) == 1


def test_a_zero_rate_or_fee_is_no_charge():
    charges = late_charges(Decimal("500"), DUE, date(2026, 12, 1), Decimal("0"), Decimal("0"))
    assert charges.total == Decimal("500.00")
