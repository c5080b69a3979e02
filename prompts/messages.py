"""The written messages of the courtesy phase (email and PEC) and the SMS, per language.

Each written message has a subject and a body a creditor may reword (slots `<message>_subject`
and `<message>_body`); the HTML is made from the same text, every piece of it escaped, so a
debtor called `<b>Rossi</b>` reads as such and a creditor's wording cannot inject markup.
The SMS (`contatto_sms`) may name only the creditor and its phone: it can be read by anybody
holding the phone, so it says nothing of the debt (checked when a creditor rewords it).
"""
from html import escape
from string import Formatter

WRITTEN = ("verifica_contabile", "sollecito", "sollecito_oneri")
SMS = ("contatto", "link_pagamento")
MESSAGES = WRITTEN + SMS

IT = {
    "verifica_contabile_subject": "{creditor}: verifica contabile {invoice_ref}",
    "verifica_contabile_body":
        "Gentile {name},\n\n"
        "da una verifica contabile di {creditor} risulta ancora aperta {invoice_line}"
        "l'importo di {amount} {currency}, scaduto il {due_date}.\n\n"
        "Se ha già provveduto al pagamento, la preghiamo di non tenere conto di questo messaggio "
        "o di farcelo sapere, così da allineare i nostri archivi.\n\n"
        "{page_line}"
        "{contacts}"
        "Cordiali saluti,\n{creditor}\n",
    "sollecito_subject": "{creditor}: sollecito di pagamento {invoice_ref}",
    "sollecito_body":
        "Gentile {name},\n\n"
        "nonostante le nostre precedenti comunicazioni, risulta ancora da pagare {invoice_line}"
        "l'importo di {amount} {currency}, scaduto il {due_date}.\n\n"
        "La invitiamo a provvedere al pagamento al più presto. Se lo ha già fatto, non tenga "
        "conto di questo sollecito.\n\n"
        "{page_line}"
        "{contacts}"
        "Cordiali saluti,\n{creditor}\n",
    "sollecito_oneri_subject": "{creditor}: sollecito di pagamento e oneri {invoice_ref}",
    "sollecito_oneri_body":
        "Gentile {name},\n\n"
        "risulta ancora da pagare {invoice_line}l'importo scaduto il {due_date}. Al ritardo "
        "si applicano gli oneri previsti:\n\n"
        "Capitale: {capital} {currency}\n"
        "Oneri fissi: {fee} {currency}\n"
        "Interessi di mora: {interest} {currency}\n"
        "Totale dovuto: {total} {currency}\n\n"
        "La invitiamo a provvedere al pagamento del totale al più presto. Se ha già pagato, non "
        "tenga conto di questo sollecito.\n\n"
        "{page_line}"
        "{contacts}"
        "Cordiali saluti,\n{creditor}\n",
    "contatto_sms": "{creditor} desidera parlare con lei. La preghiamo di richiamare il "
                    "{contact_phone}. Grazie. La sua pagina: {page_link}",
    "link_pagamento_sms": "{creditor}: ecco il link per pagare che ha chiesto: {payment_link}",
    "invoice_line": "la fattura {invoice}, per ",
    "invoice_ref": "(fattura {invoice})",
    "contacts_email": "Per qualsiasi chiarimento può scriverci a {contact_email}.\n\n",
    "contacts_phone": "Per qualsiasi chiarimento può chiamarci al {contact_phone}.\n\n",
    "contacts_both": "Per qualsiasi chiarimento può scriverci a {contact_email} o chiamarci al "
                     "{contact_phone}.\n\n",
    "page_line": "Può rispondere anche online, in modo riservato, sulla sua pagina personale: "
                 "{page_link}\n\n",
}

EN = {
    "verifica_contabile_subject": "{creditor}: account check {invoice_ref}",
    "verifica_contabile_body":
        "Dear {name},\n\n"
        "an account check by {creditor} shows {invoice_line}the amount of {amount} {currency}, "
        "due on {due_date}, as still open.\n\n"
        "If you have already paid, please disregard this message or let us know, so that we "
        "can bring our records up to date.\n\n"
        "{page_line}"
        "{contacts}"
        "Kind regards,\n{creditor}\n",
    "sollecito_subject": "{creditor}: payment reminder {invoice_ref}",
    "sollecito_body":
        "Dear {name},\n\n"
        "despite our previous messages, {invoice_line}the amount of {amount} {currency}, due on "
        "{due_date}, is still unpaid.\n\n"
        "Please pay it as soon as possible. If you have already done so, please disregard this "
        "reminder.\n\n"
        "{page_line}"
        "{contacts}"
        "Kind regards,\n{creditor}\n",
    "sollecito_oneri_subject": "{creditor}: payment reminder and late charges {invoice_ref}",
    "sollecito_oneri_body":
        "Dear {name},\n\n"
        "{invoice_line}the amount due on {due_date} is still unpaid. The late-payment charges "
        "now apply:\n\n"
        "Capital: {capital} {currency}\n"
        "Fixed charge: {fee} {currency}\n"
        "Late interest: {interest} {currency}\n"
        "Total due: {total} {currency}\n\n"
        "Please pay the total as soon as possible. If you have already paid, please disregard "
        "this reminder.\n\n"
        "{page_line}"
        "{contacts}"
        "Kind regards,\n{creditor}\n",
    "contatto_sms": "{creditor} would like to speak with you. Please call us back on "
                    "{contact_phone}. Thank you. Your page: {page_link}",
    "link_pagamento_sms": "{creditor}: here is the payment link you asked for: {payment_link}",
    "invoice_line": "invoice {invoice}, for ",
    "invoice_ref": "(invoice {invoice})",
    "contacts_email": "For any question, write to us at {contact_email}.\n\n",
    "contacts_phone": "For any question, call us on {contact_phone}.\n\n",
    "contacts_both": "For any question, write to us at {contact_email} or call us on "
                     "{contact_phone}.\n\n",
    "page_line": "You can also answer online, privately, on your personal page: "
                 "{page_link}\n\n",
}

TEXTS = {"it": IT, "en": EN}
LANGUAGES_OF = tuple(TEXTS)

# The slots a creditor may reword, and the fields each may name.
WRITTEN_FIELDS = ("creditor", "name", "amount", "currency", "due_date", "invoice",
                  "invoice_line", "invoice_ref", "contacts", "capital", "fee", "interest",
                  "total", "contact_email", "contact_phone", "page_link", "page_line")
# The link to the debtor's page names nothing of the debt: an SMS may carry it.
SMS_FIELDS = ("creditor", "contact_phone", "page_link")
# The payment link the debtor asked for on the phone (key 7): the creditor's own payment page.
MESSAGE_SLOTS = {**{f"{m}_{part}": WRITTEN_FIELDS for m in WRITTEN for part in ("subject", "body")},
                 "contatto_sms": SMS_FIELDS, "link_pagamento_sms": SMS_FIELDS + ("payment_link",)}


def contacts_line(language, contact_email, contact_phone):
    """The sentence telling the debtor how to reach the creditor; empty when it set neither."""
    texts = TEXTS[language]
    which = ("contacts_both" if contact_email and contact_phone else
             "contacts_email" if contact_email else "contacts_phone" if contact_phone else None)
    return texts[which].format(contact_email=contact_email, contact_phone=contact_phone) \
        if which else ""


def page_line(language, page_link):
    """The sentence giving the debtor's page's link; empty without a link."""
    return TEXTS[language]["page_line"].format(page_link=page_link) if page_link else ""


def with_page_link(template, separator="\n\n{page_line}"):
    """`template`, with the link to the debtor's page added at its end when the creditor's own
    wording leaves it out: every email and SMS carries it (SPEC §1.6)."""
    if "{page_line}" in template or "{page_link}" in template:
        return template
    return template.rstrip() + separator


def written_fields(language, fields):
    """`fields` with the pieces made from them: the invoice's line and reference, the contacts,
    the page's line."""
    texts = TEXTS[language]
    invoice = fields.get("invoice")
    return dict(fields, page_line=page_line(language, fields.get("page_link")),
                invoice_line=texts["invoice_line"].format(invoice=invoice) if invoice else "",
                invoice_ref=texts["invoice_ref"].format(invoice=invoice) if invoice else "",
                contacts=contacts_line(language, fields.get("contact_email"),
                                       fields.get("contact_phone")))


def render_written(message, language, fields, overrides=None):
    """(subject, plain text, HTML) of a written `message` in `language`, in the creditor's own
    wording where it has one. `fields`: creditor, name, amount, currency, due_date, invoice,
    contact_email, contact_phone, page_link, and for the charges capital, fee, interest, total."""
    if message not in WRITTEN:
        raise ValueError(f"no written message {message!r}; they are: {', '.join(WRITTEN)}")
    values = written_fields(language, fields)
    subject = _template(f"{message}_subject", language, overrides).format(**values)
    body_template = with_page_link(_template(f"{message}_body", language, overrides))
    return " ".join(subject.split()), body_template.format(**values), \
        html_of(body_template, values)


def render_sms(message, language, fields, overrides=None):
    """The text of the SMS `message`: only the creditor's name and phone, and the link to the
    debtor's page, are given to it."""
    if message not in SMS:
        raise ValueError(f"no SMS {message!r}; they are: {', '.join(SMS)}")
    allowed = {name: fields.get(name) or "" for name in MESSAGE_SLOTS[f"{message}_sms"]}
    template = _template(f"{message}_sms", language, overrides)
    if fields.get("page_link"):
        template = with_page_link(template, " {page_link}")
    return " ".join(template.format(**allowed).split())


def _template(slot, language, overrides):
    return (overrides or {}).get(slot) or TEXTS[language][slot]


HTML_PAGE = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{body}\n'
             '</body></html>\n')


def html_of(template, values):
    """`template` filled with `values` as HTML: the text and every value escaped, paragraphs on
    blank lines, line breaks kept."""
    text = "".join(escape(literal) + (escape(str(format(values[name], spec)))
                                      if name is not None else "")
                   for literal, name, spec, _ in Formatter().parse(template))
    link = values.get("page_link")
    if link:   # the page's link, wherever the wording puts it, is a link one can follow
        shown = escape(link)
        text = text.replace(shown, f'<a href="{shown}">{shown}</a>')
    paragraphs = [p.strip("\n") for p in text.split("\n\n") if p.strip()]
    body = "\n".join("<p>" + p.replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    return HTML_PAGE.format(body=body)
