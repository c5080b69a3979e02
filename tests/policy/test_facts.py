"""The facts of a debtor, gathered across every creditor by number and by address."""
from datetime import datetime, timedelta, timezone

import pytest

from db.models import BlockedNumber, OutgoingMail
from policy.facts import gather, is_conversation
from tests.factories import make_attempt, make_creditor, make_position

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
AT = NOW - timedelta(hours=2)


@pytest.mark.parametrize("answered_by, identified, digits, outcome, talked", [
    ("human", True, "1,1", "confirmed", True),
    (None, False, "9", None, True),               # answered the greeting on the keypad
    ("human", False, "", None, False),            # silence, or hung up at the greeting
    ("machine_start", False, "", None, False),
    ("human", False, "2", "wrong_person", False),  # not the debtor
    ("human", False, "1111#,2222#", "identity_failed", False),
])
def test_a_conversation_is_a_person_who_answered_and_took_part(answered_by, identified, digits,
                                                                outcome, talked):
    assert is_conversation(AT, answered_by, identified, digits, outcome) is talked


def test_a_debtors_calls_and_messages_are_gathered_across_creditors(session):
    mine = make_position(session, make_creditor(session, name="Uno"))
    theirs = make_position(session, make_creditor(session, name="Due"), reference="P-002",
                           phone=mine.phone, email=mine.email)
    stranger = make_position(session, mine.creditor, reference="P-003", phone="+393339999999",
                             email="altro@example.test")
    make_attempt(session, theirs, placed_at=AT, answered_at=AT, identified=True,
                 status="completed")
    make_attempt(session, theirs, number=2, placed_at=AT - timedelta(days=1),
                 status="no-answer")
    make_attempt(session, theirs, number=3, placed_at=AT - timedelta(days=60), status="busy")
    make_attempt(session, stranger, placed_at=AT, status="no-answer")
    for n, (channel, to, kind) in enumerate((("email", mine.email, "sollecito"),
                                             ("sms", mine.phone, "contatto"),
                                             ("sms", mine.phone, "link_pagamento"),
                                             ("pec", mine.email, "sollecito_oneri"))):
        session.add(OutgoingMail(key=f"k{n}", channel=channel, position_id=theirs.id, kind=kind,
                                 to_address=to, subject="s", body="b", status="sent",
                                 sent_at=AT))
    session.commit()
    gathered = gather(session, [mine.id, stranger.id], NOW)
    subject, facts = gathered[mine.id]
    assert subject.creditor_id == mine.creditor_id
    assert facts.attempts == (AT - timedelta(days=1), AT)      # not the one 60 days ago
    assert facts.conversations == (AT,)
    assert facts.written == (AT, AT)       # the email and the SMS asking; not key 7's, not PEC
    assert not facts.opted_out and not facts.disputed
    assert gathered[stranger.id][1].attempts == (AT,)


def test_an_opt_out_counts_everywhere_or_for_its_creditor_only(session):
    mine = make_position(session, make_creditor(session, name="Uno"))
    other = make_creditor(session, name="Due")
    session.add(BlockedNumber(creditor_id=other.id, phone=mine.phone, reason="opted_out"))
    session.add(BlockedNumber(creditor_id=mine.creditor_id, phone="+393330000000",
                              reason="wrong_person"))
    session.commit()
    assert gather(session, [mine.id], NOW)[mine.id][1].opted_out
    assert not gather(session, [mine.id], NOW, opt_out_everywhere=False)[mine.id][1].opted_out


def test_a_disputed_debt_is_a_fact_of_its_position(session):
    position = make_position(session, make_creditor(session), status="disputed")
    assert gather(session, [position.id], NOW)[position.id][1].disputed
