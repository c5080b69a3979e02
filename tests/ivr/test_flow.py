"""The call state machine, as plain data: no Flask, no database."""
import pytest

from ivr import flow
from ivr.flow import Caller, State

CONFIRM = Caller("confirm")
CODE = Caller("code", verification_code="4321")


def test_a_person_is_greeted_and_asked_to_identify_before_anything_else():
    reply = flow.answer(CONFIRM, answered_by="human")
    assert reply.prompts == ("greeting_confirm",)
    assert reply.gather.state.step == "identify"
    assert not reply.identified


@pytest.mark.parametrize("answered_by", ["machine_start", "machine_end_beep", "fax"])
def test_a_machine_hears_nothing_about_the_debt_and_the_call_counts_as_unanswered(answered_by):
    reply = flow.answer(CONFIRM, answered_by=answered_by)
    assert reply.gather is None
    assert not reply.identified
    assert reply.outcome is None
    assert reply.ended_without_outcome == "machine"
    assert "notice" not in reply.prompts


def test_pressing_1_identifies_and_plays_the_notice_then_the_menu():
    reply = flow.identify(CONFIRM, State(), "1")
    assert reply.identified_now and reply.identified
    assert reply.prompts == ("notice", "menu")
    assert reply.gather.state.step == "menu"


def test_a_position_without_invoice_hears_the_notice_without_it():
    reply = flow.identify(Caller("confirm", has_invoice=False), State(), "1")
    assert reply.prompts == ("notice_no_invoice", "menu")


@pytest.mark.parametrize("key,outcome", [("2", "wrong_person"), ("3", "callback_requested"),
                                         ("8", "opted_out")])
def test_menu_keys_mean_the_same_at_identification(key, outcome):
    reply = flow.identify(CONFIRM, State(), key)
    assert reply.outcome == outcome
    assert reply.gather is None and not reply.identified


def test_silence_at_identification_asks_again_once_then_ends_politely():
    first = flow.identify(CONFIRM, State(), "")
    assert first.prompts == ("no_input", "greeting_confirm")
    second = flow.identify(CONFIRM, first.gather.state, None)
    assert second.gather is None and second.outcome is None
    assert second.ended_without_outcome == "not_identified"


def test_a_wrong_key_then_silence_ends_without_outcome():
    first = flow.identify(CONFIRM, State(), "7")
    assert first.prompts[0] == "invalid_choice"
    assert flow.identify(CONFIRM, first.gather.state, "").ended_without_outcome == "not_identified"


def test_the_right_code_identifies():
    reply = flow.identify(CODE, State(), "4321")
    assert reply.identified_now and reply.prompts[0] == "notice"


def test_the_code_greeting_waits_for_the_hash_key():
    reply = flow.answer(CODE)
    assert reply.prompts == ("greeting_code",) and reply.gather.finish_on_key


def test_a_wrong_code_twice_is_identity_failed():
    first = flow.identify(CODE, State(), "1111")
    assert first.prompts == ("code_wrong", "greeting_code")
    second = flow.identify(CODE, first.gather.state, "2222")
    assert second.outcome == "identity_failed" and not second.identified


def test_a_wrong_code_then_silence_is_not_identity_failed():
    first = flow.identify(CODE, State(), "1111")
    second = flow.identify(CODE, first.gather.state, "")
    assert second.outcome is None and second.ended_without_outcome == "not_identified"


def test_pressing_1_does_not_identify_when_a_code_is_required():
    reply = flow.identify(CODE, State(), "1")
    assert not reply.identified and reply.gather.state.step == "identify"


@pytest.mark.parametrize("key,outcome", [("1", "confirmed"), ("2", "wrong_person"),
                                         ("3", "callback_requested"), ("8", "opted_out")])
def test_menu_keys_give_their_outcome(key, outcome):
    reply = flow.menu(CONFIRM, State(step="menu", turn=2), key)
    assert reply.outcome == outcome and reply.gather is None


def test_9_repeats_the_notice():
    reply = flow.menu(CONFIRM, State(step="menu", turn=2), "9")
    assert reply.prompts == ("notice", "menu") and reply.gather.state.turn == 3


def test_unknown_keys_reprompt_and_then_give_up():
    state = State(step="menu", turn=2)
    for _ in range(flow.MAX_MENU_INVALID - 1):
        reply = flow.menu(CONFIRM, state, "5")
        assert reply.prompts == ("invalid_choice", "menu")
        state = reply.gather.state
    assert flow.menu(CONFIRM, state, "5").ended_without_outcome == "invalid_keys"


def test_silence_at_the_menu_reprompts_once_then_ends():
    first = flow.menu(CONFIRM, State(step="menu", turn=2), "")
    assert first.prompts == ("no_input", "menu")
    second = flow.menu(CONFIRM, first.gather.state, "")
    assert second.gather is None and second.outcome is None
    assert second.ended_without_outcome == "silence"


def test_every_turn_moves_to_a_new_url_so_replays_are_recognisable():
    reply = flow.identify(CONFIRM, State(turn=4), "")
    assert reply.gather.state.turn == 5


def test_state_round_trips_through_the_query_and_ignores_garbage():
    state = State(step="menu", turn=3, silent=1, invalid=2, wrong=0)
    assert State.from_query("menu", {k: str(v) for k, v in state.query().items()}) == state
    assert State.from_query("identify", {"turn": "x", "silent": "-4"}) == State()
