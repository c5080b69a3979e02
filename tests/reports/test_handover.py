"""The hand-over of ended positions: one row per position, its history in order, safe cells."""
import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from db.events import record_event
from reports.daily import BOM
from reports.handover import (
    HISTORY_COLUMNS, POSITION_COLUMNS, build_handover, history_csv, positions_csv, render_xlsx,
)
from tests.factories import make_attempt, make_creditor, make_position

NOW = datetime(2026, 12, 14, 17, 0, tzinfo=timezone.utc)


def at(day, hour=9):
    return datetime(2026, 11, day, hour, 0, tzinfo=timezone.utc)


def rows_of(text):
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM):], newline="")))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.fixture
def phase(session):
    """Acme's positions at the end of a phase: two ended (one partly paid), one paid; Beta's."""
    acme = make_creditor(session, name="Acme Energia", playbook="cortesia-30")
    ended = make_position(session, acme, reference="A-2", name="Lucia Verdi",
                          pec="lucia@pec.example.test", outcome="no_answer", status="ended")
    record_event(session, ended.id, "step", "worker", {"step": 0, "day": 0, "channel": "email",
                                                       "message": "verifica_contabile"}, at=at(2))
    record_event(session, ended.id, "email_sent", "outbox", {"to": ended.email}, at=at(2, 10))
    make_attempt(session, ended, number=1, status="no-answer", placed_at=at(4), day=date(2026, 11, 4))
    make_attempt(session, ended, number=2, status="busy", placed_at=at(4, 14), day=date(2026, 11, 4))
    make_attempt(session, ended, number=3, status="pending")   # never placed: not a call made
    record_event(session, ended.id, "outcome", "dialer", {"outcome": "no_answer"}, at=at(5))
    record_event(session, ended.id, "sms_sent", "outbox", {}, at=at(6))
    record_event(session, ended.id, "status", "worker",
                 {"from": "open", "to": "ended", "reason": "phase over"}, at=at(30, 23))
    partly = make_position(session, acme, reference="A-1", name="Niccolò Bianchi", status="ended",
                           amount=Decimal("100.00"), amount_paid=Decimal("40.00"))
    record_event(session, partly.id, "payment", "payments:pagamenti.csv",
                 {"amount_paid": "40.00", "paid_on": "2026-11-10", "amount_due": "60.00"},
                 at=at(10))
    paid = make_position(session, acme, reference="A-3", status="paid")
    record_event(session, paid.id, "email_sent", "outbox", {}, at=at(2))
    beta = make_creditor(session, name="Beta Servizi")
    make_position(session, beta, reference="B-1", status="ended")
    session.commit()
    return {"acme": acme, "beta": beta}


def test_a_row_per_ended_position_with_its_amounts_calls_and_messages(session, phase):
    rows = rows_of(positions_csv(build_handover(session, phase["acme"], NOW)))
    assert list(rows[0]) == list(POSITION_COLUMNS)
    assert [row["reference"] for row in rows] == ["A-1", "A-2"]   # not the paid one, not Beta's
    partly, ended = rows
    assert (partly["amount"], partly["amount_paid"], partly["amount_due"]) == (
        "100.00", "40.00", "60.00")
    assert (ended["calls_made"], ended["messages_sent"], ended["last_outcome"]) == ("2", "2",
                                                                                    "no_answer")
    assert ended["ended_on"] == "2026-12-01"   # 23:00 UTC on 30 November is 1 December in Rome
    assert (ended["pec"], ended["due_date"], ended["status"]) == (
        "lucia@pec.example.test", "2026-10-15", "ended")


def test_the_history_is_every_event_in_order_in_readable_words(session, phase):
    rows = rows_of(history_csv(build_handover(session, phase["acme"], NOW)))
    assert list(rows[0]) == list(HISTORY_COLUMNS)
    lucia = [row for row in rows if row["reference"] == "A-2"]
    assert [row["kind"] for row in lucia] == ["step", "email_sent", "outcome", "sms_sent",
                                              "status"]
    assert lucia[0]["at"] == "2026-11-02 10:00:00"   # creditor time
    assert (lucia[0]["event"], lucia[0]["details"]) == (
        "passo del percorso", "email verifica contabile; giorno 0")
    assert lucia[2]["details"] == "senza risposta"
    assert lucia[4]["details"] == "da aperta a fase conclusa; motivo: phase over"
    payment = next(row for row in rows if row["reference"] == "A-1")
    assert payment["details"] == "pagati 40.00 il 2026-11-10, restano 60.00"
    assert payment["source"] == "payments:pagamenti.csv"


def test_the_workbook_has_the_positions_and_the_history_sheets(session, phase):
    handover = build_handover(session, phase["acme"], NOW)
    book = load_workbook(io.BytesIO(render_xlsx(handover)))
    assert book.sheetnames == ["positions", "history"]
    positions = list(book["positions"].values)
    assert positions[0] == POSITION_COLUMNS
    assert positions[1][:2] == ("A-1", "Niccolò Bianchi") and positions[1][7] == 60
    assert len(list(book["history"].values)) == 1 + len(handover.history)


def test_cells_a_spreadsheet_would_evaluate_stay_text(session):
    acme = make_creditor(session)
    make_position(session, acme, reference="=1+1", name='=HYPERLINK("http://evil.example","x")',
                  status="ended")
    handover = build_handover(session, acme, NOW)
    [row] = rows_of(positions_csv(handover))
    assert row["reference"] == "'=1+1" and row["phone"] == "'+393331234567"
    cells = next(load_workbook(io.BytesIO(render_xlsx(handover)))["positions"].iter_rows(
        min_row=2))
    assert (cells[0].value, cells[0].data_type) == ("=1+1", "s")
    assert cells[1].data_type == "s"


def test_the_english_creditor_gets_english_words(session, phase):
    phase["acme"].language = "en"
    rows = rows_of(history_csv(build_handover(session, phase["acme"], NOW)))
    status = next(row for row in rows if row["kind"] == "status")
    assert (status["event"], status["details"]) == ("status change",
                                                    "from open to ended; reason: phase over")
