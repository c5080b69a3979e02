"""The worker: a ticker for dial passes that never overlap and survive a failing pass."""
from scheduler import worker


def test_the_dial_job_never_overlaps_and_coalesces_missed_ticks(app):
    job = worker.build_scheduler(app, dial_every=5).get_job("dial")
    assert job.max_instances == 1 and job.coalesce is True
    assert job.trigger.interval.total_seconds() == 5


def test_a_tick_runs_a_dial_pass_at_the_current_time(app, monkeypatch):
    seen = []
    monkeypatch.setattr("scheduler.dial.dial_pass", lambda app, now: seen.append(now) or "ok")
    worker.build_scheduler(app, dial_every=5).get_job("dial").func()
    assert len(seen) == 1 and seen[0].tzinfo is not None


def test_a_failing_pass_does_not_stop_the_ticker(app, monkeypatch, caplog):
    def boom(app, now):
        raise RuntimeError("database went away")
    monkeypatch.setattr("scheduler.dial.dial_pass", boom)
    worker.build_scheduler(app, dial_every=5).get_job("dial").func()
    assert "dial pass failed" in caplog.text


def test_the_worker_also_flushes_the_outbox_and_makes_the_daily_reports(app):
    jobs = {job.id for job in worker.build_scheduler(app, dial_every=5).get_jobs()}
    assert jobs == {"dial", "flush", "reports"}
