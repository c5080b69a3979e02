"""`Outcome`: the one definite result of a position (SPEC §2), as stored and shown."""
import enum


class Outcome(str, enum.Enum):
    """The one definite result of a position (SPEC §2)."""

    CONFIRMED = "confirmed"
    WRONG_PERSON = "wrong_person"
    IDENTITY_FAILED = "identity_failed"
    CALLBACK_REQUESTED = "callback_requested"
    DECLARED_PAID = "declared_paid"
    PROMISED = "promised"
    DISPUTED = "disputed"
    OPTED_OUT = "opted_out"
    NO_ANSWER = "no_answer"


OUTCOMES = [o.value for o in Outcome]

# Outcomes that send the notice by email instead, and those that bar the number for the creditor
# (SPEC §2: the email fallbacks stop all calls to that number, and so does an opt-out).
MAIL_FALLBACK_OUTCOMES = {Outcome.WRONG_PERSON.value, Outcome.IDENTITY_FAILED.value}
NUMBER_BLOCKING_OUTCOMES = MAIL_FALLBACK_OUTCOMES | {Outcome.OPTED_OUT.value}
