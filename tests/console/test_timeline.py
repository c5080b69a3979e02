"""The timeline says each event of the courtesy phase in Italian words."""
from types import SimpleNamespace

import pytest

from console.timeline import describe


@pytest.fixture(autouse=True)
def console_request(app):
    """The words come from the console's catalogue, read in a console request's locale."""
    with app.test_request_context("/"):
        yield


def said(event_kind, **detail):
    return describe(SimpleNamespace(kind=event_kind, detail=detail))


def test_a_step_names_its_number_channel_and_message():
    assert said("step", step=2, day=9, channel="email", message="sollecito", mail_id=7) == (
        "Passo 3 del piano: email «sollecito»", "")
    assert said("step", step=1, day=2, channel="call", round=1) == (
        "Passo 2 del piano: chiamata", "giro di chiamate 1")


def test_a_skipped_or_postponed_step_says_why():
    assert said("step_skipped", step=1, day=2, channel="call", reason="number_barred") == (
        "Passo saltato: numero bloccato", "passo 2 del piano: chiamata")
    assert said("step_postponed", step=3, day=11, channel="call",
                reason="call_round_under_way")[0] == (
        "Passo rinviato: il giro di chiamate precedente è ancora in corso")
    assert said("step_skipped", step=4, channel="email_or_pec", message="sollecito_oneri",
                reason="no_email")[1] == "passo 5 del piano: email o PEC «sollecito e oneri»"


def test_a_status_change_reads_from_and_to_with_the_reason():
    assert said("status", to="paid", reason="paid in full", **{"from": "open"}) == (
        "Stato: aperta → pagata", "pagata per intero")
    assert said("status", to="ended", reason="phase over (working day 30)",
                **{"from": "promised"}) == (
        "Stato: promessa → terminata", "fase conclusa (giorno lavorativo 30)")


def test_a_pause_says_until_when():
    assert said("status", to="promised", reason="promised", until="2026-12-12T00:00:00+01:00",
                promise_date="2026-12-09", **{"from": "open"}) == (
        "Stato: aperta → promessa", "il debitore promette di pagare, fino al 11/12/2026 compreso")


def test_a_calls_status_callback_keeps_its_own_label():
    assert said("status", status="completed", duration="35", answered_by="machine_start",
                sequence=3, timestamp="Mon, 30 Nov 2026 22:35:44 +0000") == (
        "Stato della chiamata", "stato: conclusa · durata: 35 s · ha risposto: "
                                "segreteria telefonica")


def test_a_payment_reads_its_amount_date_and_what_is_left():
    label, detail = said("payment", amount_paid="1000.00", paid_on="2026-11-20",
                         amount_due="234.56")
    assert label == "Pagamento registrato: 1.000,00\xa0€ il 20/11/2026"
    assert detail == "resta da pagare 234,56\xa0€"


@pytest.mark.parametrize("kind, label", [
    ("promise_broken", "Promessa di pagamento non mantenuta"),
    ("verify_lapsed", "Pagamento dichiarato non confermato in tempo"),
    ("pec_sent", "PEC inviata"), ("sms_sent", "SMS inviato"),
    ("pec_delivered", "PEC consegnata"), ("pec_not_delivered", "PEC non consegnata"),
    ("sms_delivered", "SMS consegnato"), ("sms_undelivered", "SMS non consegnato"),
])
def test_every_new_event_has_an_italian_label(kind, label):
    assert said(kind)[0] == label


def test_a_queued_message_names_its_channel_and_kind():
    assert said("message_queued", mail_id=3, channel="pec", kind="sollecito_oneri")[0] == (
        "PEC in coda: «sollecito e oneri»")
