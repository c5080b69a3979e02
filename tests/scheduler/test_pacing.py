"""Pacing on a fake clock: the rate, the concurrency caps, and a window that closes mid-pass."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import Attempt
from scheduler.dial import dial_pass
from scheduler.pacing import Pacer, SharedLedger, VirtualClock
from telephony import get_telephony
from telephony.simulator import DebtorScript
from tests.factories import make_attempt, make_creditor, make_position
from tests.scheduler.test_planning import rome

NOW = rome(2026, 11, 23, 9, 0)


def add_positions(session, creditor, count, prefix="P"):
    return [make_position(session, creditor, reference=f"{prefix}-{i:03d}",
                          phone=f"+39333{len(prefix)}{i:06d}") for i in range(count)]


def placed_times(session):
    session.expire_all()
    return sorted(t for t in session.scalars(select(Attempt.placed_at)) if t is not None)


def test_the_pacer_spaces_calls_without_sleeping_on_a_virtual_clock():
    clock = VirtualClock()
    pacer = Pacer(NOW, calls_per_second=4, clock=clock)
    times = []
    for _ in range(5):
        pacer.wait()
        times.append(pacer.now())
    assert [(t - NOW).total_seconds() for t in times] == [0, 0.25, 0.5, 0.75, 1.0]


def test_a_pass_respects_the_calls_per_second(app, session):
    add_positions(session, make_creditor(session), 6)
    clock = VirtualClock()
    report = dial_pass(app, NOW, calls_per_second=2, clock=clock)
    assert len(report.placed) == 6
    assert [(t - NOW).total_seconds() for t in placed_times(session)] == [0, .5, 1, 1.5, 2, 2.5]


def test_a_window_closing_mid_pass_leaves_the_rest_for_the_next_window(app, session):
    for position in add_positions(session, make_creditor(session), 10):
        get_telephony(app).script(position.phone, DebtorScript("human", ("1", "1")))
    report = dial_pass(app, rome(2026, 11, 23, 11, 59, 57), calls_per_second=1, clock=VirtualClock())
    assert len(report.placed) == 3 and len(report.skipped) == 7
    assert all(t < rome(2026, 11, 23, 12, 0) for t in placed_times(session))
    assert dial_pass(app, rome(2026, 11, 23, 13, 0)).placed == []        # between windows
    later = dial_pass(app, rome(2026, 11, 23, 14, 0), calls_per_second=0)
    assert len(later.placed) == 7
    windows = session.scalars(select(Attempt.call_window).where(Attempt.number == 1)).all()
    assert sorted(windows) == ["08:30-12:00"] * 3 + ["14:00-17:00"] * 7


def test_the_creditors_concurrency_cap_holds_the_rest(app, session, standin):
    add_positions(session, make_creditor(session, max_concurrent_calls=3), 8)
    report = dial_pass(app, NOW, calls_per_second=0)
    # Nothing reports an end on the stand-in: three calls ring, the others wait.
    assert len(report.placed) == 3 and report.held == ["Acme Energia"]
    assert dial_pass(app, NOW + timedelta(minutes=1), calls_per_second=0).placed == []


def test_the_accounts_concurrency_cap_spans_creditors(app, session, standin):
    app.config["DIAL_MAX_CONCURRENT"] = 5
    add_positions(session, make_creditor(session), 4, "A")
    add_positions(session, make_creditor(session, name="Beta Srl"), 4, "BB")
    report = dial_pass(app, NOW, calls_per_second=0)
    assert len(report.placed) == 5 and len(standin.calls) == 5


def test_a_call_silent_past_the_staleness_cut_off_frees_its_line(app, session, standin):
    app.config["DIAL_STALE_CALL_SECONDS"] = 3600
    creditor = make_creditor(session, max_concurrent_calls=1)
    old, new = add_positions(session, creditor, 2)
    make_attempt(session, old, status="ringing", call_window="08:30-12:00",
                 placed_at=NOW - timedelta(hours=2))   # its final callback never came
    assert len(dial_pass(app, NOW, calls_per_second=0).placed) == 1
    assert standin.calls[0]["to"] == new.phone


@pytest.mark.parametrize("rate, lease, expected", [(0, 300, 200), (1, 300, 75), (10, 300, 200)])
def test_a_paced_pass_claims_no_more_than_it_places_well_inside_a_lease(rate, lease, expected):
    assert Pacer(NOW, rate, VirtualClock()).batch_limit(200, lease) == expected


def test_two_dialers_at_the_same_instant_share_the_accounts_rate(app, session, standin):
    add_positions(session, make_creditor(session), 6)
    first = dial_pass(app, NOW, calls_per_second=2, clock=VirtualClock(), dialer_id="one")
    second = dial_pass(app, NOW, calls_per_second=2, clock=VirtualClock(), dialer_id="two")
    assert len(first.placed) == 6 and second.placed == []
    add_positions(session, make_creditor(session, name="Beta Srl"), 2, "BB")
    third = dial_pass(app, NOW, calls_per_second=2, clock=VirtualClock(), dialer_id="three")
    # The third dialer's clock starts at NOW too, but its slots follow the first one's.
    assert len(third.placed) == 2
    assert [(t - NOW).total_seconds() for t in placed_times(session)] == \
        [0, .5, 1, 1.5, 2, 2.5, 3, 3.5]


def test_dialers_get_disjoint_slots_from_the_shared_ledger(app):
    ledger = SharedLedger(app, "calls:test", horizon_seconds=300)
    one = Pacer(NOW, 4, VirtualClock(), ledger)
    two = Pacer(NOW, 4, VirtualClock(), ledger)
    one.reserve(3)
    two.reserve(2)
    one.reserve(1)
    assert [(t - NOW).total_seconds() for t in one._slots] == [0, .25, .5, 1.25]
    assert [(t - NOW).total_seconds() for t in two._slots] == [.75, 1.0]


def test_a_slot_left_far_ahead_by_an_old_replay_does_not_hold_calls(app):
    ledger = SharedLedger(app, "calls:test", horizon_seconds=300)
    ledger.reserve(1, NOW + timedelta(days=2), 1.0)       # a replay of a later day
    assert ledger.reserve(1, NOW, 1.0) == NOW
    assert ledger.reserve(1, NOW, 1.0) == NOW + timedelta(seconds=1)


def test_slots_that_lapsed_while_placing_was_slow_do_not_make_a_burst():
    clock = VirtualClock()
    pacer = Pacer(NOW, calls_per_second=1, clock=clock)
    pacer.reserve(3)
    pacer.wait()
    clock.sleep(5)                 # the provider took five seconds to answer the first call
    times = []
    for _ in range(2):
        pacer.wait()
        times.append((pacer.now() - NOW).total_seconds())
    assert times == [5, 6]
