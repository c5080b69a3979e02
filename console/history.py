"""A position's history as people read it: one entry per fact that means something to them.

`entries(...)` groups a position's events, calls and messages into timeline entries — a call in
one line ("Chiamata 2 di 3 — risposta, identificato, ha premuto 5: pagherà entro il 15/12"), a
message with its delivery, a payment, a change of status, a note — each with the events that
make it up folded under it. Plain data in, plain data out: no database, no request.

What a creditor's user reads is filtered here, once: no collector's name ("un operatore"), no
collector's note, nothing of the provider's bookkeeping (CallSids, Message-IDs, SMTP answers,
raw statuses); staff see those as the entries' technical details.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from console.filters import answered_by_label, event_detail
from console.timeline import CHANNEL_LABELS, amount_text, describe, message_label

STAFF = ("admin", "collector")
SOMEONE = "un operatore"
# Who acted, by the first word of an event's source; people are named after the colon.
PEOPLE = ("user", "console", "collector")
SOURCES = {"debtor": "il debitore", "import": "lista del mandante",
           "payments": "file dei pagamenti", "api": "API del mandante"}
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
# A message's fate: (feminine, masculine) — an email, a PEC; an SMS.
FATES = {"queued": ("in attesa", "in attesa"), "sending": ("in invio", "in invio"),
         "sent": ("inviata", "inviato"), "failed": ("non inviata", "non inviato"),
         "unknown": ("di esito incerto", "di esito incerto"),
         "withdrawn": ("ritirata", "ritirato")}
DELIVERIES = {"accepted": ("accettata dal gestore", "accettato dal gestore"),
              "delivered": ("consegnata", "consegnato"),
              "undelivered": ("non consegnata", "non consegnato"),
              "not_delivered": ("non consegnata", "non consegnato"),
              "failed": ("non consegnata", "non consegnato"),
              "not_accepted": ("non accettata dal gestore", "non accettato dal gestore"),
              "delivery_warning": ("in ritardo di consegna", "in ritardo di consegna")}
# Events of a message that only say it was queued: its entry says so already.
QUEUED = ("message_queued", "email_queued")
CALLBACK_RESULTS = {"paid": "dice di aver già pagato", "promise": "promette di pagare",
                    "dispute": "contesta la fattura", "unreachable": "non raggiungibile",
                    "other": "altro"}


@dataclass(frozen=True)
class Viewer:
    """Who reads the history: their role, and the user names of their own creditor's users
    (a creditor's user sees its colleagues by name, staff as `un operatore`)."""

    role: str
    colleagues: frozenset = frozenset()

    @property
    def staff(self):
        return self.role in STAFF


@dataclass(frozen=True)
class Fact:
    """One event folded under an entry."""

    at: datetime
    label: str
    detail: str = ""
    who: str = ""
    tech: str = ""     # the provider's bookkeeping and raw facts: staff only


@dataclass
class Entry:
    """One line of the history, with the facts it is made of folded under it."""

    at: datetime
    kind: str          # call, message, callback, event
    label: str
    detail: str = ""
    who: str = ""
    tech: str = ""
    facts: list = field(default_factory=list)


def entries(events, attempts, mails, viewer, max_attempts=3, currency="EUR"):
    """The history of one position, oldest first: `events` (ordered by time), its `attempts`
    and its outgoing `mails`, as `viewer` may read them."""
    calls = {attempt.id: _CallParts(attempt) for attempt in attempts}
    by_mail = {mail.id: [] for mail in mails}
    loose = []
    for event in events:
        mail_id = (event.detail or {}).get("mail_id")
        if event.attempt_id in calls:
            calls[event.attempt_id].events.append(event)
        elif mail_id in by_mail:
            by_mail[mail_id].append(event)
        elif event.kind == "email_queued" and _mail_of(event, mails) is not None:
            by_mail[_mail_of(event, mails).id].append(event)
        elif _hidden(event, viewer):
            continue
        else:
            loose.append(event)
    rounds = len({attempt.round for attempt in attempts if attempt.direction != "inbound"})
    made = [_call_entry(parts, max_attempts, rounds, viewer, currency)
            for parts in calls.values()]
    made += [_mail_entry(mail, by_mail[mail.id], viewer, currency) for mail in mails]
    made += _loose_entries(loose, viewer, currency)
    return sorted(made, key=lambda entry: entry.at)


def latest_outcome(events, outcome=None):
    """The latest answer of the debtor (a call's outcome, or an answer given after it on the
    page, the phone or to a collector): what the position's tag should say. `outcome`, the
    round's, when no event says more."""
    for event in reversed(events):
        detail = event.detail or {}
        if event.kind == "outcome" and detail.get("outcome"):
            return detail["outcome"]
        if event.kind == "answer" and detail.get("answer"):
            return detail["answer"]
    return outcome


def who(source, viewer):
    """Who acted, in words `viewer` may read: a person by name for staff (and a creditor's
    user's colleagues), `un operatore` otherwise; nothing for the server's own work."""
    prefix, _, name = (source or "").partition(":")
    if prefix in PEOPLE:
        return name if viewer.staff or name in viewer.colleagues else SOMEONE
    return SOURCES.get(prefix, "")


class _CallParts:
    def __init__(self, attempt):
        self.attempt, self.events = attempt, []


def _call_entry(parts, max_attempts, rounds, viewer, currency):
    attempt, events = parts.attempt, parts.events
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
                 facts=[_call_fact(event, viewer, currency) for event in events],
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
    if person and (attempt.identified or _any(events, "keys") or attempt.digits):
        parts.append("identificato" if attempt.identified else "non identificato")
    outcome, promised = _call_outcome(attempt, events)
    key = _key(events, attempt.digits or "")
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
        day = _day(promised, "%d/%m")
        return f"pagherà entro il {day}" if day else "promette di pagare"
    return OUTCOME_PHRASES.get(outcome, outcome)


def _key(events, pressed=""):
    """The key that counted: the last single key of identification or menu, leaving out the
    ones that only move about (1 at identification, 9 repeat, 0 more options). Without the
    call's key events, read from the keys the attempt kept (`pressed`, "1,5,1512,1")."""
    turns = [((event.detail or {}).get("step"), (event.detail or {}).get("digits") or "")
             for event in events if event.kind == "keys"]
    if not turns and pressed:
        groups = pressed.split(",")
        # the first turn identifies; a date's four keys are followed by its confirmation
        turns = [("identify" if n == 0 else "promise_check" if n and len(groups[n - 1]) == 4
                  else "menu", group) for n, group in enumerate(groups)]
    for step, digits in reversed(turns):
        if len(digits) != 1 or step not in ("identify", "menu") or digits in ("9", "0"):
            continue
        if not (step == "identify" and digits == "1"):
            return digits
    return None


def _call_fact(event, viewer, currency):
    detail = event.detail or {}
    tech = event.source if viewer.staff else ""
    if event.kind == "status" and "to" not in detail:
        label = CALL_STATUS_NEWS.get(detail.get("status"), "Aggiornamento dal gestore")
        words = [f"dopo {detail['duration']} s" if detail.get("duration") not in (None, 0, "0")
                 else "", _answered_by(detail.get("answered_by"))]
        tech = _tech(viewer, event.source, detail, "status", "duration", "answered_by")
        return Fact(event.at, label, ", ".join(filter(None, words)), tech=tech)
    if event.kind == "answered":
        return Fact(event.at, "Risposta", _answered_by(detail.get("answered_by")), tech=tech)
    if event.kind == "keys":
        return Fact(event.at, STEPS.get(detail.get("step"), "Tasti"), _keys(detail), tech=tech)
    if event.kind == "call_ended":
        return Fact(event.at, "Chiamata chiusa",
                    CALL_ENDS.get(detail.get("reason"), ""), tech=tech)
    if event.kind in ("place_failed", "place_uncertain", "claim_recovered"):
        label = CALL_FACTS.get(event.kind, "Chiamata riconciliata con il gestore")
        return Fact(event.at, label, tech=_tech(viewer, event.source, detail))
    if event.kind in CALL_FACTS:
        return Fact(event.at, CALL_FACTS[event.kind], tech=tech)
    return _fact(event, viewer, currency)


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


def _mail_of(event, mails):
    """The message an `email_queued` event (which names no message) speaks of."""
    detail = event.detail or {}
    return next((mail for mail in mails if mail.kind == detail.get("kind")
                 and mail.to_address == detail.get("to")), None)


def _mail_entry(mail, events, viewer, currency):
    channel = channel_label(mail.channel)
    label = f"{channel[0].upper()}{channel[1:]} {message_label(mail.kind)} — {mail_fate(mail)}"
    details = [f"a {mail.to_address}"]
    steps = [e for e in events if e.kind == "step"]
    if steps:
        details.append(f"passo {(steps[0].detail or {}).get('step', 0) + 1} del piano")
    if mail.tries > 1 or mail.status == "failed":
        details.append(f"{mail.tries} tentativi")
    facts = [_fact(event, viewer, currency) for event in events
             if event.kind not in QUEUED + ("step",)]
    tech = " · ".join(filter(None, [mail.last_error, mail.message_id and
                                    f"Message-ID {mail.message_id}"])) if viewer.staff else ""
    return Entry(mail.created_at, "message", label, ", ".join(details), facts=facts, tech=tech)


def mail_fate(mail):
    """What became of a message, in a word or two: in attesa, inviata, consegnata…"""
    masculine = mail.channel == "sms"
    if mail.status == "sent" and mail.delivery in DELIVERIES:
        return DELIVERIES[mail.delivery][masculine]
    if mail.status == "queued" and mail.tries:
        return "in attesa di un nuovo tentativo"
    return FATES.get(mail.status, (mail.status, mail.status))[masculine]


def _loose_entries(events, viewer, currency):
    """Entries of the events of no call and no message: one each, but a callback's claims and
    releases fold under the result that closes it, and so does the answer it records."""
    made, claims = [], []
    for event in events:
        if event.kind in ("callback_claimed", "callback_released"):
            claims.append(event)
            continue
        if event.kind == "callback_handled":
            made.append(_callback_entry(event, claims, viewer, currency))
            claims = []
            continue
        last = made[-1] if made else None
        if event.kind == "answer" and last is not None and last.kind == "callback" \
                and last.at == event.at:
            last.facts.append(_fact(event, viewer, currency))
            continue
        fact = _fact(event, viewer, currency)
        made.append(Entry(event.at, "event", fact.label, fact.detail, fact.who, fact.tech))
    if claims:
        first = claims[-1]
        made.append(Entry(first.at, "callback", "Richiamata presa in carico" if
                          first.kind == "callback_claimed" else "Richiamata rimessa in coda",
                          who=who(first.source, viewer),
                          facts=[_fact(event, viewer, currency) for event in claims]))
    return made


def _callback_entry(event, claims, viewer, currency):
    detail = event.detail or {}
    result = detail.get("result")
    phrase = CALLBACK_RESULTS.get(result, result or "")
    if result == "promise" and detail.get("promise_date"):
        phrase = f"pagherà entro il {_day(detail['promise_date'], '%d/%m')}"
        if detail.get("promise_amount"):
            phrase += f" ({amount_text(detail['promise_amount'], currency)})"
    note = detail.get("note") if viewer.staff else None
    return Entry(event.at, "callback", f"Richiamata di un operatore — {phrase}",
                 f"nota: {note}" if note else "", who(event.source, viewer),
                 facts=[_fact(claim, viewer, currency) for claim in claims])


def _fact(event, viewer, currency):
    """An event as a fact: the timeline's sentence, who did it, and — for staff — the rest."""
    label, detail = describe(event, currency)
    spoken = event.kind in _SPOKEN
    tech = _tech(viewer, event.source, event.detail or {}, *(_SPOKEN_KEYS if spoken else ()))
    return Fact(event.at, label, detail if spoken else "", who(event.source, viewer), tech)


def _tech(viewer, source, detail, *said):
    """The source and the facts not said in words, for staff; nothing for anyone else."""
    if not viewer.staff:
        return ""
    rest = {key: value for key, value in detail.items() if key not in said}
    return " · ".join(filter(None, [source, event_detail(rest)]))


def _hidden(event, viewer):
    """Whether `viewer` may not see `event` at all: a staff member's own note."""
    if viewer.staff or event.kind != "note":
        return False
    return who(event.source, viewer) == SOMEONE


def _any(events, kind):
    return any(event.kind == kind for event in events)


def _day(text, pattern):
    try:
        return date.fromisoformat(text).strftime(pattern) if text else ""
    except (TypeError, ValueError):
        return ""


# Events whose sentence (console.timeline.describe) says all their facts in words; the others'
# facts are raw and shown to staff only.
_SPOKEN = frozenset({"status", "payment", "step", "step_skipped", "step_postponed",
                     "message_queued", "outcome", "answer", "voice_message",
                     "voice_message_kept", "note"})
_SPOKEN_KEYS = ("from", "to", "reason", "until", "amount_paid", "paid_on", "amount_due",
                "step", "day", "channel", "message", "round", "kind", "mail_id", "outcome",
                "answer", "promise_date", "preferred_window", "note", "voice_message_id",
                "duration", "bytes", "tries", "text")


def channel_label(channel):
    return CHANNEL_LABELS.get(channel, channel)


FILTERS = {"mail_fate": mail_fate, "message_label": message_label, "channel_label": channel_label}
