"""A call's status: Twilio's vocabulary (its `CallStatus` values), and our two before it; a
call's direction.

`pending` (planned, not yet claimed) and `dialing` (claimed, Twilio being asked to ring) are
ours; the rest are Twilio's, stored as Twilio spells them in `Attempt.status`.
"""
PENDING = "pending"
DIALING = "dialing"
QUEUED = "queued"
INITIATED = "initiated"
RINGING = "ringing"
IN_PROGRESS = "in-progress"   # answered: someone or something picked up
COMPLETED = "completed"
BUSY = "busy"
NO_ANSWER = "no-answer"
FAILED = "failed"
CANCELED = "canceled"

# Twilio sends no further status after one of these.
TERMINAL_STATUSES = frozenset({COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED})
# Claimed or placed and not yet ended: the call is about to ring, ringing, or talking.
ACTIVE_STATUSES = (DIALING, QUEUED, INITIATED, RINGING, IN_PROGRESS)
# Statuses only move forward: a late "ringing" never undoes "in-progress".
PROGRESS = {PENDING: 0, DIALING: 1, QUEUED: 2, INITIATED: 3, RINGING: 4, IN_PROGRESS: 5}

# `Attempt.direction`: the dialer rang the debtor, or the debtor rang the caller ID back.
OUTBOUND = "outbound"
INBOUND = "inbound"
