"""How the console writes ages, money, numbers and times, the Italian way (Babel), and the
stored codes people read in the words of the catalogue (domain.vocabulary)."""
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_location
from babel.numbers import format_currency, format_decimal, format_percent
from flask import current_app
from flask_babel import gettext
from markupsafe import Markup

from domain import vocabulary

LOCALE = "it_IT"


def age(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60:02d} min"
    return f"{hours // 24} giorni"


def money(amount, currency="EUR"):
    return format_currency(amount, currency or "EUR", locale=LOCALE)


def number(value, digits=None):
    """1234.5 → `1.234,5`; `digits` fixes the decimals shown."""
    if value is None:
        return "—"
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def percent(fraction):
    """0.5 → `50%`; None (nothing to divide) → `—`."""
    if fraction is None:
        return "—"
    return format_percent(fraction, locale=LOCALE)


def short_day(day):
    """A day as a chart's row names it: `mar 24/11`."""
    return format_date(day, "EEE dd/MM", locale=LOCALE)


def home_zone():
    """The installation's own clock (TIMEZONE): times not of one creditor are read on it."""
    return ZoneInfo(current_app.config.get("TIMEZONE") or "Europe/Rome")


def local(moment, zone=None, pattern="%d/%m/%Y %H:%M"):
    """`moment` on `zone`'s clock (the installation's when None), with the zone named when it
    is not the installation's own: a time could be doubted there."""
    if not moment:
        return "—"
    home = home_zone()
    zone = zone or home
    text = moment.astimezone(zone).strftime(pattern)
    if "%H" in pattern and getattr(zone, "key", None) != getattr(home, "key", None):
        text += f" ({zone_name(zone)})"
    return text


def zone_name(zone):
    """`America/New_York` as people say it: `ora di New York` (Babel's city), UTC as such."""
    key = getattr(zone, "key", str(zone))
    if key in ("UTC", "Etc/UTC"):
        return "UTC"
    try:
        return "ora di " + get_timezone_location(zone, locale=LOCALE, return_city=True)
    except (LookupError, ValueError):
        return key


EVENT_LABELS = {
    "imported": "Importata", "updated": "Aggiornata da una nuova lista",
    "voice_message": "Messaggio vocale lasciato",
    "payment_link_requested": "Link di pagamento chiesto per SMS",
    "attempt_claimed": "Chiamata in preparazione", "call_placed": "Chiamata avviata",
    "place_failed": "Chiamata non partita", "place_uncertain": "Esito dell'avvio incerto",
    "claim_recovered": "Chiamata riconciliata", "status": "Stato della chiamata",
    "answered": "Risposta", "keys": "Tasti premuti", "identified": "Identificato",
    "call_ended": "Chiamata terminata", "outcome": "Esito", "email_queued": "Email in coda",
    "email_sent": "Email inviata", "email_failed": "Email non inviata",
    "email_unknown": "Email di esito incerto (da verificare)",
    "email_settled": "Email verificata a mano", "email_retried": "Email rimessa in coda a mano",
    "pec_retried": "PEC rimessa in coda a mano", "sms_retried": "SMS rimesso in coda a mano", "callback_queued": "In coda per la richiamata",
    "callback_claimed": "Richiamata presa in carico", "callback_released": "Richiamata rimessa in coda",
    "callback_handled": "Richiamata gestita", "privacy_erased": "Dati personali anonimizzati",
}


def _said(table, value, empty="—"):
    """`value` in the catalogue's words of `table`, or as stored when it has none."""
    if value is None and None not in table:
        return empty
    words = table.get(value)
    return gettext(words) if words else str(value)


def outcome_label(outcome):
    return _said(vocabulary.OUTCOMES, outcome)


def call_status_label(status):
    return _said(vocabulary.CALL_STATUSES, status)


def answered_by_label(answered_by):
    return _said(vocabulary.ANSWERED_BY, answered_by)


def event_label(kind):
    return EVENT_LABELS.get(kind, kind.replace("_", " "))


# A call's facts said in words; the rest of an event's facts are shown as stored.
_FACT_VALUES = {"status": call_status_label, "call_status": call_status_label,
                "answered_by": answered_by_label, "outcome": outcome_label,
                "duration": lambda seconds: f"{seconds} s"}
# The provider's bookkeeping of a callback: nothing a person reads (the "raw log").
_INTERNALS = frozenset({"sequence", "timestamp", "call_sid"})


def event_detail(detail):
    """An event's facts as `key: value` pairs, the empty ones and the provider's bookkeeping
    left out, a call's in words."""
    return " · ".join(f"{_said(vocabulary.CALL_FACTS, key)}: {_FACT_VALUES.get(key, str)(value)}"
                      for key, value in (detail or {}).items()
                      if value not in (None, "", [], {}) and key not in _INTERNALS)


def tel_link(phone):
    """A phone number as a link that dials it on a phone (E.164: nothing to escape but the
    number itself, which Jinja escapes)."""
    if not phone:
        return "—"
    return Markup('<a class="tel" href="tel:{0}">{0}</a>').format(phone)


def role_label(role):
    return _said(vocabulary.ROLES, role)


def schema_type(spec):
    """A JSON Schema property's type in a word or two, for the API's page."""
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in spec:
        return " o ".join(schema_type(s) for s in spec["anyOf"])
    if spec.get("type") == "array":
        return "lista di " + schema_type(spec.get("items", {}))
    if "enum" in spec:
        return " | ".join(str(v) for v in spec["enum"])
    if "const" in spec:
        return str(spec["const"])
    return spec.get("format") or spec.get("type", "qualsiasi")


def status_label(status):
    return _said(vocabulary.STATUSES, status)


FILTERS = {"age": age, "money": money, "number": number, "percent": percent,
           "short_day": short_day, "local": local,
           "event_label": event_label, "event_detail": event_detail,
           "outcome_label": outcome_label, "role_label": role_label,
           "call_status_label": call_status_label, "answered_by_label": answered_by_label,
           "tel_link": tel_link, "schema_type": schema_type}
