"""Recovering the dialer's lost work: claims whose dialer died (logging no personal data: no
phone number, no name at INFO), and calls whose final status callback never came."""
import logging
from datetime import datetime, timedelta, timezone

import pytest
import responses
from sqlalchemy import select

from db import session_scope
from db.models import Attempt, Event
from scheduler.claims import claim_batch
from scheduler.dial import dial_pass, plan
from scheduler.pacing import VirtualClock
from telephony import get_telephony
from telephony.simulator import IDENTIFY, DebtorScript
from scheduler.planning import load_creditors
from tests.factories import make_creditor, make_position
from tests.scheduler.conftest import LEASE, STANDIN_NOW as NOW
from tests.twilio_signing import signed_post


@pytest.fixture
def positions(session):
    creditor = make_creditor(session)
    return [make_position(session, creditor, reference=f"P-{i:03d}", name=f"Debitore Numero{i}",
                          phone=f"+39333000{i:04d}") for i in range(20)]


def personal_data_in(text, positions):
    """Every phone (as written, URL-encoded or bare digits) and name of `positions` in `text`."""
    found = []
    for position in positions:
        digits = position.phone.lstrip("+")
        for shown in (position.phone, "%2B" + digits, digits, position.name):
            if shown in text:
                found.append(shown)
    return found


def test_a_claim_recovery_pass_logs_no_phone_number_or_name_at_info(app, session, standin,
                                                                     positions, caplog):
    with session_scope(app) as s:
        creditors = load_creditors(s, NOW)
        plan(s, NOW, creditors)
    with session_scope(app) as s:  # a dialer claims them all, then dies
        claim_batch(s, next(iter(load_creditors(s, NOW).values())), NOW, 100, "dead", "+3902")

    with caplog.at_level(logging.DEBUG):
        report = dial_pass(app, NOW + timedelta(seconds=LEASE + 1))

    assert report.released == len(positions)           # the provider was asked about each one
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert personal_data_in(info, positions) == []


def test_the_providers_request_lines_stay_for_debugging_with_numbers_masked(app, session, standin,
                                                                           positions, caplog):
    with session_scope(app) as s:
        plan(s, NOW, load_creditors(s, NOW))
    with session_scope(app) as s:
        claim_batch(s, next(iter(load_creditors(s, NOW).values())), NOW, 100, "dead", "+3902")

    with caplog.at_level(logging.DEBUG):
        dial_pass(app, NOW + timedelta(seconds=LEASE + 1))

    requests = [r.getMessage() for r in caplog.records
                if r.name == "telephony.twilio_rest.requests"]
    assert any("Calls.json?To=+39333****001" in line for line in requests)
    assert personal_data_in("\n".join(requests), positions) == []


def test_a_dial_pass_through_the_simulator_logs_no_phone_number_or_name_at_info(app, session,
                                                                              positions, caplog):
    """A whole pass: calls placed, webhooks answered, outcomes recorded, the notice mail queued."""
    with caplog.at_level(logging.INFO):
        report = dial_pass(app, NOW)
    assert len(report.placed) == len(positions)
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert personal_data_in(info, positions) == []


# --- calls whose final status callback was lost ------------------------------------------------

PLACED = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)     # 11:00 in Rome, a window open
ACCOUNT_SID = "AC" + "1" * 32
API = "https://twilio.stand-in.test"
CALLS = f"{API}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
SID = "CA" + "5" * 32
CALL = f"{API}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{SID}.json"


@pytest.fixture
def twilio(app):
    """The app on Twilio REST, the API mocked by `responses`; the first call placed is SID."""
    app.config.update(TELEPHONY="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_API_BASE_URL=API)
    app.extensions["cortesia.dial_clock"] = VirtualClock()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.post(CALLS, json={"sid": SID, "status": "queued"}, status=201)
        yield api


def placed_call(app, session, client, max_attempts=3):
    """A position's first call, placed at PLACED; it rang (its `ringing` callback came), and
    then nothing more came."""
    make_position(session, make_creditor(session, max_attempts=max_attempts))
    assert len(dial_pass(app, PLACED).placed) == 1
    attempt = the_attempts(session)[0]
    signed_post(client, f"/ivr/{attempt.token}/status", {"CallSid": SID, "CallStatus": "ringing"})
    return attempt


def the_attempts(session):
    session.expire_all()
    return session.scalars(select(Attempt).order_by(Attempt.number)).all()


def status_events(session):
    return session.execute(select(Event.source, Event.detail).where(Event.kind == "status")
                           .order_by(Event.id)).all()


def lost_after(app):
    return PLACED + timedelta(seconds=app.config["DIAL_LOST_CALL_SECONDS"] + 60)


def test_a_call_whose_final_callback_was_lost_is_settled_from_the_provider(app, session, client,
                                                                          twilio):
    placed_call(app, session, client)
    twilio.get(CALL, json={"sid": SID, "status": "no-answer", "duration": "0",
                           "answered_by": None})
    report = dial_pass(app, lost_after(app))

    assert report.recovered == 1 and "1 lost call endings fetched" in report.summary()
    first, retry = the_attempts(session)
    assert (first.status, first.duration, first.ended_at) == ("no-answer", 0, lost_after(app))
    # Recorded as the callback would have: the status event (saying who fetched it), and the
    # retry the dialer plans after a call without an answer.
    assert status_events(session)[-1] == (f"dialer:fetched {SID}",
                                          {"status": "no-answer", "duration": 0})
    assert (retry.number, retry.status) == (2, "pending")
    assert [c.request.method for c in twilio.calls] == ["POST", "GET"]


def test_the_callback_arriving_after_all_changes_nothing(app, session, client, twilio):
    attempt = placed_call(app, session, client)
    twilio.get(CALL, json={"sid": SID, "status": "completed", "duration": "48",
                           "answered_by": "human"})
    dial_pass(app, lost_after(app))
    before = (the_attempts(session), status_events(session))
    late = signed_post(client, f"/ivr/{attempt.token}/status",
                       {"CallSid": SID, "CallStatus": "completed", "CallDuration": "48"})
    assert late.status_code == 204
    after = (the_attempts(session), status_events(session))
    assert [(a.number, a.status, a.ended_at) for a in after[0]] == \
        [(a.number, a.status, a.ended_at) for a in before[0]]
    assert after[1] == before[1] and after[1][-1][1]["answered_by"] == "human"


def test_the_last_attempts_lost_ending_closes_the_round_as_no_answer(app, session, client,
                                                                     twilio):
    placed_call(app, session, client, max_attempts=1)
    twilio.get(CALL, json={"sid": SID, "status": "busy", "duration": "0"})
    dial_pass(app, lost_after(app))
    [attempt] = the_attempts(session)
    assert (attempt.status, attempt.position.outcome) == ("busy", "no_answer")


def test_a_call_is_not_asked_about_before_it_could_have_ended(app, session, client, twilio):
    placed_call(app, session, client)
    twilio.get(CALL, json={"sid": SID, "status": "completed", "duration": "30"})
    soon = PLACED + timedelta(seconds=app.config["DIAL_LOST_CALL_SECONDS"] - 60)
    assert dial_pass(app, soon).recovered == 0
    assert the_attempts(session)[0].status == "ringing"
    assert [c.request.method for c in twilio.calls] == ["POST"]


def test_a_call_the_provider_does_not_know_ends_as_failed_and_its_round_goes_on(
        app, session, client, twilio):
    # Twilio answers 404 for a call it never made or no longer keeps: nothing would ever end
    # it, and its position would wait for it forever without a retry.
    placed_call(app, session, client)
    twilio.get(CALL, status=404, json={"code": 20404, "status": 404})
    report = dial_pass(app, lost_after(app))
    assert report.recovered == 1
    first, retry = the_attempts(session)
    assert (first.status, retry.number, retry.status) == ("failed", 2, "pending")
    assert status_events(session)[-1] == (f"dialer:unknown to the provider {SID}",
                                          {"status": "failed"})
    dial_pass(app, lost_after(app) + timedelta(minutes=5))   # not asked about again
    assert [c.request.method for c in twilio.calls] == ["POST", "GET"]


@pytest.mark.parametrize("answer", [
    dict(json={"sid": SID, "status": "in-progress", "duration": None}),   # a long call
    dict(status=503, body="down"),                                        # Twilio cannot say
])
def test_a_call_the_provider_cannot_end_stays_as_it_is(app, session, client, twilio, answer,
                                                        caplog):
    placed_call(app, session, client)
    twilio.get(CALL, **answer)
    with caplog.at_level(logging.WARNING):
        report = dial_pass(app, lost_after(app))
    assert report.recovered == 0
    assert [(a.number, a.status) for a in the_attempts(session)] == [(1, "ringing")]
    assert personal_data_in(caplog.text, [the_attempts(session)[0].position]) == []


def test_a_call_back_whose_ending_was_lost_frees_the_number_once_settled(app, session, client,
                                                                        twilio):
    position = make_position(session, make_creditor(session))
    app.extensions["cortesia.clock"] = lambda: PLACED - timedelta(minutes=30)
    signed_post(client, "/ivr/inbound", {"CallSid": SID, "From": position.phone,
                                         "To": position.creditor.caller_id,
                                         "CallStatus": "ringing", "Direction": "inbound"})
    twilio.replace(responses.POST, CALLS, json={"sid": "CA" + "6" * 32}, status=201)
    twilio.get(CALL, json={"sid": SID, "status": "completed", "duration": "95"})
    report = dial_pass(app, PLACED)
    # The call-back is over at the provider: recorded so, and the debtor's number is free.
    assert report.recovered == 1 and len(report.placed) == 1
    call_back, first = the_attempts(session)
    assert (call_back.direction, call_back.status, call_back.duration) == \
        ("inbound", "completed", 95)
    assert (first.direction, first.status) == ("outbound", "queued")


@pytest.mark.parametrize("script, stuck, ended", [
    (DebtorScript("no-answer"), "ringing", "no-answer"),
    (DebtorScript("human", (IDENTIFY, "1")), "in-progress", "completed"),
])
def test_on_the_simulator_a_lost_ending_is_fetched_from_its_calls(app, session, script, stuck,
                                                                  ended):
    position = make_position(session, make_creditor(session))
    simulator = get_telephony(app)
    simulator.script(position.phone, script)
    simulator.lose_final_status(position.phone)
    dial_pass(app, PLACED)
    [attempt] = the_attempts(session)
    assert attempt.status == stuck and simulator.calls[0].status == ended

    assert dial_pass(app, lost_after(app)).recovered == 1
    attempt = the_attempts(session)[0]
    assert (attempt.status, attempt.duration) == (ended, simulator.calls[0].duration)
    assert attempt.answered_by == ("human" if ended == "completed" else None)


def test_a_lost_ending_is_lost_too_when_the_calls_run_in_worker_processes(tmp_path):
    from app import create_app
    from tools.simulate import build_campaign_app, close_campaign_app

    app = build_campaign_app(create_app, f"sqlite:///{tmp_path}/workers.db", "3", processes=2)
    try:
        with session_scope(app) as session:
            phone = make_position(session, make_creditor(session)).phone
        simulator = get_telephony(app)
        simulator.script(phone, DebtorScript("human", (IDENTIFY, "1")))
        simulator.lose_final_status(phone)
        dial_pass(app, PLACED)
        with session_scope(app) as session:
            [attempt] = the_attempts(session)
            assert attempt.status == "in-progress" and simulator.calls[0].status == "completed"
        assert dial_pass(app, lost_after(app)).recovered == 1
        with session_scope(app) as session:
            assert the_attempts(session)[0].status == "completed"
    finally:
        close_campaign_app(app)
