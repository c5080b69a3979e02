"""Named SQL run on the driver's cursor (db.prepared): executemany of bulk rows."""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import bindparam, insert, select, update

from db.models import Event, Position
from db.prepared import Prepared
from tests.factories import make_creditor

POSITIONS = Position.__table__


def test_executemany_writes_each_row_with_the_shared_values_and_the_columns_defaults(session):
    creditor = make_creditor(session)
    at = datetime(2026, 10, 1, 9, 30, tzinfo=timezone.utc)
    rows = [{"reference": f"P{n}", "name": f"Debtor {n}", "phone": "+393331234567",
             "amount": Decimal("12.34"), "due_date": datetime(2026, 10, n).date()}
            for n in (1, 2)]
    Prepared(insert(POSITIONS)).executemany(
        session, rows, shared={"creditor_id": creditor.id, "created_at": at, "updated_at": at})
    ids = dict(session.execute(select(Position.reference, Position.id)).all())
    Prepared(insert(Event.__table__)).executemany(
        session, [{"position_id": ids["P1"], "detail": {"row": 2}},
                  {"position_id": ids["P2"], "detail": {"row": 3}}],
        shared={"kind": "imported", "source": "test", "at": at})
    Prepared(update(POSITIONS).where(POSITIONS.c.id == bindparam("position_id"))).executemany(
        session, [{"position_id": ids["P2"], "name": "Renamed"}], shared={"updated_at": at})
    session.commit()

    positions = session.scalars(select(Position).order_by(Position.id)).all()
    assert [(p.reference, p.name, p.amount, p.status, p.amount_paid, p.currency, p.created_at)
            for p in positions] == [
        ("P1", "Debtor 1", Decimal("12.34"), "open", Decimal("0.00"), "EUR", at),
        ("P2", "Renamed", Decimal("12.34"), "open", Decimal("0.00"), "EUR", at)]
    events = session.scalars(select(Event).order_by(Event.id)).all()
    assert [(e.position_id, e.kind, e.detail, e.at) for e in events] == [
        (ids["P1"], "imported", {"row": 2}, at), (ids["P2"], "imported", {"row": 3}, at)]


def test_executemany_of_no_rows_writes_nothing(session):
    Prepared(insert(Event.__table__)).executemany(session, [])
    assert session.scalars(select(Event)).all() == []
