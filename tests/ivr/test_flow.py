"""The call state machine, as plain data: no Flask, no database."""
from datetime import date

import pytest

from ivr import flow
from ivr.flow import Caller, State
from prompts import DISCLOSING_SLOTS

CONFIRM = Caller("confirm")
CODE = Caller("code", verification_code="4321")
TODAY = date(2026, 12, 1)
DEBTOR = Caller("confirm", today=TODAY)
TEXTABLE = Caller("confirm", today=TODAY, can_text_link=True)
MENU = State(step="menu", turn=2)


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
        reply = flow.menu(CONFIRM, state, "*")
        assert reply.prompts == ("invalid_choice", "menu")
        state = reply.gather.state
    assert flow.menu(CONFIRM, state, "*").ended_without_outcome == "invalid_keys"


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


# --- keys 4 to 7, and 0 for the other options (SPEC §1.3) ------------------------------------

def test_4_declares_the_invoice_paid_and_ends_the_call():
    reply = flow.menu(DEBTOR, MENU, "4")
    assert reply.outcome == "declared_paid" and reply.gather is None and reply.identified
    assert reply.prompts == ("goodbye_declared_paid",)


def test_5_asks_for_the_date_as_four_keys_reads_it_back_and_1_makes_it_the_promise():
    ask = flow.menu(DEBTOR, MENU, "5")
    assert ask.prompts == ("promise_ask",) and ask.outcome is None
    assert ask.gather.state.step == "promise" and ask.gather.digits == 4
    read_back = flow.promise(DEBTOR, ask.gather.state, "1512")
    assert read_back.promise_date == date(2026, 12, 15) and read_back.outcome is None
    assert read_back.prompts == ("promise_read_back",)
    state = read_back.gather.state
    assert (state.step, state.promise) == ("promise_check", "1512")
    # the date travels in the URL, like the rest of the state
    assert State.from_query("promise_check", {k: str(v) for k, v in state.query().items()}) == state
    done = flow.promise_check(DEBTOR, state, "1")
    assert done.outcome == "promised" and done.promise_date == date(2026, 12, 15)
    assert done.gather is None and done.prompts == ("goodbye_promised",)


def test_a_date_read_back_can_be_keyed_again_with_2():
    read_back = flow.promise(DEBTOR, flow.menu(DEBTOR, MENU, "5").gather.state, "1512")
    again = flow.promise_check(DEBTOR, read_back.gather.state, "2")
    assert again.prompts == ("promise_ask",) and again.gather.state.step == "promise"
    assert again.outcome is None and again.gather.state.promise == ""


@pytest.mark.parametrize("keys", ["3102", "3011", "0102", "1599", "12", "abcd"])
def test_an_impossible_past_or_far_date_is_refused_politely_and_asked_once_more(keys):
    state = flow.menu(DEBTOR, MENU, "5").gather.state
    first = flow.promise(DEBTOR, state, keys)
    assert first.prompts == ("promise_refused", "promise_ask") and first.outcome is None
    assert first.gather.state.step == "promise"
    second = flow.promise(DEBTOR, first.gather.state, keys)
    assert second.prompts == ("promise_refused", "menu") and second.gather.state.step == "menu"
    assert second.outcome is None


@pytest.mark.parametrize("keys, day", [("0112", date(2026, 12, 1)),    # today itself
                                       ("3001", date(2027, 1, 30)),    # into next year
                                       ("2901", date(2027, 1, 29))])
def test_a_date_from_today_to_sixty_days_ahead_is_taken_across_the_new_year(keys, day):
    assert flow.promised_day(keys, TODAY) == day


def test_29_february_exists_only_in_a_leap_year():
    assert flow.promised_day("2902", date(2028, 1, 10)) == date(2028, 2, 29)
    assert flow.promised_day("2902", date(2027, 1, 10)) is None


def test_6_takes_a_spoken_message_and_records_the_dispute():
    reply = flow.menu(DEBTOR, MENU, "6")
    assert reply.outcome == "disputed" and reply.record
    assert reply.prompts == ("dispute_record",) and reply.gather.state.step == "recorded"
    assert flow.after_recording().prompts == ("goodbye_disputed",)


def test_7_texts_the_payment_link_and_returns_to_the_menu_only_where_it_is_offered():
    reply = flow.menu(TEXTABLE, MENU, "7")
    assert reply.send_payment_link and reply.outcome is None
    assert reply.prompts == ("payment_link_sent", "menu") and reply.gather.state.step == "menu"
    refused = flow.menu(DEBTOR, MENU, "7")
    assert not refused.send_payment_link and refused.prompts == ("invalid_choice", "menu")


def test_0_names_the_other_options_and_7_only_where_it_is_offered():
    assert flow.menu(DEBTOR, MENU, "0").prompts == ("menu_more",)
    assert flow.menu(TEXTABLE, MENU, "0").prompts == ("menu_more_link",)
    assert flow.menu(DEBTOR, MENU, "0").gather.state.step == "menu"


@pytest.mark.parametrize("key", ["4", "5", "6", "7", "0"])
def test_the_keys_about_the_debt_mean_nothing_before_identification(key):
    reply = flow.identify(TEXTABLE, State(), key)
    assert reply.outcome is None and not reply.identified and not reply.send_payment_link
    assert reply.prompts == ("invalid_choice", "greeting_confirm")


@pytest.mark.parametrize("key, outcome", [("4", "declared_paid"), ("8", "opted_out")])
def test_at_the_read_back_every_other_key_means_what_it_means_at_the_menu(key, outcome):
    read_back = flow.promise(DEBTOR, flow.menu(DEBTOR, MENU, "5").gather.state, "1512")
    assert flow.promise_check(DEBTOR, read_back.gather.state, key).outcome == outcome


def test_every_menu_names_at_most_five_choices():
    from prompts.templates import TEMPLATES
    for texts in TEMPLATES.values():
        for slot in ("menu", "menu_more", "menu_more_link"):
            assert 1 <= texts[slot].count("prem") + texts[slot].count("press") <= 5


# A call-back with more of the caller's positions to tell (SPEC §1.6).

@pytest.mark.parametrize("step, state, keys", [
    ("menu", MENU, "1"), ("menu", MENU, "3"), ("menu", MENU, "4"),
    ("promise_check", State(step="promise_check", turn=4, promise="1512"), "1")])
def test_an_answer_about_the_position_lets_a_call_back_go_on(step, state, keys):
    reply = flow.STEPS[step](DEBTOR, state, keys)
    assert flow.goes_on(reply)
    going_on = flow.then_next(reply)
    assert going_on.go_on and going_on.prompts[-1] == "answer_noted"
    assert (going_on.outcome, going_on.promise_date) == (reply.outcome, reply.promise_date)


def test_the_end_of_a_spoken_message_lets_a_call_back_go_on():
    assert flow.goes_on(flow.after_recording())


@pytest.mark.parametrize("reply", [
    flow.menu(DEBTOR, MENU, "2"),                                  # wrong person
    flow.menu(DEBTOR, MENU, "8"),                                  # opt-out
    flow.menu(DEBTOR, MENU, "5"),                                  # still keying a date
    flow.menu(DEBTOR, State(step="menu", turn=3, silent=1), ""),   # silence
    flow.identify(CODE, State(wrong=1), "9999"),                   # identity failed
    flow.identify(CONFIRM, State(), "3"),                          # unidentified: call me back
], ids=["wrong_person", "opted_out", "promise_under_way", "silence", "identity_failed",
        "unidentified"])
def test_a_call_back_stops_at_a_wrong_person_an_opt_out_or_no_answer(reply):
    assert not flow.goes_on(reply)


def test_the_next_position_is_announced_then_asks_its_own_identification():
    reply = flow.next_position(CODE, known_codes=frozenset({"1234"}))
    assert reply.prompts == ("another_position", "greeting_code")
    assert reply.gather.state.step == "identify" and not reply.identified
    confirm = flow.next_position(CONFIRM, known_codes=frozenset({"4321"}))
    assert confirm.prompts == ("another_position", "greeting_confirm") and not confirm.identified


def test_the_same_code_keyed_already_goes_straight_to_the_next_notice():
    reply = flow.next_position(CODE, known_codes=frozenset({"4321"}))
    assert reply.prompts == ("another_position_same_code", "notice", "menu")
    assert reply.identified and reply.identified_now and reply.gather.state.step == "menu"


# A creditor that requires code identification (domain.identification): a position with a code
# identifies by it alone, one without is `withheld` and never hears the notice.
WITHHELD = Caller("withheld", today=TODAY)
WRITABLE = Caller("withheld", today=TODAY, can_write=True)


def _every_reply_of_a_withheld_call(caller, keys):
    """The replies of a withheld call answered and keyed `keys` (one key a turn)."""
    replies = [flow.answer(caller, answered_by="human")]
    for key in keys:
        if replies[-1].gather is None:
            break
        replies.append(flow.identify(caller, replies[-1].gather.state, key))
    return replies


def test_a_withheld_call_says_who_is_calling_and_offers_only_the_callback_and_opt_out_keys():
    reply = flow.answer(WITHHELD, answered_by="human")
    assert reply.prompts == ("greeting_withheld", "withheld_menu")
    assert reply.gather.state.step == "identify" and not reply.gather.finish_on_key
    assert not reply.identified


@pytest.mark.parametrize("keys", [("1", "1"), ("1", "9", "1"), ("9", "1"), ("1", ""), ("5",),
                                  ("4", "6"), ("7", "0"), ("",  ""), ("1234#", "1")])
def test_a_withheld_call_never_identifies_nor_tells_the_notice_whatever_is_keyed(keys):
    for caller in (WITHHELD, WRITABLE):
        for reply in _every_reply_of_a_withheld_call(caller, keys):
            assert not reply.identified and not reply.identified_now
            assert not set(reply.prompts) & DISCLOSING_SLOTS
            assert reply.gather is None or reply.gather.state.step == "identify"


@pytest.mark.parametrize("key,outcome,goodbye", [
    ("3", "callback_requested", "goodbye_callback"), ("8", "opted_out", "goodbye_opted_out"),
    ("2", "wrong_person", "goodbye_wrong_person")])
def test_a_withheld_call_takes_the_callback_opt_out_and_wrong_person_keys(key, outcome, goodbye):
    reply = flow.identify(WITHHELD, State(), key)
    assert reply.outcome == outcome and reply.prompts == (goodbye,)
    assert reply.gather is None and not reply.identified


def test_saying_it_is_me_on_a_withheld_call_hears_that_the_notice_comes_in_writing():
    reply = flow.identify(WRITABLE, State(), "1")
    assert reply.prompts == ("withheld_in_writing", "withheld_menu")
    assert reply.write_notice and not reply.identified and reply.outcome is None


def test_saying_it_is_me_without_an_address_hears_that_an_operator_can_tell():
    reply = flow.identify(WITHHELD, State(), "1")
    assert reply.prompts == ("withheld_ask_operator", "withheld_menu")
    assert not reply.write_notice


def test_a_withheld_call_ends_politely_after_two_misses_with_nothing_definite():
    first = flow.identify(WITHHELD, State(), "")
    assert first.prompts == ("no_input", "withheld_menu")
    second = flow.identify(WITHHELD, first.gather.state, "1")
    assert second.gather is None and second.outcome is None
    assert second.prompts == ("withheld_ask_operator", "goodbye_withheld")
    assert second.ended_without_outcome == "withheld"


def test_a_withheld_call_repeats_its_greeting_on_9():
    reply = flow.identify(WITHHELD, State(), "9")
    assert reply.prompts == ("greeting_withheld", "withheld_menu")
    assert reply.gather.state.turn == 2


def test_with_a_code_required_pressing_1_does_not_identify():
    reply = flow.identify(CODE, State(), "1")
    assert not reply.identified and reply.prompts == ("invalid_choice", "greeting_code")


def test_a_call_back_going_on_to_a_withheld_position_asks_nothing_of_it_but_offers_the_keys():
    reply = flow.next_position(WITHHELD, known_codes=frozenset({"4321"}))
    assert reply.prompts == ("another_position", "greeting_withheld", "withheld_menu")
    assert not reply.identified
