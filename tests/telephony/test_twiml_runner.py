"""Digits as Twilio submits them, and which documents Twilio would refuse to run."""
import pytest

from telephony.twiml_runner import collect_digits, parse_twiml


@pytest.mark.parametrize("key, finish_on_key, num_digits, digits", [
    ("1", "#", 1, "1"),
    ("12345#", "#", 1, "1"),
    ("12345#", "#", None, "12345"),
    ("12345#", "#", 3, "123"),
    ("123", "#", None, "123"),           # the timeout submits what was typed
    ("#", "#", None, ""),
    ("12*3", "*", None, "12"),
    ("12#3", "", None, "12#3"),          # no finishOnKey: '#' is just a key
    ("", "#", 1, ""),
])
def test_collect_digits_stops_at_finish_on_key_or_num_digits(key, finish_on_key, num_digits, digits):
    assert collect_digits(key, finish_on_key, num_digits) == digits


@pytest.mark.parametrize("text", ["", "not xml", "<Say>hi</Say>"])
def test_only_a_response_document_runs(text):
    with pytest.raises(ValueError):
        parse_twiml(text)
