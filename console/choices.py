"""The fixed sets a creditor's form offers as choices: timezones, languages, countries, in
Italian where they have names (Babel's territories)."""
from functools import lru_cache
from zoneinfo import available_timezones

import phonenumbers
from babel import Locale

from contacts.fields import LANGUAGES

LANGUAGE_NAMES = {"it": "italiano", "en": "inglese"}
LANGUAGE_CHOICES = [(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES]
# Area/City names only: the old aliases (US/Eastern, Etc/GMT+1…) confuse more than they help.
TIMEZONES = [(name, name.replace("_", " ")) for name in sorted(available_timezones())
             if "/" in name and name.split("/")[0] in {
                 "Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
                 "Indian", "Pacific"}] + [("UTC", "UTC")]


@lru_cache(maxsize=1)
def countries():
    """(code, `Italia (IT)`) for every country whose numbers can be read, by Italian name."""
    names = Locale.parse("it").territories
    return sorted(((code, f"{names.get(code, code)} ({code})")
                   for code in phonenumbers.SUPPORTED_REGIONS), key=lambda pair: pair[1])
