"""The daily report's content: one row per position called that day, totals, safe cells."""
import csv
import io

from reports.daily import BOM, build_report, neutralise, report_csv, report_filename, slug
from tests.factories import make_creditor, make_position
from tests.reports.conftest import DAY, at, called


def parse(text):
    """(header, position rows, totals rows) of a report's CSV."""
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM):], newline="")))
    blank = rows.index([])
    return rows[0], rows[1:blank], rows[blank + 1:]


def test_a_row_per_position_called_that_day_with_outcome_attempts_and_last_call(session, campaign):
    header, rows, _ = parse(report_csv(session, campaign["acme"], DAY))
    assert header[:6] == ["reference", "name", "phone", "outcome", "attempts", "last_call_at"]
    table = {row[0]: dict(zip(header, row)) for row in rows}
    assert list(table) == ["A-1", "A-2", "A-3"]
    assert table["A-1"]["outcome"] == "confirmed"
    assert table["A-2"]["outcome"] == "pending"
    assert table["A-3"]["outcome"] == "wrong_person"
    assert [table[r]["attempts"] for r in table] == ["1", "2", "1"]
    assert table["A-2"]["last_call_at"] == "2026-11-02T15:05:00+01:00"  # creditor time
    assert table["A-2"]["last_status"] == "busy"
    assert table["A-1"]["amount"] == "1234.56"


def test_the_totals_count_each_outcome_after_a_blank_row(session, campaign):
    _, _, totals = parse(report_csv(session, campaign["acme"], DAY))
    assert totals[0] == ["outcome", "positions"]
    counts = dict(totals[1:])
    assert counts["confirmed"] == "1" and counts["pending"] == "1" and counts["wrong_person"] == "1"
    assert counts["opted_out"] == "0" and counts["no_answer"] == "0"
    assert totals[-1] == ["total", "3"]


def test_a_creditor_sees_only_its_own_positions(session, campaign):
    _, rows, totals = parse(report_csv(session, campaign["beta"], DAY))
    assert [row[0] for row in rows] == ["B-1"]
    assert totals[-1] == ["total", "1"]


def test_a_day_without_calls_gives_an_empty_report_with_zero_totals(session, campaign):
    from datetime import date

    _, rows, totals = parse(report_csv(session, campaign["acme"], date(2026, 11, 1)))
    assert rows == [] and totals[-1] == ["total", "0"]


def test_cells_that_a_spreadsheet_would_evaluate_are_neutralised(session):
    creditor = make_creditor(session)
    position = make_position(session, creditor, reference="@ref", phone="+393331234567",
                             name='=HYPERLINK("http://evil.example","clic")', amount=-12)
    called(session, position, 1, DAY, at(9))
    header, [row], _ = parse(report_csv(session, creditor, DAY))
    cells = dict(zip(header, row))
    assert cells["name"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert cells["phone"] == "'+393331234567"
    assert cells["reference"] == "'@ref"
    assert cells["amount"] == "'-12.00"


def test_neutralise_covers_every_formula_start_and_leaves_text_alone():
    for start in "=+-@\t\r":
        assert neutralise(start + "1") == "'" + start + "1"
    assert neutralise("Niccolò") == "Niccolò"
    assert neutralise(3) == "3"
    assert neutralise(None) == ""


def test_the_emailed_notice_state_is_in_the_row(session, campaign):
    from notify import queue_notice_email

    wrong = next(p for p in campaign["acme"].positions if p.reference == "A-3")
    queue_notice_email(session, wrong, "wrong_person", at(17, 31))
    session.commit()
    report = build_report(session, campaign["acme"], DAY)
    assert {r["reference"]: r["email_status"] for r in report.rows} == \
        {"A-1": "", "A-2": "", "A-3": "queued"}


def test_italian_names_survive_in_utf8_with_a_bom(session, campaign):
    text = report_csv(session, campaign["acme"], DAY)
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert "Niccolò Bianchi" in text


def test_the_file_name_carries_a_slug_of_the_creditor_and_the_day(session):
    creditor = make_creditor(session, name="Città Servizi S.p.A.")
    assert slug(creditor.name) == "citta-servizi-s-p-a"
    assert report_filename(creditor, DAY) == "cortesia-citta-servizi-s-p-a-2026-11-02.csv"
