"""The position events a creditor is told of (the API's events feed and its webhooks), and the
name each goes by there. Pure vocabulary: db.events queues these kinds as they are recorded."""

# event kind → the feed's type
FEED_TYPES = {
    "outcome": "outcome",
    "status": "status_changed",
    "payment": "payment_recorded",
    "promise_broken": "promise_broken",
    "verify_lapsed": "verify_lapsed",
    **{f"{channel}_{fate}": f"message_{fate}"
       for channel in ("email", "pec", "sms") for fate in ("sent", "failed")},
    "sms_delivered": "message_delivered",
    "pec_delivered": "message_delivered",
    "sms_undelivered": "message_failed",
    "pec_not_delivered": "message_failed",
}
FEED_KINDS = frozenset(FEED_TYPES)


def told(kind, attempt_id=None):
    """Is an event of `kind` told to its creditor? A `status` event of an attempt is a call's
    progress (ringing, completed: its status callback), not a status change of the position."""
    return kind in FEED_KINDS and not (kind == "status" and attempt_id is not None)
