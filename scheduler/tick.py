"""One tick: everything due at an instant, in order — steps, calls, messages, receipts."""
from dataclasses import dataclass

from notify.outbox import flush_outbox
from notify.pec_receipts import read_pec_receipts
from scheduler.dial import dial_pass
from scheduler.steps import run_steps


@dataclass
class TickReport:
    steps: object
    dial: object
    outbox: object
    receipts: object

    def lines(self):
        lines = [str(self.steps), str(self.dial), str(self.outbox)]
        if self.receipts.configured:
            lines.append(str(self.receipts))
        return lines

    def summary(self):
        return "\n".join(self.lines())

    __str__ = summary


def tick(app, now):
    """Run at `now` the playbook steps due, then the dial pass, then the outbox, then read the
    PEC mailbox's receipts (when one is configured)."""
    steps = run_steps(app, now)
    dial = dial_pass(app, now)
    outbox = flush_outbox(app, now)
    receipts = read_pec_receipts(app, now)
    return TickReport(steps, dial, outbox, receipts)
