"""The long-running worker: APScheduler as a ticker for dial passes, the outbox and daily reports."""
import logging
import signal
from datetime import timezone

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError, OperationalError

from db.models import utcnow

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


def build_scheduler(app, dial_every):
    """A scheduler whose only job is one dial pass every `dial_every` seconds."""
    from scheduler.dial import dial_pass

    def tick():
        report = run_job("dial pass", lambda: dial_pass(app, utcnow()))
        if report is not None:
            log.info("%s", report)

    def flush():
        from notify.outbox import flush_outbox
        run_job("outbox flush", lambda: flush_outbox(app, utcnow()))

    def speech():
        from audio.speech import render_prompts
        report = run_job("speech rendering", lambda: render_prompts(app, utcnow()))
        if report and (report.rendered or report.failed):
            log.info("speech: %s", report)

    def reports():
        from reports.mail import send_due_reports
        run_job("daily reports", lambda: send_due_reports(app, utcnow()))

    def uploads():
        # The console sweeps on each upload too; this is for a console nobody opens.
        from console.uploads import sweep
        with app.app_context():
            run_job("uploads sweep", sweep)

    scheduler = BlockingScheduler(timezone=timezone.utc)
    # The 23:30 report is made once per creditor and day by ReportRun's unique key, not by
    # hoping only one worker runs; the outbox then mails it. A report missed while no worker
    # ran is made at the first tick (see reports.mail.due_reports): every job runs at start,
    # so a worker that restarts often still catches up.
    for job, every in ((flush, 30), (reports, 60), (speech, 60), (uploads, 600)):
        scheduler.add_job(job, "interval", seconds=every, id=job.__name__, coalesce=True,
                          max_instances=1, misfire_grace_time=every, next_run_time=utcnow())
    # Passes never overlap (max_instances=1); missed ticks collapse into one (coalesce).
    scheduler.add_job(tick, "interval", seconds=dial_every, id="dial", coalesce=True,
                      max_instances=1, misfire_grace_time=dial_every, next_run_time=utcnow())
    return scheduler


@click.command("worker")
@click.option("--dial-every", default=15, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between dial passes.")
@with_appcontext
def worker_command(dial_every):
    """Run the scheduler until SIGTERM or Ctrl-C: dial passes every few seconds."""
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
