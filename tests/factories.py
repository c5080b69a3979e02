"""Small builders for test data, with defaults a test overrides only where it matters."""
from datetime import date
from decimal import Decimal

from contacts.status import phase_start_values
from db.models import Creditor, Position


def make_creditor(session, **fields):
    values = dict(name="Acme Energia", caller_id="+390212345678", language="it")
    values.update(fields)
    creditor = Creditor(**values)
    session.add(creditor)
    session.commit()
    return creditor


def make_position(session, creditor, **fields):
    values = dict(
        creditor=creditor, reference="P-001", name="Mario Rossi", phone="+393331234567",
        email="mario.rossi@example.test", amount=Decimal("1234.56"), currency="EUR",
        due_date=date(2026, 10, 15), invoice="FT-2026/118",
    )
    values.update(phase_start_values(creditor))   # where the creditor's playbook starts
    values.update(fields)
    position = Position(**values)
    session.add(position)
    session.commit()
    return position


def make_attempt(session, position, **fields):
    from db.models import Attempt

    values = dict(position=position, number=1, status="queued", to_number=position.phone)
    values.update(fields)
    attempt = Attempt(**values)
    session.add(attempt)
    session.commit()
    return attempt
