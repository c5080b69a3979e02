"""The written messages and the SMS: every language, the creditor's wording, escaped HTML."""
import re

import pytest

from prompts.messages import LANGUAGES_OF, SMS, TEXTS, WRITTEN, render_sms, render_written
from prompts.templates import OverrideError, check_override

FIELDS = dict(creditor="Acme Energia", name="Mario <b>Rossi</b> & figli", amount="1.234,56",
              currency="EUR", due_date="15/10/2026", invoice="FT-2026/118",
              contact_email="crediti@acme.test", contact_phone="+39 02 1234 5678",
              capital="1.234,56", fee="40,00", interest="21,31", total="1.295,87")


@pytest.mark.parametrize("language", LANGUAGES_OF)
@pytest.mark.parametrize("message", WRITTEN)
def test_every_written_message_names_the_creditor_its_contacts_and_the_debt(message, language):
    subject, text, html = render_written(message, language, FIELDS)
    assert "Acme Energia" in subject and "FT-2026/118" in subject
    for value in ("Acme Energia", "Mario <b>Rossi</b> & figli", "15/10/2026", "FT-2026/118",
                  "crediti@acme.test", "+39 02 1234 5678"):
        assert value in text
    amounts = ("1.234,56", "40,00", "21,31", "1.295,87") if message == "sollecito_oneri" \
        else ("1.234,56",)
    for amount in amounts:
        assert amount in text and amount in html
    assert "{" not in text + subject


def test_the_charges_message_states_capital_charges_and_total_on_lines_of_their_own():
    _, text, _ = render_written("sollecito_oneri", "it", FIELDS)
    lines = text.splitlines()
    assert "Capitale: 1.234,56 EUR" in lines and "Oneri fissi: 40,00 EUR" in lines
    assert "Interessi di mora: 21,31 EUR" in lines and "Totale dovuto: 1.295,87 EUR" in lines


@pytest.mark.parametrize("message", WRITTEN)
def test_the_html_escapes_the_debtors_name_and_keeps_the_paragraphs(message):
    _, _, html = render_written(message, "it", FIELDS)
    assert "Mario &lt;b&gt;Rossi&lt;/b&gt; &amp; figli" in html
    assert "<b>" not in html
    assert html.count("<p>") >= 4 and html.count("<p>") == html.count("</p>")


def test_a_creditors_wording_is_escaped_in_the_html_too():
    overrides = {"sollecito_body": "Caro {name},\n\n<script>x()</script> paghi {amount}."}
    _, text, html = render_written("sollecito", "it", FIELDS, overrides)
    assert text.startswith("Caro Mario <b>Rossi</b>") and "<script>" in text
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_without_an_invoice_or_contacts_no_empty_words_remain():
    fields = dict(FIELDS, invoice=None, contact_email=None, contact_phone=None)
    subject, text, _ = render_written("verifica_contabile", "it", fields)
    assert subject == "Acme Energia: verifica contabile"
    assert "fattura" not in text and "chiarimento" not in text and "None" not in text


@pytest.mark.parametrize("language", LANGUAGES_OF)
def test_the_sms_names_the_creditor_and_its_phone_and_nothing_of_the_debt(language):
    text = render_sms("contatto", language, FIELDS)
    assert "Acme Energia" in text and "+39 02 1234 5678" in text
    for field in ("amount", "due_date", "invoice", "name", "capital", "total", "fee", "interest",
                  "contact_email"):
        assert FIELDS[field] not in text, field
    assert not re.search(r"debit|debt|pagament|payment|fattur|invoice|import|amount|scad|due|"
                         r"€|EUR", text, re.IGNORECASE)


def test_an_sms_wording_naming_the_debt_is_refused():
    with pytest.raises(OverrideError, match="unknown field"):
        check_override("contatto_sms", "it", "{creditor}: devi {amount}")
    assert check_override("contatto_sms", "it", "{creditor} la cerca: {contact_phone}")
    assert "{amount}" not in render_sms("contatto", "it", FIELDS,
                                        {"contatto_sms": "{creditor} la cerca"})


def test_a_written_wording_may_name_the_charges_and_keeps_its_lines():
    text = check_override("sollecito_oneri_body", "en", "Dear {name},\\n\\nTotal {total}")
    assert text == "Dear {name},\n\nTotal {total}"
    with pytest.raises(OverrideError, match="unknown field"):
        check_override("sollecito_subject", "it", "Paga su {iban}")


def test_every_message_exists_in_every_language():
    for language in LANGUAGES_OF:
        assert all(f"{m}_subject" in TEXTS[language] and f"{m}_body" in TEXTS[language]
                   for m in WRITTEN)
        assert all(f"{m}_sms" in TEXTS[language] for m in SMS)
