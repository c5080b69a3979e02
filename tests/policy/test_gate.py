"""The policy at the moment of contact: the dialer and the outbox ask it, across creditors, and
a refusal postpones rather than drops."""
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db import session_scope
from db.models import Attempt, BlockedNumber, Event, OutgoingMail, PolicyDecision
from notify.messages import queue_message
from notify.outbox import flush_outbox
from scheduler.dial import dial_pass
from scheduler.pacing import VirtualClock
from telephony import get_telephony
from telephony.simulator import DebtorScript
from tests.factories import make_creditor, make_position
from tests.smtp import smtp_app, smtp_server  # noqa: F401 - fixtures

ROME = ZoneInfo("Europe/Rome")
PHONE = "+393331234567"


def rome(*args):
    return datetime(*args, tzinfo=ROME)


@pytest.fixture
def simulator(app):
    return get_telephony(app)


def decisions(session):
    session.expire_all()
    return session.scalars(select(PolicyDecision).order_by(PolicyDecision.id)).all()


def test_creditors_sharing_a_debtors_phone_never_exceed_the_caps_together(app, session,
                                                                          simulator):
    # Five creditors, one invoice each, the same debtor: each call is a conversation.
    positions = [make_position(session, make_creditor(session, name=f"Mandante {n}"),
                               reference=f"P-{n}") for n in range(5)]
    simulator.script(PHONE, DebtorScript("human", ("1", "1")))
    day = rome(2026, 11, 23)                     # a Monday
    while day < rome(2026, 12, 2):
        for hour in range(8, 21):
            dial_pass(app, day.replace(hour=hour, minute=40))
        day += timedelta(days=1)
    session.expire_all()
    talks = session.scalars(select(Attempt.placed_at).where(Attempt.identified)).all()
    per_day = Counter(t.astimezone(ROME).date() for t in talks)
    per_week = Counter(t.astimezone(ROME).isocalendar()[:2] for t in talks)
    assert len(talks) == 5                       # everyone had their turn, in the end
    assert max(per_day.values()) == 1 and max(per_week.values()) == 3
    assert sorted(per_day) == [rome(2026, 11, d).date() for d in (23, 24, 25)] + \
        [rome(2026, 11, 30).date(), rome(2026, 12, 1).date()]
    # Wednesday's refusals already wait for Monday: Thursday would break the week's cap.
    placed = session.scalars(select(Attempt.placed_at).where(Attempt.placed_at.is_not(None)))
    assert not {p.astimezone(ROME).day for p in placed} & {26, 27, 28, 29}
    assert {d.rule for d in decisions(session) if not d.allowed} == {"conversations_per_day"}
    for position in positions:
        session.refresh(position)
        assert position.outcome == "confirmed"


def test_a_refused_call_is_postponed_to_the_next_allowed_window_not_dropped(app, session,
                                                                          simulator):
    first = make_position(session, make_creditor(session, name="Uno"))
    second = make_position(session, make_creditor(session, name="Due"), reference="P-002")
    simulator.script(PHONE, DebtorScript("human", ("1", "1")))
    report = dial_pass(app, rome(2026, 11, 27, 9, 0))     # a Friday
    assert [d.position_id for d in report.placed] == [first.id]
    assert [(d.position_id, rule) for d, rule in report.postponed] == \
        [(second.id, "conversations_per_day")]
    session.expire_all()
    [attempt] = session.scalars(select(Attempt).where(Attempt.position_id == second.id)).all()
    # Saturday is a calling day for the it preset, from 08:30 in the creditor's first window.
    assert (attempt.status, attempt.due_at, attempt.call_window) == \
        ("pending", rome(2026, 11, 28, 8, 30), "08:30-12:00")
    [event] = session.scalars(select(Event).where(Event.kind == "call_postponed")).all()
    assert event.detail["rule"] == "conversations_per_day" and event.source == "policy"
    assert dial_pass(app, rome(2026, 11, 27, 15, 0)).placed == []
    assert [d.position_id for d in dial_pass(app, rome(2026, 11, 28, 8, 30)).placed] == \
        [second.id]


def test_calls_the_policy_refuses_hold_no_calling_slot_of_a_paced_pass(app, session, simulator):
    # Ten positions of one debtor, with ten creditors: only one may talk today.
    for n in range(10):
        make_position(session, make_creditor(session, name=f"Mandante {n}"), reference=f"P-{n}")
    simulator.script(PHONE, DebtorScript("human", ("1", "1")))
    clock = VirtualClock()
    report = dial_pass(app, rome(2026, 11, 23, 9, 0), calls_per_second=0.1, clock=clock)
    assert len(report.placed) == 1 and len(report.postponed) == 9
    assert clock.now <= 10      # one slot of 10 s at most, not ten
    refused = [d for d in decisions(session) if not d.allowed]
    assert len(refused) == 9 and len(decisions(session)) == 10   # each decision kept once


def test_every_call_placed_has_its_recorded_decision(app, session, simulator):
    position = make_position(session, make_creditor(session))
    simulator.script(PHONE, DebtorScript("no-answer"))
    report = dial_pass(app, rome(2026, 11, 23, 9, 0))
    [decision] = decisions(session)
    assert decision.allowed and decision.rule is None and decision.channel == "call"
    assert decision.position_id == position.id
    assert decision.attempt_id == report.placed[0].attempt_id
    assert decision.facts["preset"] == "it" and decision.facts["attempts_today"] == 0


def test_key_8_for_one_creditor_bars_automated_calls_for_another(app, session, simulator):
    first = make_position(session, make_creditor(session, name="Uno"))
    second = make_position(session, make_creditor(session, name="Due"), reference="P-002")
    simulator.script(PHONE, DebtorScript("human", ("1", "8")))
    dial_pass(app, rome(2026, 11, 23, 9, 0))
    assert len(simulator.calls) == 1
    for day in (24, 25, 26):
        dial_pass(app, rome(2026, 11, day, 9, 0))
    assert len(simulator.calls) == 1
    session.refresh(second)
    assert second.outcome == "opted_out" and first.id != second.id


def queue(app, session, position, channel, message, key, at):
    mail = queue_message(app, session, position, channel, message, at, key)
    session.commit()
    return mail.id


def mail_row(app, mail_id):
    with session_scope(app) as session:
        return session.get(OutgoingMail, mail_id)


def test_the_outbox_postpones_an_sms_refused_at_night_and_sends_it_in_the_morning(
        app, session):
    position = make_position(session, make_creditor(session))
    late = rome(2026, 11, 24, 22, 30)
    mail_id = queue(app, session, position, "sms", "contatto", "s", late)
    report = flush_outbox(app, late)
    assert report.sent == 0 and report.postponed == 1
    mail = mail_row(app, mail_id)
    assert (mail.status, mail.next_try_at) == ("queued", rome(2026, 11, 25, 8, 0))
    assert get_telephony(app).messages == []
    [decision] = decisions(session)
    assert (decision.channel, decision.allowed, decision.rule, decision.mail_id) == \
        ("sms", False, "sms_hours", mail_id)
    assert flush_outbox(app, rome(2026, 11, 25, 8, 0)).sent == 1
    assert mail_row(app, mail_id).status == "sent"
    kinds = session.scalars(select(Event.kind).order_by(Event.id)).all()
    assert "sms_postponed" in kinds and kinds.index("sms_postponed") < kinds.index("sms_sent")


def test_written_requests_of_every_creditor_count_against_one_monthly_cap(smtp_app, session,
                                                                          smtp_server):
    app = smtp_app
    mine = make_position(session, make_creditor(session, name="Uno"))
    others = make_position(session, make_creditor(session, name="Due"), reference="P-002")
    at = rome(2026, 11, 10, 10, 0)
    for n in range(4):
        queue(app, session, others, "email", "sollecito", f"o{n}", at + timedelta(days=n))
        flush_outbox(app, at + timedelta(days=n))
    mail_id = queue(app, session, mine, "email", "sollecito", "mine", rome(2026, 11, 20, 10, 0))
    assert flush_outbox(app, rome(2026, 11, 20, 10, 0)).postponed == 1
    assert mail_row(app, mail_id).next_try_at == rome(2026, 12, 1, 0, 0)
    assert flush_outbox(app, rome(2026, 12, 1, 0, 0)).sent == 1
    assert len(smtp_server.messages) == 5


def test_an_sms_to_a_number_opted_out_elsewhere_is_withdrawn_with_its_reason(app, session):
    position = make_position(session, make_creditor(session, name="Uno"))
    other = make_creditor(session, name="Due")
    session.add(BlockedNumber(creditor_id=other.id, phone=PHONE, reason="opted_out"))
    session.commit()
    at = rome(2026, 11, 24, 10, 0)
    mail_id = queue(app, session, position, "sms", "contatto", "s", at)
    assert flush_outbox(app, at).postponed == 1
    assert mail_row(app, mail_id).status == "withdrawn"
    [event] = session.scalars(select(Event).where(Event.kind == "sms_refused")).all()
    assert event.detail["rule"] == "opt_out"
    assert get_telephony(app).messages == []


def test_a_report_mail_is_no_contact_of_a_debtor_and_asks_nothing(app, session):
    make_creditor(session)
    with session_scope(app) as s:
        s.add(OutgoingMail(key="r", kind="daily_report", to_address="ops@example.test",
                           subject="r", body="r", next_try_at=rome(2026, 11, 24, 23, 30)))
    flush_outbox(app, rome(2026, 11, 24, 23, 30))
    assert decisions(session) == []


def test_one_flush_counts_its_own_sends_against_the_monthly_cap(smtp_app, session, smtp_server):
    # Six requests to one debtor due at once, read in one batch: the fifth and sixth would break
    # the month's cap of four, counted from what this very flush sent before them.
    app = smtp_app
    position = make_position(session, make_creditor(session))
    at = rome(2026, 11, 10, 10, 0)
    ids = [queue(app, session, position, "email", "sollecito", f"m{n}", at) for n in range(6)]
    report = flush_outbox(app, at)
    assert (report.sent, report.postponed) == (4, 2)
    assert len(smtp_server.messages) == 4
    assert [mail_row(app, i).status for i in ids] == ["sent"] * 4 + ["queued"] * 2
    assert [d.allowed for d in decisions(session)] == [True] * 4 + [False] * 2
