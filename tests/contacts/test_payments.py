"""`flask payments FILE --creditor NAME`: payments applied row by row through record_payment."""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

import contacts.payments

from db.models import Attempt, Event, OutgoingMail, Position
from tests.contacts.workbooks import workbook_bytes
from tests.factories import make_attempt, make_creditor, make_position

PAID_ON = (date.today() - timedelta(days=3)).strftime("%d/%m/%Y")


def write(tmp_path, content, name="pagamenti.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def pay(runner, path, creditor="Acme"):
    return runner.invoke(args=["payments", path, "--creditor", creditor])


def fresh(session, position):
    session.expire_all()
    return session.get(Position, position.id)


def test_payments_with_italian_headers_apply_partial_then_full(runner, session, tmp_path):
    acme = make_creditor(session, name="Acme")
    position = make_position(session, acme, reference="P1", amount=Decimal("1234.56"))
    partial = write(tmp_path, f"Pratica;Importo pagato;Data pagamento\nP1;1.000,00;{PAID_ON}\n")
    result = pay(runner, partial)
    assert result.exit_code == 0, result.output
    assert "1 applied (0 paid in full, 1 partial), 0 rejected." in result.output
    position = fresh(session, position)
    assert (position.status, position.amount_paid, position.amount_due) == (
        "open", Decimal("1000.00"), Decimal("234.56"))

    rest = write(tmp_path, f"RIFERIMENTO,importo_pagato,Pagato il\nP1,\"234,56\",{PAID_ON}\n",
                 "saldo.csv")
    result = pay(runner, rest)
    assert "1 applied (1 paid in full, 0 partial), 0 rejected." in result.output
    position = fresh(session, position)
    assert (position.status, position.amount_due) == ("paid", Decimal("0.00"))
    sources = session.scalars(select(Event.source).where(Event.kind == "payment")
                              .order_by(Event.id)).all()
    assert sources == ["payments:pagamenti.csv", "payments:saldo.csv"]


def test_payments_from_an_xlsx_workbook_with_date_cells(runner, session, tmp_path):
    acme = make_creditor(session, name="Acme")
    position = make_position(session, acme, reference="P1", amount=Decimal("100.00"))
    data = workbook_bytes([["P1", 100, date.today() - timedelta(days=1)]],
                          header=["reference", "amount_paid", "paid_on"])
    result = pay(runner, write(tmp_path, data, "payments.xlsx"))
    assert result.exit_code == 0, result.output
    assert "1 applied (1 paid in full, 0 partial)" in result.output
    assert fresh(session, position).status == "paid"


def test_each_bad_row_is_rejected_with_its_number_and_the_good_ones_apply(runner, session,
                                                                           tmp_path):
    acme = make_creditor(session, name="Acme")
    good = make_position(session, acme, reference="P1", amount=Decimal("50.00"))
    make_position(session, acme, reference="P2", status="paid")
    make_position(session, acme, reference="P3")
    make_position(session, make_creditor(session, name="Other"), reference="P9")
    future = (date.today() + timedelta(days=10)).isoformat()
    path = write(tmp_path, "reference;amount_paid;paid_on\n"
                           f"P1;20;{PAID_ON}\n"
                           f"P404;10;{PAID_ON}\n"
                           f"P3;dieci;{PAID_ON}\n"
                           f"P3;10;{future}\n"
                           f"P2;10;{PAID_ON}\n"
                           f"P1;30;{PAID_ON}\n"
                           f"P9;10;{PAID_ON}\n")
    result = pay(runner, path)
    assert result.exit_code == 0, result.output
    assert "row 3: no position with reference 'P404' for this creditor" in result.output
    assert "row 4: amount paid 'dieci' is not a number" in result.output
    assert f"row 5: the payment date {future} is in the future" in result.output
    assert "row 6: position P2 is paid already" in result.output
    assert "row 7: reference 'P1' already appears in row 2" in result.output
    assert "row 8: no position with reference 'P9'" in result.output
    assert "1 applied (0 paid in full, 1 partial), 6 rejected." in result.output
    assert fresh(session, good).amount_paid == Decimal("20.00")


def test_paying_in_full_withdraws_planned_calls_and_queued_messages_at_once(runner, session,
                                                                            tmp_path):
    acme = make_creditor(session, name="Acme")
    position = make_position(session, acme, reference="P1", amount=Decimal("80.00"))
    attempt = make_attempt(session, position, status="pending")
    session.add(OutgoingMail(key="sollecito:P1", kind="sollecito", position_id=position.id,
                             to_address=position.email, subject="s", body="b"))
    session.commit()
    result = pay(runner, write(tmp_path, f"reference,amount_paid,paid_on\nP1,80,{PAID_ON}\n"))
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.get(Attempt, attempt.id).status == "canceled"
    assert session.scalar(select(OutgoingMail.status)) == "withdrawn"
    kinds = session.scalars(select(Event.kind).where(Event.position_id == position.id)
                            .order_by(Event.id)).all()
    assert kinds[-2:] == ["payment", "status"]


def test_a_file_that_breaks_halfway_changes_nothing(runner, session, tmp_path, monkeypatch):
    monkeypatch.setattr(contacts.payments, "BATCH_SIZE", 1)   # row 2 applied before row 3 breaks
    acme = make_creditor(session, name="Acme")
    position = make_position(session, acme, reference="P1", amount=Decimal("80.00"))
    # csv refuses a cell over its field size limit only when it reaches that row.
    path = write(tmp_path, f'reference,amount_paid,paid_on\nP1,80,{PAID_ON}\n'
                           f'P2,10,"{"x" * 200_000}"\n')
    result = pay(runner, path)
    assert result.exit_code == 1
    assert "nothing was applied" in result.output
    assert fresh(session, position).status == "open"
    assert session.scalar(select(Event).where(Event.kind == "payment")) is None


def test_a_file_missing_a_column_names_it_in_both_words(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    result = pay(runner, write(tmp_path, "riferimento;importo\nP1;10\n"))
    assert result.exit_code == 1
    assert ("missing required column(s): amount_paid (importo pagato), "
            "paid_on (data pagamento)") in result.output


def test_payments_exit_non_zero_only_when_nothing_could_be_applied(runner, session, tmp_path):
    make_creditor(session, name="Acme")
    result = pay(runner, write(tmp_path, f"reference;amount_paid;paid_on\nP404;10;{PAID_ON}\n"))
    assert result.exit_code == 1
    assert "row 2: no position with reference 'P404'" in result.output
    assert "nothing could be applied" in result.output


def test_a_windows_1252_file_is_read_and_said_so(runner, session, tmp_path):
    acme = make_creditor(session, name="Acme")
    make_position(session, acme, reference="PRÀ-1", amount=Decimal("10.00"))
    content = f"Pratica;Pagato;Data pagamento\nPRÀ-1;10;{PAID_ON}\n".encode("cp1252")
    result = pay(runner, write(tmp_path, content))
    assert result.exit_code == 0, result.output
    assert "Read as Windows-1252 text." in result.output
    assert "1 applied (1 paid in full" in result.output
