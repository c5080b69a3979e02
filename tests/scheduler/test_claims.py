"""Claims: disjoint between dialers, and reconciled with the provider when a dialer died."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from db import session_scope
from db.models import Attempt
from scheduler.claims import claim_batch
from scheduler.dial import dial_pass, plan
from scheduler.pacing import VirtualClock
from scheduler.planning import load_creditors
from tests.factories import make_creditor, make_position
from tests.scheduler.conftest import LEASE, STANDIN_NOW as NOW


@pytest.fixture
def positions(session):
    creditor = make_creditor(session)
    return [make_position(session, creditor, reference=f"P-{i:03d}", phone=f"+39333000{i:04d}")
            for i in range(40)]


def claim_as(app, dialer, limit):
    """One claim transaction, as dialer `dialer` would run it; the claimed attempt ids."""
    with session_scope(app) as session:
        creditor = next(iter(load_creditors(session, NOW).values()))
        return {d.attempt_id for d in claim_batch(session, creditor, NOW, limit, dialer, "+3902")}


def planned(app):
    with session_scope(app) as session:
        plan(session, NOW, load_creditors(session, NOW))


def test_two_dialers_claim_disjoint_batches(app, session, positions):
    planned(app)
    first, second = claim_as(app, "a", 25), claim_as(app, "b", 25)
    assert len(first) == 25 and len(second) == 15 and not first & second
    assert claim_as(app, "c", 25) == set()
    owners = dict(session.execute(select(Attempt.id, Attempt.claimed_by)).all())
    assert {owners[i] for i in first} == {"a"} and {owners[i] for i in second} == {"b"}


def test_planning_twice_creates_each_attempt_once(app, session, positions):
    planned(app)
    planned(app)
    assert session.query(Attempt).count() == len(positions)


def test_a_dead_dialers_claim_is_kept_until_the_lease_expires(app, session, standin, positions):
    planned(app)
    claim_as(app, "dead", 100)
    report = dial_pass(app, NOW + timedelta(seconds=LEASE - 1))
    assert report.placed == [] and standin.calls == []


def test_an_expired_claim_without_a_call_is_placed_again_once(app, session, standin, positions):
    planned(app)
    claim_as(app, "dead", 100)
    report = dial_pass(app, NOW + timedelta(seconds=LEASE + 1))
    assert report.released == len(positions) and len(report.placed) == len(positions)
    assert len(standin.calls) == len(positions)
    assert dial_pass(app, NOW + timedelta(seconds=2 * LEASE)).placed == []


def test_an_expired_claim_whose_call_exists_is_adopted_not_placed(app, session, standin, positions):
    planned(app)
    claimed = claim_as(app, "dead", 100)
    # The dead dialer got one call out before dying; its callbacks never arrived.
    first = session.get(Attempt, min(claimed))
    sid = standin.record("AC", {"To": first.to_number, "From": "+3902",
                                "Url": f"https://x/ivr/{first.token}/answer"})["sid"]
    report = dial_pass(app, NOW + timedelta(seconds=LEASE + 1))
    assert report.adopted == 1 and report.released == len(positions) - 1
    session.expire_all()
    adopted = session.get(Attempt, first.id)
    assert adopted.call_sid == sid and adopted.status == "queued" and adopted.placed_at == NOW
    assert [c["to"] for c in standin.calls].count(first.to_number) == 1
    assert len(standin.calls) == len(positions)


def test_a_lost_answer_is_adopted_once_the_provider_shows_the_call(app, session, standin):
    position = make_position(session, make_creditor(session))

    class LostAnswer:
        """The request reached the provider, but its answer did not reach us."""

        def settle(self):
            pass

        def place_call(self, request):
            standin.record("AC", {"To": request.to, "From": request.from_, "Url": request.url})
            from telephony import PlaceCallError
            raise PlaceCallError("read timed out", maybe_placed=True)

    real = app.extensions.pop("cortesia.telephony", None)
    app.extensions["cortesia.telephony"] = LostAnswer()
    dial_pass(app, NOW)
    app.extensions["cortesia.telephony"] = real or _twilio(app)
    report = dial_pass(app, NOW + timedelta(seconds=LEASE + 1))
    [attempt] = session.scalars(select(Attempt)).all()
    session.refresh(attempt)
    assert report.adopted == 1 and attempt.call_sid == standin.calls[0]["sid"]
    assert len(standin.calls) == 1 and attempt.position_id == position.id


def _twilio(app):
    from telephony import build_telephony

    return build_telephony(app)
