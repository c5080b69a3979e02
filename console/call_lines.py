"""A call of a position's history in one line — "Chiamata 2 di 3 — risposta, identificato,
ha premuto 5: pagherà entro il 15/12" — with its events folded under it in words."""
from dataclasses import replace

from console.filters import answered_by_label
from console.history_facts import Entry, Fact, day, fact_of, technical

# An event of a call said as a fact of that call (the rest keep the timeline's sentence).
CALL_STATUS_NEWS = {
    "queued": "Chiamata in coda presso il gestore", "initiated": "Chiamata avviata",
    "ringing": "Il telefono squilla", "in-progress": "Risposta", "completed": "Chiamata conclusa",
    "busy": "Occupato", "no-answer": "Nessuna risposta", "failed": "Chiamata non riuscita",
    "canceled": "Chiamata annullata"}
CALL_FACTS = {
    "attempt_claimed": "Chiamata in preparazione", "call_placed": "Chiamata affidata al gestore",
    "place_failed": "Chiamata non partita", "place_uncertain": "Avvio della chiamata incerto",
    "identified": "Il debitore si è identificato", "callback_queued":
    "In coda per la richiamata di un operatore", "email_queued": "Avviso scritto messo in coda",
    "payment_link_requested": "Link di pagamento chiesto per SMS",
    "voice_message": "Messaggio vocale lasciato"}
CALL_ENDS = {"machine": "segreteria: nessun messaggio lasciato",
             "not_identified": "non si è identificato", "silence": "nessun tasto premuto",
             "invalid_keys": "tasti non validi", "withheld": "avviso inviato per iscritto"}
STEPS = {"identify": "Identificazione", "menu": "Menu", "promise": "Data della promessa",
         "promise_check": "Conferma della data"}
# The outcome of a call (or an answer) as the end of its sentence.
OUTCOME_PHRASES = {
    "confirmed": "conferma", "declared_paid": "dice di aver già pagato",
    "disputed": "contesta la fattura", "callback_requested": "chiede di parlare con un operatore",
    "opted_out": "non vuole più essere contattato", "wrong_person": "non è la persona cercata",
    "identity_failed": "identità non verificata",
    "no_answer": "giro di chiamate concluso senza risposta"}
KEY_PHRASES = {"7": "chiede il link di pagamento per SMS"}


def call_entry(attempt, events, viewer, max_attempts=3, rounds=1, currency="EUR"):
    """The history's line of `attempt`, its `events` folded under it; `rounds`: how many call
    rounds the position has had (the round is named when more than one)."""
    if attempt.direction == "inbound":
        title = "Il debitore ha richiamato"
    else:
        title = f"Chiamata {attempt.number} di {max(max_attempts, attempt.number)}"
        if rounds > 1:
            title += f" (giro {attempt.round})"
    at = attempt.placed_at or attempt.answered_at or \
        (events[0].at if events else None) or attempt.due_at or attempt.created_at
    duration = f"durata {attempt.duration} s" if attempt.duration else ""
    return Entry(at, "call", f"{title} — {call_summary(attempt, events)}", duration,
                 facts=[_call_fact(event, viewer, currency, attempt.call_sid) for event in events],
                 tech=_call_tech(attempt) if viewer.staff else "")


def _call_tech(attempt):
    return " · ".join(filter(None, [attempt.call_sid and f"CallSid {attempt.call_sid}",
                                    attempt.digits and f"tasti {attempt.digits}",
                                    attempt.last_error]))


def call_summary(attempt, events):
    """How a call went, in a few words: how it was answered, whether the debtor identified,
    the key that counted and what it meant."""
    answered = _answered(attempt, events)
    parts = [answered]
    person = answered in ("risposta", "in corso")
    turns = _turns(events, attempt.digits or "")
    # the menu is only ever reached once identified
    identified = attempt.identified or any(step == "menu" for step, _ in turns)
    if person and (identified or turns):
        parts.append("identificato" if identified else "non identificato")
    outcome, promised = _call_outcome(attempt, events)
    key = _key(turns)
    phrase = _outcome_phrase(outcome, promised) if outcome else KEY_PHRASES.get(key)
    if key and person:
        parts.append(f"ha premuto {key}" + (f": {phrase}" if phrase else ""))
    elif phrase:
        parts.append(phrase)
    ended = [e for e in events if e.kind == "call_ended"]
    if ended and not outcome:
        reason = CALL_ENDS.get((ended[-1].detail or {}).get("reason"))
        if reason and reason not in parts and not (reason.startswith("segreteria")
                                                   and answered == "segreteria"):
            parts.append(reason)
    if _any(events, "voice_message"):
        parts.append("ha lasciato un messaggio vocale")
    return ", ".join(parts)


def _answered(attempt, events):
    status = attempt.status
    if status == "pending":
        return "non partita, da riprovare" if _any(events, "place_failed") else "prevista"
    if (attempt.answered_by or "").startswith("machine"):
        return "segreteria"
    if attempt.answered_by == "fax":
        return "fax"
    return {"no-answer": "nessuna risposta", "busy": "occupato", "failed": "non riuscita",
            "canceled": "annullata", "completed": "risposta", "in-progress": "in corso",
            }.get(status, "in corso")


def _call_outcome(attempt, events):
    """(outcome, promised date) of the call: its event's, else the attempt's own."""
    for event in reversed(events):
        detail = event.detail or {}
        word = detail.get("outcome") if event.kind == "outcome" else \
            detail.get("answer") if event.kind == "answer" else None
        if word:
            return word, detail.get("promise_date")
    return attempt.outcome, None


def _outcome_phrase(outcome, promised=None):
    if outcome == "promised":
        by = day(promised, "%d/%m")
        return f"pagherà entro il {by}" if by else "promette di pagare"
    return OUTCOME_PHRASES.get(outcome, outcome)


def _turns(events, pressed=""):
    """(step, keys) of each turn of the call; without the call's key events, read from the
    keys the attempt kept (`pressed`, "1,5,1512,1")."""
    turns = [((event.detail or {}).get("step"), (event.detail or {}).get("digits") or "")
             for event in events if event.kind == "keys"]
    if not turns and pressed:
        groups = pressed.split(",")
        # the first turn identifies; a date's four keys are followed by its confirmation
        turns = [("identify" if n == 0 else "promise_check" if len(groups[n - 1]) == 4
                  else "menu", group) for n, group in enumerate(groups)]
    return turns


def _key(turns):
    """The key that counted: the last single key of identification or menu, leaving out the
    ones that only move about (1 at identification, 9 repeat, 0 more options)."""
    for step, digits in reversed(turns):
        if len(digits) != 1 or step not in ("identify", "menu") or digits in ("9", "0"):
            continue
        if not (step == "identify" and digits == "1"):
            return digits
    return None


def _call_fact(event, viewer, currency, sid=None):
    """An event of a call as a fact of that call; its technical detail leaves out the call's
    CallSid, which the call's line holds once."""
    detail = event.detail or {}
    source = event.source.replace(f" {sid}", "") if sid else event.source
    tech = source if viewer.staff else ""
    if event.kind == "status" and "to" not in detail:
        label = CALL_STATUS_NEWS.get(detail.get("status"), "Aggiornamento dal gestore")
        words = [f"dopo {detail['duration']} s" if detail.get("duration") not in (None, 0, "0")
                 else "", _answered_by(detail.get("answered_by"))]
        return Fact(event.at, label, ", ".join(filter(None, words)),
                    tech=technical(viewer, source, detail, "status", "duration", "answered_by"))
    if event.kind == "answered":
        return Fact(event.at, "Risposta", _answered_by(detail.get("answered_by")), tech=tech)
    if event.kind == "keys":
        return Fact(event.at, STEPS.get(detail.get("step"), "Tasti"), _keys(detail), tech=tech)
    if event.kind == "call_ended":
        return Fact(event.at, "Chiamata chiusa",
                    CALL_ENDS.get(detail.get("reason"), ""), tech=tech)
    if event.kind in ("place_failed", "place_uncertain", "claim_recovered"):
        label = CALL_FACTS.get(event.kind, "Chiamata riconciliata con il gestore")
        return Fact(event.at, label, tech=technical(viewer, source, detail))
    if event.kind in CALL_FACTS:
        return Fact(event.at, CALL_FACTS[event.kind], tech=tech)
    said = fact_of(event, viewer, currency)
    return replace(said, tech=said.tech.replace(f" {sid}", "")) if sid else said


def _answered_by(answered_by):
    return f"ha risposto: {answered_by_label(answered_by)}" if answered_by else ""


def _keys(detail):
    digits = detail.get("digits")
    if not digits:
        return "nessun tasto premuto"
    if detail.get("step") == "promise":
        return f"ha digitato la data {digits[:2]}/{digits[2:]}" if len(digits) == 4 else \
            "ha digitato una data non valida"
    if detail.get("step") == "identify" and len(digits) > 1:
        return "ha digitato un codice"       # the debtor's code is no one's business here
    return f"ha premuto {digits}"


def _any(events, kind):
    return any(event.kind == kind for event in events)
