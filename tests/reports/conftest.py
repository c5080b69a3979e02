"""Report fixtures: a creditor's day of calls, with outcomes, earlier attempts and a neighbour."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from tests.factories import make_attempt, make_creditor, make_position

DAY = date(2026, 11, 2)


def at(hour, minute=0, day=2):
    """A UTC instant on November `day`, 2026 (Rome is UTC+1 then)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


def called(session, position, number, day, placed_at, status="completed"):
    return make_attempt(session, position, number=number, day=day, placed_at=placed_at,
                        status=status)


@pytest.fixture
def campaign(session):
    """Acme's positions: three called on DAY (one first called the day before), one not."""
    acme = make_creditor(session, name="Acme Energia", report_email="report@acme.example.test")
    confirmed = make_position(session, acme, reference="A-1", name="Niccolò Bianchi",
                              outcome="confirmed", outcome_at=at(9))
    again = make_position(session, acme, reference="A-2", name="Lucia Verdi")
    wrong = make_position(session, acme, reference="A-3", name="Giulia Neri", outcome="wrong_person")
    idle = make_position(session, acme, reference="A-4", name="Mai Chiamato")
    called(session, confirmed, 1, DAY, at(8, 45))
    called(session, again, 1, date(2026, 10, 31), datetime(2026, 10, 31, 9, tzinfo=timezone.utc),
           status="no-answer")
    called(session, again, 2, DAY, at(14, 5), status="busy")
    called(session, wrong, 1, DAY, at(17, 30))
    called(session, wrong, 2, date(2026, 11, 3), at(9, 0, day=3))  # a later day: not counted
    make_attempt(session, idle, number=1, status="pending")
    other = make_creditor(session, name="Beta Servizi", report_email="report@beta.example.test")
    called(session, make_position(session, other, reference="B-1", name="Altro Debitore"), 1,
           DAY, at(10))
    return {"acme": acme, "beta": other, "amount": Decimal("1234.56")}
