"""Retention: positions paid, closed or ended are anonymised once their creditor's retention
period has passed since their status last changed — by the worker's job and by `tick`."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from contacts.privacy import ERASED_EVENT
from contacts.retention import anonymise_expired, months_before
from contacts.status import set_status
from db.models import Event, Position
from tests.factories import make_creditor, make_position

NOW = datetime(2027, 12, 6, 3, 0, tzinfo=timezone.utc)   # a Monday night: no call is due


def aged(session, creditor, reference, status, months, phone):
    """A position of `creditor` that took `status` `months` months before NOW."""
    then = months_before(NOW, months)
    position = make_position(session, creditor, reference=reference, name=f"Debtor {reference}",
                             phone=phone, email=f"{reference.lower()}@example.test",
                             created_at=then - timedelta(days=40))
    if status != "open":
        set_status(session, position, status, "test", status, then)
    session.commit()
    return position


@pytest.fixture
def portfolio(session):
    acme = make_creditor(session, name="Acme")
    patient = make_creditor(session, name="Patient", retention_months=24)
    return {
        "old_paid": aged(session, acme, "OLD-PAID", "paid", 13, "+393330000001"),
        "old_ended": aged(session, acme, "OLD-ENDED", "ended", 12, "+393330000002"),
        "young_paid": aged(session, acme, "YOUNG-PAID", "paid", 11, "+393330000003"),
        "old_open": aged(session, acme, "OLD-OPEN", "open", 30, "+393330000004"),
        "old_disputed": aged(session, acme, "OLD-DISPUTED", "disputed", 20, "+393330000005"),
        "kept_longer": aged(session, patient, "KEPT-LONGER", "closed", 13, "+393330000006"),
    }


def names(session, portfolio):
    session.expire_all()
    return {key: session.get(Position, p.id).name.startswith("Debtor")
            for key, p in portfolio.items()}


def test_retention_anonymises_the_retired_positions_past_the_period_only(app, session,
                                                                          portfolio):
    assert anonymise_expired(app, NOW).anonymised == 2
    assert names(session, portfolio) == {"old_paid": False, "old_ended": False,
                                         "young_paid": True, "old_open": True,
                                         "old_disputed": True, "kept_longer": True}
    old = session.get(Position, portfolio["old_paid"].id)
    assert (old.phone, old.email, old.status, old.erased_at) == ("", None, "paid", NOW)
    events = session.scalars(select(Event).where(Event.kind == ERASED_EVENT)).all()
    assert {(e.source, e.detail["reason"]) for e in events} == {("worker:retention", "retention")}
    assert anonymise_expired(app, NOW).anonymised == 0   # once is enough


def test_a_status_changed_since_restarts_the_period(app, session, portfolio):
    ended = session.get(Position, portfolio["old_ended"].id)
    set_status(session, ended, "closed", "test", "withdrawn", months_before(NOW, 2))
    session.commit()
    assert anonymise_expired(app, NOW).anonymised == 1
    assert names(session, portfolio)["old_ended"] is True


def test_tick_runs_the_retention(app, session, portfolio, runner):
    result = runner.invoke(args=["tick", "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert "retention: 2 positions anonymised" in result.output
    assert names(session, portfolio)["old_paid"] is False


def test_the_worker_runs_the_retention_job(app, session, portfolio):
    from scheduler import worker

    job = next(j for j in worker.JOBS if j.id == "retention")
    report = job.run(app, NOW)
    assert job.describe(report) == "retention: 2 positions anonymised"


@pytest.mark.parametrize("now, months, before", [
    ("2027-12-06T03:00+00:00", 12, "2026-12-06T03:00+00:00"),
    ("2027-03-31T10:00+00:00", 1, "2027-02-28T10:00+00:00"),
    ("2028-02-29T10:00+00:00", 12, "2027-02-28T10:00+00:00"),
    ("2027-01-15T10:00+00:00", 25, "2024-12-15T10:00+00:00"),
])
def test_months_before_counts_calendar_months(now, months, before):
    assert months_before(datetime.fromisoformat(now), months) == datetime.fromisoformat(before)


def test_creditor_set_changes_the_retention_period(runner, session):
    make_creditor(session, name="Acme")
    assert runner.invoke(args=["creditor", "set", "Acme", "--retention-months", "36"]
                         ).exit_code == 0
    refused = runner.invoke(args=["creditor", "set", "Acme", "--retention-months", "0"])
    assert refused.exit_code == 1 and "retention months must be between 1 and 120" in \
        refused.output
    session.expire_all()
    from db.models import Creditor
    assert session.scalar(select(Creditor.retention_months)) == 36


def test_two_workers_at_once_anonymise_each_position_once(app, session, portfolio):
    import threading

    results, errors = [], []

    def run():
        try:
            results.append(anonymise_expired(app, NOW).anonymised)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sum(results) == 2
    session.expire_all()
    erased = session.scalars(select(Event.position_id).where(Event.kind == ERASED_EVENT)).all()
    assert sorted(erased) == sorted([portfolio["old_paid"].id, portfolio["old_ended"].id])
