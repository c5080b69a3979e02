"""A position's history as people read it: one entry per fact that means something to them.

`entries(...)` groups a position's events, calls and messages into timeline entries — a call in
one line ("Chiamata 2 di 3 — risposta, identificato, ha premuto 5: pagherà entro il 15/12"), a
message with its delivery, a payment, a change of status, a note — each with the events that
make it up folded under it. Plain data in, plain data out: no database, no request.

What a creditor's user reads is filtered here, once: no collector's name ("un operatore"), no
collector's note, nothing of the provider's bookkeeping (CallSids, Message-IDs, SMTP answers,
raw statuses); staff see those as the entries' technical details.
"""
from console.call_lines import call_entry
from console.history_facts import SOMEONE, Entry, day, fact_of, who
from console.timeline import CHANNEL_LABELS, amount_text, message_label

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


def entries(events, attempts, mails, viewer, max_attempts=3, currency="EUR"):
    """The history of one position, oldest first: `events` (ordered by time), its `attempts`
    and its outgoing `mails`, as `viewer` may read them."""
    calls = {attempt.id: [] for attempt in attempts}
    by_mail = {mail.id: [] for mail in mails}
    loose = []
    for event in events:
        mail_id = (event.detail or {}).get("mail_id")
        if event.attempt_id in calls:
            calls[event.attempt_id].append(event)
        elif mail_id in by_mail:
            by_mail[mail_id].append(event)
        elif event.kind == "email_queued" and _mail_of(event, mails) is not None:
            by_mail[_mail_of(event, mails).id].append(event)
        elif _hidden(event, viewer):
            continue
        else:
            loose.append(event)
    rounds = len({attempt.round for attempt in attempts if attempt.direction != "inbound"})
    made = [call_entry(attempt, calls[attempt.id], viewer, max_attempts, rounds, currency)
            for attempt in attempts]
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
    facts = [fact_of(event, viewer, currency) for event in events
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
            last.facts.append(fact_of(event, viewer, currency))
            continue
        fact = fact_of(event, viewer, currency)
        made.append(Entry(event.at, "event", fact.label, fact.detail, fact.who, fact.tech))
    if claims:   # a callback still open: one line for where it stands, its claims folded
        latest = claims[-1]
        made.append(Entry(latest.at, "callback", "Richiamata presa in carico" if
                          latest.kind == "callback_claimed" else "Richiamata rimessa in coda",
                          who=who(latest.source, viewer),
                          facts=[fact_of(event, viewer, currency) for event in claims]))
    return made


def _callback_entry(event, claims, viewer, currency):
    detail = event.detail or {}
    result = detail.get("result")
    phrase = CALLBACK_RESULTS.get(result, result or "")
    if result == "promise" and detail.get("promise_date"):
        phrase = f"pagherà entro il {day(detail['promise_date'], '%d/%m')}"
        if detail.get("promise_amount"):
            phrase += f" ({amount_text(detail['promise_amount'], currency)})"
    note = detail.get("note") if viewer.staff else None
    return Entry(event.at, "callback", f"Richiamata di un operatore — {phrase}",
                 f"nota: {note}" if note else "", who(event.source, viewer),
                 facts=[fact_of(claim, viewer, currency) for claim in claims])


def _hidden(event, viewer):
    """Whether `viewer` may not see `event` at all: a staff member's internal note (one the
    staff did not share with the creditor, contacts.controls.add_note)."""
    if viewer.staff or event.kind != "note":
        return False
    detail = event.detail or {}
    return bool(detail.get("internal", who(event.source, viewer) == SOMEONE))


def channel_label(channel):
    return CHANNEL_LABELS.get(channel, channel)


FILTERS = {"mail_fate": mail_fate, "message_label": message_label, "channel_label": channel_label}
