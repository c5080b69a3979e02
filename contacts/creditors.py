"""Creditor settings read from text and checked (no Flask, no database)."""
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from contacts.fields import LANGUAGES, FieldError, read_email
from domain.payment_links import PaymentLinkError, check_payment_link as _check_payment_link
from domain.playbooks import BUILT_IN, CUSTOM, PlaybookError, parse_playbook
from domain.windows import WindowError, format_windows, parse_windows
from domain.wording import N_, Coded, Term, register
from policy.rules import (
    PRESETS, SETTING_NAMES, SETTINGS as POLICY_SETTINGS, PolicyError, check_preset,
    check_setting_value, looser_settings,
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


class SettingError(Coded):
    """A creditor setting that cannot be used: a code of MESSAGES (or of the checks it wraps:
    windows, payment link, policy, fields) and its facts."""


MESSAGES = register({
    "duration_form": N_("duration '{text}' is not like 2h, 90m, 1h30m or 7200s"),
    "caller_id_required": N_("caller id is required, in E.164 form like +390212345678"),
    "caller_id_form": N_("caller id '{value}' must be in E.164 form, like +390212345678"),
    "caller_id_invalid": N_("caller id '{value}' is not a valid phone number"),
    "timezone_unknown": N_("timezone '{value}' is unknown; use a name like Europe/Rome"),
    "setting_language_unknown": N_("language '{value}' is not one of: {choices}"),
    "country_unknown": N_("country '{value}' is not a two-letter country code like IT"),
    "not_whole": N_("{label} '{value}' is not a whole number"),
    "max_attempts_range": N_("max attempts must be between 1 and {limit}"),
    "concurrent_negative": N_("max concurrent calls cannot be negative (0 lifts the cap)"),
    "empty": N_("{label} must not be empty"),
    "too_long": N_("{label} is longer than 200 characters"),
    "not_yes_no": N_("'{value}' is not yes or no"),
    "playbook_unknown": N_("playbook '{value}' is not one of: {choices}"),
    "playbook_file_too_long": N_("playbook file is longer than {limit} characters"),
    "playbook_file": N_("playbook file: {reason}"),
    "not_a_number": N_("{label} '{value}' is not a number like 12.50"),
    "not_negative": N_("{label} '{value}' must be zero or more"),
    "late_fee_range": N_("late fee must be at most {limit} euro"),
    "interest_range": N_("late interest rate is a yearly percent between 0 and 100"),
    "sms_sender_form": N_("SMS sender '{value}' must be a number like +390212345678 or up to "
                          "11 letters, digits and spaces with at least one letter"),
    "contact_phone_form": N_("contact phone '{value}' must be a valid number in E.164 form, "
                             "like +390212345678"),
    "not_whole_days": N_("{label} '{value}' is not a whole number of days"),
    "days_range": N_("{label} must be between {low} and {high} days"),
    "retention_range": N_("retention months must be between 1 and {limit}"),
    "playbook_with_file": N_("a playbook file makes the playbook '{custom}': do not name "
                             "'{playbook}' as well"),
    "custom_needs_steps": N_("playbook '{custom}' needs its steps: give them in a playbook file"),
    "unknown_creditor_playbook": N_("creditor '{name}' has an unknown playbook '{playbook}'"),
    "looser": N_("{setting} {value} is looser than the {preset} preset's {preset_value}"),
    "policy_form": N_("contact rules: {reason}"),
    "looser_needs_consent": N_("{looser}: give --allow-looser to take it (the choice is "
                               "recorded)"),
})
# The labels the checks name (the console translates them too).
LABELS = {key: Term(text) for key, text in (
    ("name", N_("name")), ("spoken_name", N_("spoken name")),
    ("max_attempts", N_("max attempts")), ("max_concurrent", N_("max concurrent calls")),
    ("late_fee", N_("late fee")), ("late_interest_rate", N_("late interest rate")),
    ("promise_grace_days", N_("promise grace days")), ("verify_days", N_("verify days")),
    ("retention_months", N_("retention months")))}


class PlaybookTextError(SettingError):
    """A creditor's own playbook that cannot be read: the PlaybookError is kept (`cause`), so a
    page can say it in its own language with the line number."""

    def __init__(self, cause):
        super().__init__("playbook_file", reason=cause)
        self.cause = cause


def check_windows(text):
    """The canonical text of a creditor's windows (`domain.windows` reads them)."""
    try:
        return format_windows(parse_windows(text))
    except WindowError as exc:
        raise SettingError.like(exc) from None


def parse_duration(text):
    """`2h`, `90m`, `1h30m`, `7200s` → seconds."""
    compact = (text or "").strip().lower().replace(" ", "")
    match = _DURATION.match(compact)
    if not compact or not match:
        raise SettingError("duration_form", text=text)
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
    if not value:
        raise SettingError("caller_id_required")
    if not _E164.match(value):
        raise SettingError("caller_id_form", value=value)
    if not phonenumbers.is_valid_number(phonenumbers.parse(value, None)):
        raise SettingError("caller_id_invalid", value=value)
    return value


def check_timezone(text):
    """An IANA timezone name such as `Europe/Rome`."""
    value = (text or "").strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError("timezone_unknown", value=value) from None
    return value


def check_language(text):
    value = (text or "").strip().lower()
    if value not in LANGUAGES:
        raise SettingError("setting_language_unknown", value=value, choices=", ".join(LANGUAGES))
    return value


def check_country(text):
    """A two-letter country code that phone numbers can be read for (`IT`)."""
    value = (text or "").strip().upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise SettingError("country_unknown", value=value)
    return value


def check_max_attempts(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingError("not_whole", label=LABELS["max_attempts"], value=value) from None
    if not 1 <= number <= MAX_ATTEMPTS_LIMIT:
        raise SettingError("max_attempts_range", limit=MAX_ATTEMPTS_LIMIT)
    return number


def check_max_concurrent(value):
    """Calls ringing at once for the creditor; 0 (or '') lifts the cap."""
    if value in ("", "0", 0):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingError("not_whole", label=LABELS["max_concurrent"], value=value) from None
    if number < 0:
        raise SettingError("concurrent_negative")
    return number


def check_name(text, label=LABELS["name"]):
    value = " ".join((text or "").split())
    if not value:
        raise SettingError("empty", label=label)
    if len(value) > 200:
        raise SettingError("too_long", label=label)
    return value


def check_report_email(text):
    """An address, or None to clear it (an empty string)."""
    try:
        return read_email(text, "report email")
    except FieldError as exc:
        raise SettingError.like(exc) from None


def check_spoken_name(text):
    """How the greeting names the creditor; an empty string clears it (the name is spoken)."""
    return check_name(text, LABELS["spoken_name"]) if (text or "").strip() else None


def check_yes_no(value):
    text = str(value).strip().lower()
    if text in ("yes", "y", "si", "sì", "true", "1", "on"):
        return True
    if text in ("no", "n", "false", "0", "off"):
        return False
    raise SettingError("not_yes_no", value=value)


def check_playbook(text):
    """A built-in playbook's name, or `custom` (its steps given apart)."""
    value = (text or "").strip().lower()
    if value not in PLAYBOOKS:
        raise SettingError("playbook_unknown", value=value, choices=", ".join(PLAYBOOKS))
    return value


def check_playbook_text(text):
    """A creditor's own playbook in the text format of domain.playbooks, kept as written (its
    comments too) with Unix line ends; PlaybookTextError naming the first bad line."""
    value = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if len(value) > MAX_PLAYBOOK_TEXT:
        raise SettingError("playbook_file_too_long", limit=MAX_PLAYBOOK_TEXT)
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
        raise SettingError("not_a_number", label=label, value=text) from None
    if not number.is_finite() or number < 0:
        raise SettingError("not_negative", label=label, value=text)
    return number


def check_late_fee(text):
    """The fixed late-payment charge per invoice, in euro; '' (or 0) clears it."""
    if str(text).strip() == "":
        return None
    fee = _decimal(text, LABELS["late_fee"])
    if fee > MAX_LATE_FEE:
        raise SettingError("late_fee_range", limit=MAX_LATE_FEE)
    return fee.quantize(Decimal("0.01")) or None


def check_late_interest_rate(text):
    """The annual late-payment interest rate in percent (8 = 8% a year); '' (or 0) clears it."""
    if str(text).strip() == "":
        return None
    rate = _decimal(str(text).strip().rstrip("%"), LABELS["late_interest_rate"])
    if rate > 100:
        raise SettingError("interest_range")
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
        raise SettingError("sms_sender_form", value=value)
    return value


def check_contact_email(text):
    """The address debtors write to, given in emails and SMS; '' clears it."""
    try:
        return read_email(text, "contact email")
    except FieldError as exc:
        raise SettingError.like(exc) from None


def check_contact_phone(text):
    """The number debtors call, given in emails and SMS, in E.164; '' clears it."""
    value = "".join((text or "").split())
    if not value:
        return None
    if not _E164.match(value) or not phonenumbers.is_valid_number(phonenumbers.parse(value)):
        raise SettingError("contact_phone_form", value=text)
    return value


def _days(label, low):
    def check(value):
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise SettingError("not_whole_days", label=label, value=value) from None
        if not low <= number <= MAX_PAUSE_DAYS:
            raise SettingError("days_range", label=label, low=low, high=MAX_PAUSE_DAYS)
        return number
    return check


def check_payment_link(text):
    """Where debtors pay online: an https (or http) URL template that may name {reference}
    and {amount}; '' clears it (no "pay now" on the debtor's page, no key 7)."""
    try:
        return _check_payment_link(text)
    except PaymentLinkError as exc:
        raise SettingError.like(exc) from None


MAX_RETENTION_MONTHS = 120


def check_retention_months(value):
    """Months a paid, closed or ended position keeps its personal data (1-120)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise SettingError("not_whole", label=LABELS["retention_months"], value=value) from None
    if not 1 <= number <= MAX_RETENTION_MONTHS:
        raise SettingError("retention_range", limit=MAX_RETENTION_MONTHS)
    return number


check_promise_grace_days = _days(LABELS["promise_grace_days"], 0)
check_verify_days = _days(LABELS["verify_days"], 1)


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
            problems.append(exc)
    if problems:
        raise SettingError.several(problems)
    return _with_playbook(values)


def _with_playbook(values):
    """Own steps make the playbook `custom`; `custom` needs its steps given with it."""
    if "playbook_steps" in values:
        if values.setdefault("playbook", CUSTOM) != CUSTOM:
            raise SettingError("playbook_with_file", custom=CUSTOM, playbook=values["playbook"])
    elif values.get("playbook") == CUSTOM:
        raise SettingError("custom_needs_steps", custom=CUSTOM)
    return values


def playbook_text(creditor):
    """The text of a creditor's playbook, as a file `--playbook-file` takes back."""
    if creditor.playbook == CUSTOM and creditor.playbook_steps:
        return creditor.playbook_steps
    playbook = BUILT_IN.get(creditor.playbook)
    if playbook is None:
        raise SettingError("unknown_creditor_playbook", name=creditor.name,
                           playbook=creditor.playbook)
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
        raise SettingError.like(exc) from None
    allowed = set((current_settings or {}).get(ALLOWED_LOOSER, ()))
    looser = looser_settings(new_preset, settings)
    newly = [name for name in looser if name not in allowed or name in given or preset]
    if newly and not allow_looser:
        base = PRESETS[new_preset]
        raise SettingError("looser_needs_consent", looser=SettingError.several(
            SettingError("looser", setting=SETTING_NAMES[name], value=_shown(settings[name]),
                         preset=new_preset, preset_value=_shown(getattr(base, name)))
            for name in newly))
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
