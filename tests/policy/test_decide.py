"""The presets' rules, table-driven over plain facts: no database, no Flask."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from policy.decide import CALL, EMAIL, PEC, SMS, ContactFacts, decide, next_opening
from policy.rules import PRESETS, rules_for

ROME = ZoneInfo("Europe/Rome")
LA = ZoneInfo("America/Los_Angeles")
IT_PHONE, LA_PHONE = "+393331234567", "+12135551234"


def rome(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=ROME)


def la(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=LA)


def facts(phone=IT_PHONE, attempts=(), conversations=(), written=(), **flags):
    utc = lambda instants: tuple(sorted(i.astimezone(timezone.utc) for i in instants))  # noqa: E731
    return ContactFacts(phone, utc(attempts), utc(conversations), utc(written), **flags)


# (preset, facts, channel, now, allowed, rule, next_allowed_at); 2026-12-05 is a Saturday,
# 2026-12-08 the Immaculate Conception (a national holiday in Italy).
CASES = {
    "it: Saturday 14:59 is in hours": ("it", facts(), CALL, rome(5, 14, 59), True, None, None),
    "it: Saturday 15:01 waits for Monday": (
        "it", facts(), CALL, rome(5, 15, 1), False, "saturday_hours", rome(7, 8, 30)),
    "it: Saturday before 08:30": ("it", facts(), CALL, rome(5, 8, 10), False, "saturday_hours",
                                  rome(5, 8, 30)),
    "it: Sunday": ("it", facts(), CALL, rome(6, 10), False, "sunday", rome(7, 8, 30)),
    "it: a national holiday": ("it", facts(), CALL, rome(8, 10), False, "holiday", rome(9, 8, 30)),
    "it: weekday 21:00 is over": ("it", facts(), CALL, rome(9, 21), False, "call_hours",
                                  rome(10, 8, 30)),
    "it: the 2nd conversation of a day": (
        "it", facts(conversations=[rome(9, 9)]), CALL, rome(9, 11), False,
        "conversations_per_day", rome(10, 8, 30)),
    "it: a 2nd attempt after an unanswered one is fine": (
        "it", facts(attempts=[rome(9, 9)]), CALL, rome(9, 11), True, None, None),
    "it: the 4th conversation of a week": (
        "it", facts(conversations=[rome(7, 9), rome(9, 9), rome(10, 9)]), CALL, rome(11, 10),
        False, "conversations_per_week", rome(14, 8, 30)),
    "it: a stated dispute stops every channel": (
        "it", facts(disputed=True), EMAIL, rome(9, 10), False, "dispute", None),
    "it: an opt-out stops calls": ("it", facts(opted_out=True), CALL, rome(9, 10), False,
                                   "opt_out", None),
    "it: an opt-out leaves written steps": ("it", facts(opted_out=True), EMAIL, rome(9, 10),
                                            True, None, None),
    "it: SMS quiet from 22:00": ("it", facts(), SMS, rome(9, 22, 30), False, "sms_hours",
                                 rome(10, 8)),
    "it: no SMS on Sundays": ("it", facts(), SMS, rome(6, 12), False, "sunday", rome(7, 8)),
    "it: an email at night is fine": ("it", facts(), EMAIL, rome(9, 23), True, None, None),
    "it: the 5th written request of a month waits for the next": (
        "it", facts(written=[rome(1, 9), rome(2, 9), rome(3, 9), rome(4, 9)]), EMAIL,
        rome(9, 10), False, "written_per_month", datetime(2027, 1, 1, tzinfo=ROME)),
    "it: ...and an SMS for the first working hour of it": (
        "it", facts(written=[rome(1, 9), rome(2, 9), rome(3, 9), rome(4, 9)]), SMS,
        rome(9, 10), False, "written_per_month", datetime(2027, 1, 2, 8, tzinfo=ROME)),
    "it: PEC is the formal notice, not capped": (
        "it", facts(written=[rome(1, 9)] * 6), PEC, rome(9, 10), True, None, None),
    "us-regf: 20:59 in Los Angeles": ("us-regf", facts(LA_PHONE), CALL, la(9, 20, 59), True,
                                      None, None),
    "us-regf: 21:00 in Los Angeles waits for 08:00 there": (
        "us-regf", facts(LA_PHONE), CALL, la(9, 21), False, "call_hours", la(10, 8)),
    "us-regf: 07:59 in Los Angeles": ("us-regf", facts(LA_PHONE), CALL, la(9, 7, 59), False,
                                      "call_hours", la(9, 8)),
    "us-regf: a Sunday is not closed": ("us-regf", facts(LA_PHONE), CALL, la(6, 10), True, None,
                                        None),
    "us-regf: 7 attempts in 7 days": (
        "us-regf", facts(LA_PHONE, attempts=[la(d, 10) for d in range(3, 10)]), CALL,
        la(9, 15), False, "attempts_per_7_days", la(10, 10)),
    "us-regf: 6 attempts in 7 days": (
        "us-regf", facts(LA_PHONE, attempts=[la(d, 10) for d in range(4, 10)]), CALL,
        la(9, 15), True, None, None),
    "us-regf: the 7 days after a conversation": (
        "us-regf", facts(LA_PHONE, attempts=[la(5, 20, 30)], conversations=[la(5, 20, 30)]),
        CALL, la(9, 10), False, "after_conversation", la(12, 20, 30)),
    "us-regf: a stated dispute": ("us-regf", facts(LA_PHONE, disputed=True), CALL, la(9, 10),
                                  False, "dispute", None),
    "strict: a 2nd attempt of a day": (
        "strict", facts(attempts=[rome(9, 9)]), CALL, rome(9, 15), False, "attempts_per_day",
        rome(10, 8, 30)),
    "strict: Saturday 15:01 as it": ("strict", facts(), CALL, rome(5, 15, 1), False,
                                     "saturday_hours", rome(7, 8, 30)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_each_presets_rule(case):
    preset, known, channel, now, allowed, rule, next_at = case
    decision = decide(known, channel, now, rules_for(preset))
    assert (decision.allowed, decision.rule) == (allowed, rule)
    assert decision.next_allowed_at == (next_at.astimezone(timezone.utc) if next_at else None)


def test_the_next_allowed_instant_passes_every_rule_not_only_the_refusing_one():
    # A conversation on Saturday morning: tomorrow is Sunday, so Monday's opening.
    decision = decide(facts(conversations=[rome(5, 9)]), CALL, rome(5, 10), rules_for("it"))
    assert decision.rule == "conversations_per_day"
    assert decision.next_allowed_at == rome(7, 8, 30)


def test_an_ambiguous_number_is_called_in_the_hours_all_its_zones_share():
    rules = rules_for("us-regf")
    zones = ("America/New_York", "America/Los_Angeles")
    # 08:30 in New York is 05:30 in Los Angeles: the latest opening is 08:00 there.
    opening = next_opening(rules, rules.call_hours, zones, la(9, 5, 30))
    assert opening == la(9, 8).astimezone(timezone.utc)


def test_a_creditor_may_tighten_a_preset():
    rules = rules_for("it", {"max_conversations_per_day": 0})
    assert decide(facts(), CALL, rome(9, 10), rules).rule == "conversations_per_day"
    assert PRESETS["it"].max_conversations_per_day == 1


def test_the_audit_summary_says_what_was_counted():
    decision = decide(facts(attempts=[rome(9, 9)], conversations=[rome(9, 9)]), CALL,
                      rome(9, 11), rules_for("it"))
    assert decision.facts["conversations_today"] == 1 and decision.facts["attempts_today"] == 1
    assert decision.facts["preset"] == "it"
