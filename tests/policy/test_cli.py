"""`why REFERENCE` and the policy's options of `creditor add|set`."""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import Creditor, PolicyDecision
from scheduler.dial import dial_pass
from telephony import get_telephony
from telephony.simulator import DebtorScript
from tests.factories import make_creditor, make_position

ROME = ZoneInfo("Europe/Rome")


def test_why_says_every_contact_and_refusal_with_its_rule(app, session, runner):
    first = make_position(session, make_creditor(session, name="Uno"))
    make_position(session, make_creditor(session, name="Due"), reference="P-002")
    get_telephony(app).script(first.phone, DebtorScript("human", ("1", "1")))
    dial_pass(app, datetime(2026, 11, 28, 9, 0, tzinfo=ROME))          # a Saturday
    dial_pass(app, datetime(2026, 11, 28, 15, 10, tzinfo=ROME))
    result = runner.invoke(args=["why", "P-002"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "P-002 (Due), policy it",
        "no call at 09:00 Saturday 28 November: it preset, at most 1 conversation(s) a day; "
        "next 08:30 Monday 30 November",
    ]
    first_lines = runner.invoke(args=["why", "P-001", "--creditor", "Uno"]).output.splitlines()
    assert first_lines[1] == "call at 09:00 Saturday 28 November: allowed (it preset)"


def test_why_asks_for_the_creditor_when_two_have_the_reference(app, session, runner):
    make_position(session, make_creditor(session, name="Uno"))
    make_position(session, make_creditor(session, name="Due"))
    result = runner.invoke(args=["why", "P-001"])
    assert result.exit_code != 0 and "--creditor" in result.output
    assert runner.invoke(args=["why", "P-001", "--creditor", "Due"]).exit_code == 0
    assert "no position" in runner.invoke(args=["why", "P-404"]).output


def test_why_says_a_paused_campaign_and_a_stopped_position_first(app, session, runner):
    from contacts.controls import hold_position, pause_creditor

    position = make_position(session, make_creditor(session, name="Uno"))
    at = datetime(2026, 11, 23, 11, 0, tzinfo=ROME)
    pause_creditor(session, position.creditor, "user:anna", "verifica", at)
    hold_position(session, position, "user:mara", "in trattativa", at)
    session.commit()
    assert runner.invoke(args=["why", "P-001"]).output.splitlines()[1:3] == [
        "campaign paused at 2026-11-23T10:00:00+00:00 by user:anna: nothing is dialled, run or "
        "sent until `creditor resume`",
        "contact stopped at 2026-11-23T10:00:00+00:00 by user:mara: nothing is dialled, run or "
        "sent until it is released"]


def creditor(session, name="Acme"):
    session.expire_all()
    return session.scalar(select(Creditor).where(Creditor.name == name))


def test_a_creditor_takes_a_preset_and_tightens_it(app, session, runner):
    result = runner.invoke(args=["creditor", "add", "Acme", "--caller-id", "+390212345678",
                                 "--policy", "us-regf", "--max-attempts-per-7-days", "5"])
    assert result.exit_code == 0, result.output
    acme = creditor(session)
    assert (acme.policy, acme.policy_settings) == ("us-regf", {"max_attempts_per_7_days": 5})
    assert "us-regf, max_attempts_per_7_days=5" in runner.invoke(args=["creditor", "list"]).output
    assert runner.invoke(args=["creditor", "set", "Acme", "--max-attempts-per-7-days", ""]
                         ).exit_code == 0
    assert creditor(session).policy_settings == {}


def test_loosening_a_preset_needs_an_explicit_allow_and_is_recorded(app, session, runner):
    make_creditor(session, name="Acme")
    refused = runner.invoke(args=["creditor", "set", "Acme", "--max-conversations-per-day", "2"])
    assert refused.exit_code != 0 and "--allow-looser" in refused.output
    assert creditor(session).policy_settings in (None, {})
    taken = runner.invoke(args=["creditor", "set", "Acme", "--max-conversations-per-day", "2",
                                "--allow-looser"])
    assert taken.exit_code == 0, taken.output
    assert creditor(session).policy_settings["max_conversations_per_day"] == 2
    [row] = session.scalars(select(PolicyDecision)).all()
    assert (row.channel, row.rule, row.position_id) == ("setting", "max_conversations_per_day",
                                                        None)
    assert row.facts["value"] == 2 and row.facts["preset_value"] == 1
    # Tightening another number later needs no new allowance, and records nothing more.
    assert runner.invoke(args=["creditor", "set", "Acme", "--max-written-per-month", "2"]
                         ).exit_code == 0
    assert len(session.scalars(select(PolicyDecision)).all()) == 1
    # A stricter preset makes a kept number looser again: it must be allowed anew.
    assert runner.invoke(args=["creditor", "set", "Acme", "--policy", "strict"]).exit_code != 0


def test_an_unknown_preset_is_refused(app, session, runner):
    make_creditor(session, name="Acme")
    result = runner.invoke(args=["creditor", "set", "Acme", "--policy", "lax"])
    assert result.exit_code != 0 and "it, us-regf, strict" in result.output
