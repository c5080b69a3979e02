"""One tick: everything due at an instant, in order — steps, calls, messages, receipts, the
debtors' spoken messages, the retention of personal data."""
from contextlib import contextmanager
from dataclasses import dataclass, field

from api.delivery import WebhookReport, publish_and_deliver
from audio.voice_messages import FetchReport, fetch_voice_messages
from contacts.retention import RetentionReport, anonymise_expired
from notify.outbox import flush_outbox
from notify.pec_receipts import read_pec_receipts
from scheduler.dial import dial_pass
from scheduler.steps import run_steps

CLOCK = "cortesia.clock"   # the webhooks' clock (ivr/__init__.py)


@dataclass
class TickReport:
    steps: object
    dial: object
    outbox: object
    receipts: object
    voices: FetchReport = field(default_factory=FetchReport)
    retention: RetentionReport = field(default_factory=RetentionReport)
    webhooks: WebhookReport = field(default_factory=WebhookReport)

    def lines(self):
        lines = [str(self.steps), str(self.dial), str(self.outbox)]
        if self.receipts.configured:
            lines.append(str(self.receipts))
        if self.voices:
            lines.append(str(self.voices))
        if self.retention:
            lines.append(str(self.retention))
        if self.webhooks:
            lines.append(str(self.webhooks))
        return lines

    def summary(self):
        return "\n".join(self.lines())

    __str__ = summary


def tick(app, now):
    """Run at `now` the playbook steps due, then the dial pass, then the outbox, then read the
    PEC mailbox's receipts (when one is configured), then fetch the debtors' spoken messages
    left so far, then anonymise the positions past their creditor's retention period, then
    publish the creditors' events and POST their webhooks."""
    with simulated_calls_at(app, now):
        steps = run_steps(app, now)
        dial = dial_pass(app, now)
        outbox = flush_outbox(app, now)
        receipts = read_pec_receipts(app, now)
        voices = fetch_voice_messages(app, now)
        retention = anonymise_expired(app, now)
        webhooks = publish_and_deliver(app, now)
    return TickReport(steps, dial, outbox, receipts, voices, retention, webhooks)


@contextmanager
def simulated_calls_at(app, now):
    """On the built-in simulator, the calls of a tick happen at its `now`: their webhooks record
    that instant (and what they queue is due then), so a replay (`tick --now` in the past) keeps
    every fact on one clock. A real provider's webhooks keep the real time."""
    if app.config["TELEPHONY"] != "simulator":
        yield
        return
    before = app.extensions.get(CLOCK)
    app.extensions[CLOCK] = lambda: now
    try:
        yield
    finally:
        if before is None:
            app.extensions.pop(CLOCK, None)
        else:
            app.extensions[CLOCK] = before
