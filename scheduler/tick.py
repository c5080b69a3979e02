"""One tick: everything due at an instant, in order — steps, calls, messages, receipts."""
from dataclasses import dataclass

from notify.outbox import flush_outbox
from scheduler.dial import dial_pass
from scheduler.steps import run_steps


@dataclass
class TickReport:
    steps: object
    dial: object
    outbox: object

    def lines(self):
        return [str(self.steps), str(self.dial), str(self.outbox)]

    def summary(self):
        return "\n".join(self.lines())

    __str__ = summary


def tick(app, now):
    """Run the playbook steps due at `now`, then the dial pass, then the outbox."""
    steps = run_steps(app, now)
    dial = dial_pass(app, now)
    outbox = flush_outbox(app, now)
    return TickReport(steps, dial, outbox)
