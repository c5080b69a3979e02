"""Decisions said in plain words, in English and Italian, from what the audit keeps."""
from datetime import datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from policy.audit import explain
from policy.decide import CALL, ContactFacts, decide
from policy.rules import rules_for

ROME, LA = ZoneInfo("Europe/Rome"), ZoneInfo("America/Los_Angeles")


def said(phone, channel, now, preset="it", language="en"):
    rules = rules_for(preset)
    decision = decide(ContactFacts(phone), channel, now, rules)
    row = SimpleNamespace(channel=channel, at=now.astimezone(timezone.utc), **vars(decision))
    return explain(row, rules, language)


def test_a_saturday_afternoon_refusal_reads_as_the_issue_wrote_it():
    assert said("+393331234567", CALL, datetime(2026, 12, 5, 15, 10, tzinfo=ROME)) == (
        "no call at 15:10 Saturday 5 December: it preset, Saturday until 15:00; "
        "next 08:30 Monday 7 December")


def test_a_holiday_is_named():
    assert said("+393331234567", CALL, datetime(2026, 12, 8, 10, tzinfo=ROME)) == (
        "no call at 10:00 Tuesday 8 December: it preset, no call on holidays "
        "(Immaculate Conception); next 08:30 Wednesday 9 December")


def test_a_us_debtor_is_told_on_their_own_clock():
    assert said("+12135551234", CALL, datetime(2026, 12, 9, 21, 0, tzinfo=LA), "us-regf") == (
        "no call at 21:00 Wednesday 9 December: us-regf preset, calls 08:00–21:00 at the "
        "debtor's local time (America/Los_Angeles); next 08:00 Thursday 10 December")


def test_the_console_says_it_in_italian():
    assert said("+393331234567", "sms", datetime(2026, 12, 6, 12, tzinfo=ROME),
                language="it") == ("nessun SMS alle 12:00 domenica 6 dicembre: regole it, "
                                   "niente SMS la domenica; prossima possibilità 08:00 lunedì "
                                   "7 dicembre")
