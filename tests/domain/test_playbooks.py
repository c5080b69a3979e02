"""Playbooks (domain/playbooks.py): the built-in ones, the text format, working days."""
from datetime import date

import pytest

from domain.playbooks import (
    BUILT_IN, CALL, CORTESIA_30, EMAIL, EMAIL_OR_PEC, PRIMO_SOLLECITO, Playbook, PlaybookError,
    Step, add_working_days, next_step_on, parse_playbook, playbook_of, steps_due,
)


def test_cortesia_30_is_the_sequence_of_the_courtesy_call_practice():
    playbook = BUILT_IN[CORTESIA_30]
    assert [(s.day, s.channel, s.message) for s in playbook.steps] == [
        (0, EMAIL, "verifica_contabile"), (2, CALL, None), (9, EMAIL, "sollecito"),
        (11, CALL, None), (18, EMAIL_OR_PEC, "sollecito_oneri"), (20, CALL, None),
        (25, CALL, None)]
    assert playbook.end_day == 30 and not playbook.opens_with_call


def test_primo_sollecito_is_one_call_round_from_the_start_without_an_end_day():
    playbook = BUILT_IN[PRIMO_SOLLECITO]
    assert playbook.steps == (Step(0, CALL),) and playbook.end_day is None
    assert playbook.opens_with_call


def test_a_written_playbook_reads_back_as_the_same_text():
    text = BUILT_IN[CORTESIA_30].text()
    assert parse_playbook(text, CORTESIA_30) == BUILT_IN[CORTESIA_30]


def test_comments_blank_lines_and_case_are_forgiven():
    playbook = parse_playbook("# my own\n\n0 EMAIL Sollecito   # first\n3 call\n5 sms\n10 end\n")
    assert playbook.steps == (Step(0, EMAIL, "sollecito"), Step(3, CALL), Step(5, "sms", "contatto"))
    assert playbook.end_day == 10


@pytest.mark.parametrize("text, line, words", [
    ("0 call\nx email sollecito\n", 2, "'x' is not a day"),
    ("0 call\n2 fax\n", 2, "'fax' is not a channel"),
    ("0 email\n", 1, "needs a message"),
    ("0 email promemoria\n", 1, "needs a message"),
    ("0 call now\n", 1, "takes no message"),
    ("5 call\n2 call\n", 2, "comes before day 5"),
    ("0 call\n30 end\n31 call\n", 3, "nothing may follow"),
    ("0 sms sollecito\n", 1, "not an SMS message"),
    ("0 email sollecito extra words\n", 1, "too many words"),
    ("0\n", 1, "has no channel"),
    ("400 call\n", 1, "between 0 and 366"),
])
def test_a_bad_line_is_refused_naming_its_number(text, line, words):
    with pytest.raises(PlaybookError) as refused:
        parse_playbook(text)
    assert refused.value.line == line
    assert str(refused.value).startswith(f"line {line}: ") and words in str(refused.value)


def test_a_playbook_without_steps_is_refused():
    with pytest.raises(PlaybookError, match="no step"):
        parse_playbook("# nothing\n30 end\n")


def test_an_unknown_name_falls_back_to_the_default_and_custom_reads_its_text():
    assert playbook_of("nonsense") == BUILT_IN[PRIMO_SOLLECITO]
    assert playbook_of("custom", "0 call\n4 email sollecito\n").steps[1] == Step(4, EMAIL, "sollecito")


def test_working_days_skip_weekends_and_national_holidays():
    friday = date(2026, 12, 4)
    # Saturday 5 and Sunday 6 are not working days; Tuesday 8 is the Immacolata.
    assert add_working_days(friday, 1, "IT") == date(2026, 12, 7)
    assert add_working_days(friday, 2, "IT") == date(2026, 12, 9)
    assert add_working_days(friday, 0, "IT") == friday


def test_christmas_week_moves_a_step_past_both_holidays():
    # 24 Dec is a Thursday; 25 and 26 are holidays; 27 a Sunday.
    assert add_working_days(date(2026, 12, 24), 1, "IT") == date(2026, 12, 28)


def test_steps_of_one_day_run_together_and_the_next_day_waits():
    playbook = Playbook("x", (Step(0, EMAIL, "sollecito"), Step(0, "sms", "contatto"),
                              Step(2, CALL)))
    assert steps_due(playbook, 0) == playbook.steps[:2]
    assert steps_due(playbook, 2) == (Step(2, CALL),)
    assert steps_due(playbook, 3) == ()


def test_an_overdue_step_comes_the_day_after_the_step_before_it():
    playbook = BUILT_IN[CORTESIA_30]
    start = date(2026, 12, 1)   # a Tuesday
    assert next_step_on(playbook, 1, start, None, "IT") == date(2026, 12, 3)
    # The phase caught up late (a pause ran out on the 21st): day 9's email is due the day after.
    assert next_step_on(playbook, 2, start, date(2026, 12, 21), "IT") == date(2026, 12, 22)
    assert next_step_on(playbook, 7, start, None, "IT") == add_working_days(start, 30, "IT")
    assert next_step_on(BUILT_IN[PRIMO_SOLLECITO], 1, start, None, "IT") is None
