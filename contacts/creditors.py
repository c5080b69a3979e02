"""Creditor settings read from text and checked (no Flask, no database)."""
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from contacts.fields import LANGUAGES, FieldError, read_email
from domain.payment_links import PaymentLinkError, check_payment_link as _check_payment_link
from domain.playbooks import BUILT_IN, CUSTOM, PlaybookError, parse_playbook
from domain.windows import WindowError, format_windows, parse_windows
from policy.rules import (
    PRESETS, SETTINGS as POLICY_SETTINGS, PolicyError, check_preset, check_setting_value,
    looser_settings,
)

DEFAULT_WINDOWS = "08:30-12:00,14:00-17:00,18:00-21:00"
MAX_ATTEMPTS_LIMIT = 10
MAX_PAUSE_DAYS = 90
MAX_LATE_FEE = Decimal("99999.99")
MAX_PLAYBOOK_TEXT = 20_000
PLAYBOOKS = (*sorted(BUILT_IN), CUSTOM)

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# Twilio's alphanumeric sender ID: up to 11 letters, digits and spaces, at least one letter.
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


class SettingError(ValueError):
    """A creditor setting that cannot be used, with the reason in plain words."""


class PlaybookTextError(SettingError):
    """A creditor's own playbook that cannot be read: the PlaybookError is kept (`cause`), so a
    page can say it in its own language with the line number."""

    def __init__(self, cause):
        super().__init__(f"playbook file: {cause}")
        self.cause = cause


def check_windows(text):
    """The canonical text of a creditor's windows (`domain.windows` reads them)."""
    try:
        return format_windows(parse_windows(text))
    except WindowError as exc:
        raise SettingError(str(exc)) from None


def parse_duration(text):
    """`2h`, `90m`, `1h30m`, `7200s` → seconds."""
    compact = (text or "").strip().lower().replace(" ", "")
    match = _DURATION.match(compact)
    if not compact or not match:
        raise SettingError(f"duration '{text}' is not like 2h, 90m, 1h30m or 7200s")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_duration(seconds):
    """7200 → `2h`, 5400 → `1h30m`, 0 → `0s`."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    return text or "0s"


def check_caller_id(text):
    """A caller ID in E.164 (`+390212345678`) that is a real number."""
    value = (text or "").strip()
    if not _E164.match(value):
        raise SettingError(f"caller id '{value}' must be in E.164 form, like +390212345678")
    if not phonenumbers.is_valid_number(phonenumbers.parse(value, None)):
        raise SettingError(f"caller id '{value}' is not a valid phone number")
    return value


def check_timezone(text):
    """An IANA timezone name such as `Europe/Rome`."""
    value = (text or "").strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError(f"timezone '{value}' is unknown; use a name like Europe/Rome") from None
    return value


def check_language(text):
    value = (text or "").strip().lower()
    if value not in LANGUAGES:
        raise SettingError(f"language '{value}' is not one of: {', '.join(LANGUAGES)}")
    return value


def check_country(text):
    """A two-letter country code that phone numbers can be read for (`IT`)."""
    value = (text or "").strip().upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise SettingError(f"country '{value}' is not a two-letter country code like IT")
    return value


def check_max_attempts(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingError(f"max attempts '{value}' is not a whole number") from None
    if not 1 <= number <= MAX_ATTEMPTS_LIMIT:
        raise SettingError(f"max attempts must be between 1 and {MAX_ATTEMPTS_LIMIT}")
    return number


def check_max_concurrent(value):
    """Calls ringing at once for the creditor; 0 (or '') lifts the cap."""
    if value in ("", "0", 0):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingError(f"max concurrent calls '{value}' is not a whole number") from None
    if number < 0:
        raise SettingError("max concurrent calls cannot be negative (0 lifts the cap)")
    return number


def check_name(text, label="name"):
    value = " ".join((text or "").split())
    if not value:
        raise SettingError(f"{label} must not be empty")
    if len(value) > 200:
        raise SettingError(f"{label} is longer than 200 characters")
    return value


def check_report_email(text):
    """An address, or None to clear it (an empty string)."""
    try:
        return read_email(text, "report email")
    except FieldError as exc:
        raise SettingError(str(exc)) from None


def check_spoken_name(text):
    """How the greeting names the creditor; an empty string clears it (the name is spoken)."""
    return check_name(text, "spoken name") if (text or "").strip() else None


def check_yes_no(value):
    text = str(value).strip().lower()
    if text in ("yes", "y", "si", "sì", "true", "1", "on"):
        return True
    if text in ("no", "n", "false", "0", "off"):
        return False
    raise SettingError(f"'{value}' is not yes or no")


def check_playbook(text):
    """A built-in playbook's name, or `custom` (its steps given apart)."""
    value = (text or "").strip().lower()
    if value not in PLAYBOOKS:
        raise SettingError(f"playbook '{value}' is not one of: {', '.join(PLAYBOOKS)}")
    return value


def check_playbook_text(text):
    """A creditor's own playbook in the text format of domain.playbooks, kept as written (its
    comments too) with Unix line ends; PlaybookTextError naming the first bad line."""
    value = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if len(value) > MAX_PLAYBOOK_TEXT:
        raise SettingError(f"playbook file is longer than {MAX_PLAYBOOK_TEXT} characters")
    try:
        parse_playbook(value)
    except PlaybookError as exc:
        raise PlaybookTextError(exc) from None
    return value + "\n"


def _decimal(text, label):
    compact = str(text).strip().replace(" ", "").replace("€", "")
    if "," in compact:   # 12,50 or 1.234,50: the Italian way
        compact = compact.replace(".", "").replace(",", ".")
    try:
        number = Decimal(compact)
    except InvalidOperation:
        raise SettingError(f"{label} '{text}' is not a number like 12.50") from None
    if not number.is_finite() or number < 0:
        raise SettingError(f"{label} '{text}' must be zero or more")
    return number


def check_late_fee(text):
    """The fixed late-payment charge per invoice, in euro; '' (or 0) clears it."""
    if str(text).strip() == "":
        return None
    fee = _decimal(text, "late fee")
    if fee > MAX_LATE_FEE:
        raise SettingError(f"late fee must be at most {MAX_LATE_FEE} euro")
    return fee.quantize(Decimal("0.01")) or None


def check_late_interest_rate(text):
    """The annual late-payment interest rate in percent (8 = 8% a year); '' (or 0) clears it."""
    if str(text).strip() == "":
        return None
    rate = _decimal(str(text).strip().rstrip("%"), "late interest rate")
    if rate > 100:
        raise SettingError("late interest rate is a yearly percent between 0 and 100")
    return rate.quantize(Decimal("0.001")) or None


def check_sms_sender(text):
    """The SMS sender: a number in E.164 or an alphanumeric ID (up to 11 characters, at least
    one letter); '' clears it (SMS_SENDER, else the caller ID)."""
    value = (text or "").strip()
    if not value:
        return None
    if value.startswith("+"):
        return check_caller_id(value)
    if not _ALPHANUMERIC_SENDER.match(value):
        raise SettingError(f"SMS sender '{value}' must be a number like +390212345678 or up to "
                           "11 letters, digits and spaces with at least one letter")
    return value


def check_contact_email(text):
    """The address debtors write to, given in emails and SMS; '' clears it."""
    try:
        return read_email(text, "contact email")
    except FieldError as exc:
        raise SettingError(str(exc)) from None


def check_contact_phone(text):
    """The number debtors call, given in emails and SMS, in E.164; '' clears it."""
    value = "".join((text or "").split())
    if not value:
        return None
    if not _E164.match(value) or not phonenumbers.is_valid_number(phonenumbers.parse(value)):
        raise SettingError(f"contact phone '{text}' must be a valid number in E.164 form, "
                           "like +390212345678")
    return value


def _days(label, low):
    def check(value):
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise SettingError(f"{label} '{value}' is not a whole number of days") from None
        if not low <= number <= MAX_PAUSE_DAYS:
            raise SettingError(f"{label} must be between {low} and {MAX_PAUSE_DAYS} days")
        return number
    return check


def check_payment_link(text):
    """Where debtors pay online: an https (or http) URL template that may name {reference}
    and {amount}; '' clears it (no "pay now" on the debtor's page, no key 7)."""
    try:
        return _check_payment_link(text)
    except PaymentLinkError as exc:
        raise SettingError(str(exc)) from None


MAX_RETENTION_MONTHS = 120


def check_retention_months(value):
    """Months a paid, closed or ended position keeps its personal data (1-120)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise SettingError(f"retention months '{value}' is not a whole number") from None
    if not 1 <= number <= MAX_RETENTION_MONTHS:
        raise SettingError(f"retention months must be between 1 and {MAX_RETENTION_MONTHS}")
    return number


check_promise_grace_days = _days("promise grace days", 0)
check_verify_days = _days("verify days", 1)


# Option name → (model attribute, checker); used by `creditor add` and `creditor set` alike.
SETTINGS = {
    "caller_id": ("caller_id", check_caller_id),
    "windows": ("windows", check_windows),
    "max_attempts": ("max_attempts", check_max_attempts),
    "max_concurrent": ("max_concurrent_calls", check_max_concurrent),
    "min_gap": ("min_gap_seconds", parse_duration),
    "report_email": ("report_email", check_report_email),
    "timezone": ("timezone", check_timezone),
    "language": ("language", check_language),
    "country": ("country", check_country),
    "spoken_name": ("spoken_name", check_spoken_name),
    "synthesize_personal": ("synthesize_personal", check_yes_no),
    "playbook": ("playbook", check_playbook),
    "playbook_text": ("playbook_steps", check_playbook_text),
    "late_fee": ("late_fee", check_late_fee),
    "late_interest_rate": ("late_interest_rate", check_late_interest_rate),
    "sms_sender": ("sms_sender", check_sms_sender),
    "contact_email": ("contact_email", check_contact_email),
    "contact_phone": ("contact_phone", check_contact_phone),
    "promise_grace_days": ("promise_grace_days", check_promise_grace_days),
    "verify_days": ("verify_days", check_verify_days),
    "payment_link": ("payment_link", check_payment_link),
    "require_code": ("require_code", check_yes_no),
    "retention_months": ("retention_months", check_retention_months),
}


def creditor_settings(**options):
    """Model attributes from the given options (None = not given); raises SettingError."""
    values, problems = {}, []
    for option, raw in options.items():
        if raw is None:
            continue
        attribute, check = SETTINGS[option]
        try:
            values[attribute] = check(raw)
        except PlaybookTextError:
            raise   # alone: its line number is what the user needs
        except SettingError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingError("; ".join(problems))
    return _with_playbook(values)


def _with_playbook(values):
    """Own steps make the playbook `custom`; `custom` needs its steps given with it."""
    if "playbook_steps" in values:
        if values.setdefault("playbook", CUSTOM) != CUSTOM:
            raise SettingError(f"a playbook file makes the playbook '{CUSTOM}': do not name "
                               f"'{values['playbook']}' as well")
    elif values.get("playbook") == CUSTOM:
        raise SettingError(f"playbook '{CUSTOM}' needs its steps: give them in a playbook file")
    return values


def playbook_text(creditor):
    """The text of a creditor's playbook, as a file `--playbook-file` takes back."""
    if creditor.playbook == CUSTOM and creditor.playbook_steps:
        return creditor.playbook_steps
    playbook = BUILT_IN.get(creditor.playbook)
    if playbook is None:
        raise SettingError(f"creditor '{creditor.name}' has an unknown playbook "
                           f"'{creditor.playbook}'")
    return f"# {playbook.name}\n" + playbook.text()


# The contact policy's numbers a creditor may set (`--max-conversations-per-day 0`...).
POLICY_OPTIONS = tuple(POLICY_SETTINGS)
# Kept in `Creditor.policy_settings` beside the numbers: the ones allowed looser than the preset.
ALLOWED_LOOSER = "allowed_looser"


def policy_values(current_preset, current_settings, preset=None, numbers=None,
                  allow_looser=False):
    """The creditor's new `policy` and `policy_settings` attributes from the options given
    ({} when none was), and the settings newly allowed looser than the preset (to record).

    A number may only tighten the preset (a lower cap, a longer quiet period); '' clears the
    creditor's own number (the preset's applies), `none` lifts a cap. A looser number — or a
    preset under which a kept number becomes looser — needs `allow_looser`.
    """
    given = {name: raw for name, raw in (numbers or {}).items() if raw is not None}
    if preset is None and not given:
        return {}, []
    try:
        new_preset = check_preset(preset) if preset is not None else current_preset
        settings = {k: v for k, v in (current_settings or {}).items() if k in POLICY_SETTINGS}
        for name, raw in given.items():
            if str(raw).strip() == "":
                settings.pop(name, None)
            else:
                settings[name] = check_setting_value(name, raw)
    except PolicyError as exc:
        raise SettingError(str(exc)) from None
    allowed = set((current_settings or {}).get(ALLOWED_LOOSER, ()))
    looser = looser_settings(new_preset, settings)
    newly = [name for name in looser if name not in allowed or name in given or preset]
    if newly and not allow_looser:
        base = PRESETS[new_preset]
        raise SettingError("; ".join(
            f"{name.replace('_', ' ')} {_shown(settings[name])} is looser than the "
            f"{new_preset} preset's {_shown(getattr(base, name))}" for name in newly)
            + ": give --allow-looser to take it (the choice is recorded)")
    if looser:
        settings[ALLOWED_LOOSER] = looser
    return {"policy": new_preset, "policy_settings": settings}, newly


def _shown(value):
    return "none" if value is None else str(value)


def describe_policy(preset, settings):
    """`it`, or `it, max_conversations_per_day=0` with the creditor's own numbers."""
    own = [f"{name}={_shown(value)}" for name, value in sorted((settings or {}).items())
           if name in POLICY_SETTINGS]
    return ", ".join([preset, *own])
