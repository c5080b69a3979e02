"""Odd values in signed webhooks: the answer is TwiML or 204, and the facts that fit are kept."""
import dataclasses
import logging
import os
import random
import xml.etree.ElementTree as ET
from urllib.parse import quote, unquote

import pytest
from twilio.request_validator import RequestValidator

from db import get_sessionmaker
from db.models import Attempt
from ivr.facts import CallFacts
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.factories import make_attempt, make_creditor, make_position
from tests.twilio_signing import signed_post

SID = "CA" + "0" * 32
INT_MAX = 2**31 - 1


def test_nul_and_control_characters_are_dropped_from_every_fact():
    facts = CallFacts.from_form({"AnsweredBy": "hu\x00man\x07", "CallSid": "CA\x001\r\n",
                                 "Digits": "1\x1b"})
    assert facts == CallFacts(answered_by="human", call_sid="CA1", digits="1")


def test_each_fact_is_clipped_to_what_its_column_holds():
    facts = CallFacts.from_form({"CallSid": "C" * 100, "AnsweredBy": "m" * 50, "CallStatus": "s" * 30})
    assert facts == CallFacts(call_sid="C" * 64, answered_by="m" * 32, status="s" * 20)


def test_a_duration_is_clamped_to_what_the_column_holds_and_a_non_number_is_dropped():
    assert CallFacts.from_form({"CallDuration": str(2**40)}).duration == INT_MAX
    assert CallFacts.from_form({"CallDuration": " 42 "}).duration == 42
    assert CallFacts.from_form({"CallDuration": "0"}).duration == 0
    for odd in ("-3", "4.5", "²", "1e9", "", "x"):
        assert CallFacts.from_form({"CallDuration": odd}).duration is None, odd


def test_every_fact_twilio_sends_is_read_under_its_own_name_and_nothing_else_is():
    form = {"CallSid": SID, "CallStatus": "completed", "AnsweredBy": "human", "CallDuration": "42",
            "Digits": "1", "SequenceNumber": "3", "Timestamp": "Tue, 24 Nov 2026 09:00:00 +0000",
            "From": "+390212345678", "To": "+393331234567", "Caller": "+390212345678"}
    assert CallFacts.from_form(form) == CallFacts(
        call_sid=SID, status="completed", answered_by="human", duration=42, digits="1",
        sequence="3", timestamp="Tue, 24 Nov 2026 09:00:00 +0000",
        from_number="+390212345678", to_number="+393331234567")   # a call-back's caller and number


def test_the_facts_of_a_request_cannot_be_changed_once_read():
    facts = CallFacts.from_form({"CallSid": SID, "Digits": "2"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.digits = "1"


def test_a_fact_left_empty_or_blank_is_no_fact():
    assert CallFacts.from_form({"CallSid": "", "Digits": " \x00 ", "AnsweredBy": None}) == CallFacts()


def test_a_long_call_sid_is_kept_clipped(client, session):
    attempt = _attempt(session)
    response = signed_post(client, f"/ivr/{attempt.token}/answer",
                           {"CallSid": "CA" + "7" * 98, "AnsweredBy": "human" + "\x00" + "x" * 40})
    assert response.status_code == 200 and _is_twiml(response)
    attempt = _reload(session, attempt)
    assert attempt.call_sid == "CA" + "7" * 62
    assert attempt.answered_by == ("human" + "x" * 40)[:32]


def test_a_huge_duration_closes_the_attempt_with_the_largest_duration_kept(client, session):
    attempt = _attempt(session)
    response = signed_post(client, f"/ivr/{attempt.token}/status",
                           {"CallSid": SID, "CallStatus": "completed", "CallDuration": str(2**33)})
    assert response.status_code == 204
    attempt = _reload(session, attempt)
    assert attempt.status == "completed" and attempt.duration == INT_MAX and attempt.ended_at


def test_a_duration_in_other_digits_is_left_out_and_the_call_still_closes(client, session):
    attempt = _attempt(session)
    response = signed_post(client, f"/ivr/{attempt.token}/status",
                           {"CallSid": SID, "CallStatus": "busy", "CallDuration": "²"})
    assert response.status_code == 204
    attempt = _reload(session, attempt)
    assert attempt.status == "busy" and attempt.duration is None and attempt.ended_at


def test_a_nul_in_the_keys_still_identifies_the_debtor(client, session):
    attempt = _attempt(session)
    answer = signed_post(client, f"/ivr/{attempt.token}/answer", {"CallSid": SID + "\x00"})
    notice = signed_post(client, _action(answer), {"CallSid": SID, "Digits": "\x001"})
    assert "euro" in " ".join(s.text for s in ET.fromstring(notice.data).iter("Say"))
    attempt = _reload(session, attempt)
    assert attempt.identified and attempt.call_sid == SID and attempt.digits == "1"


def test_a_call_sid_already_kept_by_another_attempt_is_not_taken_twice(client, session):
    first = _attempt(session)
    second = make_attempt(session, first.position, number=2)
    signed_post(client, f"/ivr/{first.token}/answer", {"CallSid": SID})
    response = signed_post(client, f"/ivr/{second.token}/answer", {"CallSid": SID})
    assert response.status_code == 200 and _is_twiml(response)
    assert _reload(session, first).call_sid == SID and _reload(session, second).call_sid is None


def test_an_odd_token_is_an_unknown_call(client, session):
    _attempt(session)
    for token in ("%00", "a" * 300, quote("é\x01")):
        response = _signed(client, f"/ivr/{token}/answer", {"CallSid": SID})
        assert response.status_code == 200 and _is_twiml(response), token


def test_signed_random_values_always_get_twiml_or_204(app, client, caplog):
    """A bounded fuzz of every /ivr/ webhook: only TwiML or 204, and no error logged."""
    app.config["PROPAGATE_EXCEPTIONS"] = False   # count the 500s rather than stop at the first
    rng = random.Random(FUZZ_SEED)
    tokens = _attempts_to_call(app)
    caplog.set_level(logging.ERROR)
    tried, failures = 0, []
    for _ in range(FUZZ_REQUESTS):
        token = rng.choice(tokens)
        step = rng.choice(("answer", "identify", "menu", "status"))
        path = f"/ivr/{token}/{step}" + _odd_query(rng)
        response = _signed(client, path, _odd_form(rng))
        tried += 1
        expected = 204 if step == "status" else 200
        if response.status_code != expected or (expected == 200 and not _is_twiml(response)):
            failures.append((path, response.status_code))
    print(f"webhook requests tried: {tried}, not TwiML/204: {len(failures)}")
    assert not failures
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# FUZZ_REQUESTS=3000 FUZZ_SEED=… explore further.
FUZZ_REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "400"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "9"))
# Plausible values of each field, which the fuzz then spoils.
PLAIN = {
    "CallSid": (SID, "CA" + "f" * 32), "AnsweredBy": ("human", "machine_start", "fax", "unknown"),
    "CallStatus": ("completed", "busy", "no-answer", "failed", "ringing", "in-progress"),
    "CallDuration": ("0", "42", "3600"), "Digits": ("1", "2", "3", "8", "9", "4321", "4321#", ""),
    "SequenceNumber": ("0", "3"), "Timestamp": ("Tue, 24 Nov 2026 09:00:00 +0000",),
    "From": ("+390212345678",), "To": ("+393331234567",), "Caller": ("+390212345678",),
}


def _odd_value(rng, plain):
    kind = rng.randrange(8)
    if kind <= 1:
        return plain
    if kind == 2:   # NUL or other control characters somewhere in a plain value
        cut = rng.randrange(len(plain) + 1)
        return plain[:cut] + rng.choice(("\x00", "\x01", "\x1b", "\x7f", "\r\n", "\u2028")) + plain[cut:]
    if kind == 3:   # longer than any column
        return plain + rng.choice("x7#é") * rng.randrange(60, 400)
    if kind == 4:   # integers no column holds
        return rng.choice((str(2**31), str(2**63), "9" * 40, "-1", "-" + "9" * 30, "1" * 5000))
    if kind == 5:   # things that look like numbers to some parsers
        return rng.choice(("²", "١٢٣", "４２", "1e9", "0x10", " 42 ", "4.5", "NaN", "∞"))
    if kind == 6:
        return "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
    return rng.choice(("", "😀", "\ufeff", "\ufffd", "%00", "<Say>", "]]>", "&amp;"))


def _odd_form(rng):
    names = rng.sample(sorted(PLAIN), rng.randrange(len(PLAIN)))
    form = {name: _odd_value(rng, rng.choice(PLAIN[name])) for name in names}
    if rng.random() < 0.1:
        form[_odd_value(rng, "Extra") or "x"] = _odd_value(rng, "")
    return form


def _odd_query(rng):
    if rng.random() < 0.5:
        return ""
    args = {name: rng.choice(("1", "2", "0", "-7", "99999999999999999999", "x", "%00", "1" * 5000))
            for name in rng.sample(("turn", "silent", "invalid", "wrong", "other"), rng.randrange(1, 5))}
    return "?" + "&".join(f"{k}={v}" for k, v in args.items())


def _signed(client, path, data):
    """Signed like `signed_post`, over the URL as the app reads it back (decoded)."""
    route, _, query = path.partition("?")
    url = PUBLIC_BASE_URL + unquote(route) + (f"?{query}" if query else "")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, data)
    return client.post(path, data=data, headers={"X-Twilio-Signature": signature})


def _is_twiml(response):
    return response.mimetype == "application/xml" and ET.fromstring(response.data).tag == "Response"


def _attempts_to_call(app):
    """Tokens of attempts on positions identified by pressing 1 and by a code; made
    outside the requests' app context, so each request has a session of its own, as served."""
    with app.app_context():
        session = get_sessionmaker(app)()
        creditor = make_creditor(session, max_attempts=2)
        positions = [make_position(session, creditor, reference=f"P-{i}",
                                   verification_code="4321" if i % 2 else None) for i in range(6)]
        tokens = [make_attempt(session, p, number=n).token for p in positions for n in (1, 2)]
        session.close()
    return tokens + ["unknown-token"]


def _attempt(session):
    return make_attempt(session, make_position(session, make_creditor(session)))


def _action(response):
    return ET.fromstring(response.data).find("Gather").get("action").replace(PUBLIC_BASE_URL, "")


def _reload(session, obj):
    session.expire_all()
    return session.get(Attempt, obj.id)
