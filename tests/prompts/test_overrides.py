"""A creditor's own wording: checked before it can be heard, then heard instead of the template."""
import pytest
from sqlalchemy import select

from db.models import OutgoingMail, utcnow
from ivr.outcomes import close_position
from prompts.templates import OverrideError, check_override, render, segments
from tests.audio.test_playback import verbs
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post


def test_a_wording_with_known_fields_is_kept_with_its_spaces_tidied():
    text = check_override("greeting_confirm", "it", "  Salve {name},   qui {creditor}. Prema 1. ")
    assert text == "Salve {name}, qui {creditor}. Prema 1."


@pytest.mark.parametrize("slot, text, reason", [
    ("greeting_confirm", "Salve {name}, le ricordiamo {amount}.", "cannot name {amount}"),
    ("goodbye_callback", "Fattura {invoice}: la richiameremo.", "cannot name {invoice}"),
    ("greeting_confirm", "Salve {nome}.", "unknown field {nome}"),
    ("greeting_confirm", "Salve {name.", "unbalanced braces"),
    ("saluto", "Salve.", "no prompt slot 'saluto'"),
    ("menu", "   ", "empty"),
])
def test_a_wording_that_could_not_be_used_is_refused_with_the_reason(slot, text, reason):
    with pytest.raises(OverrideError, match=reason.replace("{", r"\{").replace("}", r"\}")):
        check_override(slot, "it", text)


def test_the_notice_may_name_the_debt():
    assert check_override("notice", "it", "Importo {amount}, fattura {invoice}.")


def test_an_override_is_cut_into_pieces_like_a_template():
    overrides = {"notice": "Resta da pagare {amount}. Grazie."}
    pieces = segments("notice", "it", {"amount": "dieci euro"}, overrides)
    assert [(p.key, p.text) for p in pieces] == [
        ("notice.1", "Resta da pagare "), (None, "dieci euro"), ("notice.2", ". Grazie.")]
    assert render("notice", "it", {"amount": "dieci euro"}, overrides) == \
        "Resta da pagare dieci euro. Grazie."


def test_the_call_says_the_creditors_wording(morning_calls, runner, client, session):
    creditor = make_creditor(session, name="Acme")
    attempt = make_attempt(session, make_position(session, creditor))
    result = runner.invoke(args=["prompt", "text", "greeting_confirm", "--creditor", "Acme",
                                 "Salve, la chiama {creditor} per {name}: se è lei prema 1, "
                                 "altrimenti 2."])
    assert result.exit_code == 0, result.output
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    assert verbs(answer) == [("Say", "Salve, la chiama Acme per Mario Rossi: se è lei prema 1, "
                                     "altrimenti 2.")]
    shown = runner.invoke(args=["prompt", "text", "greeting_confirm", "--creditor", "Acme"])
    assert shown.output.startswith("Salve, la chiama {creditor}")
    reset = runner.invoke(args=["prompt", "text", "greeting_confirm", "--creditor", "Acme",
                                "--reset"])
    assert reset.exit_code == 0 and "back to the template" in reset.output
    again = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": "CA1"})
    assert verbs(again)[0][1].startswith("Buongiorno, questo è un messaggio di Acme")


def test_the_cli_refuses_a_greeting_that_names_the_debt(runner, session):
    make_creditor(session, name="Acme")
    result = runner.invoke(args=["prompt", "text", "greeting_confirm", "--creditor", "Acme",
                                 "{name}, deve {amount}."])
    assert result.exit_code == 1 and "cannot name {amount}" in result.output


def test_the_emailed_notice_is_sent_in_the_creditors_wording(runner, session):
    creditor = make_creditor(session, name="Acme")
    position = make_position(session, creditor)
    for slot, text in (("email_subject", "Acme: promemoria per {name}"),
                       ("email_body", "Gentile {name},\\nrestano {amount} {currency}.\\nAcme")):
        result = runner.invoke(args=["prompt", "text", slot, text, "--creditor", "Acme"])
        assert result.exit_code == 0, result.output
    close_position(session, position, "wrong_person", "test", utcnow())
    session.commit()
    mail = session.scalar(select(OutgoingMail))
    assert mail.subject == "Acme: promemoria per Mario Rossi"
    body, link = mail.body.split("\n\n", 1)
    assert body == "Gentile Mario Rossi,\nrestano 1.234,56 EUR.\nAcme"
    # The wording leaves out the debtor's page: its line is added after it all the same.
    assert link.startswith("Può rispondere anche online") and "/p/" in link


def test_the_email_may_name_the_debt_but_not_unknown_fields():
    assert check_override("email_body", "it", "Dovete {amount} per {invoice}.")
    with pytest.raises(OverrideError, match="unknown field"):
        check_override("email_subject", "it", "Per {iban}")
