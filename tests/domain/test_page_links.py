"""The page link's token (domain/page_links.py): signed, short, naming no debt, expiring."""
from datetime import date

import pytest

from domain.page_links import (
    MIN_LINK_DAYS, LinkError, PageLink, link_expiry, make_token, page_url, read_token,
)
from domain.playbooks import BUILT_IN, CORTESIA_30, PRIMO_SOLLECITO

SECRET = "a-secret"


@pytest.mark.parametrize("channel", ["email", "pec", "sms"])
def test_a_token_names_the_position_its_channel_and_its_last_day(channel):
    token = make_token(SECRET, 42, channel, date(2027, 1, 15))
    assert read_token(SECRET, token) == PageLink(42, channel, date(2027, 1, 15))
    assert len(token) == 32 and token.replace("-", "").replace("_", "").isalnum()


def test_a_link_expires_after_its_last_day():
    link = read_token(SECRET, make_token(SECRET, 1, "sms", date(2027, 1, 15)))
    assert not link.expired(date(2027, 1, 15)) and link.expired(date(2027, 1, 16))


def test_every_altered_character_is_refused():
    token = make_token(SECRET, 7, "email", date(2027, 1, 15))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, character in enumerate(token):
        other = alphabet[(alphabet.index(character) + 1) % len(alphabet)]
        with pytest.raises(LinkError):
            read_token(SECRET, token[:i] + other + token[i + 1:])


def test_the_channel_cannot_be_swapped_for_one_that_shows_more():
    sms = make_token(SECRET, 7, "sms", date(2027, 1, 15))
    email = make_token(SECRET, 7, "email", date(2027, 1, 15))
    forged = email[:8] + sms[8:]     # the channel of one, the rest and signature of the other
    with pytest.raises(LinkError):
        read_token(SECRET, forged)


@pytest.mark.parametrize("token", ["", "short", "x" * 32, "é" * 32, "A" * 44, "////" * 8])
def test_what_is_not_a_token_is_refused(token):
    with pytest.raises(LinkError):
        read_token(SECRET, token)


def test_another_secret_does_not_read_the_token():
    with pytest.raises(LinkError):
        read_token("another", make_token(SECRET, 7, "sms", date(2027, 1, 15)))


def test_a_courtesy_phase_link_lasts_to_the_phases_end_day():
    playbook = BUILT_IN[CORTESIA_30]
    # Started on Monday 7 September 2026: working day 30 is Monday 19 October.
    assert link_expiry(playbook, date(2026, 9, 7), date(2026, 9, 7), "IT") == date(2026, 10, 19)
    assert link_expiry(playbook, None, date(2026, 9, 7), "IT") == date(2026, 10, 19)


def test_a_link_lasts_at_least_two_weeks_when_the_phase_ends_sooner():
    playbook = BUILT_IN[PRIMO_SOLLECITO]            # one call round on day 0
    assert link_expiry(playbook, date(2026, 12, 1), date(2026, 12, 1), "IT") == \
        date(2026, 12, 1 + MIN_LINK_DAYS)
    late = link_expiry(BUILT_IN[CORTESIA_30], date(2026, 9, 7), date(2026, 10, 16), "IT")
    assert late == date(2026, 10, 30)


def test_the_url_is_under_the_public_base_url():
    assert page_url("https://cortesia.example.it/", "TOKEN") == \
        "https://cortesia.example.it/p/TOKEN"
