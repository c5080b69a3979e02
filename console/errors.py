"""The console's error pages, in Italian: what went wrong in words a user acts on, and a way on.

Werkzeug's defaults are English pages for developers. The webhooks answer Twilio with TwiML
(ivr.unavailable) and the debtor's page speaks the debtor's language (page.views): their own
handlers come first; this one covers the console and any address that matches nothing.
"""
from flask import g, render_template, request
from werkzeug.exceptions import HTTPException

from api.problems import answer_http_error

# The parts that answer their own errors: the webhooks (TwiML) and the debtor's page.
OWN_ERRORS = ("ivr", "page")

# status → (heading, what to do)
MESSAGES = {
    400: ("Richiesta non valida",
          "Il modulo è scaduto o incompleto: ricarica la pagina e riprova."),
    403: ("Accesso non consentito",
          "Il tuo ruolo non permette di aprire questa pagina."),
    404: ("Pagina non trovata",
          "L'indirizzo non esiste, oppure ciò che cerchi non è tra quelli che puoi vedere."),
    405: ("Operazione non consentita",
          "Questa pagina non accetta questa operazione: torna indietro e usa i pulsanti."),
    413: ("File troppo grande",
          "Il file supera il limite di caricamento: dividilo in parti più piccole."),
    429: ("Troppi tentativi",
          "Attendi qualche minuto prima di riprovare."),
    500: ("Errore interno",
          "Qualcosa non ha funzionato da parte nostra; nulla di ciò che hai inviato è andato "
          "perso a metà. Riprova tra poco."),
}
GENERIC = ("Errore", "La richiesta non è andata a buon fine.")


def console_error(error):
    """An Italian page for an HTTP error of the console (or of an address no part serves);
    other parts' errors keep their own form."""
    if request.blueprint in OWN_ERRORS or request.path.startswith("/ivr/"):
        return error
    if request.path.startswith("/api/"):   # no route or method there: a problem document too
        return answer_http_error(error)
    heading, text = MESSAGES.get(error.code, GENERIC)
    if error.description and error.description != type(error).description:
        text = error.description   # the console's own words, given where it aborted
    response = error.get_response()
    response.set_data(render_template("console/error.html", code=error.code, heading=heading,
                                      text=text, user=g.get("user")))
    response.mimetype = "text/html"
    return response


def init_app(app):
    # An exception no handler took reaches this as a 500 too (Flask logs it first).
    app.register_error_handler(HTTPException, console_error)
