"""The long-running worker: APScheduler as a ticker for playbook steps, dial passes, the outbox,
daily reports, speech rendering, the debtors' spoken messages, the uploads sweep and the
retention of personal data: one table of jobs, each run by one guarded runner."""
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta, timezone

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError, OperationalError

from db.models import utcnow
from scheduler.tick import CLOCK

log = logging.getLogger(__name__)


def run_job(name, job):
    """Run one job of the ticker and return what it returns; None if it failed.

    A failed job must not stop the ticker: the next tick tries again. A database that is busy
    (SQLite locked past its busy timeout) or unreachable (PostgreSQL restarting) is expected now
    and then, so it gets one line, not a traceback; anything else is a bug and gets one.
    """
    try:
        return job()
    except Exception as exc:
        if is_transient(exc):
            # The driver's message only: SQLAlchemy's own text quotes the statement's parameters,
            # which can be a debtor's data.
            reason = (str(exc.orig).strip().splitlines() or [""])[0]
            log.warning("%s: database error (%s: %s), trying again next tick", name,
                        type(exc.orig).__name__, reason)
        else:
            log.exception("%s failed", name)
        return None


def is_transient(exc):
    """A database error that the same work may not meet a moment later: locked, connection lost."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@dataclass(frozen=True)
class Job:
    """One job of the ticker: what it runs at the current time, how often, what it logs."""

    id: str
    name: str                   # as the log names it
    every: int | None           # seconds; None: the worker's --dial-every
    run: Callable               # (app, now) -> a report, or None
    describe: Callable = lambda report: None  # the report's INFO line, or None: nothing worth one


# The jobs' modules are imported when a job runs, as they were before this table (and the
# tests replace `scheduler.dial.dial_pass` to watch a tick).
def _dial(app, now):
    from scheduler.dial import dial_pass
    return dial_pass(app, now)


def _steps(app, now):
    from scheduler.steps import run_steps
    return run_steps(app, now)


def _flush(app, now):
    from notify.outbox import flush_outbox
    return flush_outbox(app, now)


def _receipts(app, now):
    from notify.pec_receipts import read_pec_receipts
    return read_pec_receipts(app, now)


def _reports(app, now):
    from reports.mail import send_due_reports
    return send_due_reports(app, now)


def _speech(app, now):
    from audio.speech import render_prompts
    return render_prompts(app, now)


def _voices(app, now):
    from audio.voice_messages import fetch_voice_messages
    return fetch_voice_messages(app, now)


def _retention(app, now):
    from contacts.retention import anonymise_expired
    return anonymise_expired(app, now)


def _webhooks(app, now):
    from api.delivery import publish_and_deliver
    return publish_and_deliver(app, now)


def _uploads(app, now):
    # The console sweeps on each upload too; this is for a console nobody opens.
    from console.uploads import sweep
    with app.app_context():
        return sweep()


# The outbox's pass is OutboxWake's (below). The 23:30 report is made once per creditor and day
# by ReportRun's unique key, not by hoping only one worker runs; the outbox then mails it. A
# report missed while no worker ran is made at the first tick (see reports.mail.due_reports):
# every job runs at start, so a worker that restarts often still catches up.
JOBS = (
    Job("steps", "playbook steps", 60, _steps,
        describe=lambda r: str(r) if r.ran or r.skipped or r.postponed or r.ended else None),
    Job("dial", "dial pass", None, _dial, describe=str),
    Job("receipts", "PEC receipts", 120, _receipts,
        describe=lambda r: str(r) if r.configured and (r.filed or r.error) else None),
    Job("reports", "daily reports", 60, _reports),
    Job("speech", "speech rendering", 60, _speech,
        describe=lambda r: f"speech: {r}" if r.rendered or r.failed else None),
    Job("voices", "voice messages", 60, _voices, describe=lambda r: str(r) if r else None),
    Job("uploads", "uploads sweep", 600, _uploads),
    Job("webhooks", "creditors' events and webhooks", 10, _webhooks,
        describe=lambda r: str(r) if r else None),
    Job("retention", "retention", 3600, _retention, describe=lambda r: str(r) if r else None),
)


class OutboxWake:
    """Runs the outbox pass at once when a message has become due since the pass last looked —
    key 7's SMS, queued by a webhook in the web process, goes out a second later rather than at
    the pass's next interval. The webhook stays fast: it only queues. Looking costs one indexed
    SELECT a second; the pass itself still never overlaps itself."""

    EVERY = 1                          # seconds between looks
    # A message committed while the last pass was finishing (after its last claim) is still
    # found; one that pass failed on has a later next_try_at and waits for it.
    MARGIN = timedelta(seconds=5)

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.looked_at = None          # when the outbox pass last started (its `now`)
        self.running = False

    def jobs(self):
        return (Job("flush", "outbox flush", 30, self.flush),
                Job("outbox_wake", "outbox wake-up", self.EVERY, self.wake))

    def flush(self, app, now):
        self.running, self.looked_at = True, now
        try:
            return _flush(app, now)
        finally:
            self.running = False

    def wake(self, app, now):
        """Bring the outbox pass forward to now when a message became due since it last looked;
        True when it did. Quiet when the database cannot answer: the pass itself says so."""
        if self.running or self.looked_at is None:
            return False
        from notify.outbox import due_since
        try:
            due = due_since(app, self.looked_at - self.MARGIN, now)
        except Exception:  # noqa: BLE001 - a look a second must not log a line a second
            log.debug("outbox wake-up: could not look", exc_info=True)
            return False
        if due:
            self.scheduler.modify_job("flush", next_run_time=utcnow())
        return due


def guarded(app, job):
    """The job as the scheduler calls it: at the app's current time (the clock its webhooks
    stamp facts with, so a message a call queued is due to the pass that follows it), through
    `run_job`, logged."""
    def tick():
        report = run_job(job.name, lambda: job.run(app, app.extensions.get(CLOCK, utcnow)()))
        line = job.describe(report) if report is not None else None
        if line:
            log.info("%s", line)
    tick.__name__ = job.id
    return tick


def build_scheduler(app, dial_every):
    """A scheduler running each of JOBS at its interval, the dial pass every `dial_every` s,
    and the outbox pass every 30 s or as soon as a message becomes due (OutboxWake)."""
    scheduler = BlockingScheduler(timezone=timezone.utc)
    for job in (*JOBS, *OutboxWake(scheduler).jobs()):
        every = job.every or dial_every
        # A job never overlaps itself (max_instances=1); missed ticks collapse into one.
        scheduler.add_job(guarded(app, job), "interval", seconds=every, id=job.id, coalesce=True,
                          max_instances=1, misfire_grace_time=every, next_run_time=utcnow())
    return scheduler


@click.command("worker")
@click.option("--dial-every", default=15, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between dial passes.")
@with_appcontext
def worker_command(dial_every):
    """Run the scheduler until SIGTERM or Ctrl-C: dial passes every few seconds, and the other jobs."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick is noise
    scheduler = build_scheduler(current_app._get_current_object(), dial_every)

    def stop(signum, _frame):
        log.info("signal %s: finishing the running pass, then stopping", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Cortesia worker: a dial pass every {dial_every} s (Ctrl-C to stop).")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
