"""Everything the debtor's page says, in Italian and English: one place, like prompts/."""
LANGUAGES = ("it", "en")

IT = {
    "title": "La sua pagina",
    "switch": "English", "switch_to": "en",
    "private": "Pagina riservata: non inoltri questo link ad altri.",
    "not_found_title": "Pagina non trovata",
    "not_found": "Il link non è valido o è scaduto. Se ha ricevuto un messaggio, usi i contatti "
                 "indicati nel messaggio.",
    "intro": "Questa è la sua pagina personale per rispondere a {creditor}.",
    "intro_named": "Gentile {name}, questa è la sua pagina personale per rispondere all'avviso "
                   "che {creditor} le ha inviato.",
    "code_ask": "Per vedere l'avviso e rispondere, inserisca il suo codice cliente.",
    "code_label": "Codice cliente",
    "code_button": "Continua",
    "code_wrong": "Il codice non è corretto: lo controlli e riprovi.",
    "throttled": "Troppi tentativi non riusciti: riprovi tra {minutes} minuti.",
    "no_code": "Per questa pratica non è possibile identificarsi online. Per rispondere, "
               "contatti {creditor}.",
    "contacts": "Contatti di {creditor}",
    "phone": "Telefono", "email": "Email",
    "hello": "Gentile {name},",
    "notice": "risulta ancora da pagare la fattura {invoice} di {amount} {currency}, scaduta il "
              "{due_date}.",
    "notice_no_invoice": "risulta ancora da pagare un importo di {amount} {currency}, scaduto "
                         "il {due_date}.",
    "choices": "Come desidera rispondere?",
    "pay_now": "Paga ora",
    "pay_now_help": "Si apre la pagina di pagamento di {creditor}.",
    "paid": "Ho già pagato",
    "receipt": "Ricevuta (facoltativa: PDF, PNG o JPEG, fino a 5 MB)",
    "promise": "Pagherò entro una data",
    "promise_date": "Data (entro il {last})",
    "dispute": "C'è un problema con la fattura",
    "dispute_note": "Ci descriva il problema (facoltativo)",
    "callback": "Richiamatemi",
    "callback_window": "Quando preferisce essere chiamato?",
    "any_time": "In qualsiasi orario",
    "stop": "Non contattatemi più",
    "stop_help": "Non riceverà più chiamate né SMS automatici; le comunicazioni scritte possono "
                 "continuare.",
    "send": "Invia",
    "logout": "Esci",
    "done_declared_paid": "Grazie: abbiamo registrato che ha già pagato. {creditor} verificherà "
                          "il pagamento.",
    "done_promised": "Grazie: abbiamo registrato il suo impegno a pagare entro il {date}.",
    "done_disputed": "Grazie: abbiamo registrato la sua segnalazione. {creditor} la esaminerà; "
                     "nel frattempo non la contatteremo.",
    "done_callback_requested": "Grazie: un nostro operatore la richiamerà al più presto.",
    "done_opted_out": "Abbiamo registrato la sua richiesta: non riceverà altre chiamate né SMS "
                      "automatici.",
    "already": "La sua risposta era già stata registrata.",
    "receipt_kept": "Ricevuta allegata.",
    "not_now": "Questa risposta non può più essere registrata qui: contatti {creditor}.",
    "date_missing": "Indichi la data entro cui pagherà.",
    "date_past": "La data è già passata: ne indichi una da oggi in poi.",
    "date_too_far": "La data è oltre 60 giorni da oggi: ne indichi una entro il {last}.",
    "receipt_empty": "Il file della ricevuta è vuoto.",
    "receipt_too_big": "Il file della ricevuta supera 5 MB.",
    "receipt_not_allowed": "La ricevuta deve essere un PDF o un'immagine PNG o JPEG.",
    "text_too_long": "Il testo è troppo lungo: al massimo 2000 caratteri.",
    "text_bad": "Il testo contiene un carattere non ammesso.",
    "form_expired": "Il modulo è scaduto: ricarichi la pagina e riprovi.",
    "identify_again": "Per sicurezza, inserisca di nuovo il suo codice cliente.",
    "status_promised": "Ha promesso di pagare entro il {date}: fino ad allora non la "
                       "contatteremo.",
    "status_to_verify": "Ha dichiarato di aver pagato: {creditor} sta verificando il pagamento.",
    "status_disputed": "La sua segnalazione è in esame presso {creditor}.",
    "status_paid": "Il pagamento risulta ricevuto. Grazie.",
    "status_closed": "La pratica è chiusa: non deve fare altro.",
    "status_ended": "Per questa pratica contatti direttamente {creditor}.",
}

EN = {
    "title": "Your page",
    "switch": "Italiano", "switch_to": "it",
    "private": "A private page: please do not forward this link to anyone.",
    "not_found_title": "Page not found",
    "not_found": "The link is not valid or has expired. If you received a message, please use "
                 "the contacts given in it.",
    "intro": "This is your personal page for answering {creditor}.",
    "intro_named": "Dear {name}, this is your personal page for answering the notice {creditor} "
                   "sent you.",
    "code_ask": "To see the notice and answer, please enter your customer code.",
    "code_label": "Customer code",
    "code_button": "Continue",
    "code_wrong": "The code is not correct: please check it and try again.",
    "throttled": "Too many failed attempts: please try again in {minutes} minutes.",
    "no_code": "This account cannot be opened online. To answer, please contact {creditor}.",
    "contacts": "How to reach {creditor}",
    "phone": "Phone", "email": "Email",
    "hello": "Dear {name},",
    "notice": "invoice {invoice} for {amount} {currency}, due on {due_date}, is still unpaid.",
    "notice_no_invoice": "an amount of {amount} {currency}, due on {due_date}, is still unpaid.",
    "choices": "How would you like to answer?",
    "pay_now": "Pay now",
    "pay_now_help": "Opens the payment page of {creditor}.",
    "paid": "I have already paid",
    "receipt": "Receipt (optional: PDF, PNG or JPEG, up to 5 MB)",
    "promise": "I will pay by a date",
    "promise_date": "Date (by {last} at the latest)",
    "dispute": "There is a problem with the invoice",
    "dispute_note": "Tell us about the problem (optional)",
    "callback": "Call me back",
    "callback_window": "When would you rather be called?",
    "any_time": "Any time",
    "stop": "Stop contacting me",
    "stop_help": "You will get no more automated calls or text messages; written notices may "
                 "go on.",
    "send": "Send",
    "logout": "Leave",
    "done_declared_paid": "Thank you: we have recorded that you have paid. {creditor} will "
                          "check the payment.",
    "done_promised": "Thank you: we have recorded your promise to pay by {date}.",
    "done_disputed": "Thank you: we have recorded your report. {creditor} will look into it; "
                     "meanwhile we will not contact you.",
    "done_callback_requested": "Thank you: one of our operators will call you back soon.",
    "done_opted_out": "Your request has been recorded: you will get no more automated calls or "
                      "text messages.",
    "already": "Your answer had already been recorded.",
    "receipt_kept": "Receipt attached.",
    "not_now": "This answer can no longer be recorded here: please contact {creditor}.",
    "date_missing": "Please give the date you will pay by.",
    "date_past": "That date has passed: please give one from today on.",
    "date_too_far": "That date is more than 60 days away: please give one by {last}.",
    "receipt_empty": "The receipt's file is empty.",
    "receipt_too_big": "The receipt's file is larger than 5 MB.",
    "receipt_not_allowed": "The receipt must be a PDF or a PNG or JPEG image.",
    "text_too_long": "The text is too long: 2000 characters at most.",
    "text_bad": "The text holds a character that is not allowed.",
    "form_expired": "The form has expired: please reload the page and try again.",
    "identify_again": "For your safety, please enter your customer code again.",
    "status_promised": "You promised to pay by {date}: we will not contact you until then.",
    "status_to_verify": "You told us you have paid: {creditor} is checking the payment.",
    "status_disputed": "Your report is being looked into by {creditor}.",
    "status_paid": "The payment has been received. Thank you.",
    "status_closed": "This account is closed: there is nothing more to do.",
    "status_ended": "For this account, please contact {creditor} directly.",
}

WORDS = {"it": IT, "en": EN}


def words(language):
    """The page's words in `language` (Italian for any other)."""
    return WORDS.get(language, IT)
