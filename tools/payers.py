"""The simulated creditor's side: debtors who pay after an email, after a call, or never.

Each position draws its habit once, from the seed and its reference, so a seeded month replays
the same. A payer pays its whole amount due one or two working days after the contact that
moved it (the first or second email or PEC sent to it — an SMS is not enough — or its first
call heard to the end: confirmed, a promise, a payment declared), and the creditor
reports it that morning, before the day's first tick, through `contacts.status.record_payment`
— the one code path every payment takes — with source `simulator`.

The shares are a guess at a soft-collection month, documented in the README: 15 % pay after an
email (most after the first, "verifica contabile" clearing an accounting doubt; some after the
second, the "sollecito"), 35 % pay after a call in which they said who they are, heard the
reminder and confirmed it, promised a date or said they had paid (only if such a call happens),
50 % never pay during the phase.
"""
import random
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from contacts.status import StatusError, record_payment
from db import session_scope
from db.models import Event, OutgoingMail, Position
from domain.outcomes import Outcome
from domain.playbooks import WRITTEN_MESSAGES, add_working_days
from domain.statuses import FINAL

SOURCE = "simulator"
EMAIL, CALL, NEVER = "email", "call", "never"
HABITS = ((15, EMAIL), (35, CALL), (50, NEVER))
# The calls that move a call payer: they identified themselves and heard the reminder, then
# confirmed, promised a date or said they had paid (the creditor finds it in the books).
HEARD = {Outcome.CONFIRMED.value, Outcome.PROMISED.value, Outcome.DECLARED_PAID.value}
SECOND_EMAIL_SHARE = 0.3       # of the email payers, those who wait for the second email
REPORTED_AT = time(8, 0)       # the creditor's books are read before the first window opens


class Payers:
    """Which simulated debtors pay, and when the creditor reports it."""

    def __init__(self, seed, country, timezone):
        self.seed = "" if seed is None else str(seed)
        self.country, self.timezone = country, timezone
        self.due = {}            # day → [position id], payments the creditor reports that day
        self.planned = set()     # position ids whose payment is planned already
        self._habits = {}        # position id → (habit, nth email, delay in working days)

    def draw(self, positions):
        """Draw each of the (id, reference) positions' habit, reproducibly."""
        habits, weights = [h for _, h in HABITS], [w for w, _ in HABITS]
        for position_id, reference in positions:
            rnd = random.Random(f"{self.seed}:{reference}")
            habit = rnd.choices(habits, weights=weights)[0]
            nth = 2 if rnd.random() < SECOND_EMAIL_SHARE else 1
            self._habits[position_id] = (habit, nth, rnd.choice((1, 2)))

    def habits(self):
        """How many positions drew each habit."""
        counts = {habit: 0 for _, habit in HABITS}
        for habit, _, _ in self._habits.values():
            counts[habit] += 1
        return counts

    def report_due(self, app, day):
        """The creditor reports the payments made by `day`, before its first tick; how many."""
        ids = self.due.pop(day, [])
        if not ids:
            return 0
        now = datetime.combine(day, REPORTED_AT, tzinfo=ZoneInfo(self.timezone))
        reported = 0
        with session_scope(app) as session:
            for position in session.scalars(select(Position).where(Position.id.in_(ids))):
                if position.status in FINAL or position.amount_due <= 0:
                    continue
                try:
                    record_payment(session, position, position.amount_due, day, SOURCE, now)
                    reported += 1
                except StatusError:
                    continue
        return reported

    def observe(self, app, day, since, until):
        """Plan the payments of the debtors whom a contact between `since` and `until` moved."""
        with session_scope(app) as session:
            for position_id in self._moved_by_email(session, since, until):
                self._plan(position_id, day)
            for position_id in self._moved_by_call(session, since, until):
                self._plan(position_id, day)

    def _plan(self, position_id, day):
        if position_id in self.planned:
            return
        self.planned.add(position_id)
        delay = self._habits[position_id][2]
        self.due.setdefault(add_working_days(day, delay, self.country), []).append(position_id)

    def _waiting(self, habit):
        return {pid for pid, (h, _, _) in self._habits.items()
                if h == habit and pid not in self.planned}

    def _moved_by_email(self, session, since, until):
        waiting = self._waiting(EMAIL)
        if not waiting:
            return []
        sent_today = session.execute(
            select(OutgoingMail.position_id).where(
                OutgoingMail.status == "sent", OutgoingMail.kind.in_(WRITTEN_MESSAGES),
                OutgoingMail.sent_at >= since,
                OutgoingMail.sent_at < until, OutgoingMail.position_id.is_not(None))).scalars()
        moved = [pid for pid in set(sent_today) if pid in waiting]
        if not moved:
            return []
        counts = {}
        for pid in session.scalars(select(OutgoingMail.position_id).where(
                OutgoingMail.status == "sent", OutgoingMail.kind.in_(WRITTEN_MESSAGES),
                OutgoingMail.sent_at < until,
                OutgoingMail.position_id.in_(moved))):
            counts[pid] = counts.get(pid, 0) + 1
        return [pid for pid in moved if counts.get(pid, 0) >= self._habits[pid][1]]

    def _moved_by_call(self, session, since, until):
        waiting = self._waiting(CALL)
        if not waiting:
            return []
        rows = session.execute(select(Event.position_id, Event.detail).where(
            Event.kind == "outcome", Event.at >= since, Event.at < until)).all()
        return {pid for pid, detail in rows
                if pid in waiting and (detail or {}).get("outcome") in HEARD}

