"""A position's history grouped into lines people read: a call in one line with its events
folded under it, a message with its delivery, a collector's callback with its claims; what a
creditor's user reads is filtered (no collector's name or note, nothing of the provider's)."""
from datetime import datetime, timedelta, timezone
from itertools import count
from types import SimpleNamespace

import pytest

from console.call_lines import call_summary
from console.history import entries, latest_outcome, mail_fate
from console.history_facts import Viewer, who

T0 = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
ADMIN, CREDITOR = Viewer("admin"), Viewer("creditor", frozenset({"mara"}))
_ids = count(1)


@pytest.fixture(autouse=True)
def console_request(app):
    """The vocabulary's words (a call's facts) come from the console's catalogue."""
    with app.test_request_context("/"):
        yield


def event(event_kind, minute, attempt=None, source="worker", /, **detail):
    return SimpleNamespace(id=next(_ids), kind=event_kind, at=T0 + timedelta(minutes=minute),
                           attempt_id=attempt.id if attempt else None, source=source,
                           detail=detail)


def attempt(number, status, minute, round=1, **fields):
    values = dict(id=100 + number + 10 * round, round=round, number=number, status=status,
                  direction="outbound", answered_by=None, identified=False, outcome=None,
                  duration=None, placed_at=T0 + timedelta(minutes=minute), answered_at=None,
                  due_at=None, created_at=T0, call_sid=f"CA{number}{round}", digits="",
                  last_error=None)
    values.update(fields)
    return SimpleNamespace(**values)


def mail(mail_id, channel="email", status="sent", delivery=None, minute=0, **fields):
    values = dict(id=mail_id, channel=channel, kind="sollecito", to_address="m@example.test",
                  status=status, delivery=delivery, tries=0, created_at=T0 + timedelta(
                      minutes=minute), last_error=None, message_id=None)
    values.update(fields)
    return SimpleNamespace(**values)


def promised_call():
    """Call 2 of 3: a person answers, says who they are, presses 5 and keys the 15th of December."""
    call = attempt(2, "completed", 10, answered_by="human", identified=True, outcome="promised",
                   duration=69)
    source = f"twilio:menu {call.call_sid}"
    events = [
        event("attempt_claimed", 10, call, "dialer", number=2),
        event("call_placed", 10, call, "dialer", call_sid=call.call_sid),
        event("status", 10, call, source, status="ringing", sequence="0",
              timestamp="Tue, 24 Nov 2026 09:40:00 +0000"),
        event("answered", 10, call, source, answered_by="human"),
        event("keys", 10, call, source, step="identify", digits="1"),
        event("identified", 10, call, source),
        event("keys", 10, call, source, step="menu", digits="5"),
        event("keys", 11, call, source, step="promise", digits="1512"),
        event("outcome", 11, call, source, outcome="promised", promise_date="2026-12-15"),
        event("status", 11, call, source, status="completed", duration=69, answered_by="human",
              sequence="1", timestamp="Tue, 24 Nov 2026 09:41:09 +0000"),
    ]
    return call, events


def test_a_call_is_one_line_with_the_attempt_the_answer_the_key_and_its_meaning():
    call, events = promised_call()
    [line] = entries(events, [call], [], ADMIN, max_attempts=3)
    assert line.kind == "call"
    assert line.label == ("Chiamata 2 di 3 — risposta, identificato, ha premuto 5: pagherà entro "
                          "il 15/12")
    assert line.detail == "durata 69 s"


def test_a_calls_events_fold_under_it_in_words():
    call, events = promised_call()
    [line] = entries(events, [call], [], CREDITOR, max_attempts=3)
    folded = [(fact.label, fact.detail) for fact in line.facts]
    assert len(folded) == len(events)
    assert ("Il telefono squilla", "") in folded
    assert ("Data della promessa", "ha digitato la data 15/12") in folded
    assert ("Chiamata conclusa", "dopo 69 s, ha risposto: una persona") in folded
    assert all("status" not in label and "sequence" not in label for label, _ in folded)


@pytest.mark.parametrize("fields, said", [
    (dict(status="no-answer"), "nessuna risposta"),
    (dict(status="busy"), "occupato"),
    (dict(status="completed", answered_by="machine_start"), "segreteria"),
    (dict(status="pending", placed_at=None), "prevista"),
])
def test_a_call_says_how_it_was_answered(fields, said):
    assert call_summary(attempt(1, **dict(dict(minute=0), **fields)), []) == said


def test_the_last_call_of_a_round_without_answer_says_the_round_is_over():
    call = attempt(3, "no-answer", 0, round=2)
    other = attempt(1, "no-answer", 0)
    events = [event("outcome", 1, call, outcome="no_answer")]
    lines = entries(events, [other, call], [], ADMIN, max_attempts=3)
    assert lines[-1].label == ("Chiamata 3 di 3 (giro 2) — nessuna risposta, giro di chiamate "
                               "concluso senza risposta")


def test_without_its_key_events_a_call_reads_the_keys_the_attempt_kept():
    promised = attempt(1, "completed", 0, answered_by="human", identified=True,
                       outcome="promised", digits="1,9,5,1512,1")
    assert call_summary(promised, []) == "risposta, identificato, ha premuto 5: promette di pagare"
    callback = attempt(1, "completed", 0, identified=True, digits="1,3")
    assert call_summary(callback, []) == "risposta, identificato, ha premuto 3"


def test_a_wrong_person_says_so_and_is_not_identified():
    call = attempt(1, "completed", 0, answered_by="human", outcome="wrong_person")
    events = [event("keys", 0, call, step="identify", digits="2"),
              event("outcome", 0, call, outcome="wrong_person")]
    assert call_summary(call, events) == ("risposta, non identificato, ha premuto 2: non è la "
                                          "persona cercata")


def test_staff_read_the_provider_facts_a_creditors_user_never_does():
    call, events = promised_call()
    [staff] = entries(events, [call], [], ADMIN)
    [creditor] = entries(events, [call], [], CREDITOR)
    assert staff.tech == "CallSid CA21"
    assert any(fact.tech == "twilio:menu" for fact in staff.facts)   # its SID once, above
    assert creditor.tech == "" and all(fact.tech == "" for fact in creditor.facts)


def test_a_message_is_one_line_with_its_delivery_and_its_news_folded():
    sms = mail(7, channel="sms", kind="contatto", delivery="delivered", to_address="+39333")
    events = [event("step", 0, step=3, channel="sms", mail_id=7),
              event("message_queued", 0, mail_id=7, channel="sms", kind="contatto"),
              event("sms_sent", 1, None, "outbox", mail_id=7, kind="contatto"),
              event("sms_delivered", 2, None, "receipts", mail_id=7, kind="contatto",
                    status="delivered")]
    [line] = entries(events, [], [sms], CREDITOR)
    assert line.label == "SMS «richiesta di contatto» — consegnato"
    assert line.detail == "a +39333, passo 4 del piano"
    assert [fact.label for fact in line.facts] == ["SMS inviato", "SMS consegnato"]
    assert all(fact.tech == "" for fact in line.facts)


@pytest.mark.parametrize("status, delivery, channel, said", [
    ("queued", None, "email", "in attesa"), ("sent", None, "pec", "inviata"),
    ("sent", "accepted", "pec", "accettata dal gestore"),
    ("sent", "not_delivered", "pec", "non consegnata"), ("failed", None, "email", "non inviata"),
    ("withdrawn", None, "sms", "ritirato"), ("unknown", None, "email", "di esito incerto"),
])
def test_a_message_s_fate_in_words(status, delivery, channel, said):
    assert mail_fate(mail(1, channel=channel, status=status, delivery=delivery)) == said


def test_a_failed_message_keeps_the_servers_answer_for_staff_only():
    failed = mail(3, status="failed", tries=8, last_error="550 5.1.1 mailbox unavailable")
    events = [event("email_failed", 5, None, "outbox", mail_id=3, kind="sollecito", tries=8)]
    [staff] = entries(events, [], [failed], ADMIN)
    [creditor] = entries(events, [], [failed], CREDITOR)
    assert staff.label == creditor.label == "Email «sollecito» — non inviata"
    assert "550 5.1.1" in staff.tech and creditor.tech == ""
    assert "8 tentativi" in creditor.detail


def test_a_callback_is_one_line_with_its_claims_and_answer_folded_and_its_note_for_staff():
    events = [event("callback_claimed", 0, None, "console:carlo", until="2026-11-24T10:00"),
              event("callback_released", 1, None, "console:carlo"),
              event("callback_claimed", 2, None, "console:carlo", until="2026-11-24T10:02"),
              event("callback_handled", 3, None, "console:carlo", result="promise",
                    note="dice che paga a rate", promise_date="2026-12-15",
                    promise_amount="250.00"),
              event("answer", 3, None, "collector:carlo", answer="promised",
                    promise_date="2026-12-15")]
    [staff] = entries(events, [], [], ADMIN)
    [creditor] = entries(events, [], [], CREDITOR)
    assert staff.label == "Richiamata di un operatore — pagherà entro il 15/12 (250,00\xa0€)"
    assert (staff.who, staff.detail) == ("carlo", "nota: dice che paga a rate")
    assert len(staff.facts) == 4
    assert (creditor.who, creditor.detail) == ("un operatore", "")
    assert all(fact.who == "un operatore" for fact in creditor.facts)


def test_a_creditors_user_sees_its_colleagues_by_name_and_staff_as_an_operator():
    assert who("user:mara", CREDITOR) == "mara"
    assert who("user:anna", CREDITOR) == "un operatore"
    assert who("collector:carlo", ADMIN) == "carlo"
    assert who("twilio:menu CA1", CREDITOR) == "" and who("debtor:page", CREDITOR) == "il debitore"


def test_a_staff_note_is_not_shown_to_a_creditors_user():
    notes = [event("note", 0, None, "user:anna", text="debitore scortese"),
             event("note", 1, None, "user:mara", text="ha scritto al commerciale")]
    assert [e.detail for e in entries(notes, [], [], ADMIN)] == ["debitore scortese",
                                                                "ha scritto al commerciale"]
    assert [e.detail for e in entries(notes, [], [], CREDITOR)] == ["ha scritto al commerciale"]


def test_payments_and_status_changes_are_lines_of_their_own():
    events = [event("payment", 0, None, "user:mara", amount_paid="100.00", paid_on="2026-11-20",
                    amount_due="0.00"),
              event("status", 0, None, "user:mara", reason="paid in full",
                    to="paid", **{"from": "open"})]
    lines = entries(events, [], [], CREDITOR)
    assert [line.label for line in lines] == ["Pagamento registrato: 100,00\xa0€ il 20/11/2026",
                                              "Stato: aperta → pagata"]
    assert lines[0].who == "mara"


def test_the_tag_follows_the_latest_answer_not_the_rounds_first():
    call, events = promised_call()
    events = [event("outcome", 0, outcome="callback_requested"),
              event("answer", 5, None, "collector:carlo", answer="promised")]
    assert latest_outcome(events, "callback_requested") == "promised"
    assert latest_outcome([], "confirmed") == "confirmed"


def test_a_callback_still_open_is_one_line_where_it_stands():
    events = [event("callback_claimed", 0, None, "console:carlo", until="2026-11-24T10:00"),
              event("callback_released", 1, None, "console:carlo"),
              event("callback_claimed", 2, None, "console:carlo", until="2026-11-24T10:32")]
    [line] = entries(events, [], [], CREDITOR)
    assert (line.label, line.who, len(line.facts)) == ("Richiamata presa in carico",
                                                      "un operatore", 3)
