"""One dial pass: reconcile, plan, then claim and place every call due at `now`.

1. expired claims are reconciled with the provider, and calls whose final status callback
   was lost are looked up there (`scheduler.recovery`);
2. attempts are planned from facts: first calls, retries in a later, different window, and
   `no_answer` for positions out of attempts (`scheduler.planning`);
3. due attempts are claimed in batches, committed, and only then placed (the simulator runs the
   whole call inside `place_call`), paced, and never after their window closes.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime

from db import get_sessionmaker, session_scope
from scheduler import placing
from scheduler.claims import DueCall, claim_batch, list_due, new_dialer_id
from policy.gate import opt_out_everywhere
from scheduler.pacing import (
    Pacer, SharedLedger, VirtualClock, WallClock, active_calls, free_lines,
)
from scheduler.planning import (
    load_creditors, plan_first_attempts, plan_retries, replan_later_plans, replan_missed,
    settle_barred, settle_exhausted,
)
from scheduler.retries import window_end
from scheduler.recovery import recover_claims, recover_lost_calls

log = logging.getLogger(__name__)

__all__ = ["DialReport", "DueCall", "dial_pass"]


@dataclass
class DialReport:
    """What one pass did (or, in a dry run, would do)."""

    now: datetime
    dry_run: bool = False
    due: list = field(default_factory=list)         # claimed by this pass (dry run: due)
    placed: list = field(default_factory=list)
    failed: list = field(default_factory=list)      # (DueCall, error message)
    skipped: list = field(default_factory=list)     # claimed, then given back unplaced
    postponed: list = field(default_factory=list)   # (DueCall, rule): refused by the policy
    planned: int = 0
    settled: int = 0                                # positions closed as no_answer
    barred: int = 0                                 # positions closed: their number is barred
    adopted: int = 0                                # expired claims whose call was found
    released: int = 0                               # expired claims given back to pending
    recovered: int = 0                              # calls whose lost final status was fetched
    held: list = field(default_factory=list)        # creditors stopped by a concurrency cap
    paused: list = field(default_factory=list)      # creditors whose campaign a person paused
    failure_streak: int = 0                         # failed placements in a row

    def summary(self):
        if self.dry_run:
            return f"dry run at {self.now.isoformat()}: {len(self.due)} calls due, nothing changed"
        text = (f"dial pass at {self.now.isoformat()}: {len(self.placed)} placed, "
                f"{len(self.failed)} failed, {len(self.skipped)} skipped")
        extra = [f"{n} {label}" for n, label in (
            (len(self.postponed), "held back by the contact policy"),
            (self.planned, "planned"), (self.settled, "closed as no_answer"),
            (self.barred, "closed on a barred number"),
            (self.adopted + self.released, "stale claims reconciled"),
            (self.recovered, "lost call endings fetched"),
            (len(self.held), "creditors at their concurrency cap"),
            (len(self.paused), "creditors paused")) if n]
        return text + (f" ({', '.join(extra)})" if extra else "")

    __str__ = summary


def dial_pass(app, now, dry_run=False, *, calls_per_second=None, clock=None, dialer_id=None):
    """Place every call due at `now` (timezone-aware); a dry run only lists them.

    `calls_per_second` overrides the configured pace; `clock` (monotonic + sleep) is the time
    the pass spends, so tests and replays pace without sleeping.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("dial_pass needs a timezone-aware `now`")
    report = DialReport(now=now, dry_run=dry_run)
    if dry_run:
        report.due = preview(app, now)
        return report
    everywhere = opt_out_everywhere(app)
    with session_scope(app) as session:
        creditors = load_creditors(session, now, everywhere)
    report.paused = sorted(c.name for c in creditors.values() if c.paused)
    report.adopted, report.released = recover_claims(app, now, creditors)
    report.recovered = recover_lost_calls(app, now)   # before planning: a retry may follow
    with session_scope(app) as session:
        report.barred = settle_barred(session, now, everywhere)
        report.planned = plan(session, now, creditors)
        report.settled = settle_exhausted(session, now)
    pacer = Pacer(now, pace(app, calls_per_second), clock or pass_clock(app), ledger(app))
    place_due(app, creditors, pacer, report, dialer_id or new_dialer_id())
    return report


def pass_clock(app):
    """The app's dial clock if one is set (tests, replays); else virtual on the simulator."""
    if "cortesia.dial_clock" in app.extensions:
        return app.extensions["cortesia.dial_clock"]
    return VirtualClock() if app.config["TELEPHONY"] == "simulator" else WallClock()


def ledger(app):
    """Calling slots shared by every dialer of the account: the rate is the account's."""
    account = app.config.get("TWILIO_ACCOUNT_SID") or app.config["TELEPHONY"]
    return SharedLedger(app, f"calls:{account}", app.config["DIAL_LEASE_SECONDS"])


def pace(app, override=None):
    """Calls per second for this pass; the in-process simulator has no queue to overflow."""
    if override is not None:
        return override
    return 0 if app.config["TELEPHONY"] == "simulator" else app.config["DIAL_CALLS_PER_SECOND"]


def plan(session, now, creditors):
    """First attempts, retries and missed windows; how many attempts were created."""
    created = plan_first_attempts(session, now, creditors) + plan_retries(session, now, creditors)
    replan_missed(session, now, creditors)
    replan_later_plans(session, now, creditors)
    return created


def preview(app, now):
    """The calls a pass at `now` would place: planned in a transaction that is rolled back."""
    session = get_sessionmaker(app)()
    try:
        creditors = load_creditors(session, now, opt_out_everywhere(app))
        plan(session, now, creditors)
        return list_due(session, now, creditors, app.config["DIAL_STALE_CALL_SECONDS"])
    finally:
        session.rollback()
        session.close()


def place_due(app, creditors, pacer, report, dialer):
    """Claim and place in rounds, one batch per calling creditor, until nothing is left."""
    calling = {c.id: c for c in creditors.values() if c.window}
    closing = {cid: window_end(c.rules, pacer.start) for cid, c in calling.items()}
    batch = pacer.batch_limit(app.config["DIAL_BATCH_SIZE"], app.config["DIAL_LEASE_SECONDS"])
    with placing.placer(app) as submit:
        while calling:
            active = _active(app, pacer.now(), calling)
            for cid, creditor in list(calling.items()):
                lines = free_lines(active, cid, creditor.max_concurrent,
                                   app.config["DIAL_MAX_CONCURRENT"])
                if pacer.now() >= closing[cid] or lines == 0:
                    if lines == 0:
                        report.held.append(creditor.name)
                    del calling[cid]
                    continue
                limit = batch if lines is None else min(batch, lines)
                claimed = _claim(app, creditor, pacer.now(), limit, dialer)
                # the next creditor's budget sees them
                active[cid] = active.get(cid, 0) + len(claimed)
                if not claimed:
                    del calling[cid]  # nothing more is due for it in this pass
                report.due += claimed
                placing.place_batch(app, creditor, claimed, pacer, closing[cid], report, dialer,
                                    submit)
                if placing.provider_down(report):
                    return


def _active(app, now, calling):
    """Calls in progress per creditor, counted only when a concurrency cap is set."""
    if not app.config["DIAL_MAX_CONCURRENT"] and not any(c.max_concurrent for c in calling.values()):
        return {}
    with session_scope(app) as session:
        return active_calls(session, now, app.config["DIAL_STALE_CALL_SECONDS"])


def _claim(app, creditor, now, limit, dialer):
    caller_id = creditor.caller_id or app.config.get("TWILIO_CALLER_ID")
    with session_scope(app) as session:
        return claim_batch(session, creditor, now, limit, dialer, caller_id,
                           app.config["DIAL_STALE_CALL_SECONDS"])

