"""How the console writes ages, money and times, the Italian way."""
from babel.numbers import format_currency
from markupsafe import Markup

from reports.words import OUTCOMES as OUTCOME_WORDS


def age(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60:02d} min"
    return f"{hours // 24} giorni"


def money(amount, currency="EUR"):
    return format_currency(amount, currency or "EUR", locale="it_IT")


def local(moment, zone, pattern="%d/%m/%Y %H:%M"):
    return moment.astimezone(zone).strftime(pattern) if moment else "—"


EVENT_LABELS = {
    "imported": "Importata", "updated": "Aggiornata da una nuova lista",
    "voice_message": "Messaggio vocale lasciato",
    "payment_link_requested": "Link di pagamento chiesto per SMS",
    "attempt_claimed": "Chiamata in preparazione", "call_placed": "Chiamata avviata",
    "place_failed": "Chiamata non partita", "place_uncertain": "Esito dell'avvio incerto",
    "claim_recovered": "Chiamata riconciliata", "status": "Stato della chiamata",
    "answered": "Risposta", "keys": "Tasti premuti", "identified": "Identificato",
    "call_ended": "Chiamata terminata", "outcome": "Esito", "email_queued": "Email in coda",
    "email_sent": "Email inviata", "email_failed": "Email non consegnata",
    "email_unknown": "Email di esito incerto (da verificare)",
    "email_settled": "Email verificata a mano", "email_retried": "Email rimessa in coda a mano",
    "pec_retried": "PEC rimessa in coda a mano", "sms_retried": "SMS rimesso in coda a mano", "callback_queued": "In coda per la richiamata",
    "callback_claimed": "Richiamata presa in carico", "callback_released": "Richiamata rimessa in coda",
    "callback_handled": "Richiamata gestita", "privacy_erased": "Dati personali anonimizzati",
}


OUTCOME_LABELS = {None: "in corso", "pending": "in corso", **OUTCOME_WORDS["it"]}


def outcome_label(outcome):
    return OUTCOME_LABELS.get(outcome, outcome)


def event_label(kind):
    return EVENT_LABELS.get(kind, kind.replace("_", " "))


def event_detail(detail):
    """An event's facts as `key: value` pairs, the empty ones left out."""
    return " · ".join(f"{key}: {value}" for key, value in (detail or {}).items()
                      if value not in (None, "", [], {}))


def tel_link(phone):
    """A phone number as a link that dials it on a phone (E.164: nothing to escape but the
    number itself, which Jinja escapes)."""
    if not phone:
        return "—"
    return Markup('<a class="tel" href="tel:{0}">{0}</a>').format(phone)


ROLE_LABELS = {"admin": "amministratore", "collector": "operatore", "creditor": "mandante"}


def role_label(role):
    return ROLE_LABELS.get(role, role)


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


FILTERS = {"schema_type": schema_type, "age": age, "money": money, "local": local, "event_label": event_label,
           "event_detail": event_detail, "outcome_label": outcome_label,
           "role_label": role_label, "tel_link": tel_link}
