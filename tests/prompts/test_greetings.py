"""The greeting fits the time of day: on the call's clock in the creditor's zone, and in the
console."""
import xml.etree.ElementTree as ET
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from audio.speech import fixed_sentences
from prompts.greetings import salutation, salutation_at
from prompts.templates import render
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize("clock, italian, english", [
    (time(8, 30), "Buongiorno", "Good morning"),
    (time(14, 0), "Buongiorno", "Good afternoon"),
    (time(17, 59), "Buongiorno", "Good afternoon"),
    (time(18, 0), "Buonasera", "Good evening"),
    (time(20, 45), "Buonasera", "Good evening"),
    (time(0, 0), "Buonasera", "Good evening"),     # midnight is no morning
    (time(5, 0), "Buongiorno", "Good morning"),
])
def test_the_greeting_follows_the_clock(clock, italian, english):
    assert salutation("it", clock) == italian and salutation("en", clock) == english


def test_the_greeting_is_read_on_the_given_zone():
    evening_in_rome = datetime(2026, 11, 24, 17, 30, tzinfo=timezone.utc)   # 18:30 in Rome
    assert salutation_at("it", evening_in_rome, ROME) == "Buonasera"
    assert salutation_at("en", evening_in_rome, ZoneInfo("America/New_York")) == "Good afternoon"


def test_a_template_without_a_time_keeps_the_plain_greeting():
    fields = {"creditor": "Acme", "name": "Mario Rossi"}
    assert render("greeting_confirm", "it", fields).startswith("Buongiorno, questo è")
    assert render("greeting_confirm", "it", dict(fields, salutation="Buonasera")) \
        .startswith("Buonasera, questo è")


def test_every_greeting_of_the_day_is_rendered_ahead_of_time():
    sentences = fixed_sentences("Acme", "it")
    assert "Buongiorno, questo è un messaggio di Acme per" in sentences
    assert "Buonasera, questo è un messaggio di Acme per" in sentences
    assert "Good evening, this is a message from Acme for" in fixed_sentences("Acme", "en")


def greeting_at(app, client, session, creditor, at, n):
    app.extensions["cortesia.clock"] = lambda: at
    position = make_position(session, creditor, reference=f"G-{n}", phone=f"+39333555{n:04d}")
    attempt = make_attempt(session, position)
    response = signed_post(client, f"/ivr/{attempt.token}/answer",
                           {"CallSid": f"CA{n:032d}", "AnsweredBy": "human"})
    return ET.fromstring(response.data).find(".//Say").text


def test_a_call_in_the_evening_window_says_buonasera(app, client, session):
    creditor = make_creditor(session)
    morning = datetime(2026, 11, 24, 8, 45, tzinfo=timezone.utc)     # 09:45 in Rome
    evening = datetime(2026, 11, 24, 18, 15, tzinfo=timezone.utc)    # 19:15 in Rome
    assert greeting_at(app, client, session, creditor, morning, 1).startswith("Buongiorno,")
    assert greeting_at(app, client, session, creditor, evening, 2).startswith("Buonasera,")


def test_a_creditor_abroad_greets_on_its_own_clock(app, client, session):
    creditor = make_creditor(session, timezone="America/New_York", language="en")
    at = datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc)           # 14:00 in New York
    assert greeting_at(app, client, session, creditor, at, 3).startswith("Good afternoon,")
