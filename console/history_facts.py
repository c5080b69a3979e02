"""The pieces of a position's history (console.history): who reads it, its entries and the
facts folded under them, and who acted, said as the reader may read it."""
from dataclasses import dataclass, field
from datetime import date, datetime

from console.filters import event_detail
from console.timeline import describe

STAFF = ("admin", "collector")
SOMEONE = "un operatore"
# Who acted, by the first word of an event's source; people are named after the colon.
PEOPLE = ("user", "console", "collector")
SOURCES = {"debtor": "il debitore", "import": "lista del mandante",
           "payments": "file dei pagamenti", "api": "API del mandante"}


@dataclass(frozen=True)
class Viewer:
    """Who reads the history: their role, and the user names of their own creditor's users
    (a creditor's user sees its colleagues by name, staff as `un operatore`)."""

    role: str
    colleagues: frozenset = frozenset()

    @property
    def staff(self):
        return self.role in STAFF


@dataclass(frozen=True)
class Fact:
    """One event folded under an entry."""

    at: datetime
    label: str
    detail: str = ""
    who: str = ""
    tech: str = ""     # the provider's bookkeeping and raw facts: staff only


@dataclass
class Entry:
    """One line of the history, with the facts it is made of folded under it."""

    at: datetime
    kind: str          # call, message, callback, event
    label: str
    detail: str = ""
    who: str = ""
    tech: str = ""
    facts: list = field(default_factory=list)


def who(source, viewer):
    """Who acted, in words `viewer` may read: a person by name for staff (and a creditor's
    user's colleagues), `un operatore` otherwise; nothing for the server's own work."""
    prefix, _, name = (source or "").partition(":")
    if prefix in PEOPLE:
        return name if viewer.staff or name in viewer.colleagues else SOMEONE
    return SOURCES.get(prefix, "")


def fact_of(event, viewer, currency):
    """An event as a fact: the timeline's sentence, who did it, and — for staff — the rest."""
    label, detail = describe(event, currency)
    spoken = event.kind in _SPOKEN
    raw = technical(viewer, event.source, event.detail or {}, *(_SPOKEN_KEYS if spoken else ()))
    return Fact(event.at, label, detail if spoken else "", who(event.source, viewer), raw)


def technical(viewer, source, detail, *said):
    """The source and the facts not said in words, for staff; nothing for anyone else."""
    if not viewer.staff:
        return ""
    rest = {key: value for key, value in detail.items() if key not in said}
    return " · ".join(filter(None, [source, event_detail(rest)]))


def day(text, pattern):
    """An ISO date in `pattern`; nothing for what is no date."""
    try:
        return date.fromisoformat(text).strftime(pattern) if text else ""
    except (TypeError, ValueError):
        return ""


# Events whose sentence (console.timeline.describe) says all their facts in words; the others'
# facts are raw and shown to staff only.
_SPOKEN = frozenset({"status", "payment", "step", "step_skipped", "step_postponed",
                     "message_queued", "outcome", "answer", "voice_message",
                     "voice_message_kept", "note", "held", "released", "call_now"})
_SPOKEN_KEYS = ("from", "to", "reason", "until", "amount_paid", "paid_on", "amount_due",
                "step", "day", "channel", "message", "round", "kind", "mail_id", "outcome",
                "answer", "promise_date", "preferred_window", "note", "voice_message_id",
                "duration", "bytes", "tries", "text", "number", "attempts", "messages",
                "internal")
