"""The dial pass: first calls of new positions, placement failures retried, nothing dialled twice."""
import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import pytest
import requests
import responses
from sqlalchemy import select

from db.models import Attempt, BlockedNumber, Event
from scheduler.dial import dial_pass
from scheduler.pacing import VirtualClock
from telephony import PlaceCallError, get_telephony
from telephony.simulator import DebtorScript
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import make_creditor, make_position
from tests.twilio_signing import signed_post

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
ACCOUNT_SID = "AC" + "1" * 32
API = "https://twilio.stand-in.test"
CALLS = f"{API}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"


def call_sid(n=1):
    return f"CA{n:032d}"


@pytest.fixture
def twilio(app):
    """The app on Twilio REST (at a stand-in base URL), with the API mocked by `responses`."""
    app.config.update(TELEPHONY="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_API_BASE_URL=API)
    app.extensions["cortesia.dial_clock"] = VirtualClock()   # paced without sleeping
    with responses.RequestsMock() as api:
        yield api


@pytest.fixture
def position(session):
    return make_position(session, make_creditor(session))


def accept(api, n=1):
    api.post(CALLS, json={"sid": call_sid(n), "status": "queued"}, status=201)


def attempts(session):
    session.expire_all()
    return session.scalars(select(Attempt).order_by(Attempt.id)).all()


def event_kinds(session):
    return session.scalars(select(Event.kind).order_by(Event.id)).all()


def test_a_new_positions_first_call_is_placed_with_its_webhooks(app, session, twilio, position):
    accept(twilio)
    report = dial_pass(app, NOW)
    [attempt] = attempts(session)
    form = parse_qs(twilio.calls[0].request.body)
    assert form["Url"] == [f"{PUBLIC_BASE_URL}/ivr/{attempt.token}/answer"]
    assert form["StatusCallback"] == [f"{PUBLIC_BASE_URL}/ivr/{attempt.token}/status"]
    assert form["To"] == ["+393331234567"] and form["Timeout"] == [str(app.config["RING_TIMEOUT"])]
    assert (attempt.number, attempt.status, attempt.call_sid) == (1, "queued", call_sid())
    assert attempt.claimed_at == NOW and attempt.placed_at == NOW
    assert [d.reference for d in report.placed] == ["P-001"] and not report.failed
    assert event_kinds(session) == ["attempt_claimed", "call_placed"]


def test_the_creditors_caller_id_wins_over_the_default(app, session, twilio):
    make_position(session, make_creditor(session, caller_id="+390699999999"))
    accept(twilio)
    dial_pass(app, NOW)
    assert parse_qs(twilio.calls[0].request.body)["From"] == ["+390699999999"]


def test_without_a_creditor_caller_id_the_default_is_used(app, session, twilio):
    make_position(session, make_creditor(session, caller_id=None))
    accept(twilio)
    dial_pass(app, NOW)
    assert parse_qs(twilio.calls[0].request.body)["From"] == [app.config["TWILIO_CALLER_ID"]]


FAILURES = {
    "unauthorized": dict(status=401, json={"code": 20003, "message": "Authenticate"}),
    "rate-limited": dict(status=429, json={"code": 20429, "message": "Too Many Requests"}),
    "server-error": dict(status=500, json={"code": 20500, "message": "Internal Server Error"}),
    "network": dict(body=requests.ConnectionError("connection refused")),
    "timeout": dict(body=requests.ConnectTimeout("connect timed out")),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failed_placement_leaves_the_attempt_pending_for_the_next_pass(
        app, session, twilio, position, failure):
    twilio.post(CALLS, **FAILURES[failure])
    report = dial_pass(app, NOW)
    [attempt] = attempts(session)
    assert (attempt.status, attempt.claimed_at, attempt.place_errors) == ("pending", None, 1)
    assert attempt.last_error and attempt.call_sid is None
    assert [(d.reference, e) for d, e in report.failed] == [("P-001", attempt.last_error)]

    twilio.replace(responses.POST, CALLS, json={"sid": call_sid(), "status": "queued"}, status=201)
    report = dial_pass(app, NOW + timedelta(minutes=1))
    [attempt] = attempts(session)
    assert (attempt.number, attempt.status, attempt.call_sid) == (1, "queued", call_sid())
    assert len(report.placed) == 1 and len(twilio.calls) == 2
    assert "place_failed" in event_kinds(session)


class LostAnswer:
    """Twilio created the call (its first callback arrived) but our request still failed."""

    def __init__(self, client):
        self.client = client

    def settle(self):
        pass

    def place_call(self, request):
        path = request.status_callback.removeprefix(PUBLIC_BASE_URL)
        signed_post(self.client, path, {"CallSid": call_sid(), "CallStatus": "initiated"})
        raise PlaceCallError("no answer from the provider within the timeout")


def test_a_failure_after_the_call_reported_progress_is_not_retried(app, session, client, position):
    app.extensions["cortesia.telephony"] = LostAnswer(client)
    report = dial_pass(app, NOW)
    [attempt] = attempts(session)
    assert (attempt.status, attempt.call_sid) == ("initiated", call_sid())
    assert attempt.last_error and len(report.failed) == 1
    # Putting it back to pending would ring the debtor twice.
    assert dial_pass(app, NOW + timedelta(minutes=1), dry_run=True).due == []


def test_a_lost_answer_holds_the_attempt_instead_of_ringing_twice(app, session, twilio, position):
    twilio.post(CALLS, body=requests.ReadTimeout("read timed out"))
    report = dial_pass(app, NOW)
    [attempt] = attempts(session)
    assert attempt.status == "dialing" and attempt.last_error and len(report.failed) == 1
    assert "place_uncertain" in event_kinds(session)
    assert dial_pass(app, NOW + timedelta(minutes=1)).due == [] and len(twilio.calls) == 1


def test_without_any_caller_id_the_attempt_stays_pending(app, session, twilio):
    app.config["TWILIO_CALLER_ID"] = None
    make_position(session, make_creditor(session, caller_id=None))
    report = dial_pass(app, NOW)
    [attempt] = attempts(session)
    assert attempt.status == "pending" and "caller ID" in attempt.last_error
    assert len(report.failed) == 1 and not twilio.calls


def test_a_failure_is_logged_by_reference_only(app, session, twilio, position, caplog):
    twilio.post(CALLS, status=500, json={"code": 20500, "message": "Internal Server Error"})
    with caplog.at_level(logging.WARNING, logger="scheduler.dial"):
        dial_pass(app, NOW)
    logged = caplog.text
    assert "P-001" in logged and "Mario Rossi" not in logged and "1234" not in logged


def test_a_position_is_not_dialled_twice_by_two_passes(app, session, twilio, position):
    accept(twilio)
    dial_pass(app, NOW)
    report = dial_pass(app, NOW + timedelta(minutes=1))
    assert len(twilio.calls) == 1 and len(attempts(session)) == 1
    assert not report.due and not report.placed


def test_blocked_numbers_are_not_called(app, session, twilio, position):
    session.add(BlockedNumber(creditor_id=position.creditor_id, phone=position.phone,
                              reason="opted_out"))
    session.commit()
    report = dial_pass(app, NOW)
    assert not twilio.calls and not attempts(session) and not report.due


def test_an_opt_out_for_another_creditor_bars_the_number_for_every_creditor(
        app, session, twilio, position):
    other = make_creditor(session, name="Altro Srl")
    session.add(BlockedNumber(creditor_id=other.id, phone=position.phone, reason="opted_out"))
    session.commit()
    report = dial_pass(app, NOW)
    assert not twilio.calls and report.barred == 1
    session.refresh(position)
    assert position.outcome == "opted_out"


def test_with_opt_outs_per_creditor_another_creditors_opt_out_does_not_bar(
        app, session, twilio, position):
    app.config["OPT_OUT_SCOPE"] = "creditor"
    other = make_creditor(session, name="Altro Srl")
    session.add(BlockedNumber(creditor_id=other.id, phone=position.phone, reason="opted_out"))
    session.commit()
    accept(twilio)
    assert len(dial_pass(app, NOW).placed) == 1


def test_a_wrong_person_for_another_creditor_does_not_bar_the_number(
        app, session, twilio, position):
    other = make_creditor(session, name="Altro Srl")
    session.add(BlockedNumber(creditor_id=other.id, phone=position.phone, reason="wrong_person"))
    session.commit()
    accept(twilio)
    assert len(dial_pass(app, NOW).placed) == 1


def test_positions_with_an_outcome_are_not_called(app, session, twilio, position):
    position.outcome = "confirmed"
    session.commit()
    assert not dial_pass(app, NOW).due and not twilio.calls


def test_a_dry_run_changes_nothing(app, session, twilio, position):
    report = dial_pass(app, NOW, dry_run=True)
    assert [(d.reference, d.masked_phone, d.creditor) for d in report.due] == \
        [("P-001", "+39333****567", "Acme Energia")]
    assert not twilio.calls and not attempts(session) and not event_kinds(session)


def test_a_naive_now_is_refused(app):
    with pytest.raises(ValueError, match="timezone-aware"):
        dial_pass(app, datetime(2026, 11, 23, 10, 0))


def test_the_dial_command_reads_a_naive_now_in_the_configured_timezone(
        app, session, runner, twilio, position):
    accept(twilio)
    result = runner.invoke(args=["dial", "--now", "2026-11-23T11:00:00"])
    assert result.exit_code == 0, result.output
    assert "1 placed, 0 failed, 0 skipped" in result.output
    assert attempts(session)[0].claimed_at == NOW   # 11:00 in Rome is 10:00 UTC


def test_the_dial_command_lists_failures_by_reference(app, session, runner, twilio, position):
    twilio.post(CALLS, status=401, json={"code": 20003, "message": "Authenticate"})
    result = runner.invoke(args=["dial", "--now", NOW.isoformat()])
    assert "0 placed, 1 failed" in result.output
    assert "failed P-001: Twilio refused the call, HTTP 401, error 20003" in result.output


def test_the_dial_command_dry_run_lists_masked_phones(app, session, runner, twilio, position):
    result = runner.invoke(args=["dial", "--dry-run", "--now", NOW.isoformat()])
    assert "1 calls due, nothing changed" in result.output
    assert "would call P-001 +39333****567 (Acme Energia)" in result.output
    assert not attempts(session)


def test_the_dial_command_refuses_a_bad_now(runner):
    result = runner.invoke(args=["dial", "--now", "tomorrow"])
    assert result.exit_code != 0 and "ISO 8601" in result.output


def test_on_the_simulator_callbacks_before_the_call_sid_are_kept(app, session, position):
    simulator = get_telephony(app)
    simulator.script(position.phone, DebtorScript("busy"))
    dial_pass(app, NOW)
    [attempt] = attempts(session)
    assert attempt.status == "busy" and attempt.call_sid == simulator.calls[0].call_sid
    assert attempt.placed_at == NOW and not simulator.errors


def test_on_the_simulator_a_confirming_debtor_gives_the_position_its_outcome(app, session, position):
    simulator = get_telephony(app)
    simulator.script(position.phone, DebtorScript("human", ("1", "1")))
    report = dial_pass(app, NOW)
    [attempt] = attempts(session)
    assert len(report.placed) == 1 and not simulator.errors
    assert attempt.status == "completed" and attempt.answered_by == "human"
    assert attempt.position.outcome == "confirmed"


@pytest.mark.parametrize("instant", [
    "2026-11-23T08:29:00+01:00",   # before the first window (Rome time)
    "2026-11-23T12:30:00+01:00",   # between windows
    "2026-11-23T21:00:00+01:00",   # the last window has just closed
    "2026-11-22T10:00:00+01:00",   # a Sunday
    "2026-12-08T10:00:00+01:00",   # Immacolata, an Italian national holiday
])
def test_nobody_is_called_outside_the_creditors_windows(app, session, position, instant):
    simulator = get_telephony(app)
    report = dial_pass(app, datetime.fromisoformat(instant))
    assert report.due == [] and simulator.calls == [] and attempts(session) == []


def test_windows_are_read_on_the_creditors_own_clock(app, session):
    make_position(session, make_creditor(session, name="Tokyo Co", timezone="Asia/Tokyo",
                                         country="JP", windows="09:00-18:00"))
    evening_in_rome = datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc)   # 04:00 in Tokyo
    assert dial_pass(app, evening_in_rome).due == []
    morning_in_tokyo = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)    # 10:00 in Tokyo
    assert len(dial_pass(app, morning_in_tokyo).placed) == 1


def test_a_paused_creditor_is_not_dialled_until_it_is_resumed(app, session, position):
    from contacts.controls import pause_creditor, resume_creditor

    simulator = get_telephony(app)
    pause_creditor(session, position.creditor, "user:anna", "verifica", NOW)
    session.commit()
    report = dial_pass(app, NOW)
    assert (report.placed, report.planned, report.paused) == ([], 0, ["Acme Energia"])
    assert "1 creditors paused" in report.summary()
    assert simulator.calls == [] and attempts(session) == []
    resume_creditor(session, position.creditor, "user:anna", "", NOW + timedelta(minutes=1))
    session.commit()
    report = dial_pass(app, NOW + timedelta(minutes=2))
    assert len(report.placed) == 1 and len(simulator.calls) == 1


def test_a_paused_creditors_planned_retry_waits_where_it_was(app, session, position):
    """Its plans are neither claimed nor moved while it is paused: on resume the next pass
    finds the attempt as the pause left it."""
    from contacts.controls import pause_creditor

    session.add(Attempt(position_id=position.id, number=1, status="pending", due_at=NOW,
                        call_window="08:30-12:00", created_at=NOW))
    session.commit()
    pause_creditor(session, position.creditor, "user:anna", "verifica", NOW)
    session.commit()
    dial_pass(app, NOW + timedelta(hours=3))        # 14:00 Rome: its window has passed
    [attempt] = attempts(session)
    assert (attempt.status, attempt.due_at, attempt.call_window) == \
        ("pending", NOW, "08:30-12:00")


def test_a_pause_made_while_a_pass_runs_stops_its_next_claim(app, session, position):
    from contacts.controls import pause_creditor
    from db import session_scope
    from scheduler.claims import claim_batch
    from scheduler.dial import plan
    from scheduler.planning import load_creditors

    with session_scope(app) as work:
        creditors = load_creditors(work, NOW)       # the pass read the creditor running
        plan(work, NOW, creditors)
    pause_creditor(session, position.creditor, "user:anna", "subito", NOW)
    session.commit()
    with session_scope(app) as work:
        assert claim_batch(work, creditors[position.creditor_id], NOW, 10, "d", "+3902") == []
    assert attempts(session)[0].status == "pending"


def test_a_held_position_is_not_dialled_until_it_is_released(app, session, position):
    from contacts.controls import hold_position, release_position
    from db import session_scope
    from scheduler.dial import plan
    from scheduler.planning import load_creditors

    simulator = get_telephony(app)
    with session_scope(app) as work:                # its first call planned, not placed yet
        plan(work, NOW, load_creditors(work, NOW))
    hold_position(session, position, "user:mara", "parla con noi", NOW)
    session.commit()
    assert dial_pass(app, NOW).placed == [] and simulator.calls == []
    release_position(session, position, "user:mara", "", NOW)
    session.commit()
    report = dial_pass(app, NOW + timedelta(minutes=1))
    assert len(report.placed) == 1 and len(simulator.calls) == 1
    assert [a.number for a in attempts(session)] == [1]   # the planned call itself, given back


def positions_of(session, creditor, count, phone=None):
    return [make_position(session, creditor, reference=f"P-{n:03d}",
                          phone=phone or f"+39333{n:07d}") for n in range(count)]


def test_a_call_of_one_batch_counts_for_the_next_batchs_call_to_the_same_number(app, session):
    # One debtor, two invoices, one call per batch: the first call ends (a conversation), its
    # number is free again, and the second batch's call must be refused by the policy.
    app.config["DIAL_BATCH_SIZE"] = 1
    positions_of(session, make_creditor(session), 2, phone="+393331234567")
    get_telephony(app).script("+393331234567", DebtorScript("human", ("1", "1")))
    report = dial_pass(app, NOW)
    assert [d.reference for d in report.placed] == ["P-000"]
    assert [(d.reference, rule) for d, rule in report.postponed] == \
        [("P-001", "conversations_per_day")]


def test_once_the_provider_is_down_the_pass_stops_and_leaves_the_rest_due(app, session, twilio):
    app.config["DIAL_BATCH_SIZE"] = 10
    positions_of(session, make_creditor(session), 35)
    twilio.post(CALLS, status=500, json={"code": 20500, "message": "Internal Server Error"})
    report = dial_pass(app, NOW)
    assert len(report.failed) == 20 and len(twilio.calls) == 20   # then it stops
    assert not report.placed and not report.skipped
    assert [a.status for a in attempts(session)] == ["pending"] * 35
    assert sorted(a.place_errors for a in attempts(session)) == [0] * 15 + [1] * 20
