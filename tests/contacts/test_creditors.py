"""Creditor settings read from text: windows, durations, caller id, timezone, language."""
from decimal import Decimal

import pytest

from contacts.creditors import (
    PlaybookTextError, SettingError, check_caller_id, check_country, check_language,
    check_late_fee, check_late_interest_rate, check_sms_sender, check_timezone,
    creditor_settings, format_duration, parse_duration, playbook_text,
)
from db.models import Creditor


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


# The courtesy phase's settings (SPEC §4): playbook, late charges, SMS sender, contacts, pauses.

def test_a_built_in_playbook_is_named_and_an_unknown_one_refused():
    assert creditor_settings(playbook="Cortesia-30") == {"playbook": "cortesia-30"}
    with pytest.raises(SettingError, match="playbook 'cortesia-60' is not one of"):
        creditor_settings(playbook="cortesia-60")


def test_own_steps_make_the_playbook_custom_and_are_kept_as_written():
    text = "# ours\r\n0 email verifica_contabile\r\n3 call\r\n10 end\r\n"
    assert creditor_settings(playbook_text=text) == {
        "playbook": "custom", "playbook_steps": "# ours\n0 email verifica_contabile\n3 call\n10 end\n"}


def test_bad_own_steps_are_refused_naming_the_line():
    with pytest.raises(PlaybookTextError, match="playbook file: line 2: 'fax' is not a channel") \
            as caught:
        creditor_settings(playbook_text="0 call\n2 fax sollecito\n", late_fee="5")
    assert caught.value.cause.line == 2


def test_custom_needs_its_steps_and_steps_do_not_go_with_a_built_in_name():
    with pytest.raises(SettingError, match="needs its steps"):
        creditor_settings(playbook="custom")
    with pytest.raises(SettingError, match="do not name 'cortesia-30' as well"):
        creditor_settings(playbook="cortesia-30", playbook_text="0 call\n")


@pytest.mark.parametrize("text, fee", [("40", Decimal("40.00")), ("12,5", Decimal("12.50")),
                                       ("1.234,50 €", Decimal("1234.50")), ("0", None), ("", None)])
def test_the_late_fee_is_euro_read_the_italian_way_too_and_zero_or_empty_clears_it(text, fee):
    assert check_late_fee(text) == fee


@pytest.mark.parametrize("text, message", [("-5", "zero or more"), ("tanti", "not a number"),
                                           ("100000", "at most"), ("NaN", "zero or more")])
def test_a_bad_late_fee_is_refused(text, message):
    with pytest.raises(SettingError, match=message):
        check_late_fee(text)


def test_the_interest_rate_is_a_yearly_percent():
    assert check_late_interest_rate("8%") == Decimal("8.000")
    assert check_late_interest_rate("10,15") == Decimal("10.150")
    assert check_late_interest_rate("") is None
    with pytest.raises(SettingError, match="between 0 and 100"):
        check_late_interest_rate("120")


@pytest.mark.parametrize("text, sender", [("+390212345678", "+390212345678"),
                                          ("Acme", "Acme"), ("ACME 2026", "ACME 2026"), ("", None)])
def test_an_sms_sender_is_a_number_or_a_short_alphanumeric_id(text, sender):
    assert check_sms_sender(text) == sender


@pytest.mark.parametrize("text", ["AcmeEnergiaSpA", "12345", "Acme!", "+39021"])
def test_an_sms_sender_twilio_would_refuse_is_refused(text):
    with pytest.raises(SettingError):
        check_sms_sender(text)


def test_the_contacts_debtors_are_given_are_checked():
    assert creditor_settings(contact_email="crediti@acme.example", contact_phone="+39 02 1234 5678") \
        == {"contact_email": "crediti@acme.example", "contact_phone": "+390212345678"}
    assert creditor_settings(contact_email="", contact_phone="") == {
        "contact_email": None, "contact_phone": None}
    with pytest.raises(SettingError, match="contact phone '02 1234' must be a valid number"):
        creditor_settings(contact_phone="02 1234")
    with pytest.raises(SettingError, match="contact email 'acme' is not a valid email"):
        creditor_settings(contact_email="acme")


def test_the_pauses_are_whole_days_within_bounds():
    assert creditor_settings(promise_grace_days="0", verify_days="10") == {
        "promise_grace_days": 0, "verify_days": 10}
    with pytest.raises(SettingError, match="verify days must be between 1 and 90"):
        creditor_settings(verify_days="0")
    with pytest.raises(SettingError, match="promise grace days 'tre' is not a whole number"):
        creditor_settings(promise_grace_days="tre")


def test_a_creditors_playbook_text_is_its_own_or_the_built_in_one_readable_back():
    built_in = Creditor(name="Acme", playbook="cortesia-30")
    text = playbook_text(built_in)
    assert text.startswith("# cortesia-30\n0 email verifica_contabile\n2 call\n")
    assert creditor_settings(playbook_text=text)["playbook_steps"] == text   # a starting file
    own = Creditor(name="Acme", playbook="custom", playbook_steps="0 call # ours\n")
    assert playbook_text(own) == "0 call # ours\n"
