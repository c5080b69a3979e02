"""The greeting that fits the time of day, on the clock of whoever is greeted.

Italians say "Buongiorno" through the afternoon and "Buonasera" from about six in the evening
(and through the night); English speakers split the day at noon and at six. A call takes the
time from its own clock (the webhook's `now` on the creditor's), the console from the user's.
"""
from datetime import time

EVENING = time(18)
NOON = time(12)
EARLY = time(4)   # before dawn it is still the evening before
# Every salutation a template may open with, per language: the fixed sentences are rendered
# ahead of time for each (audio.speech).
SALUTATIONS = {"it": ("Buongiorno", "Buonasera"),
               "en": ("Good morning", "Good afternoon", "Good evening")}
# When the time is not known (a sentence shown to a creditor to record, a test's fields).
DEFAULT = {"it": "Buongiorno", "en": "Hello"}


def salutation(language, clock):
    """The greeting in `language` at the local wall-clock time `clock` (a naive time)."""
    evening = clock >= EVENING or clock < EARLY
    if language == "it":
        return "Buonasera" if evening else "Buongiorno"
    if evening:
        return "Good evening"
    return "Good afternoon" if clock >= NOON else "Good morning"


def salutation_at(language, moment, zone):
    """The greeting at the instant `moment` on `zone`'s clock."""
    return salutation(language, moment.astimezone(zone).time())
