"""`import --close-missing`: a complete open list pays what it no longer names."""
from sqlalchemy import select

from db.models import Attempt, Event, Position
from tests.factories import make_attempt, make_creditor, make_position

HEADER = "Riferimento;Nominativo;Telefono;Importo;Scadenza\n"


def write(tmp_path, content, name="lista.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def statuses(session):
    session.expire_all()
    return dict(session.execute(select(Position.reference, Position.status)).all())


def test_positions_absent_from_the_complete_list_become_paid(runner, session, tmp_path):
    acme = make_creditor(session, name="Acme")
    made = {reference: make_position(session, acme, reference=reference, status=status)
            for reference, status in (("P1", "open"), ("P2", "open"), ("P3", "promised"),
                                      ("P4", "to_verify"), ("P5", "disputed"), ("P6", "ended"),
                                      ("P7", "closed"))}
    make_position(session, make_creditor(session, name="Other"), reference="X1")
    planned = make_attempt(session, made["P2"], status="pending")
    path = write(tmp_path, HEADER + "P1;Mario;333 123 4567;10,00;15/10/2026\n")
    result = runner.invoke(args=["import", path, "--creditor", "Acme", "--close-missing"])
    assert result.exit_code == 0, result.output
    assert "4 absent from the complete list, marked paid." in result.output
    assert statuses(session) == {"P1": "open", "P2": "paid", "P3": "paid", "P4": "paid",
                                 "P5": "paid", "P6": "ended", "P7": "closed", "X1": "open"}
    assert session.get(Attempt, planned.id).status == "canceled"
    event = session.scalar(select(Event).where(Event.kind == "status",
                                               Event.position_id == made["P2"].id))
    batch = session.scalar(select(Event.detail).where(Event.kind == "updated"))["batch_id"]
    assert (event.source, event.detail["reason"], event.detail["to"]) == (
        f"import:batch:{batch}", "absent from the complete list", "paid")


def test_a_reference_on_a_rejected_row_still_counts_as_present(runner, session, tmp_path):
    acme = make_creditor(session, name="Acme")
    make_position(session, acme, reference="P1")
    make_position(session, acme, reference="P2")
    make_position(session, acme, reference="P3")
    path = write(tmp_path, HEADER + "P1;Mario;333 123 4567;10,00;15/10/2026\n"
                                    "P2;Anna;12;10,00;15/10/2026\n")
    result = runner.invoke(args=["import", path, "--creditor", "Acme", "--close-missing"])
    assert result.exit_code == 0, result.output
    assert "row 3: phone '12' is not a valid phone number" in result.output
    assert "1 absent from the complete list, marked paid." in result.output
    assert statuses(session) == {"P1": "open", "P2": "open", "P3": "paid"}


def test_a_file_that_cannot_be_read_closes_nothing(runner, session, tmp_path):
    make_position(session, make_creditor(session, name="Acme"), reference="P1")
    path = write(tmp_path, "Riferimento;Nominativo\nP9;Mario\n")
    result = runner.invoke(args=["import", path, "--creditor", "Acme", "--close-missing"])
    assert result.exit_code == 1
    assert "nothing was imported and no position was closed" in result.output
    assert statuses(session) == {"P1": "open"}


def test_a_list_naming_no_position_closes_nothing(runner, session, tmp_path):
    make_position(session, make_creditor(session, name="Acme"), reference="P1")
    result = runner.invoke(args=["import", write(tmp_path, HEADER), "--creditor", "Acme",
                                 "--close-missing"])
    assert "0 absent from the complete list" in result.output
    assert statuses(session) == {"P1": "open"}


def test_without_the_option_an_import_closes_nothing(runner, session, tmp_path):
    acme = make_creditor(session, name="Acme")
    make_position(session, acme, reference="P1")
    path = write(tmp_path, HEADER + "P2;Mario;333 123 4567;10,00;15/10/2026\n")
    result = runner.invoke(args=["import", path, "--creditor", "Acme"])
    assert result.exit_code == 0, result.output
    assert "absent" not in result.output
    assert statuses(session) == {"P1": "open", "P2": "open"}


def test_a_row_rejected_for_a_stray_byte_keeps_its_reference_present(runner, session, tmp_path):
    acme = make_creditor(session, name="Acme")
    make_position(session, acme, reference="PRÀ-1")
    make_position(session, acme, reference="P2")
    make_position(session, acme, reference="P3")
    # UTF-8 rows, and one typed in Windows-1252 (its À a stray byte): rejected, still present.
    content = (HEADER + "P2;Mario;333 123 4567;10,00;15/10/2026\n"
                        "P4;Anna Città;333 123 4568;10,00;15/10/2026\n").encode("utf-8") \
        + "PRÀ-1;Luca;333 123 4569;10,00;15/10/2026\n".encode("cp1252")
    result = runner.invoke(args=["import", write(tmp_path, content), "--creditor", "Acme",
                                 "--close-missing"])
    assert result.exit_code == 0, result.output
    assert "row 4: byte 0xC0 is not UTF-8 text" in result.output
    assert statuses(session) == {"PRÀ-1": "open", "P2": "open", "P3": "paid", "P4": "open"}
