"""The daily report's content: one row per position called that day, totals, safe cells."""
import csv
import io

from reports.daily import BOM, build_report, neutralise, report_csv, report_filename, slug
from tests.factories import make_creditor, make_position
from tests.reports.conftest import DAY, at, called


def sections(text):
    """A report's CSV cut at its blank rows: the positions (header first), then each totals
    section (its header first)."""
    assert text.startswith(BOM)
    found = [[]]
    for row in csv.reader(io.StringIO(text[len(BOM):], newline="")):
        if row:
            found[-1].append(row)
        else:
            found.append([])
    return found


def parse(text):
    """(header, position rows, the outcome totals) of a report's CSV."""
    table, outcomes, *_ = sections(text)
    return table[0], table[1:], outcomes


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


# The day's whole activity (SPEC §6): messages and their fate, status changes, payments.

def activity_day(session, campaign):
    """On DAY: A-2 (called) gets an email and a PEC, delivered; A-4 (not called) an SMS that
    does not arrive, a payment in full and a status change; A-1 a failed email, the day after."""
    from db.events import record_event
    from db.models import OutgoingMail

    acme = {p.reference: p for p in campaign["acme"].positions}
    pec = OutgoingMail(key="step:pec", position_id=acme["A-2"].id, kind="sollecito_oneri",
                       to_address="lucia@pec.example.test", subject="s", body="b")
    session.add(pec)
    session.flush()
    for position, kind, detail, when in (
            ("A-2", "email_sent", {"mail_id": 901, "kind": "sollecito"}, at(8)),
            ("A-2", "pec_sent", {"mail_id": pec.id}, at(8, 5)),
            ("A-2", "pec_delivered", {"mail_id": pec.id}, at(8, 6)),   # receipts: only the id
            ("A-4", "sms_sent", {"mail_id": 903, "kind": "contatto"}, at(9)),
            ("A-4", "sms_undelivered", {"mail_id": 903}, at(9, 1)),
            ("A-4", "payment", {"amount_paid": "1234.56", "paid_on": "2026-11-02",
                                "amount_due": "0.00"}, at(10)),
            ("A-4", "status", {"from": "open", "to": "paid", "reason": "paid in full"}, at(10)),
            ("A-1", "email_failed", {"mail_id": 904, "kind": "sollecito"}, at(8, day=3))):
        record_event(session, acme[position].id, kind, "test", detail, at=when)
    record_event(session, campaign["beta"].positions[0].id, "sms_sent", "test", {}, at=at(9))
    session.commit()
    return report_csv(session, campaign["acme"], DAY)


def test_each_positions_messages_status_changes_and_payments_of_the_day_are_in_its_row(
        session, campaign):
    header, rows, _ = parse(activity_day(session, campaign))
    assert header == ["reference", "name", "phone", "outcome", "attempts", "last_call_at",
                      "last_status", "email_status", "amount", "currency", "messages",
                      "status_changes", "payments"]
    table = {row[0]: dict(zip(header, row)) for row in rows}
    assert list(table) == ["A-1", "A-2", "A-3", "A-4"]   # A-4 was not called, but paid
    assert table["A-2"]["messages"] == "email sollecito sent; pec sollecito_oneri delivered"
    assert (table["A-4"]["messages"], table["A-4"]["status_changes"],
            table["A-4"]["payments"]) == ("sms contatto undelivered", "open>paid", "1234.56")
    assert (table["A-4"]["outcome"], table["A-4"]["attempts"]) == ("pending", "0")
    assert table["A-1"]["messages"] == ""   # its failed email is the next day's


def test_the_totals_count_messages_by_channel_and_fate_status_changes_and_payments(
        session, campaign):
    _, outcomes, messages, statuses, payments, _ = sections(activity_day(session, campaign))
    assert outcomes[-1] == ["total", "3"]   # the positions called, as before
    assert dict(outcomes[1:])["pending"] == "1"   # A-4, paid but not called, is not counted
    assert messages[0] == ["channel", "fate", "messages"]
    counts = {(channel, fate): int(n) for channel, fate, n in messages[1:]}
    assert len(counts) == 12 and sum(counts.values()) == 3
    assert counts["email", "sent"] == counts["pec", "delivered"] == 1
    assert counts["sms", "undelivered"] == 1 and counts["pec", "sent"] == 0
    assert statuses[0] == ["status", "changes"]
    assert dict(statuses[1:]) == {"open": "0", "promised": "0", "to_verify": "0", "disputed": "0",
                                  "paid": "1", "closed": "0", "ended": "0"}
    assert payments == [["payments", "count", "amount_paid"], ["total", "1", "1234.56"]]


def test_a_calls_own_status_events_are_no_status_change(session, campaign):
    from db.events import record_event

    called = next(p for p in campaign["acme"].positions if p.reference == "A-1")
    record_event(session, called.id, "status", "twilio:status", {"status": "completed"},
                 attempt_id=called.attempts[0].id, at=at(9))
    idle = next(p for p in campaign["acme"].positions if p.reference == "A-4")
    record_event(session, idle.id, "status", "twilio:status", {"status": "completed"},
                 attempt_id=idle.attempts[0].id, at=at(9))
    session.commit()
    table, _, _, statuses, _, _ = sections(report_csv(session, campaign["acme"], DAY))
    assert [row[0] for row in table[1:]] == ["A-1", "A-2", "A-3"]   # not A-4
    assert all(row[table[0].index("status_changes")] == "" for row in table[1:])
    assert all(n == "0" for _, n in statuses[1:])


def test_the_contact_policys_refusals_are_counted_per_rule(session, campaign):
    from db.models import PolicyDecision

    acme, beta = campaign["acme"], campaign["beta"]
    position = acme.positions[0]
    for rule, creditor in (("conversations_per_day", acme), ("conversations_per_day", acme),
                           ("saturday_hours", acme), ("sms_hours", beta)):
        session.add(PolicyDecision(creditor_id=creditor.id, position_id=position.id,
                                   channel="call", allowed=False, rule=rule, at=at(10)))
    session.add(PolicyDecision(creditor_id=acme.id, position_id=position.id, channel="call",
                               allowed=True, at=at(11)))
    session.commit()
    refusals = sections(report_csv(session, acme, DAY))[-1]
    assert refusals[0] == ["policy_rule", "refusals"]
    counts = dict(refusals[1:])
    assert counts["conversations_per_day"] == "2" and counts["saturday_hours"] == "1"
    assert counts["sms_hours"] == "0" and counts["total"] == "3"
