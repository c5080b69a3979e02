"""Every sentence of the call, per language, with named fields.

Only the slots in DISCLOSING_SLOTS say anything about the debt; the call flow plays them after
identification and the TwiML builder refuses them before.
"""

from dataclasses import dataclass
from string import Formatter

from prompts.greetings import DEFAULT as DEFAULT_SALUTATION
from prompts.messages import MESSAGE_SLOTS, page_line, with_page_link

IT = {
    "greeting_confirm": "{salutation}, questo è un messaggio di {creditor} per {name}. "
                        "Se è {name}, prema 1. Se non lo è, prema 2.",
    "greeting_code": "{salutation}, questo è un messaggio di {creditor} per {name}. "
                     "Se è {name}, digiti il suo codice cliente seguito dal tasto cancelletto. "
                     "Se non lo è, prema 2 e cancelletto.",
    "no_input": "Non abbiamo ricevuto alcuna risposta.",
    "invalid_choice": "La scelta non è valida.",
    "code_wrong": "Il codice inserito non è corretto.",
    "notice": "La informiamo che risulta ancora da pagare la fattura {invoice} di {amount}, "
              "scaduta il {due_date}. Se ha già provveduto al pagamento, non tenga conto di questo avviso.",
    "notice_no_invoice": "La informiamo che risulta ancora da pagare un importo di {amount}, "
                         "scaduto il {due_date}. Se ha già provveduto al pagamento, "
                         "non tenga conto di questo avviso.",
    "menu": "Per confermare di aver ricevuto questo avviso, prema 1. Se ha già pagato, prema 4. "
            "Per indicare una data entro cui pagherà, prema 5. Per essere richiamato da un nostro "
            "operatore, prema 3. Per le altre opzioni, prema 0.",
    "menu_more": "Se c'è un problema con la fattura, prema 6. Se non è la persona cercata, prema 2. "
                 "Per non ricevere più chiamate, prema 8. Per riascoltare il messaggio, prema 9.",
    "menu_more_link": "Per ricevere per SMS il link per pagare, prema 7. Se c'è un problema con la "
                      "fattura, prema 6. Se non è la persona cercata, prema 2. Per non ricevere più "
                      "chiamate, prema 8. Per riascoltare il messaggio, prema 9.",
    "promise_ask": "Digiti la data entro cui pagherà: due cifre per il giorno e due per il mese. "
                   "Per esempio, per il 15 marzo digiti 1 5 0 3.",
    "promise_read_back": "Ha indicato che pagherà entro il {promise_date}. Per confermare prema 1, "
                         "per indicare un'altra data prema 2.",
    "promise_refused": "Ci scusi, non possiamo accettare questa data: indichi un giorno da oggi a "
                       "non oltre sessanta giorni.",
    "goodbye_promised": "Grazie, abbiamo registrato il suo impegno. Arrivederci.",
    "goodbye_declared_paid": "Grazie, verificheremo il pagamento. Arrivederci.",
    "dispute_record": "Dopo il segnale acustico ci descriva il problema con la fattura, in un "
                      "minuto al massimo. Quando ha finito, prema cancelletto.",
    "goodbye_disputed": "Grazie, abbiamo registrato la sua segnalazione: la esamineremo. Arrivederci.",
    "payment_link_sent": "Le abbiamo inviato il link per pagare con un SMS.",
    "goodbye_confirmed": "Grazie per la conferma. Arrivederci.",
    "goodbye_wrong_person": "Ci scusi per il disturbo. Arrivederci.",
    "goodbye_callback": "Grazie. Un nostro operatore la richiamerà al più presto. Arrivederci.",
    "goodbye_opted_out": "Abbiamo registrato la sua richiesta: non riceverà altre chiamate. Arrivederci.",
    "goodbye_identity_failed": "Non è stato possibile completare la verifica. Arrivederci.",
    "goodbye_not_identified": "Non è stato possibile completare la verifica. La richiameremo. Arrivederci.",
    "goodbye_no_input": "Non avendo ricevuto risposta, la richiameremo in un altro momento. Arrivederci.",
    "machine": "{salutation}, la richiameremo in un altro momento. Arrivederci.",
    "answer_noted": "Grazie, abbiamo registrato la sua risposta.",
    "another_position": "Abbiamo un'altra comunicazione per questo numero.",
    "another_position_same_code": "Lo stesso codice cliente vale anche per un altro avviso, "
                                  "che le leggiamo ora.",
    "greeting_withheld": "{salutation}, questo è un messaggio di {creditor} per {name}. "
                         "Per riservatezza, al telefono non possiamo darle altri dettagli.",
    "withheld_menu": "Per essere richiamato da un nostro operatore, prema 3. Per non ricevere più "
                     "chiamate, prema 8. Se non è {name}, prema 2.",
    "withheld_in_writing": "Per riservatezza, i dettagli le saranno inviati per iscritto "
                           "all'indirizzo che ci risulta.",
    "withheld_ask_operator": "Per riservatezza, i dettagli può darglieli solo un nostro operatore.",
    "goodbye_withheld": "Grazie per l'attenzione. Arrivederci.",
}

EN = {
    "greeting_confirm": "{salutation}, this is a message from {creditor} for {name}. "
                        "If you are {name}, press 1. If not, press 2.",
    "greeting_code": "{salutation}, this is a message from {creditor} for {name}. "
                     "If you are {name}, please enter your customer code followed by the hash key. "
                     "If not, press 2 and the hash key.",
    "no_input": "We did not receive an answer.",
    "invalid_choice": "That choice is not valid.",
    "code_wrong": "The code you entered is not correct.",
    "notice": "We would like to remind you that invoice {invoice} for {amount}, due on {due_date}, "
              "is still unpaid. If you have already paid, please disregard this notice.",
    "notice_no_invoice": "We would like to remind you that an amount of {amount}, due on {due_date}, "
                         "is still unpaid. If you have already paid, please disregard this notice.",
    "menu": "To confirm you received this notice, press 1. If you have already paid, press 4. "
            "To tell us a date by which you will pay, press 5. To be called back by one of our "
            "operators, press 3. For other options, press 0.",
    "menu_more": "If there is a problem with the invoice, press 6. If you are not the person we are "
                 "looking for, press 2. To stop receiving calls, press 8. To hear the message "
                 "again, press 9.",
    "menu_more_link": "To receive the payment link by text message, press 7. If there is a problem "
                      "with the invoice, press 6. If you are not the person we are looking for, "
                      "press 2. To stop receiving calls, press 8. To hear the message again, press 9.",
    "promise_ask": "Please enter the date by which you will pay: two digits for the day and two "
                   "for the month. For example, for the 15th of March enter 1 5 0 3.",
    "promise_read_back": "You said you will pay by {promise_date}. To confirm, press 1; to enter "
                         "another date, press 2.",
    "promise_refused": "We are sorry, we cannot accept that date: please choose a day from today "
                       "up to sixty days ahead.",
    "goodbye_promised": "Thank you, we have recorded your commitment. Goodbye.",
    "goodbye_declared_paid": "Thank you, we will check the payment. Goodbye.",
    "dispute_record": "After the tone, please tell us about the problem with the invoice, in one "
                      "minute at most. When you have finished, press the hash key.",
    "goodbye_disputed": "Thank you, we have recorded your report and will look into it. Goodbye.",
    "payment_link_sent": "We have sent you the payment link by text message.",
    "goodbye_confirmed": "Thank you for confirming. Goodbye.",
    "goodbye_wrong_person": "We apologise for the disturbance. Goodbye.",
    "goodbye_callback": "Thank you. One of our operators will call you back soon. Goodbye.",
    "goodbye_opted_out": "Your request has been recorded: you will not receive any more calls. Goodbye.",
    "goodbye_identity_failed": "We could not complete the verification. Goodbye.",
    "goodbye_not_identified": "We could not complete the verification. We will call again. Goodbye.",
    "goodbye_no_input": "As we did not receive an answer, we will call you another time. Goodbye.",
    "machine": "{salutation}, we will call you back another time. Goodbye.",
    "answer_noted": "Thank you, we have recorded your answer.",
    "another_position": "We have another message for this number.",
    "another_position_same_code": "The same customer code also covers another notice, which we "
                                  "will read to you now.",
    "greeting_withheld": "{salutation}, this is a message from {creditor} for {name}. "
                         "For your privacy, we cannot give any further details by phone.",
    "withheld_menu": "To be called back by one of our operators, press 3. To stop receiving "
                     "calls, press 8. If you are not {name}, press 2.",
    "withheld_in_writing": "For your privacy, the details will be sent to you in writing, at the "
                           "address we have on file.",
    "withheld_ask_operator": "For your privacy, only one of our operators can give you the "
                             "details.",
    "goodbye_withheld": "Thank you for your time. Goodbye.",
}

TEMPLATES = {"it": IT, "en": EN}
LANGUAGES = tuple(TEMPLATES)

# Said when a webhook cannot reach the database: the call ends politely and the attempt is
# reconciled later. Without the database neither the debtor's language nor the creditor's
# wording or recordings are known, so it is no slot of TEMPLATES: the default language, as is.
DEFAULT_LANGUAGE = "it"
UNAVAILABLE = {
    "it": "Ci scusi, in questo momento non possiamo proseguire la chiamata. "
          "La richiameremo in un altro momento. Arrivederci.",
    "en": "We are sorry, we cannot go on with this call right now. "
          "We will call you back another time. Goodbye.",
}
# Said to a caller Cortesia cannot match to a position it may speak to (an unknown number, a
# barred one, a number nobody called): nothing of any debt, in the default language, like
# UNAVAILABLE. `INBOUND_TRANSFER` precedes the <Dial> to the creditor's contact phone.
INBOUND_NEUTRAL = {
    "it": "Grazie per aver chiamato. In questo momento non abbiamo comunicazioni per questo numero.",
    "en": "Thank you for calling. We have no message for this number at the moment.",
}
INBOUND_TRANSFER = {
    "it": "La mettiamo in contatto con un operatore.",
    "en": "We are putting you through to an operator.",
}
INBOUND_GOODBYE = {"it": "Arrivederci.", "en": "Goodbye."}
# Heard only after identification: the notice, and everything after it that speaks of paying.
DISCLOSING_SLOTS = frozenset({
    "notice", "notice_no_invoice", "menu", "menu_more", "menu_more_link", "promise_ask",
    "promise_read_back", "promise_refused", "goodbye_promised", "goodbye_declared_paid",
    "dispute_record", "goodbye_disputed", "payment_link_sent", "another_position_same_code"})

# The language tag Twilio's <Say> wants for each debtor language.
SAY_LANGUAGE = {"it": "it-IT", "en": "en-GB"}


def render(slot, language, fields, overrides=None):
    """The text of `slot` in `language`, from a creditor override when it has one."""
    template = (overrides or {}).get(slot) or TEMPLATES[language][slot]
    return template.format(**_with_salutation(language, fields))


def _with_salutation(language, fields):
    """`fields` with the greeting of no particular hour when the caller gave none."""
    return fields if "salutation" in fields else \
        dict(fields, salutation=DEFAULT_SALUTATION[language])


# What changes from one debtor to the next; everything else in a template is the same on every
# call of a creditor and can be recorded once (the creditor's name included).
PERSONAL_FIELDS = frozenset({"name", "amount", "due_date", "invoice", "promise_date"})


@dataclass(frozen=True)
class Segment:
    """A piece of a slot as spoken: fixed text (`key` names its recording) or a debtor's own
    value (`key` None: always synthesized)."""

    key: str | None
    text: str


def segments(slot, language, fields, overrides=None):
    """`slot` cut where the debtor's own values go; the texts joined are `render`'s text.

    The fixed pieces are keyed `slot` when the template has no personal field, else
    `slot.1`, `slot.2`… in order: the names a recording is uploaded under.
    """
    template = (overrides or {}).get(slot) or TEMPLATES[language][slot]
    fields = _with_salutation(language, fields)
    pieces, fixed = [], ""
    for literal, name, spec, conversion in Formatter().parse(template):
        fixed += literal
        if name is None:
            continue
        if name in PERSONAL_FIELDS:
            pieces += [("fixed", fixed), ("personal", format(fields[name], spec))]
            fixed = ""
        else:
            fixed += format(fields[name], spec)
    pieces.append(("fixed", fixed))
    numbered = sum(1 for kind, _ in pieces if kind == "personal") > 0
    result, count = [], 0
    for kind, text in pieces:
        if kind == "personal":
            result.append(Segment(None, text))
        elif text.strip():
            count += 1
            result.append(Segment(f"{slot}.{count}" if numbered else slot, text))
    return result


def recording_slots(language, overrides=None):
    """Every name a recording can be uploaded under, with the text it should say ({creditor}
    shown as such)."""
    shown = {name: "{" + name + "}" for name in (*FIELDS, *PROMISE_FIELDS)}
    return {segment.key: segment.text.strip()
            for slot in TEMPLATES[language]
            for segment in segments(slot, language, shown, overrides) if segment.key}


FIELDS = ("creditor", "name", "amount", "due_date", "invoice", "salutation")
PROMISE_FIELDS = ("promise_date",)   # the read-back alone knows the date keyed
FIELDS_OF = {"promise_read_back": FIELDS + PROMISE_FIELDS}
DEBT_FIELDS = frozenset({"amount", "due_date", "invoice", "promise_date"})


class OverrideError(ValueError):
    """A creditor's wording that cannot be used, and why."""


def check_override(slot, language, text):
    """`text` as the creditor's wording of `slot`, or OverrideError: it must name only known
    fields, and only the notice, heard after identification, may name the debt's."""
    written = {**EMAIL_FIELDS_OF, **MESSAGE_SLOTS}
    if language not in TEMPLATES or (slot not in TEMPLATES[language] and slot not in written):
        slots = ", ".join(sorted([*TEMPLATES.get(language, TEMPLATES["it"]), *written]))
        raise OverrideError(f"no prompt slot {slot!r} in {language!r}; the slots are: {slots}")
    if slot.endswith("_body"):   # lines matter in a mail; "\n" typed on a command line is one
        text = (text or "").replace("\\n", "\n").strip()
    else:
        text = " ".join((text or "").split())
    if not text:
        raise OverrideError("the text is empty")
    try:
        named = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise OverrideError(f"unbalanced braces: {exc} (write a field as {{name}})") from None
    allowed = written.get(slot) or FIELDS_OF.get(slot, FIELDS)
    unknown = named - set(allowed)
    if unknown:
        raise OverrideError(f"unknown field {{{sorted(unknown)[0]}}}; the fields are "
                            + ", ".join("{" + f + "}" for f in allowed))
    if slot not in DISCLOSING_SLOTS and slot not in written and named & DEBT_FIELDS:
        raise OverrideError(f"'{slot}' may be heard before the debtor is identified: it cannot "
                            f"name {{{sorted(named & DEBT_FIELDS)[0]}}}")
    return text


# The notice by email, for when the phone reached somebody else (wrong person, failed identity).
EMAIL = {
    "it": {
        "subject": "Promemoria di pagamento da {creditor}",
        "body": "Gentile {name},\n\n"
                "abbiamo provato a contattarla telefonicamente per conto di {creditor} senza riuscire "
                "a parlare con lei. Le ricordiamo che risulta ancora da pagare {invoice_line}"
                "l'importo di {amount} {currency}, scaduto il {due_date}.\n\n"
                "Se ha già provveduto al pagamento, non tenga conto di questo messaggio.\n\n"
                "{page_line}"
                "Cordiali saluti,\n{creditor}\n",
        "invoice_line": "la fattura {invoice}, per ",
    },
    "en": {
        "subject": "Payment reminder from {creditor}",
        "body": "Dear {name},\n\n"
                "we tried to reach you by phone on behalf of {creditor} but could not speak with you. "
                "We would like to remind you that {invoice_line}the amount of {amount} {currency}, "
                "due on {due_date}, is still unpaid.\n\n"
                "If you have already paid, please disregard this message.\n\n"
                "{page_line}"
                "Kind regards,\n{creditor}\n",
        "invoice_line": "invoice {invoice}, for ",
    },
}


def render_email(language, fields, overrides=None):
    """(subject, body) of the emailed notice, in the creditor's own wording where it has one."""
    texts, own = EMAIL[language], overrides or {}
    invoice_line = texts["invoice_line"].format(**fields) if fields.get("invoice") else ""
    values = dict(fields, invoice_line=invoice_line,
                  page_link=fields.get("page_link") or "",
                  page_line=page_line(language, fields.get("page_link")))
    return (own.get("email_subject") or texts["subject"]).format(**values), \
        with_page_link(own.get("email_body") or texts["body"]).format(**values)


# The emailed notice's slots: it goes to the position's own addresses, so it may name the debt.
EMAIL_SLOTS = {"email_subject": "subject", "email_body": "body"}
EMAIL_FIELDS = ("creditor", "name", "amount", "currency", "due_date", "invoice", "invoice_line",
                "page_link", "page_line")
# Every written slot and the fields it may name; the SMS's (prompts.messages) name no debt.
EMAIL_FIELDS_OF = {slot: EMAIL_FIELDS for slot in EMAIL_SLOTS}
