"""`flask simulate`: a whole campaign on a simulated clock, through the simulator, in seconds.

The campaign runs on its own throw-away SQLite database (or `--database-url`), so trying it
never touches real positions, rings nobody and mails nobody (mail goes to an in-memory mailer).
Each simulated moment is one `tick` — the playbook's steps, the dial pass, the outbox — as the
worker runs it; simulated debtors pay after an email, after a call, or never (tools.payers),
and the creditor reports it. A playbook with an end runs from its day 0 through day N.
"""
import functools
import multiprocessing
import os
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from contacts.creditors import DEFAULT_WINDOWS
from contacts.importer import import_contacts
from db import get_sessionmaker, session_scope
from db.models import Attempt, Creditor, Position
from db.upgrade import upgrade_schema
from db.write_lock import share_write_lock
from domain.playbooks import (
    BUILT_IN, CUSTOM, DEFAULT, PlaybookError, add_working_days, parse_playbook, playbook_of,
)
from domain.windows import is_calling_day, parse_windows
from notify.mailer import MemoryMailer
from reports.daily import report_csv
from scheduler.tick import tick
from telephony import get_telephony
from tools.idle import did_nothing, next_due
from tools.payers import Payers
from tools.phase_summary import phase_summary, print_phase

CREDITOR = "Simulazione"


@dataclass
class CampaignSummary:
    """What a simulated campaign did, in the figures a campaign manager asks for first."""

    positions: int = 0
    outcomes: Counter = field(default_factory=Counter)
    calls_per_window: Counter = field(default_factory=Counter)
    answered_per_window: Counter = field(default_factory=Counter)
    attempts_per_outcome: dict = field(default_factory=dict)
    reports: list = field(default_factory=list)   # (day, csv text)
    phase: object = None                           # tools.phase_summary.PhaseSummary
    habits: dict = field(default_factory=dict)     # payer habit → positions


def working_days(start, count, country):
    """The first `count` calling days from `start` on (Sundays and holidays skipped)."""
    days, day = [], start
    while len(days) < count:
        if is_calling_day(day, country):
            days.append(day)
        day += timedelta(days=1)
    return days


def simulated_days(start, days, country, playbook):
    """The days to simulate: `days` calling days; for a playbook that ends, every calling day
    (Saturdays too: a call round may retry on one) from day 0 through the phase's working
    day `days` (Monday to Friday)."""
    if playbook.end_day is None:
        return working_days(start, days, country)
    last, found, day = add_working_days(start, days, country), [], start
    while day <= last:
        if is_calling_day(day, country):
            found.append(day)
        day += timedelta(days=1)
    return found


def ticks(day, windows, timezone, every_minutes):
    """The dialer's clock through one day: every few minutes inside each window."""
    for window in window_ticks(day, windows, timezone, every_minutes):
        yield from window


def window_ticks(day, windows, timezone, every_minutes):
    """The day's ticks, one list per call window."""
    zone, step = ZoneInfo(timezone), timedelta(minutes=every_minutes)
    for window in parse_windows(windows):
        moment = datetime.combine(day, window.start, tzinfo=zone)
        closing = datetime.combine(day, window.end, tzinfo=zone)
        moments = []
        while moment < closing:
            moments.append(moment)
            moment += step
        yield moments


def run_day(app, day, windows, timezone, every_minutes, clock, skip_idle=True):
    """Tick through the day's windows; a tick is skipped only when the one before it did
    nothing and nothing falls due before it (tools.idle), so the month replays the same."""
    for moments in window_ticks(day, windows, timezone, every_minutes):
        idle_until = None   # each window opens with a tick: steps and first calls wait for it
        for moment in moments:
            if idle_until is not None and moment < idle_until:
                continue
            clock["now"] = moment
            report = tick(app, moment)
            idle_until = next_due(app, moment) if skip_idle and did_nothing(report) else None


def build_campaign_app(factory, database_url, seed, scratch=False, processes=1):
    """An app of its own, made by `factory`: simulator telephony, in-memory mail, the given seed.

    On a `scratch` SQLite database, thrown away at the end, commits skip the disk flush. With
    `processes` over 1 the simulated calls run in that many processes: this one and worker
    processes, each with an app made the same way on the same database (`close_campaign_app`
    stops them).
    """
    # On SQLite the processes queue for the write lock instead of polling the file for it.
    lock = multiprocessing.get_context("spawn").Lock() \
        if processes > 1 and make_url(database_url).get_backend_name() == "sqlite" else None
    app = _campaign_app(factory, database_url, seed, scratch, write_lock=lock)
    upgrade_schema(app.extensions["cortesia.engine"])
    if processes > 1:
        get_telephony(app).run_calls_in_processes(processes, functools.partial(
            _campaign_app, factory, database_url, seed, scratch, app.config["SECRET_KEY"],
            write_lock=lock))
    return app


def close_campaign_app(app):
    """Stop the campaign's worker processes, if any, and close its database connections."""
    get_telephony(app).close()
    app.extensions["cortesia.engine"].dispose()


def default_processes():
    """Processes running the simulated calls, this one included: one per core, at most four."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(4, cores or 1)


def _campaign_app(factory, database_url, seed, scratch, secret_key=None, write_lock=None):
    """The campaign's app; a worker's (with the placing app's `secret_key`, which its
    webhooks are signed with) runs no schema upgrade: the placing app did. `write_lock`: the
    SQLite write lock its processes share (db.write_lock)."""
    app = factory({"DATABASE_URL": database_url, "TELEPHONY": "simulator",
                   "SIMULATOR_SEED": seed, "TWILIO_ACCOUNT_SID": None,
                   "TWILIO_AUTH_TOKEN": None, "DIAL_CALLS_PER_SECOND": 0,
                   "MAIL_FROM": "cortesia@simulazione.invalid", "TTS_ENGINE": "say",
                   **({"SECRET_KEY": secret_key} if secret_key else {})})
    app.extensions["cortesia.mailer"] = MemoryMailer()
    engine = app.extensions["cortesia.engine"]
    if scratch and engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _no_disk_flush)
    if write_lock is not None:
        share_write_lock(engine, write_lock, app.config["SQLITE_BUSY_TIMEOUT"])
    return app


def _no_disk_flush(dbapi_connection, _record):
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def run_campaign(app, contacts, days, start, every_minutes=10, progress=None, playbook=DEFAULT,
                 seed=None, playbook_steps=None, skip_idle=True, require_code=False):
    """Import `contacts` for a creditor on `playbook` (or its own `playbook_steps`, a playbook's
    text), then tick through the working days; the summary. With a playbook that ends, `days`
    counts the phase's working days after day 0. `require_code`: the creditor identifies
    debtors by verification code only (domain.identification)."""
    if playbook_steps:
        playbook = CUSTOM
    creditor_id, windows, timezone, country, payers = _set_up(app, contacts, playbook,
                                                              playbook_steps, seed, require_code)
    rules = playbook_of(playbook, playbook_steps)
    clock = {"now": None}
    app.extensions["cortesia.clock"] = lambda: clock["now"]
    summary = CampaignSummary(habits=payers.habits())
    zone = ZoneInfo(timezone)
    for day in simulated_days(start, days, country, rules):
        payers.report_due(app, day)
        run_day(app, day, windows, timezone, every_minutes, clock, skip_idle)
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        payers.observe(app, day, midnight, midnight + timedelta(days=1))
        with session_scope(app) as session:
            creditor = session.get(Creditor, creditor_id)
            summary.reports.append((day, report_csv(session, creditor, day)))
        if progress:
            progress(day)
    _summarise(app, creditor_id, summary)
    with session_scope(app) as session:
        summary.phase = phase_summary(session, creditor_id, rules)
    return summary


def _set_up(app, contacts, playbook, playbook_steps, seed, require_code=False):
    """The simulated creditor, its positions imported, and their debtors' paying habits."""
    with session_scope(app) as session:
        creditor = Creditor(name=CREDITOR, caller_id="+390200000000", windows=DEFAULT_WINDOWS,
                            report_email="report@simulazione.invalid", playbook=playbook,
                            playbook_steps=playbook_steps, require_code=require_code)
        session.add(creditor)
        session.flush()
        import_contacts(session, creditor, contacts)
        payers = Payers(seed, creditor.country, creditor.timezone)
        payers.draw(session.execute(select(Position.id, Position.reference)
                                    .where(Position.creditor_id == creditor.id)).all())
        return creditor.id, creditor.windows, creditor.timezone, creditor.country, payers


def _summarise(app, creditor_id, summary):
    session = get_sessionmaker(app)()
    try:
        positions = session.execute(select(Position.id, Position.outcome)
                                    .where(Position.creditor_id == creditor_id)).all()
        outcome_of = {pid: outcome or "pending" for pid, outcome in positions}
        summary.positions = len(positions)
        summary.outcomes = Counter(outcome_of.values())
        attempts = defaultdict(int)
        rows = session.execute(
            select(Attempt.position_id, Attempt.call_window, Attempt.answered_by)
            .join(Position, Position.id == Attempt.position_id)
            .where(Attempt.placed_at.is_not(None), Position.creditor_id == creditor_id)).all()
        for position_id, window, answered_by in rows:
            attempts[position_id] += 1
            summary.calls_per_window[window or "-"] += 1
            if answered_by == "human":
                summary.answered_per_window[window or "-"] += 1
        per_outcome = defaultdict(list)
        for position_id, outcome in outcome_of.items():
            per_outcome[outcome].append(attempts[position_id])
        summary.attempts_per_outcome = {o: sum(n) / len(n) for o, n in per_outcome.items()}
    finally:
        session.close()


def print_summary(summary, echo=click.echo):
    echo(f"\n{summary.positions} positions")
    echo("outcomes:")
    for outcome, count in summary.outcomes.most_common():
        echo(f"  {outcome:<20} {count:>6}  {count / max(1, summary.positions):6.1%}"
             f"  {summary.attempts_per_outcome.get(outcome, 0):.2f} attempts on average")
    echo("answer rate per window (answered by a person / calls placed):")
    for window in sorted(summary.calls_per_window):
        calls, answered = summary.calls_per_window[window], summary.answered_per_window[window]
        echo(f"  {window:<12} {answered:>6} / {calls:<6} {answered / max(1, calls):6.1%}")
    if summary.habits:
        echo("simulated debtors: " + ", ".join(f"{n} pay after {habit}" if habit != "never"
                                               else f"{n} never pay"
                                               for habit, n in summary.habits.items()))
    if summary.phase is not None:
        print_phase(summary.phase, echo)


@click.command("simulate")
@click.option("--contacts", "contacts", required=True, type=click.Path(exists=True, dir_okay=False),
              help="A contact list (CSV or XLSX) to run the campaign on.")
@click.option("--days", default=3, show_default=True, type=click.IntRange(1, 60),
              help="Calling days to simulate; with a playbook that ends, the phase's working "
                   "days after day 0 (Saturdays between them simulated too).")
@click.option("--playbook", default=DEFAULT, show_default=True,
              type=click.Choice(sorted(BUILT_IN)), help="The simulated creditor's playbook.")
@click.option("--playbook-file", type=click.File(encoding="utf-8"),
              help="The simulated creditor's own steps instead (a file like `creditor set "
                   "--playbook-file` takes).")
@click.option("--seed", default=None, help="Seed of the simulated debtors (repeatable runs).")
@click.option("--start", default=None, help="First day, YYYY-MM-DD (default: today).")
@click.option("--every", "every_minutes", default=10, show_default=True,
              type=click.IntRange(1, 120), help="Minutes between dial passes.")
@click.option("--database-url", default=None,
              help="Run on this database instead of a throw-away SQLite file.")
@click.option("--processes", default=None, type=click.IntRange(1, 16),
              help="Processes running the simulated calls, this one and workers (default: one "
                   "per core, at most four). The same seed replays the same, whatever their "
                   "number.")
@click.option("--require-code", is_flag=True, help="The simulated creditor identifies debtors "
              "by verification code only: positions without one hear no notice by phone.")
@click.option("--quiet", is_flag=True, help="Only the summary, not the daily reports.")
@with_appcontext
def simulate_command(contacts, days, playbook, playbook_file, seed, start, every_minutes,
                     database_url, processes, require_code, quiet):
    """Run a campaign over N working days on a simulated clock; print reports and a summary."""
    steps = playbook_file.read() if playbook_file else None
    try:
        if steps:
            parse_playbook(steps)
    except PlaybookError as exc:
        raise click.BadParameter(str(exc), param_hint="--playbook-file")
    try:
        first = date.fromisoformat(start) if start else date.today()
    except ValueError:
        raise click.BadParameter(f"not a date like 2026-11-24: {start!r}", param_hint="--start")
    with tempfile.TemporaryDirectory(prefix="cortesia-simulate-") as scratch:
        app = build_campaign_app(current_app.extensions["cortesia.factory"],
                                 database_url or f"sqlite:///{scratch}/campaign.db", seed,
                                 scratch=database_url is None,
                                 processes=processes or default_processes())
        try:
            summary = run_campaign(app, contacts, days, first, every_minutes,
                                   progress=lambda day: click.echo(f"simulated {day}", err=True),
                                   playbook=playbook, seed=seed, playbook_steps=steps,
                                   require_code=require_code)
        finally:
            close_campaign_app(app)
    if not quiet:
        for day, text in summary.reports:
            click.echo(f"\n# report {day}\n{text.lstrip(chr(0xFEFF))}")
    print_summary(summary)
