"""Values a contact list may hold that are likely mistakes: warned of, never rejected.

A due date before 2000 or after today, a phone number of another country than the creditor's,
an amount over a threshold (IMPORT_WARN_AMOUNT): each is possible (an old debt, a debtor
abroad, a big invoice) but more often a typo, a wrong column or a wrong country code. The
import names each such row; the console's preview lists them and asks the admin to accept them
before importing. Pure: no Flask, no database.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

import phonenumbers

from domain.wording import N_, Coded, register

EARLIEST_DUE = date(2000, 1, 1)
SAMPLE_ROWS = 10       # accepted rows shown as they will be imported
WARNINGS_KEPT = 1000   # rows warned of one by one; the rest are counted

register({
    "due_before_2000": N_("due date {day} is before 2000"),
    "due_in_future": N_("due date {day} is in the future"),
    "phone_foreign": N_("phone {phone} is a number of {region}, not of {home} like the "
                        "creditor's"),
    "amount_over": N_("amount {amount} is over {threshold}"),
})


class ListWarning(Coded):
    """A plausible-looking mistake in an accepted row (a code of MESSAGES and its facts)."""


def warnings_of(contact, today, home, threshold):
    """The ListWarnings of one accepted contacts.parse.Contact, for a creditor of country
    `home` on its `today`, amounts over `threshold` warned of."""
    found = []
    if contact.due_date < EARLIEST_DUE:
        found.append(ListWarning("due_before_2000", day=f"{contact.due_date:%d/%m/%Y}"))
    elif contact.due_date > today:
        found.append(ListWarning("due_in_future", day=f"{contact.due_date:%d/%m/%Y}"))
    # Calling codes are prefix-free: a number starting with the creditor's is of its country,
    # and a list of 200,000 rows is not parsed twice for it.
    if not contact.phone.startswith(f"+{_calling_code(home)}"):
        found.append(ListWarning("phone_foreign", phone=contact.phone,
                                 region=phone_region(contact.phone) or "?", home=home))
    if contact.amount > threshold:
        found.append(ListWarning("amount_over", amount=_amount(contact.amount),
                                 threshold=_amount(threshold)))
    return found


def phone_region(e164):
    """The country code (`US`) of an E.164 number; None when no country owns it."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or None
    except phonenumbers.NumberParseException:
        return None


@lru_cache(maxsize=256)
def _calling_code(region):
    # +39 is Italy's and the Vatican's, +1 the United States' and Canada's: one country's
    # numbers, as far as a wrong country code goes.
    return phonenumbers.country_code_for_region(region)


def _amount(value):
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@dataclass
class Review:
    """What an import shows before it writes: the first SAMPLE_ROWS accepted rows, and the
    rows with warnings (WARNINGS_KEPT of them; all counted). `note` is given each batch's
    accepted contacts, in file order, and {reference: id} of those already positions."""

    today: date
    home: str
    threshold: Decimal
    sample: list = field(default_factory=list)     # (Contact, new?)
    warnings: list = field(default_factory=list)   # (row number, [ListWarning])
    warned: int = 0

    def note(self, contacts, existing):
        for contact in contacts:
            if len(self.sample) < SAMPLE_ROWS:
                self.sample.append((contact, contact.reference not in existing))
            found = warnings_of(contact, self.today, self.home, self.threshold)
            if found:
                self.warned += 1
                if len(self.warnings) < WARNINGS_KEPT:
                    self.warnings.append((contact.row_number, found))
