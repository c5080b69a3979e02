"""What the dialer and the outbox ask at the moment of contact, and how a refusal postpones.

The dialer gathers the facts of a claimed batch once (`CallGate`), asks for each call at the
instant it would place it, and writes the decisions with the batch's results: refused calls
go back to pending, due at the first opening of the creditor's windows at or after the
policy's `next_allowed_at`. The outbox gathers the facts of a batch of due messages once
(`MessageGate`) and asks for each before claiming it: a refused one stays in the queue until
`next_allowed_at`. A refusal no waiting can lift (a
dispute, an opt-out) cancels the attempt or withdraws the message, with its reason.
"""
from collections import defaultdict
from dataclasses import replace

from sqlalchemy import select, update

from db.events import record_events
from db.models import Attempt, Creditor, OutgoingMail
from policy import audit
from policy.decide import CALL, EMAIL, SMS, Decision, decide, summarise
from policy.facts import LOOKBACK_DAYS, REQUESTED_KINDS, gather
from policy.rules import rules_for

SOURCE = "policy"
# Set by code only (the dial benchmark's "policy off" run), never by the environment: every
# contact asks the policy.
OFF = "cortesia.policy_off"


def opt_out_everywhere(app):
    return app.config.get("OPT_OUT_SCOPE", "installation") != "creditor"


def creditor_rules(creditor):
    """The PolicyRules of a Creditor row."""
    return rules_for(creditor.policy, creditor.policy_settings, creditor.timezone,
                     creditor.country)


def lookback(rules):
    return max(LOOKBACK_DAYS, (rules.quiet_days_after_conversation or 0) + 1)


class CallGate:
    """The policy's answers for one claimed batch of a creditor's calls."""

    def __init__(self, app, session, rules, calls, now):
        self.off = bool(app.extensions.get(OFF))
        self.rules, self.rows = rules, []
        self.facts = {} if self.off or not calls else gather(
            session, {c.position_id for c in calls}, now, opt_out_everywhere(app),
            lookback(rules))

    def ask(self, due, at, keep_allowed=True):
        """The Decision for placing `due` (a DueCall) at `at`, kept for the audit (an allowed
        one only with `keep_allowed`); None when the policy is off."""
        if self.off:
            return None
        if due.position_id not in self.facts:   # gone since its claim: nothing to ring
            return Decision(False, "position_gone", None, {})
        subject, facts = self.facts[due.position_id]
        decision = decide(facts, CALL, at, self.rules, summary=keep_allowed)
        if keep_allowed or not decision.allowed:
            if decision.facts is None:
                decision = replace(decision, facts=summarise(facts, at, self.rules))
            self.rows.append(audit.decision_row(subject, CALL, at, decision,
                                                attempt_id=due.attempt_id))
        return decision

    def screen(self, calls, at):
        """(the calls allowed at `at`, [(call, at, Decision)] of the ones refused)."""
        allowed, refused = [], []
        for due in calls:
            decision = self.ask(due, at, keep_allowed=False)
            if decision is None or decision.allowed:
                allowed.append(due)
            else:
                refused.append((due, at, decision))
        return allowed, refused

    def record(self, session):
        audit.record(session, self.rows)
        self.rows = []


def postpone_calls(session, refused, plan_at, dialer):
    """Give refused calls back: pending at `plan_at(next_allowed_at)` (a Plan, or None when
    the creditor has no window then), or canceled when no waiting lifts the refusal."""
    table = Attempt.__table__
    events = []
    for due, at, decision in refused:
        plan = plan_at(decision.next_allowed_at) if decision.next_allowed_at else None
        mine = (table.c.id == due.attempt_id, table.c.status == "dialing",
                table.c.claimed_by == dialer)
        if plan is None:
            session.execute(update(table).where(*mine).values(
                status="canceled", claimed_at=None, claimed_by=None,
                last_error=f"not placed: contact policy ({decision.rule})"))
            kind, detail = "call_refused", {"rule": decision.rule}
        else:
            session.execute(update(table).where(*mine).values(
                status="pending", claimed_at=None, claimed_by=None, due_at=plan.due_at,
                call_window=plan.window))
            kind = "call_postponed"
            detail = {"rule": decision.rule, "until": plan.due_at.isoformat()}
        events.append({"position_id": due.position_id, "attempt_id": due.attempt_id,
                       "kind": kind, "source": SOURCE, "detail": detail, "at": at})
    record_events(session, events)


class MessageGate:
    """The policy's answers for a batch of due messages: their debtors' facts gathered once
    (each creditor's rules and look-back), each message asked at the moment of sending, with
    what this batch sent before it counted (`sent`)."""

    def __init__(self, app, session, mails, now):
        self.off = bool(app.extensions.get(OFF))
        self.facts, self.rules, self.written = {}, {}, defaultdict(list)
        ids = {mail.position_id for mail in mails if mail.position_id is not None}
        if self.off or not ids:
            return
        everywhere = opt_out_everywhere(app)
        self.facts = gather(session, ids, now, everywhere)
        creditor_ids = {subject.creditor_id for subject, _ in self.facts.values()}
        for creditor in session.scalars(select(Creditor).where(Creditor.id.in_(creditor_ids))):
            self.rules[creditor.id] = creditor_rules(creditor)
        longer = defaultdict(list)   # a look-back past the default: those debtors again
        for position_id, (subject, _) in self.facts.items():
            days = lookback(self.rules[subject.creditor_id])
            if days > LOOKBACK_DAYS:
                longer[days].append(position_id)
        for days, position_ids in longer.items():
            self.facts.update(gather(session, position_ids, now, everywhere, days))

    def ask(self, mail, now):
        """(Decision, its audit row) for sending `mail` (an outbox row) at `now`; (None, None)
        for a message that is no contact of a debtor (a daily report) or with the policy off."""
        if self.off or mail.position_id not in self.facts:
            return None, None
        subject, facts = self.facts[mail.position_id]
        earlier = [at for address in {subject.phone, subject.email, subject.pec} if address
                   for at in self.written.get(address, ())]
        if earlier:
            facts = replace(facts, written=tuple(sorted(facts.written + tuple(earlier))))
        decision = decide(facts, mail.channel, now, self.rules[subject.creditor_id],
                          requested=mail.kind in REQUESTED_KINDS)
        return decision, audit.decision_row(subject, mail.channel, now, decision,
                                            mail_id=mail.id)

    def sent(self, mail, now):
        """`mail` went out at `now`: a written request the next messages' decisions count."""
        if mail.position_id is not None and mail.channel in (SMS, EMAIL) \
                and mail.kind not in REQUESTED_KINDS:
            self.written[mail.to_address].append(now)


def postpone_message(session, mail, decision, now):
    """Leave a refused message in the queue until `next_allowed_at`; withdraw it when no
    waiting lifts the refusal. The event names the rule. False when it is no longer queued
    (another flusher took it)."""
    row = OutgoingMail.__table__.c
    if decision.next_allowed_at is None:
        values, kind = {"status": "withdrawn"}, f"{mail.channel}_refused"
        detail = {"mail_id": mail.id, "rule": decision.rule}
    else:
        values = {"status": "queued", "next_try_at": decision.next_allowed_at}
        kind = f"{mail.channel}_postponed"
        detail = {"mail_id": mail.id, "rule": decision.rule,
                  "until": decision.next_allowed_at.isoformat()}
    postponed = session.execute(update(OutgoingMail.__table__).where(
        row.id == mail.id, row.status == "queued").values(
            last_error=f"contact policy: {decision.rule}", **values)).rowcount
    if postponed:
        record_events(session, [{"position_id": mail.position_id, "attempt_id": None,
                                 "kind": kind, "source": SOURCE, "detail": detail, "at": now}])
    return bool(postponed)
