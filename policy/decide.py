"""`decide(facts, channel, now, rules)`: may this debtor be contacted now on this channel (pure).

The facts are gathered beforehand (policy.facts) across every creditor of the installation;
here they are only counted against the rules. A refusal names its rule and the first instant
every rule allows again (`next_allowed_at`), or None when no waiting will do (a dispute, an
opt-out): the caller postpones to that instant, never drops the contact.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones

from domain.windows import is_holiday

CALL, SMS, EMAIL, PEC = "call", "sms", "email", "pec"
CHANNELS = (CALL, SMS, EMAIL, PEC)
# Far enough for any run of holidays, Sundays and caps; no opening within it means none at all.
HORIZON_DAYS = 40
_MAX_STEPS = 24
SUNDAY, SATURDAY = 6, 5
# Every rule a refusal may name, in the order the daily report lists them.
RULES = ("dispute", "opt_out", "holiday", "sunday", "saturday_hours", "call_hours", "sms_hours",
         "conversations_per_day", "conversations_per_week", "attempts_per_day",
         "attempts_per_7_days", "after_conversation", "written_per_month")


@dataclass(frozen=True)
class ContactFacts:
    """What is known of one debtor at one instant, every creditor together: the instants (UTC,
    ascending) of call attempts placed to their number and of conversations held on it, of the
    written contact requests (SMS, email) sent to them; whether they opted out of automated
    contact and whether this debt is disputed."""

    phone: str | None = None
    attempts: tuple = ()
    conversations: tuple = ()
    written: tuple = ()
    opted_out: bool = False
    disputed: bool = False


@dataclass(frozen=True)
class Decision:
    """`allowed`, else the `rule` that refused and when every rule allows (None: not by
    waiting); `facts` is the compact summary of what was counted, as the audit keeps it."""

    allowed: bool
    rule: str | None = None
    next_allowed_at: datetime | None = None
    facts: dict | None = None


def decide(facts, channel, now, rules, *, requested=False, summary=True):
    """The Decision for contacting the debtor of `facts` on `channel` at `now`.

    `requested`: a message the debtor asked for (the payment link of key 7), which answers
    them rather than asks them to get in touch: outside the monthly cap of written requests.
    `summary`: False leaves the Decision's `facts` out, for an answer that is not kept.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("decide needs a timezone-aware `now`")
    zones = debtor_zones(facts.phone, rules)
    summary = summarise(facts, now, rules, zones) if summary else None
    refusal = _refusal(facts, channel, now, rules, zones, requested)
    if refusal is None:
        return Decision(True, None, None, summary)
    rule, until = refusal
    at = until
    for _ in range(_MAX_STEPS):
        if at is None:
            break
        later = _refusal(facts, channel, at, rules, zones, requested)
        if later is None:
            break
        at = later[1]
    else:
        at = None
    return Decision(False, rule, at, summary)


def _refusal(facts, channel, at, rules, zones, requested):
    """(rule, the first instant it could allow) of the first rule refusing at `at`; None."""
    if facts.disputed and rules.stop_on_dispute:
        return "dispute", None
    if facts.opted_out and channel in (CALL, SMS):
        return "opt_out", None
    hours = rules.call_hours if channel == CALL else rules.sms_hours if channel == SMS else None
    if hours is not None:
        closed = closed_rule(rules, hours, zones, at, "call" if channel == CALL else "sms")
        if closed is not None:
            return closed, next_opening(rules, hours, zones, at)
    if channel == CALL:
        return _call_caps(facts, at, rules, ZoneInfo(zones[0]))
    if channel in (SMS, EMAIL) and not requested:
        return _written_cap(facts, at, rules, ZoneInfo(zones[0]))
    return None


def _call_caps(facts, at, rules, zone):
    if not facts.attempts and not facts.conversations and not _any_zero_cap(rules):
        return None   # nothing to count, and no cap refuses the first call
    local = at.astimezone(zone)
    today, week = _day_start(local), _day_start(local) - timedelta(days=local.weekday())
    tomorrow, next_week = _next_day(local, 1), _next_day(local, 7 - local.weekday())
    if rules.quiet_days_after_conversation and facts.conversations:
        quiet_until = facts.conversations[-1] + timedelta(days=rules.quiet_days_after_conversation)
        if at < quiet_until:
            return "after_conversation", quiet_until
    checks = (("conversations_per_day", rules.max_conversations_per_day, facts.conversations,
               today, tomorrow),
              ("conversations_per_week", rules.max_conversations_per_week, facts.conversations,
               week, next_week),
              ("attempts_per_day", rules.max_attempts_per_day, facts.attempts, today, tomorrow))
    for rule, cap, instants, since, until in checks:
        if cap is not None and _count(instants, since, at) >= cap:
            return rule, until
    cap = rules.max_attempts_per_7_days
    if cap is not None:
        recent = [a for a in facts.attempts if at - timedelta(days=7) < a <= at]
        if len(recent) >= cap:
            return "attempts_per_7_days", (recent[len(recent) - cap] + timedelta(days=7)
                                           if cap else None)
    return None


def _any_zero_cap(rules):
    return 0 in (rules.max_conversations_per_day, rules.max_conversations_per_week,
                 rules.max_attempts_per_day, rules.max_attempts_per_7_days)


def _written_cap(facts, at, rules, zone):
    cap = rules.max_written_per_month
    if cap is None:
        return None
    local = at.astimezone(zone)
    month = datetime(local.year, local.month, 1, tzinfo=zone)
    if _count(facts.written, month.astimezone(timezone.utc), at) < cap:
        return None
    following = date(local.year + local.month // 12, local.month % 12 + 1, 1)
    return "written_per_month", datetime.combine(following, time(), tzinfo=zone) \
        .astimezone(timezone.utc) if cap else None


def _count(instants, since, until):
    return sum(1 for instant in instants if since <= instant <= until)


def _day_start(local):
    return datetime.combine(local.date(), time(), tzinfo=local.tzinfo).astimezone(timezone.utc)


def _next_day(local, days):
    return datetime.combine(local.date() + timedelta(days=days), time(),
                            tzinfo=local.tzinfo).astimezone(timezone.utc)


def closed_rule(rules, hours, zones, at, noun):
    """The rule closing `hours` at `at` in any of `zones` (`holiday`, `sunday`,
    `saturday_hours`, `{noun}_hours`), or None when it is open in all of them."""
    for name in zones:
        local = at.astimezone(ZoneInfo(name))
        day = local.date()
        if rules.closed_on_holidays and is_holiday(day, rules.country):
            return "holiday"
        slot = hours[day.weekday()]
        if slot is None:
            return "sunday" if day.weekday() == SUNDAY else f"{noun}_hours"
        if not slot[0] <= local.time().replace(tzinfo=None) < slot[1]:
            saturday = day.weekday() == SATURDAY and slot != hours[0]
            return "saturday_hours" if saturday else f"{noun}_hours"
    return None


def next_opening(rules, hours, zones, after):
    """The first instant at or after `after` when `hours` are open in every zone (the latest
    opening and earliest closing of them all); None if there is none within the horizon."""
    candidates = {after}
    for name in zones:
        zone = ZoneInfo(name)
        first = after.astimezone(zone).date()
        for offset in range(HORIZON_DAYS):
            day = first + timedelta(days=offset)
            slot = hours[day.weekday()]
            if slot is not None:
                candidates.add(datetime.combine(day, slot[0], tzinfo=zone)
                               .astimezone(timezone.utc))
    for instant in sorted(c for c in candidates if c >= after):
        if closed_rule(rules, hours, zones, instant, "") is None:
            return instant
    return None


def debtor_zones(phone, rules):
    """The zones the policy reads its clock in: the creditor's, or — when the rules go by the
    debtor's local time — every zone the number may be in (its region's, when it says none)."""
    if not rules.debtor_local_time or not phone:
        return (rules.timezone,)
    return number_zones_of(phone) or (rules.timezone,)


@lru_cache(maxsize=4096)
def number_zones_of(phone):
    try:
        found = number_zones.time_zones_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return ()
    return tuple(z for z in found if z != number_zones.UNKNOWN_TIMEZONE)


def summarise(facts, now, rules, zones=None):
    """What the decision counted, compact, for the audit."""
    zones = zones or debtor_zones(facts.phone, rules)
    zone = ZoneInfo(zones[0])
    local = now.astimezone(zone)
    today = _day_start(local)
    week = today - timedelta(days=local.weekday())
    month = datetime(local.year, local.month, 1, tzinfo=zone).astimezone(timezone.utc)
    summary = {"preset": rules.preset,
               "attempts_today": _count(facts.attempts, today, now),
               "attempts_7d": _count(facts.attempts, now - timedelta(days=7), now),
               "conversations_today": _count(facts.conversations, today, now),
               "conversations_week": _count(facts.conversations, week, now),
               "written_month": _count(facts.written, month, now)}
    if facts.conversations:
        summary["last_conversation"] = facts.conversations[-1].isoformat()
    if facts.opted_out:
        summary["opted_out"] = True
    if facts.disputed:
        summary["disputed"] = True
    if rules.debtor_local_time:
        summary["zones"] = list(zones[:3]) + (["…"] if len(zones) > 3 else [])
    return summary
