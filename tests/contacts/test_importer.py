"""Importing a contact list into positions: inserts, updates by reference, rejections, events."""
import sqlite3
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contacts.importer import import_contacts, import_file
from db import get_sessionmaker
from contacts.parse import ContactListError
from db.models import Attempt, Event, ImportBatch, ImportRejection, Position
from tests.factories import make_creditor, make_position

HEADER = "riferimento;nominativo;telefono;importo;scadenza;lingua\n"


def write(tmp_path, text, name="list.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return str(path)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_new_rows_become_positions_of_the_batch_with_an_imported_event(session, tmp_path):
    creditor = make_creditor(session)
    path = write(tmp_path, HEADER + "P1;Mario Rossi;06 1234 5678;1.234,56;15/10/2026;\n"
                                    "P2;Emma Clarke;+39 339 410 2277;89,90;2026-10-20;en\n")
    result = import_contacts(session, creditor, path)
    session.commit()
    assert (result.imported, result.updated, result.rejected) == (2, 0, 0)
    mario = session.scalar(select(Position).where(Position.reference == "P1"))
    assert (mario.creditor_id, mario.phone, mario.amount, mario.due_date, mario.language) == (
        creditor.id, "+390612345678", Decimal("1234.56"), date(2026, 10, 15), None)
    assert mario.import_batch_id == result.batch_id
    event = session.scalar(select(Event).where(Event.position_id == mario.id))
    assert (event.kind, event.source) == ("imported", f"import:batch:{result.batch_id}")
    batch = session.get(ImportBatch, result.batch_id)
    assert (batch.filename, batch.imported, batch.updated, batch.rejected) == ("list.csv", 2, 0, 0)


def test_reimport_updates_by_reference_without_duplicating_or_resetting_attempts(session, tmp_path):
    creditor = make_creditor(session)
    position = make_position(session, creditor, reference="P1", amount=Decimal("10.00"))
    called_at = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)
    session.add(Attempt(position=position, number=1, status="completed", placed_at=called_at))
    position.outcome, position.outcome_at = "callback_requested", called_at
    session.commit()
    path = write(tmp_path, HEADER + "P1;Mario Rossi Jr;333 123 4567;2.000,00;2026-12-01;en\n")

    result = import_contacts(session, creditor, path)
    session.commit()
    session.expire_all()

    assert (result.imported, result.updated) == (0, 1)
    assert count(session, Position) == 1
    position = session.get(Position, position.id)
    assert (position.name, position.amount, position.due_date, position.language) == (
        "Mario Rossi Jr", Decimal("2000.00"), date(2026, 12, 1), "en")
    assert (position.outcome, position.outcome_at) == ("callback_requested", called_at)
    assert [a.number for a in position.attempts] == [1]
    assert position.import_batch_id is None  # it came from elsewhere; an update keeps that
    kinds = session.scalars(select(Event.kind).where(Event.position_id == position.id)).all()
    assert kinds == ["updated"]


def test_reimport_clears_an_emptied_cell_but_keeps_columns_the_file_lacks(session, tmp_path):
    creditor = make_creditor(session)
    make_position(session, creditor, reference="P1", email="old@example.test", invoice="FT-1",
                  language="en")
    path = write(tmp_path, "riferimento;nominativo;telefono;importo;scadenza;email\n"
                           "P1;Mario;3331234567;5;2026-10-15;\n")
    import_contacts(session, creditor, path)
    session.commit()
    session.expire_all()
    position = session.scalar(select(Position))
    assert (position.email, position.invoice, position.language) == (None, "FT-1", "en")


def test_the_same_reference_of_another_creditor_is_another_position(session, tmp_path):
    acme, other = make_creditor(session), make_creditor(session, name="Other S.p.A.")
    make_position(session, other, reference="P1")
    result = import_contacts(session, acme, write(tmp_path, HEADER + "P1;Mario;3331234567;5;2026-10-15;\n"))
    assert (result.imported, result.updated) == (1, 0)


@pytest.mark.parametrize("batch_size", [100, 2])
def test_repeated_reference_in_a_file_is_rejected_naming_the_first_row(session, tmp_path, batch_size):
    creditor = make_creditor(session)
    path = write(tmp_path, HEADER + "P1;Mario;3331234567;5;2026-10-15;\n"
                                    "P2;Anna;3331234568;5;2026-10-15;\n"
                                    "P3;Bad;12;5;2026-10-15;\n"
                                    "P1;Mario again;3331234567;6;2026-10-15;\n")
    result = import_contacts(session, creditor, path, batch_size=batch_size)
    session.commit()
    assert (result.imported, result.updated) == (2, 0)
    assert [(r.row_number, r.reason) for r in result.rejections] == [
        (4, "phone '12' is not a valid phone number"),
        (5, "reference 'P1' already appears in row 2"),
    ]
    stored = session.scalars(select(ImportRejection).order_by(ImportRejection.row_number)).all()
    assert [(r.batch_id, r.row_number) for r in stored] == [(result.batch_id, 4), (result.batch_id, 5)]
    assert session.scalar(select(Position.name).where(Position.reference == "P1")) == "Mario"


def test_bad_rows_never_stop_the_good_ones(session, tmp_path):
    creditor = make_creditor(session)
    rows = "".join(f"P{i};Name {i};33312345{i:02d};{'x' if i % 3 == 0 else '10'};2026-10-15;\n"
                   for i in range(1, 31))
    result = import_contacts(session, creditor, write(tmp_path, HEADER + rows), batch_size=7)
    assert (result.imported, result.rejected) == (20, 10)
    assert count(session, Event) == 20


def test_missing_required_column_changes_nothing(session, tmp_path):
    creditor = make_creditor(session)
    path = write(tmp_path, "riferimento;nominativo;importo;scadenza\nP1;Mario;5;2026-10-15\n")
    with pytest.raises(ContactListError, match="phone"):
        import_contacts(session, creditor, path)
    session.rollback()
    assert count(session, ImportBatch) == count(session, Position) == 0


def test_unreadable_file_changes_nothing(session, tmp_path):
    creditor = make_creditor(session)
    with pytest.raises(ContactListError):
        import_contacts(session, creditor, write(tmp_path, b"PK\x03\x04garbage", name="l.xlsx"))
    session.rollback()
    assert count(session, ImportBatch) == 0


def test_a_file_breaking_halfway_leaves_the_database_as_it_was(session, tmp_path):
    creditor = make_creditor(session)
    good = "".join(f"P{i};Name {i};3331{i:06d};10;2026-10-15;\n" for i in range(2000))
    # A cell past the csv module's field limit: the file is found unreadable only after some
    # batches (an encoding problem, by contrast, is found before the first row).
    path = write(tmp_path, HEADER + good + "P99;" + "x" * 200_000 + ";3331234599;1;2026-10-15;\n")
    written = []
    with pytest.raises(ContactListError):
        import_contacts(session, creditor, path, batch_size=100,
                        progress=lambda row, _rows: written.append(row))
    assert written, "the break must come after some batches were written"
    session.rollback()
    assert count(session, Position) == count(session, ImportBatch) == count(session, Event) == 0


def test_a_dry_run_counts_and_rejects_exactly_like_the_import_and_writes_nothing(session, tmp_path):
    creditor = make_creditor(session)
    make_position(session, creditor, reference="P3")
    session.commit()
    rows = ["P1;Mario;3331234567;5;2026-10-15;", "P2;Anna;12;5;2026-10-15;",
            "P3;Luca;3331234568;5;2026-10-15;", "P1;Mario bis;3331234569;5;2026-10-15;",
            "P4;Sara;3331234570;5;2026-10-15;", "P4;Sara bis;3331234571;5;2026-10-15;",
            "P3;Luca bis;3331234572;5;2026-10-15;", "P5;Elena;3331234573;x;2026-10-15;"]
    path = write(tmp_path, HEADER + "\n".join(rows) + "\n")
    before = (count(session, Position), count(session, ImportBatch), count(session, Event))
    preview = import_contacts(session, creditor, path, batch_size=3, dry_run=True)
    session.commit()
    assert (count(session, Position), count(session, ImportBatch), count(session, Event)) == before
    real = import_contacts(session, creditor, path, batch_size=3)
    session.commit()
    assert (preview.imported, preview.updated, preview.rejections) == (
        real.imported, real.updated, real.rejections)
    assert (real.imported, real.updated, real.rejected) == (2, 1, 5)


def test_a_preview_lets_others_write_while_it_reads(app, session, tmp_path):
    creditor = make_creditor(session)
    session.commit()
    good = "".join(f"P{i};Name {i};3331{i:06d};10;2026-10-15;\n" for i in range(300))
    written = []

    def meanwhile(_row, _rows):
        # Another process's write (a webhook's, the dialer's) must not wait for the preview.
        url = app.config["DATABASE_URL"]
        if url.startswith("sqlite"):
            other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=1)
            with other:
                other.execute("UPDATE creditors SET language = 'en'")
            other.close()
        written.append(True)

    outcome = import_file(get_sessionmaker(app), creditor.id, write(tmp_path, HEADER + good),
                          commit=False, progress=meanwhile, batch_size=100)
    assert written and outcome.result.imported == 300


# A creditor that requires code identification: rows without a code are imported and warned of.
CODED = "riferimento;nominativo;telefono;importo;scadenza;codice verifica\n"


def test_rows_without_a_code_are_imported_with_a_warning_when_the_creditor_requires_one(
        session, tmp_path):
    creditor = make_creditor(session, require_code=True)
    path = write(tmp_path, CODED + "P1;Mario Rossi;333 123 4567;10;2026-10-15;4321\n"
                                   "P2;Anna Bianchi;333 765 4321;20;2026-10-15;\n"
                                   "P3;Luca Verdi;12;30;2026-10-15;\n"        # rejected anyway
                                   "P4;Emma Clarke;339 410 2277;40;2026-10-15;\n")
    result = import_contacts(session, creditor, path)
    session.commit()
    assert (result.imported, result.rejected, result.without_code) == (3, 1, [3, 5])
    assert count(session, Position) == 3


def test_a_creditor_that_does_not_require_a_code_warns_of_nothing(session, tmp_path):
    creditor = make_creditor(session)
    result = import_contacts(session, creditor, write(
        tmp_path, CODED + "P1;Mario Rossi;333 123 4567;10;2026-10-15;\n"))
    assert result.imported == 1 and result.without_code == []


def test_the_preview_warns_of_the_same_rows(app, session, tmp_path):
    creditor = make_creditor(session, require_code=True)
    path = write(tmp_path, CODED + "P1;Mario Rossi;333 123 4567;10;2026-10-15;\n"
                                   "P2;Anna Bianchi;333 765 4321;20;2026-10-15;99\n")
    outcome = import_file(get_sessionmaker(app), creditor.id, path, commit=False)
    assert outcome.result.without_code == [2] and count(session, Position) == 0


def test_a_list_without_the_code_column_warns_only_of_positions_left_without_one(
        session, tmp_path):
    creditor = make_creditor(session, require_code=True)
    make_position(session, creditor, reference="P1", verification_code="4321")
    make_position(session, creditor, reference="P2", phone="+393337654321")
    result = import_contacts(session, creditor, write(
        tmp_path, HEADER + "P1;Mario Rossi;333 123 4567;10;2026-10-15;\n"
                           "P2;Anna Bianchi;333 765 4321;20;2026-10-15;\n"
                           "P3;Luca Verdi;06 1234 5678;30;2026-10-15;\n"))
    assert (result.updated, result.imported, result.without_code) == (2, 1, [3, 4])


def test_every_writing_of_a_number_imports_to_one_e164_and_invalid_ones_keep_their_message(
        session, tmp_path):
    creditor = make_creditor(session)
    writings = ["333 123 4567", "+39 333 1234567", "0039 333 1234567", "3331234567",
                "333-1234567", "(333) 123.4567", "+39 (333) 123-4567"]
    rows = "".join(f"P{n};Mario Rossi;{phone};10,00;2026-10-15;\n"
                   for n, phone in enumerate(writings, start=1))
    rows += ("Q1;Anna Bianchi;+39 000 0000000;10,00;2026-10-15;\n"
             "Q2;Anna Bianchi;393 123;10,00;2026-10-15;\n"
             "Q3;Anna Bianchi;+44 20 7946 0958;10,00;2026-10-15;\n")
    result = import_contacts(session, creditor, write(tmp_path, HEADER + rows))
    session.commit()
    phones = dict(session.execute(select(Position.reference, Position.phone)).all())
    assert {phones[f"P{n}"] for n in range(1, len(writings) + 1)} == {"+393331234567"}
    assert phones["Q3"] == "+442079460958"  # another country's, read by phonenumbers
    assert [(r.row_number, r.reason) for r in result.rejections] == [
        (9, "phone '+39 000 0000000' is not a valid phone number"),
        (10, "phone '393 123' is not a valid phone number"),
    ]


def test_a_position_the_session_holds_shows_what_a_reimport_wrote(session, tmp_path):
    creditor = make_creditor(session)
    position = make_position(session, creditor, reference="P1", amount=Decimal("10.00"))
    session.commit()
    assert position.name  # loaded, and kept by the session after commit
    path = write(tmp_path, HEADER + "P1;Mario Rossi Jr;333 123 4567;2.000,00;2026-12-01;en\n")
    import_contacts(session, creditor, path)
    session.commit()
    assert (position.name, position.amount, position.language) == (
        "Mario Rossi Jr", Decimal("2000.00"), "en")


def test_a_reimport_in_batches_writes_each_row_to_its_own_position_and_nothing_else(
        session, tmp_path):
    creditor, other = make_creditor(session), make_creditor(session, name="Other S.p.A.")
    first = write(tmp_path, HEADER + "".join(
        f"P{n};Name {n};333 123 45{n:02d};{n},00;2026-10-{n:02d};\n" for n in range(1, 8)))
    imported = import_contacts(session, creditor, first, batch_size=3)
    session.commit()
    untouched = make_position(session, creditor, reference="P9", name="Not listed")
    elsewhere = make_position(session, other, reference="P2", name="Another creditor's")
    called_at = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)
    listed = session.scalar(select(Position).where(Position.reference == "P5"))
    listed.outcome, listed.outcome_at, listed.status = "callback_requested", called_at, "promised"
    session.commit()
    before = {p.reference: (p.id, p.updated_at, p.created_at, p.import_batch_id)
              for p in session.scalars(select(Position).where(Position.creditor_id == creditor.id))}
    # Rows in another order than the first list, so that a row written to a neighbour shows.
    second = write(tmp_path, HEADER + "".join(
        f"P{n};New name {n};333 765 43{n:02d};{n * 10},50;2026-11-{n:02d};en\n"
        for n in (6, 2, 7, 1, 4, 5, 3)))

    result = import_contacts(session, creditor, second, batch_size=3)
    session.commit()
    session.expire_all()

    assert (result.imported, result.updated, result.rejected) == (0, 7, 0)
    positions = {p.reference: p for p in session.scalars(
        select(Position).where(Position.creditor_id == creditor.id))}
    for n in range(1, 8):
        position = positions[f"P{n}"]
        assert (position.name, position.phone, position.amount, position.due_date,
                position.language) == (f"New name {n}", f"+39333765430{n}",
                                       Decimal(f"{n * 10}.50"), date(2026, 11, n), "en")
        assert (position.id, position.created_at, position.import_batch_id) == \
            before[f"P{n}"][0:1] + before[f"P{n}"][2:]
        assert position.updated_at > before[f"P{n}"][1]
    assert (positions["P5"].outcome, positions["P5"].outcome_at, positions["P5"].status) == (
        "callback_requested", called_at, "promised")
    for kept in (untouched, elsewhere):
        held = session.get(Position, kept.id)
        assert (held.name, held.phone, held.amount, held.updated_at) == (
            kept.name, kept.phone, kept.amount, kept.updated_at)
    events = session.execute(select(Event.position_id, Event.kind, Event.detail).where(
        Event.source == f"import:batch:{result.batch_id}")).all()
    rows = {6: 2, 2: 3, 7: 4, 1: 5, 4: 6, 5: 7, 3: 8}
    assert sorted(events) == sorted(
        (positions[f"P{n}"].id, "updated", {"batch_id": result.batch_id, "row": row})
        for n, row in rows.items())
    # The first list's positions were numbered in its order, each with its row's event.
    ids = [positions[f"P{n}"].id for n in range(1, 8)]
    assert ids == sorted(ids)
    assert [detail for detail in session.scalars(
        select(Event.detail).where(Event.source == f"import:batch:{imported.batch_id}")
        .order_by(Event.position_id))] == [
        {"batch_id": imported.batch_id, "row": row} for row in range(2, 9)]


def test_a_second_import_in_the_same_transaction_writes_only_its_own_rows(session, tmp_path):
    creditor = make_creditor(session)
    for reference in ("P1", "P2"):
        make_position(session, creditor, reference=reference, name="Before")
    import_contacts(session, creditor, write(tmp_path, HEADER + "P1;From A;3331234567;5;2026-10-15;\n"))
    changed = session.scalar(select(Position).where(Position.reference == "P1"))
    changed.name = "Changed between the imports"
    session.flush()

    import_contacts(session, creditor, write(tmp_path, HEADER + "P2;From B;3331234568;6;2026-10-15;\n",
                                             name="b.csv"))
    session.commit()
    session.expire_all()

    names = dict(session.execute(select(Position.reference, Position.name)).all())
    assert names == {"P1": "Changed between the imports", "P2": "From B"}
