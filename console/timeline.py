"""The timeline's sentences: each event of a position said in Italian words, with its facts.

`describe(event, currency)` gives (label, detail): "Passo 3 del piano: email «sollecito»",
"Passo saltato: numero bloccato", "Stato: aperta → pagata". Events without a sentence of
their own keep the label of console.filters and their facts as `key: value` pairs.
"""
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from console.filters import (
    event_detail, event_label, money, number, outcome_label, status_label,
)
CHANNEL_LABELS = {"call": "chiamata", "email": "email", "pec": "PEC", "email_or_pec": "email o PEC",
                  "sms": "SMS"}
MESSAGE_LABELS = {"verifica_contabile": "verifica contabile", "sollecito": "sollecito",
                  "sollecito_oneri": "sollecito e oneri", "contatto": "richiesta di contatto",
                  "link_pagamento": "link di pagamento"}
REASONS = {
    # why a step was skipped or postponed
    "number_barred": "numero bloccato", "no_email": "nessun indirizzo email",
    "no_pec": "nessun indirizzo PEC", "pec_not_configured": "PEC non configurata",
    "not_mobile": "il numero non è un cellulare", "not_configured": "canale non configurato",
    "call_round_under_way": "il giro di chiamate precedente è ancora in corso",
    "call_under_way": "una chiamata è ancora in corso",
    "creditor_paused": "la campagna del mandante è in pausa",
    # why a status changed
    "paid in full": "pagata per intero", "absent from the complete list":
    "assente dalla lista completa del mandante", "promise_broken": "promessa non mantenuta",
    "verify_lapsed": "pagamento dichiarato non confermato in tempo", "closed": "chiusa",
    "declared_paid": "il debitore dichiara di aver pagato", "promised": "il debitore promette di pagare",
    "disputed": "il debitore contesta", "playbook done": "piano concluso",
}
_PHASE_OVER = re.compile(r"^phase over \(working day (\d+)\)$")
LABELS = {
    "payment": "Pagamento registrato", "promise_broken": "Promessa di pagamento non mantenuta",
    "verify_lapsed": "Pagamento dichiarato non confermato in tempo",
    "pec_sent": "PEC inviata", "pec_failed": "PEC non inviata", "pec_unknown":
    "PEC di esito incerto (da verificare)", "pec_accepted": "PEC accettata dal gestore",
    "pec_delivered": "PEC consegnata", "pec_not_delivered": "PEC non consegnata",
    "sms_sent": "SMS inviato", "sms_failed": "SMS non inviato", "sms_unknown":
    "SMS di esito incerto (da verificare)", "sms_delivered": "SMS consegnato",
    "sms_undelivered": "SMS non consegnato",
    "page_identified": "Il debitore si è identificato sulla sua pagina",
    "receipt_uploaded": "Ricevuta di pagamento caricata dal debitore",
    "call_in": "Il debitore ha richiamato il numero",
}
# What a debtor adds to an answer on the page (or a collector to theirs), in words.
ANSWER_DETAILS = (("promise_date", "data promessa"), ("preferred_window", "fascia preferita"),
                  ("note", "nota"))


def reason_text(reason):
    if reason is None:
        return ""
    over = _PHASE_OVER.match(str(reason))
    if over:
        return f"fase conclusa (giorno lavorativo {over[1]})"
    return REASONS.get(reason, str(reason))


def describe(event, currency="EUR"):
    """(label, detail) of `event` in Italian."""
    detail = event.detail or {}
    speaker = _SPEAKERS.get(event.kind)
    if speaker is not None:
        described = speaker(detail, currency)
        if described is not None:
            return described
    return LABELS.get(event.kind) or event_label(event.kind), event_detail(detail)


def _status(detail, _currency):
    if "to" not in detail:
        return None   # a call's status callback, not the position's
    label = f"Stato: {status_label(detail.get('from'))} → {status_label(detail['to'])}"
    until = _until(detail.get("until"))
    return label, reason_text(detail.get("reason")) + (f", {until}" if until else "")


def _payment(detail, currency):
    label = f"Pagamento registrato: {amount_text(detail.get('amount_paid'), currency)}"
    paid_on = _day(detail.get("paid_on"))
    if paid_on:
        label += f" il {paid_on}"
    return label, f"resta da pagare {amount_text(detail.get('amount_due'), currency)}"


def _step(detail, _currency):
    return f"Passo {_step_number(detail)} del piano: {_channel(detail)}", _round(detail)


def _step_skipped(detail, _currency):
    return (f"Passo saltato: {reason_text(detail.get('reason'))}",
            f"passo {_step_number(detail)} del piano: {_channel(detail)}")


def _step_postponed(detail, _currency):
    return (f"Passo rinviato: {reason_text(detail.get('reason'))}",
            f"passo {_step_number(detail)} del piano: {_channel(detail)}")


def _message_queued(detail, _currency):
    channel = CHANNEL_LABELS.get(detail.get("channel"), detail.get("channel") or "messaggio")
    return f"{channel[0].upper()}{channel[1:]} in coda: {message_label(detail.get('kind'))}", ""


def _answer(detail, _currency):
    """An outcome of a call round, or an answer given after it (on the page, to a collector),
    in the keypad's words, with what the debtor added."""
    word = detail.get("outcome") or detail.get("answer")
    label = f"{'Esito' if 'outcome' in detail else 'Risposta del debitore'}: " \
            f"{outcome_label(word)}"
    parts = [f"{name}: {_day(detail[key]) if key == 'promise_date' else detail[key]}"
             for key, name in ANSWER_DETAILS if detail.get(key)]
    rest = {k: v for k, v in detail.items()
            if k not in ("outcome", "answer") and k not in dict(ANSWER_DETAILS)}
    return label, " · ".join(filter(None, [*parts, event_detail(rest)]))


def _note(detail, _currency):
    label = "Nota interna" if detail.get("internal") else "Nota"
    return label, detail.get("text") or detail.get("note") or ""


def _control(label, moved=("ritirate", "ritirati")):
    """A person's control of the position (Ferma, contacts resumed, call now), with why and
    the planned calls and queued messages it `moved` (withdrew, gave back)."""
    def speak(detail, _currency):
        parts = [str(detail["reason"])] if detail.get("reason") else []
        if detail.get("number"):
            parts.append(f"chiamata {detail['number']} del giro {detail.get('round', '?')}")
        if detail.get("attempts") or detail.get("messages"):
            parts.append(f"chiamate previste {moved[0]}: {detail.get('attempts', 0)}, "
                         f"messaggi {moved[1]}: {detail.get('messages', 0)}")
        return label, " · ".join(parts)
    return speak


def _voice_message(label):
    """A debtor's spoken message left, kept or given up, with its number and facts in words."""
    def speak(detail, _currency):
        parts = [f"messaggio {detail.get('voice_message_id', '?')}"]
        if detail.get("duration"):
            parts.append(f"{detail['duration']} s")
        if detail.get("bytes"):
            parts.append(f"{number(detail['bytes'] / 1024, 0)} kB")
        if detail.get("tries"):
            parts.append(f"dopo {detail['tries']} tentativi")
        if detail.get("error"):
            parts.append(f"errore: {detail['error']}")
        return label, " · ".join(parts)
    return speak


def _step_number(detail):
    step = detail.get("step")
    return step + 1 if isinstance(step, int) else "?"


def _channel(detail):
    text = CHANNEL_LABELS.get(detail.get("channel"), detail.get("channel") or "?")
    message = detail.get("message")
    return f"{text} {message_label(message)}" if message else text


def message_label(name):
    """A message's kind in words, between guillemets: «sollecito»; a notice that stands in for
    a call (`notice_wrong_person`…) is «avviso»."""
    if not name:
        return "—"
    return f"«{MESSAGE_LABELS.get(name) or ('avviso' if name.startswith('notice') else name)}»"


def _round(detail):
    return f"giro di chiamate {detail['round']}" if detail.get("round") else ""


def _until(text):
    """When a pause ends, said the way a person reads it: a pause ending at midnight lasts
    through the day before."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return str(text)
    if moment is None:
        return ""
    if moment.time() == time(0):
        return f"fino al {(moment.date() - timedelta(days=1)).strftime('%d/%m/%Y')} compreso"
    return f"fino al {moment.strftime('%d/%m/%Y %H:%M')}"


def amount_text(text, currency):
    try:
        return money(Decimal(str(text)), currency)
    except (InvalidOperation, ValueError):
        return str(text)


def _day(text):
    try:
        return date.fromisoformat(text).strftime("%d/%m/%Y") if text else ""
    except (TypeError, ValueError):
        return str(text)


FILTERS = {"describe": describe, "status_label": status_label}

_SPEAKERS = {"status": _status, "payment": _payment, "step": _step,
             "step_skipped": _step_skipped, "step_postponed": _step_postponed,
             "message_queued": _message_queued, "outcome": _answer, "answer": _answer,
             "note": _note, "held": _control("Contatti fermati"),
             "released": _control("Contatti ripresi", ("rimesse in programma", "rimessi in coda")), "call_now": _control("Chiamata anticipata"),
             "voice_message": _voice_message("Messaggio vocale lasciato dal debitore"),
             "voice_message_kept": _voice_message("Messaggio vocale scaricato, pronto da ascoltare"),
             "voice_message_failed": _voice_message("Messaggio vocale non scaricato da Twilio")}
