"""Events in readable words: what happened and its particulars, Italian or English."""
from reports.words import describe, is_status_change


def test_a_status_change_is_told_apart_from_a_calls_status():
    assert is_status_change("status", {"from": "open", "to": "paid"})
    assert not is_status_change("status", {"status": "completed"})
    assert describe("status", {"status": "completed", "duration": "42"}) == (
        "stato della chiamata", "completed; 42 s")


def test_a_skipped_step_says_its_channel_message_day_and_reason():
    assert describe("step_skipped", {"step": 4, "day": 18, "channel": "email_or_pec",
                                     "message": "sollecito_oneri", "reason": "no_address"}) == (
        "passo saltato", "email o PEC sollecito e oneri; giorno 18; motivo: no_address")
    assert describe("step", {"step": 1, "day": 2, "channel": "call", "round": 2}, "en") == (
        "playbook step", "call; day 2; round 2")


def test_an_unknown_kind_reads_as_its_name_with_its_facts_but_no_internal_ids():
    assert describe("pec_receipt_odd", {"mail_id": 3, "note": "x", "empty": ""}) == (
        "pec receipt odd", "note: x")
