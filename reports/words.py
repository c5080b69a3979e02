"""A position's events in readable words, Italian or English (hand-over files, reports).

`describe(kind, detail, language)` gives (what happened, its particulars): the facts a person
needs, not the keys the code keeps. Kinds without a wording read as their name in words.
"""
LABELS = {
    "it": {
        "imported": "importata", "updated": "aggiornata da una nuova lista",
        "attempt_claimed": "chiamata in preparazione", "call_placed": "chiamata avviata",
        "place_failed": "chiamata non partita", "answered": "risposta", "keys": "tasti premuti",
        "identified": "identificato", "call_ended": "chiamata terminata", "outcome": "esito",
        "call_status": "stato della chiamata", "status": "cambio di stato", "payment": "pagamento",
        "step": "passo del percorso", "step_skipped": "passo saltato",
        "step_postponed": "passo rinviato", "promise_broken": "promessa non mantenuta",
        "verify_lapsed": "verifica del pagamento scaduta", "email_queued": "email in coda",
        "email_sent": "email inviata", "email_failed": "email non inviata",
        "message_queued": "messaggio in coda", "pec_sent": "PEC inviata",
        "pec_delivered": "PEC consegnata", "pec_not_delivered": "PEC non consegnata",
        "pec_failed": "PEC non inviata", "sms_sent": "SMS inviato",
        "sms_delivered": "SMS consegnato", "sms_undelivered": "SMS non consegnato",
        "sms_failed": "SMS non inviato", "callback_queued": "in coda per la richiamata",
        "callback_handled": "richiamata gestita", "answer": "risposta del debitore",
        "page_identified": "identificato sulla pagina del debitore",
        "receipt_uploaded": "ricevuta caricata",
        "voice_message": "messaggio vocale lasciato",
        "payment_link_requested": "link di pagamento chiesto per SMS",
        "privacy_erased": "dati personali anonimizzati",
    },
    "en": {"call_status": "call status", "status": "status change", "step": "playbook step",
           "privacy_erased": "personal data anonymised"},
}
STATUSES = {"it": {"open": "aperta", "promised": "promessa di pagamento",
                   "to_verify": "pagamento da verificare", "disputed": "contestata",
                   "paid": "pagata", "closed": "chiusa", "ended": "fase conclusa"}}
OUTCOMES = {"it": {"confirmed": "confermata", "wrong_person": "persona errata",
                   "identity_failed": "identità non verificata",
                   "callback_requested": "richiamata richiesta", "declared_paid": "dichiara pagato",
                   "promised": "promessa di pagamento", "disputed": "contestazione",
                   "opted_out": "non chiamare", "no_answer": "senza risposta"}}
CHANNELS = {"it": {"call": "chiamata", "email": "email", "pec": "PEC", "sms": "SMS",
                   "email_or_pec": "email o PEC"}}
MESSAGES = {"it": {"verifica_contabile": "verifica contabile", "sollecito": "sollecito",
                   "sollecito_oneri": "sollecito e oneri", "contatto": "contatto"}}
PHRASES = {
    "it": {"from_to": "da {0} a {1}", "paid": "pagati {0} il {1}, restano {2}", "day": "giorno {0}",
           "round": "giro {0}", "why": "motivo: {0}", "seconds": "{0} s", "to": "a {0}"},
    "en": {"from_to": "from {0} to {1}", "paid": "{0} paid on {1}, {2} still due",
           "day": "day {0}", "round": "round {0}", "why": "reason: {0}", "seconds": "{0} s",
           "to": "to {0}"},
}
STEP_KINDS = ("step", "step_skipped", "step_postponed")


def is_status_change(kind, detail):
    """A position's status change; the calls' own `status` events carry no `to`."""
    return kind == "status" and "to" in (detail or {})


def describe(kind, detail, language="it"):
    """(what happened, its particulars) of one event, in `language` (it, else English)."""
    detail = detail or {}
    if kind == "status" and not is_status_change(kind, detail):
        kind = "call_status"
    label = LABELS.get(language, {}).get(kind) or kind.replace("_", " ")
    return label, "; ".join(part for part in _particulars(kind, detail, language) if part)


def _particulars(kind, detail, language):
    say = PHRASES.get(language, PHRASES["en"])
    if kind == "status":
        yield say["from_to"].format(_word(STATUSES, detail.get("from"), language),
                                    _word(STATUSES, detail["to"], language))
    elif kind == "payment":
        yield say["paid"].format(detail.get("amount_paid"), detail.get("paid_on"),
                                 detail.get("amount_due"))
    elif kind in STEP_KINDS:
        yield " ".join(filter(None, (_word(CHANNELS, detail.get("channel"), language),
                                     _word(MESSAGES, detail.get("message"), language))))
        yield say["day"].format(detail["day"]) if "day" in detail else ""
        yield say["round"].format(detail["round"]) if detail.get("round") else ""
    elif kind in ("outcome", "answer"):
        yield _word(OUTCOMES, detail.get(kind), language)
        yield from (f"{key}: {value}" for key, value in detail.items()
                    if key in ("promise_date", "preferred_window", "note") and value)
    elif kind == "call_status":
        yield detail.get("status", "")
        yield say["seconds"].format(detail["duration"]) if detail.get("duration") else ""
    else:
        yield from (f"{key}: {value}" for key, value in detail.items()
                    if key not in ("reason", "mail_id") and value not in (None, "", [], {}))
    if detail.get("reason"):
        yield say["why"].format(detail["reason"])


def _word(table, value, language):
    return table.get(language, {}).get(value, value) if value else ""
