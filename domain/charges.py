"""Late-payment charges of a position: a fixed fee per invoice and interest over the days late."""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DAYS_IN_YEAR = Decimal(365)


@dataclass(frozen=True)
class Charges:
    """What the "sollecito e oneri" states: the capital, each charge, and what is owed in all."""

    capital: Decimal
    fee: Decimal
    interest: Decimal

    @property
    def total(self):
        return self.capital + self.fee + self.interest

    @property
    def charges(self):
        return self.fee + self.interest


def days_late(due_date: date, on: date) -> int:
    """Whole days from the due date to `on`; none before it is due."""
    return max(0, (on - due_date).days)


def late_charges(amount_due: Decimal, due_date: date, on: date, fee: Decimal | None,
                 annual_rate: Decimal | None) -> Charges:
    """The charges on `amount_due` on the day `on`: the creditor's fixed `fee` (None: none) and
    simple interest at `annual_rate` percent a year (None: none) over the days late, on a
    365-day year, rounded to the cent half up."""
    capital = Decimal(amount_due).quantize(CENT, ROUND_HALF_UP)
    interest = Decimal(0)
    if annual_rate:
        interest = capital * Decimal(annual_rate) / 100 * days_late(due_date, on) / DAYS_IN_YEAR
    return Charges(capital=capital,
                   fee=Decimal(fee or 0).quantize(CENT, ROUND_HALF_UP),
                   interest=interest.quantize(CENT, ROUND_HALF_UP))
