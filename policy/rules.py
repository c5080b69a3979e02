"""The presets of the contact policy and their named settings (pure: no Flask, no database).

A creditor picks a preset (`it`, `us-regf`, `strict`) and may tighten any of its numbers; a
setting looser than the preset is taken only when the creditor explicitly allowed it.
"""
from dataclasses import dataclass, fields, replace
from datetime import time
from zoneinfo import ZoneInfo

from domain.identification import CODE_ONLY_PRESETS
from domain.wording import N_, Coded, Term, register

DEFAULT_PRESET = "it"
# (start, end) of the hours a channel may be used on each weekday, Monday first; None: closed.
_IT_CALLS = ((time(8, 30), time(21)),) * 5 + ((time(8, 30), time(15)), None)
_IT_SMS = ((time(8), time(22)),) * 6 + (None,)
_US_HOURS = ((time(8), time(21)),) * 7


@dataclass(frozen=True)
class PolicyRules:
    """One creditor's contact policy: its preset's rules with the creditor's own settings.

    A cap of None is no cap. Counting days and weeks, and the hours, are read on the creditor's
    clock, or on the debtor's (every zone their number may be in) when `debtor_local_time`.
    """

    preset: str = DEFAULT_PRESET
    timezone: str = "Europe/Rome"
    country: str = "IT"
    call_hours: tuple = _IT_CALLS
    sms_hours: tuple | None = _IT_SMS
    closed_on_holidays: bool = True
    debtor_local_time: bool = False
    max_conversations_per_day: int | None = 1
    max_conversations_per_week: int | None = 3
    max_attempts_per_day: int | None = None
    max_attempts_per_7_days: int | None = None
    quiet_days_after_conversation: int | None = None
    max_written_per_month: int | None = 4
    stop_on_dispute: bool = True
    require_code: bool = False

    @property
    def zone(self):
        return ZoneInfo(self.timezone)


PRESETS = {
    "it": PolicyRules(),
    "us-regf": PolicyRules(
        preset="us-regf", call_hours=_US_HOURS, sms_hours=_US_HOURS, closed_on_holidays=False,
        debtor_local_time=True, max_conversations_per_day=None, max_conversations_per_week=None,
        max_attempts_per_7_days=7, quiet_days_after_conversation=7, max_written_per_month=None),
    "strict": PolicyRules(preset="strict", max_attempts_per_day=1,
                          require_code="strict" in CODE_ONLY_PRESETS),
}

# The numbers a creditor may set: name → True when a higher number is tighter (a quiet period),
# False when a lower one is (a cap).
SETTINGS = {
    "max_conversations_per_day": False,
    "max_conversations_per_week": False,
    "max_attempts_per_day": False,
    "max_attempts_per_7_days": False,
    "quiet_days_after_conversation": True,
    "max_written_per_month": False,
}
SETTING_LIMIT = 100


class PolicyError(Coded):
    """A policy setting that cannot be used: a code of MESSAGES and its facts."""


MESSAGES = register({
    "policy_unknown": N_("policy '{value}' is not one of: {choices}"),
    "policy_not_whole": N_("{setting} '{value}' is not a whole number"),
    "policy_range": N_("{setting} must be between 0 and {limit}"),
})
# The settings as the messages name them (the console translates them too).
SETTING_NAMES = {
    "max_conversations_per_day": Term(N_("max conversations per day")),
    "max_conversations_per_week": Term(N_("max conversations per week")),
    "max_attempts_per_day": Term(N_("max attempts per day")),
    "max_attempts_per_7_days": Term(N_("max attempts per 7 days")),
    "quiet_days_after_conversation": Term(N_("quiet days after conversation")),
    "max_written_per_month": Term(N_("max written per month")),
}


def check_preset(text):
    value = (text or "").strip().lower()
    if value not in PRESETS:
        raise PolicyError("policy_unknown", value=value, choices=", ".join(PRESETS))
    return value


def check_setting_value(name, value):
    """A whole number from 0 to SETTING_LIMIT; '' or `none` for no cap."""
    text = str(value).strip().lower()
    if text in ("", "none"):
        return None
    try:
        number = int(text)
    except ValueError:
        raise PolicyError("policy_not_whole", setting=SETTING_NAMES[name], value=value) from None
    if not 0 <= number <= SETTING_LIMIT:
        raise PolicyError("policy_range", setting=SETTING_NAMES[name], limit=SETTING_LIMIT)
    return number


def is_looser(name, preset_value, value):
    """Whether `value` of setting `name` loosens the preset's `preset_value`."""
    if preset_value is None:
        return False
    if SETTINGS[name]:   # a quiet period: shorter (or none) is looser
        return value is None or value < preset_value
    return value is None or value > preset_value


def looser_settings(preset, settings):
    """The names of `settings` that loosen `preset`'s numbers."""
    base = PRESETS[preset]
    return sorted(name for name, value in settings.items()
                  if is_looser(name, getattr(base, name), value))


def rules_for(preset, settings=None, timezone="Europe/Rome", country="IT"):
    """The PolicyRules of a creditor: its preset, its settings over it, its clock and country."""
    rules = PRESETS.get(preset) or PRESETS[DEFAULT_PRESET]
    known = {f.name for f in fields(PolicyRules)}
    own = {name: value for name, value in (settings or {}).items()
           if name in SETTINGS and name in known}
    return replace(rules, timezone=timezone, country=country, **own)
