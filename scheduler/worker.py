"""The long-running worker: APScheduler as a ticker for dial passes, the outbox and daily reports."""
import logging
import signal
from datetime import timezone

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from db.models import utcnow

log = logging.getLogger(__name__)


def build_scheduler(app, dial_every):
    """A scheduler whose only job is one dial pass every `dial_every` seconds."""
    from scheduler.dial import dial_pass

    def tick():
        try:
            report = dial_pass(app, utcnow())
            log.info("%s", report)
        except Exception:  # a failed pass must not stop the ticker; the next one retries
            log.exception("dial pass failed")

    def flush():
        from notify.outbox import flush_outbox
        try:
            flush_outbox(app, utcnow())
        except Exception:  # SMTP or database trouble: the next tick retries
            log.exception("outbox flush failed")

    def speech():
        from audio.speech import render_prompts
        try:
            report = render_prompts(app, utcnow())
            if report and (report.rendered or report.failed):
                log.info("speech: %s", report)
        except Exception:
            log.exception("speech rendering failed")

    def reports():
        from reports.mail import send_due_reports
        try:
            send_due_reports(app, utcnow())
        except Exception:
            log.exception("daily reports failed")

    scheduler = BlockingScheduler(timezone=timezone.utc)
    # The 23:30 report is made once per creditor and day by ReportRun's unique key, not by
    # hoping only one worker runs; the outbox then mails it. A report missed while no worker
    # ran is made at the first tick (see reports.mail.due_reports): every job runs at start,
    # so a worker that restarts often still catches up.
    for job, every in ((flush, 30), (reports, 60), (speech, 60)):
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
