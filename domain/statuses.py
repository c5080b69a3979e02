"""`Status`: where a position stands in its collection phase (SPEC §2), and what each allows."""
import enum


class Status(str, enum.Enum):
    """A position's status; every change is an event naming who made it and why."""

    OPEN = "open"              # in the phase, nothing definite yet: contacts per playbook
    PROMISED = "promised"      # paused until the promised date + grace
    TO_VERIFY = "to_verify"    # the debtor says it is paid: paused while the creditor checks
    DISPUTED = "disputed"      # a problem with the invoice: stopped until the creditor resolves it
    PAID = "paid"              # the creditor reported the payment in full
    CLOSED = "closed"          # withdrawn by the creditor
    ENDED = "ended"            # the phase is over without a resolution


STATUSES = [s.value for s in Status]

# Nothing more is sent or dialled, and nothing resumes by itself.
STOPPED = frozenset({Status.PAID.value, Status.CLOSED.value, Status.DISPUTED.value,
                     Status.ENDED.value})
# Nothing is sent or dialled until `status_until`; then the position is open again.
PAUSED = frozenset({Status.PROMISED.value, Status.TO_VERIFY.value})
# Over for good: a payment or a closure no longer applies.
FINAL = frozenset({Status.PAID.value, Status.CLOSED.value})

# The event kind recorded when a pause runs out by itself.
LAPSE_EVENTS = {Status.PROMISED.value: "promise_broken", Status.TO_VERIFY.value: "verify_lapsed"}

# A call round's outcome that changes the position's status (the keypad answers of SPEC §1.3).
OUTCOME_STATUS = {"declared_paid": Status.TO_VERIFY.value, "promised": Status.PROMISED.value,
                  "disputed": Status.DISPUTED.value}

# Who makes a change, as recorded in the event's `source`: `debtor:keypad`, `debtor:page`,
# `collector:NAME`, `user:NAME`, `import:batch:N`, `payments:FILE`, `api:KEY`, `worker`.
