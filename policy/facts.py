"""A debtor's facts at `now`, gathered for a batch of positions in a few indexed queries.

A debtor is known by their number (E.164, as positions store it) and their addresses, across
every creditor of the installation: the calls placed to the number (ix_attempts_to_number_status),
the written requests sent to the number or addresses (ix_outgoing_mail_to_address_sent), the
opt-outs of the number (ix_blocked_numbers_phone). A dispute is of the position's own debt.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select

from db.models import Attempt, BlockedNumber, Outcome, OutgoingMail, Position
from domain.calls import OUTBOUND
from domain.statuses import Status
from policy.decide import ContactFacts, SMS, EMAIL

# Enough for a month's written requests, a week's conversations and 7 days' attempts.
LOOKBACK_DAYS = 35
NOT_THE_DEBTOR = frozenset({Outcome.WRONG_PERSON.value, Outcome.IDENTITY_FAILED.value})
# Messages that answer the debtor's own request (key 7's payment link): not contact requests.
REQUESTED_KINDS = frozenset({"link_pagamento"})


@dataclass(frozen=True)
class Subject:
    """Whom a decision is about: a position, its creditor and how its debtor is reached."""

    position_id: int
    creditor_id: int
    phone: str | None
    email: str | None
    pec: str | None


def is_conversation(answered_at, answered_by, identified, digits, outcome):
    """A person answered and was identified, or answered the greeting on the keypad: a
    machine, a fax, silence — or someone who said they are not the debtor, or could not
    say who they are — is an attempt, not a conversation with the debtor."""
    if answered_at is None or (answered_by or "").startswith(("machine", "fax")):
        return False
    if identified:
        return True
    return bool(digits) and outcome not in NOT_THE_DEBTOR


def gather(session, position_ids, now, opt_out_everywhere=True, lookback_days=LOOKBACK_DAYS):
    """{position id: (Subject, ContactFacts)} at `now` for the positions `position_ids`."""
    positions = session.execute(_POSITIONS, {"ids": list(position_ids)}).all()
    if not positions:
        return {}
    since = now - timedelta(days=lookback_days)
    phones = {p.phone for p in positions if p.phone}
    addresses = phones | {a for p in positions for a in (p.email, p.pec) if a}
    attempts, conversations = _calls(session, phones, since, now)
    written = _written(session, addresses, since, now)
    opted_out = _opt_outs(session, phones)
    gathered = {}
    for p in positions:
        subject = Subject(p.id, p.creditor_id, p.phone, p.email, p.pec)
        barring = opted_out.get(p.phone, set())
        sent = sorted(at for address in {p.phone, p.email, p.pec} if address
                      for at in written.get(address, ()))
        gathered[p.id] = (subject, ContactFacts(
            phone=p.phone, attempts=tuple(attempts.get(p.phone, ())),
            conversations=tuple(conversations.get(p.phone, ())), written=tuple(sent),
            opted_out=bool(barring) if opt_out_everywhere else p.creditor_id in barring,
            disputed=p.status == Status.DISPUTED.value))
    return gathered


def _calls(session, phones, since, now):
    attempts, conversations = defaultdict(list), defaultdict(list)
    if not phones:
        return attempts, conversations
    rows = session.execute(_CALLS, {"phones": list(phones), "since": since, "now": now}).all()
    for row in rows:
        attempts[row.to_number].append(row.placed_at)
        if is_conversation(row.answered_at, row.answered_by, row.identified, row.digits,
                           row.outcome):
            # An attempt belongs to the day it was placed (SPEC §3), its conversation too.
            conversations[row.to_number].append(row.placed_at)
    return attempts, conversations


def _written(session, addresses, since, now):
    sent = defaultdict(list)
    rows = session.execute(_WRITTEN, {"addresses": list(addresses), "since": since,
                                      "now": now}).all()
    for address, sent_at, kind in rows:
        if kind not in REQUESTED_KINDS:
            sent[address].append(sent_at)
    return sent


def _opt_outs(session, phones):
    """{number: creditor ids it opted out of}."""
    barred = defaultdict(set)
    if phones:
        for phone, creditor_id in session.execute(_OPT_OUTS, {"phones": list(phones)}):
            barred[phone].add(creditor_id)
    return barred


# The queries of every batch a dial pass claims, built once: their IN lists are bound as they run.
_POSITIONS = select(Position.id, Position.creditor_id, Position.phone, Position.email,
                    Position.pec, Position.status) \
    .where(Position.id.in_(bindparam("ids", expanding=True)))
_CALLS = select(Attempt.to_number, Attempt.placed_at, Attempt.answered_at, Attempt.answered_by,
                Attempt.identified, Attempt.digits, Attempt.outcome) \
    .where(Attempt.to_number.in_(bindparam("phones", expanding=True)),
           Attempt.direction == OUTBOUND,
           Attempt.placed_at >= bindparam("since", type_=Attempt.placed_at.type),
           Attempt.placed_at <= bindparam("now", type_=Attempt.placed_at.type)) \
    .order_by(Attempt.placed_at)
_WRITTEN = select(OutgoingMail.to_address, OutgoingMail.sent_at, OutgoingMail.kind) \
    .where(OutgoingMail.to_address.in_(bindparam("addresses", expanding=True)),
           OutgoingMail.sent_at >= bindparam("since", type_=OutgoingMail.sent_at.type),
           OutgoingMail.sent_at <= bindparam("now", type_=OutgoingMail.sent_at.type),
           OutgoingMail.status == "sent", OutgoingMail.position_id.is_not(None),
           OutgoingMail.channel.in_((SMS, EMAIL)))
_OPT_OUTS = select(BlockedNumber.phone, BlockedNumber.creditor_id) \
    .where(BlockedNumber.phone.in_(bindparam("phones", expanding=True)),
           BlockedNumber.reason == Outcome.OPTED_OUT.value)
