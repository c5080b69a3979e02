"""Creditor settings read from text: windows, durations, caller id, timezone, language."""

import pytest

from contacts.creditors import (
    SettingError, check_caller_id, check_country, check_language, check_timezone,
    creditor_settings, format_duration, parse_duration,
)


def test_windows_are_kept_in_canonical_text_and_bad_ones_refused_as_settings():
    assert creditor_settings(windows="8:30-12:00, 14:00-17:00") == {
        "windows": "08:30-12:00,14:00-17:00"}
    with pytest.raises(SettingError, match="ends before it starts"):
        creditor_settings(windows="12:00-08:00")


@pytest.mark.parametrize("text, seconds", [
    ("2h", 7200), ("90m", 5400), ("1h30m", 5400), ("7200s", 7200), ("1H 30M", 5400)])
def test_durations_in_hours_minutes_seconds(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["2", "2x", "h", "", "1.5h", "30m2h"])
def test_durations_without_a_unit_or_out_of_order_are_refused(text):
    with pytest.raises(SettingError, match="like 2h, 90m"):
        parse_duration(text)


def test_durations_are_shown_compactly():
    assert [format_duration(s) for s in (7200, 5400, 45, 0)] == ["2h", "1h30m", "45s", "0s"]


def test_caller_id_must_be_e164_and_a_real_number():
    assert check_caller_id("+390212345678") == "+390212345678"
    with pytest.raises(SettingError, match="E.164"):
        check_caller_id("02 1234 5678")
    with pytest.raises(SettingError, match="not a valid phone number"):
        check_caller_id("+3900")


def test_timezone_must_exist():
    assert check_timezone("Europe/Rome") == "Europe/Rome"
    with pytest.raises(SettingError, match="unknown"):
        check_timezone("Europe/Atlantis")
    with pytest.raises(SettingError, match="unknown"):
        check_timezone("../etc/passwd")


def test_language_is_it_or_en_and_country_a_region_code():
    assert check_language("EN") == "en"
    assert check_country("it") == "IT"
    with pytest.raises(SettingError, match="it, en"):
        check_language("fr")
    with pytest.raises(SettingError, match="two-letter"):
        check_country("Italy")


def test_settings_map_options_to_model_attributes_and_skip_unset_ones():
    assert creditor_settings(min_gap="1h30m", windows="9:00-12:00", language=None) == {
        "min_gap_seconds": 5400, "windows": "09:00-12:00"}


def test_settings_report_every_problem_at_once():
    with pytest.raises(SettingError, match="timezone 'Mars'.*; duration '2x'"):
        creditor_settings(timezone="Mars", min_gap="2x")


def test_empty_report_email_and_spoken_name_clear_them():
    assert creditor_settings(report_email="", spoken_name=" ") == {
        "report_email": None, "spoken_name": None}
    with pytest.raises(SettingError, match="report email 'nope' is not a valid email"):
        creditor_settings(report_email="nope")
