"""Claim recovery and dial passes log no personal data: no phone number, no name at INFO."""
import logging
from datetime import timedelta

import pytest

from db import session_scope
from scheduler.claims import claim_batch
from scheduler.dial import dial_pass, plan
from scheduler.planning import load_creditors
from tests.factories import make_creditor, make_position
from tests.scheduler.conftest import LEASE, STANDIN_NOW as NOW


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
