"""Creditor settings read from text and checked (no Flask, no database)."""
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from contacts.fields import LANGUAGES, FieldError, read_email
from domain.windows import WindowError, format_windows, parse_windows

DEFAULT_WINDOWS = "08:30-12:00,14:00-17:00,18:00-21:00"
MAX_ATTEMPTS_LIMIT = 10

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


class SettingError(ValueError):
    """A creditor setting that cannot be used, with the reason in plain words."""


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
        except SettingError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingError("; ".join(problems))
    return values
