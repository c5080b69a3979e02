"""`privacy export` and `privacy erase`: everything kept about a person across every creditor,
written out, then anonymised so that nothing names them while every count and total holds."""
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, inspect, select, text

from contacts.privacy import ERASED_EVENT, bar_key
from contacts.status import record_payment
from db.events import record_event
from db.models import (
    Attempt, BlockedNumber, CallbackRequest, Event, ImportRejection, ImportBatch, OutboxReceipt,
    OutgoingMail, Position, Receipt, VoiceMessage,
)
from reports.daily import build_report
from reports.mail import make_daily_report
from tests.factories import make_attempt, make_creditor, make_position

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)   # a Monday, 10:00 in Rome
DAY = date(2026, 11, 2)
PHONE, OTHER_PHONE = "+393331234567", "+393339876543"
NAME, EMAIL, PEC = "Mario Rossi", "mario.rossi@example.test", "mario.rossi@pec.example.test"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
# What must be found nowhere once Mario is erased (the national number is inside the E.164 one).
NEEDLES = (NAME.lower(), "3331234567", EMAIL, PEC, "4821")


def person_everywhere(session, app):
    """Mario Rossi at two creditors, with every kind of trace the server keeps; Lucia Verdi
    beside him at the first. Returns the creditors and positions."""
    acme = make_creditor(session, name="Acme Energia", report_email="report@acme.example.test")
    beta = make_creditor(session, name="Beta Servizi")
    mario = make_position(session, acme, reference="A-1", name=NAME, phone=PHONE, email=EMAIL,
                          pec=PEC, verification_code="4821", invoice="FT-2026/118")
    other = make_position(session, beta, reference="B-7", name="MARIO ROSSI", phone=PHONE,
                          email="Mario.Rossi@Example.test", amount=Decimal("200.00"))
    lucia = make_position(session, acme, reference="A-2", name="Lucia Verdi", phone=OTHER_PHONE,
                          email="lucia.verdi@example.test")
    called = make_attempt(session, mario, number=1, status="completed", day=DAY, placed_at=NOW,
                          from_number="+390212345678", digits="4821,1,6",
                          last_error=f"earlier: number {PHONE} busy")
    make_attempt(session, other, number=0, direction="inbound", status="completed",
                 from_number=PHONE, to_number="+390212345678", day=DAY, placed_at=NOW)
    make_attempt(session, lucia, number=1, status="completed", day=DAY, placed_at=NOW)
    record_event(session, mario.id, "keys", "twilio", {"step": "identify", "digits": "4821"},
                 attempt_id=called.id, at=NOW)
    record_event(session, mario.id, "email_queued", "twilio", {"to": EMAIL, "kind": "notice"},
                 at=NOW)
    record_event(session, mario.id, "outcome", "twilio", {"outcome": "opted_out"}, at=NOW)
    mario.outcome, mario.outcome_at = "opted_out", NOW
    lucia.outcome, lucia.outcome_at = "confirmed", NOW
    session.add(BlockedNumber(creditor_id=acme.id, phone=PHONE, reason="opted_out",
                              position_id=mario.id))
    for channel, to, position in (("email", EMAIL, mario), ("pec", PEC, mario),
                                  ("sms", PHONE, other), ("email", "lucia.verdi@example.test",
                                                          lucia)):
        session.add(OutgoingMail(key=f"{channel}:{position.id}", channel=channel,
                                 position_id=position.id, kind="sollecito", to_address=to,
                                 subject=f"Sollecito per {position.name}",
                                 body=f"Gentile {position.name}, ...", html="<p>...</p>",
                                 status="sent", sent_at=NOW))
    session.flush()
    pec_mail = session.scalar(select(OutgoingMail).where(OutgoingMail.channel == "pec"))
    session.add(OutboxReceipt(mail_id=pec_mail.id, kind="accettazione",
                              detail={"subject": f"ACCETTAZIONE: Sollecito per {NAME}",
                                      "to": PEC}))
    session.add(CallbackRequest(position_id=other.id, status="closed",
                                note=f"{NAME} chiede di richiamare al 333 1234567 dopo le 18"))
    session.add(VoiceMessage(position_id=mario.id, attempt_id=called.id, recording_sid="RE1",
                             url="https://api.twilio.com/rec/RE1", duration=12, status="kept",
                             data=WAV, content_type="audio/wav", sha256="ab" * 32))
    session.add(Receipt(position_id=other.id, sha256="cd" * 32, content_type="application/pdf",
                        size=9, data=b"%PDF-Mario", original_name="bonifico-mario-rossi.pdf",
                        source="debtor:page"))
    batch = ImportBatch(creditor_id=acme.id, filename="lista.csv")
    session.add(batch)
    session.flush()
    session.add(ImportRejection(batch_id=batch.id, row_number=4,
                                reason=f"email '{EMAIL}x' is not a valid address"))
    record_payment(session, other, Decimal("50.00"), DAY, "payments:file.csv", NOW)
    session.commit()
    make_daily_report(app, acme.id, DAY, datetime(2026, 11, 2, 22, 31, tzinfo=timezone.utc))
    return {"acme": acme, "beta": beta, "mario": mario, "other": other, "lucia": lucia}


def export(runner, tmp_path, *args):
    out = tmp_path / "export"
    result = runner.invoke(args=["privacy", "export", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / "export.json").read_text(encoding="utf-8")), out, result.output


def test_the_export_holds_the_persons_positions_across_creditors_and_no_one_elses(
        runner, session, app, tmp_path):
    person_everywhere(session, app)
    content, out, output = export(runner, tmp_path, "--phone", "333 123 4567")
    positions = {(p["creditor"], p["reference"]): p for p in content["positions"]}
    assert set(positions) == {("Acme Energia", "A-1"), ("Beta Servizi", "B-7")}
    assert "Lucia" not in json.dumps(content)
    mario, other = positions["Acme Energia", "A-1"], positions["Beta Servizi", "B-7"]
    assert (mario["name"], mario["phone"], mario["email"]) == (NAME, PHONE, EMAIL)
    assert [e["kind"] for e in mario["events"]][:3] == ["keys", "email_queued", "outcome"]
    assert {m["channel"] for m in mario["messages"]} == {"email", "pec"}
    pec = next(m for m in mario["messages"] if m["channel"] == "pec")
    assert pec["receipts"][0]["kind"] == "accettazione"
    assert other["messages"][0]["to_address"] == PHONE
    assert other["callback_requests"][0]["note"].startswith(NAME)
    assert other["payments"][0]["detail"]["amount_paid"] == "50.00"
    assert [a["direction"] for a in other["attempts"]] == ["inbound"]
    assert "token" not in mario["attempts"][0]
    voice = mario["voice_messages"][0]
    assert (out / voice["file"]).read_bytes() == WAV
    assert (out / other["payment_receipts"][0]["file"]).read_bytes() == b"%PDF-Mario"
    assert [(b["creditor"], b["reason"]) for b in content["blocked_numbers"]] == [
        ("Acme Energia", "opted_out")]
    assert "2 positions, 2 creditors" in output and "1 voice messages" in output
    assert str(out / voice["file"]) in output


def test_the_export_finds_the_person_by_email_in_any_case(runner, session, app, tmp_path):
    person_everywhere(session, app)
    content, _, _ = export(runner, tmp_path, "--email", "MARIO.ROSSI@example.TEST")
    assert {p["reference"] for p in content["positions"]} == {"A-1", "B-7"}


def test_an_unreadable_number_is_refused(runner, session, app):
    make_creditor(session, name="Acme")
    result = runner.invoke(args=["privacy", "export", "--phone", "12"])
    assert result.exit_code == 2 and "not a valid phone number" in result.output


def every_value(session):
    """Every text, JSON or binary cell of every table of the database, as lower-case text,
    the tables found by inspection."""
    engine = session.get_bind()
    cells = []
    for table in inspect(engine).get_table_names():
        if table == "alembic_version":
            continue
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            for value in row:
                # Text, JSON and binary cells; not times and numbers (a time's microseconds
                # may well hold the digits of a code).
                if isinstance(value, (bytes, memoryview)):
                    value = bytes(value).decode("latin-1")
                elif isinstance(value, (dict, list)):
                    value = json.dumps(value, ensure_ascii=False)
                if isinstance(value, str):
                    cells.append((table, value.lower()))
    return cells


def row_counts(session):
    engine = session.get_bind()
    return {table: session.scalar(text(f'SELECT count(*) FROM "{table}"'))
            for table in inspect(engine).get_table_names()}


def test_erase_leaves_the_persons_name_phone_and_email_nowhere_while_counts_stay(
        runner, session, app):
    people = person_everywhere(session, app)
    before = row_counts(session)
    assert any(needle in cell for _, cell in every_value(session) for needle in NEEDLES)
    result = runner.invoke(args=["privacy", "erase", "--phone", "0039 333 1234567", "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 positions anonymised (2 closed)" in result.output
    assert "1 voice messages, 1 payment receipts, 1 bars hashed, 1 report copies cleaned, " \
        "1 import rejections cleaned" in result.output
    assert "No value of this person is left in any table." in result.output
    session.expire_all()
    found = [(table, needle) for table, cell in every_value(session) for needle in NEEDLES
             if needle in cell]
    assert found == []
    assert any("lucia verdi" in cell for _, cell in every_value(session))   # the scan sees
    after = row_counts(session)
    events = after.pop("events") - before.pop("events")
    told = after.pop("feed_queue") - before.pop("feed_queue")
    assert after == before
    assert events == 4   # each position: its closing and the erasure itself
    assert told == 2     # the closings, queued for the creditor's feed (api.feed)
    erased = session.scalars(select(Event).where(Event.kind == ERASED_EVENT)).all()
    assert {(e.position_id, e.source, e.detail["reason"]) for e in erased} == {
        (people["mario"].id, "privacy:command", "request"),
        (people["other"].id, "privacy:command", "request")}
    other = session.get(Position, people["other"].id)
    assert (other.amount, other.amount_paid, other.reference, other.status) == (
        Decimal("200.00"), Decimal("50.00"), "B-7", "closed")
    assert other.erased_at is not None
    voice = session.scalar(select(VoiceMessage))
    assert (voice.status, voice.data, voice.duration) == ("erased", None, 12)
    mail = session.scalar(select(OutgoingMail).where(OutgoingMail.channel == "sms"))
    assert (mail.status, mail.sent_at is not None, mail.body) == ("sent", True, "")
    lucia = session.get(Position, people["lucia"].id)
    assert (lucia.name, lucia.phone) == ("Lucia Verdi", OTHER_PHONE)


def test_erase_points_out_a_value_left_where_it_does_not_look(runner, session, app):
    people = person_everywhere(session, app)
    session.add(ImportBatch(creditor_id=people["acme"].id, filename="solleciti Mario Rossi.csv"))
    session.commit()
    result = runner.invoke(args=["privacy", "erase", "--phone", PHONE, "--yes"])
    assert "Values of this person still appear in: import_batches.filename (1 rows)" \
        in result.output


def test_erase_asks_before_it_anonymises(runner, session, app):
    person_everywhere(session, app)
    result = runner.invoke(args=["privacy", "erase", "--email", EMAIL], input="n\n")
    assert result.exit_code == 1 and "Anonymise 2 positions of 2 creditors" in result.output
    assert session.scalar(select(func.count()).where(Position.name == NAME)) == 1


def test_an_erased_position_still_counts_in_its_days_report(runner, session, app):
    people = person_everywhere(session, app)

    def report():
        session.expire_all()
        made = build_report(session, session.get(type(people["acme"]), people["acme"].id), DAY)
        return (dict(made.totals), made.called, len(made.rows),
                [(r["reference"], r["outcome"], r["attempts"], r["amount"]) for r in made.rows])

    before = report()
    result = runner.invoke(args=["privacy", "erase", "--phone", PHONE, "--yes"])
    assert result.exit_code == 0, result.output
    assert report() == before
    assert before[0] == {"opted_out": 1, "confirmed": 1}


def test_a_bar_on_an_erased_number_still_stops_calls_to_it(runner, session, app, tmp_path):
    from scheduler.dial import dial_pass

    people = person_everywhere(session, app)
    result = runner.invoke(args=["privacy", "erase", "--phone", PHONE, "--yes"])
    assert result.exit_code == 0, result.output
    bar = session.scalar(select(BlockedNumber))
    assert bar.phone == bar_key(PHONE, "test-secret-key")
    listing = tmp_path / "lista.csv"
    listing.write_text("reference;name;phone;amount;due_date\n"
                       "A-9;M. Rossi;333 1234567;80,00;2026-10-01\n"
                       "A-1;Mario Rossi;333 1234567;1234,56;2026-10-15\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(listing), "--creditor", "Acme Energia"])
    assert "1 imported, 0 updated, 1 rejected" in result.output, result.output
    assert "reference 'A-1': its personal data was erased" in result.output
    session.expire_all()
    assert session.scalar(select(BlockedNumber.phone)) == PHONE   # the list brought it back
    dial_pass(app, NOW)
    session.expire_all()
    again = session.scalar(select(Position).where(Position.reference == "A-9"))
    assert again.outcome == "opted_out"
    assert session.scalars(select(Attempt.status).where(Attempt.position_id == again.id)).all() \
        in ([], ["canceled"])
    assert session.get(Position, people["mario"].id).name != NAME


@pytest.mark.parametrize("option", ["--phone", "--email"])
def test_a_person_not_found_is_said_so(runner, session, app, tmp_path, option):
    make_creditor(session, name="Acme")
    value = PHONE if option == "--phone" else EMAIL
    result = runner.invoke(args=["privacy", "export", option, value, "--out",
                                 str(tmp_path / "x")])
    assert result.exit_code == 0 and "No position of any creditor names this person" \
        in result.output
    result = runner.invoke(args=["privacy", "erase", option, value, "--yes"])
    assert "0 positions anonymised" in result.output
