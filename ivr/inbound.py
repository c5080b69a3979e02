"""Debtors who call the caller ID back (SPEC §1.6): who they may be, and their inbound attempt.

No Flask here. A call-back is matched by its `From` (normalised as the importer does) to the
positions that can still be told something — open, promised or to verify — of every creditor
whose caller ID is its `To`. The first one (`_call_back_order`) gets an *inbound attempt*: an
`Attempt` with `direction='inbound'`, its own token, the CallSid, the caller's number in E.164,
answered now. When the debtor has answered about it, the call goes on to the next of the
caller's positions not yet spoken of on this call (`take_next`), with an inbound attempt of its
own and the same CallSid: one call, one attempt per position it speaks of. Inbound attempts are
numbered -1, -2… within the position's call round, apart from the outbound attempts
1…max_attempts the dialer plans and counts (scheduler/planning.py keeps to
`direction='outbound'`); while one is in progress the dialer rings no call to that number
(scheduler.claims.number_free).
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from contacts.fields import FieldError, read_phone
from db.events import record_event
from db.models import Attempt, BlockedNumber, Creditor, Position, new_token
from domain.calls import IN_PROGRESS, INBOUND, OUTBOUND
from domain.identification import WITHHELD
from domain.outcomes import Outcome
from domain.statuses import PAUSED, Status
from ivr.facts import CallFacts

# Positions a caller can still be told something about: a promise or a declared payment may be
# followed by another answer (paid after all, a new date), as on the debtor's page.
TELLABLE = (Status.OPEN.value, *sorted(PAUSED))
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class CallBack:
    """What an inbound call leads to: an attempt to run the call flow on, or (attempt None) the
    neutral message, put through to `operator` (E.164) when the dialled creditor has one."""

    attempt: Attempt | None = None
    operator: str | None = None


def take_call_back(session, facts, now, default_caller_id=None):
    """The CallBack of an inbound call whose `facts` carry From, To and CallSid; the attempt is
    flushed, not committed. A replayed request finds the attempt its CallSid made already."""
    if facts.call_sid:
        known = session.scalar(select(Attempt).where(
            Attempt.call_sid == facts.call_sid, Attempt.direction == INBOUND)
            .order_by(Attempt.id).limit(1))   # the call's first position, not one it went on to
        if known is not None:
            return CallBack(attempt=known)
    creditors = creditors_dialled(session, facts.to_number, default_caller_id)
    if not creditors:
        return CallBack()
    positions = positions_to_tell(session, creditors, facts.from_number)
    if not positions:
        return CallBack(operator=operator_of(creditors))
    return CallBack(attempt=open_inbound_attempt(session, positions[0], facts, now))


def take_next(session, attempt, now, default_caller_id=None):
    """The inbound attempt the call-back goes on to after `attempt` (see `next_to_tell`),
    opened now, or the one opened already by this request's earlier delivery; None when no
    position is left to tell. Flushed, not committed."""
    if attempt.direction != INBOUND or not attempt.call_sid or not attempt.identified:
        return None   # only a caller who said who they are hears that there is more
    following = _following(session, attempt)
    if following is not None:
        return following
    position = next_to_tell(session, attempt, default_caller_id)
    if position is None:
        return None
    facts = CallFacts(call_sid=attempt.call_sid, from_number=attempt.from_number,
                      to_number=attempt.to_number)
    return open_inbound_attempt(session, position, facts, now)


def next_to_tell(session, attempt, default_caller_id=None):
    """The position a call-back goes on to after `attempt`'s: the one it went on to already,
    else the first (`_call_back_order`) of the caller's positions that may still be told
    something and that this call has not spoken of; None when there is none."""
    following = _following(session, attempt)
    if following is not None:
        return following.position
    if attempt.direction != INBOUND or not attempt.call_sid:
        return None
    spoken_of = set(session.scalars(select(Attempt.position_id).where(
        Attempt.call_sid == attempt.call_sid, Attempt.direction == INBOUND)))
    creditors = creditors_dialled(session, attempt.to_number, default_caller_id)
    return next((position for position in positions_to_tell(session, creditors,
                                                            attempt.from_number)
                 if position.id not in spoken_of), None)


def _following(session, attempt):
    """The inbound attempt of the same call opened after `attempt`, or None."""
    if not attempt.call_sid:
        return None
    return session.scalar(select(Attempt).where(
        Attempt.call_sid == attempt.call_sid, Attempt.direction == INBOUND,
        Attempt.id > attempt.id).order_by(Attempt.id).limit(1))


def codes_keyed(session, attempt):
    """The customer codes the caller keyed earlier on `attempt`'s call, for positions of the
    same creditor: each identifies them for a position with that code (ivr.flow.next_position)."""
    if not attempt.call_sid:
        return frozenset()
    return frozenset(session.scalars(
        select(Position.verification_code).join(Attempt, Attempt.position_id == Position.id)
        .where(Attempt.call_sid == attempt.call_sid, Attempt.direction == INBOUND,
               Attempt.identified, Attempt.id != attempt.id,
               Position.creditor_id == attempt.position.creditor_id,
               Position.verification_code.is_not(None))))


def creditors_dialled(session, to, default_caller_id=None):
    """The creditors whose caller ID is `to` (those without their own use the default one)."""
    if not to:
        return []
    dialled = [Creditor.caller_id == to]
    if default_caller_id and to == default_caller_id:
        dialled.append(Creditor.caller_id.is_(None))
    return session.scalars(select(Creditor).where(or_(*dialled)).order_by(Creditor.id)).all()


def operator_of(creditors):
    """The first contact phone in E.164 among `creditors`, or None."""
    for creditor in creditors:
        phone = (creditor.contact_phone or "").strip()
        if phone.startswith("+") and phone[1:].isdigit():
            return phone
    return None


def caller_number(from_, region):
    """`from_` in E.164 as the importer writes numbers, or None (withheld, 'anonymous'…)."""
    try:
        return read_phone(from_ or "", region)
    except FieldError:
        return None


def positions_to_tell(session, creditors, from_):
    """The positions of `creditors` on the caller's number that may still be told something,
    the one to speak of first at the head (see `_call_back_order`). None on a barred number."""
    found = []
    for creditor in creditors:
        phone = caller_number(from_, creditor.country)
        if phone is None or is_barred(session, creditor.id, phone):
            continue
        found += session.scalars(select(Position).where(
            Position.creditor_id == creditor.id, Position.phone == phone,
            Position.status.in_(TELLABLE))).all()
    return _call_back_order(session, found)


def is_barred(session, creditor_id, phone):
    """The number is barred for the creditor, or opted out for any creditor (SPEC §5)."""
    return session.scalar(select(BlockedNumber.id).where(
        BlockedNumber.phone == phone,
        or_(BlockedNumber.creditor_id == creditor_id,
            BlockedNumber.reason == Outcome.OPTED_OUT.value)).limit(1)) is not None


def _call_back_order(session, positions):
    """One position per call-back: those the caller can identify for first (a position that may
    not be told by phone, domain.identification, would end the call before the others), then
    those not spoken of on an earlier call-back, then the one whose outbound call was placed
    most recently (the call being returned), then the newest. The others are told on the
    caller's later call-backs."""
    if not positions:
        return []
    ids = [p.id for p in positions]
    last = dict(session.execute(
        select(Attempt.position_id, func.max(Attempt.placed_at)).where(
            Attempt.position_id.in_(ids), Attempt.direction == OUTBOUND)
        .group_by(Attempt.position_id)).all())
    heard = dict(session.execute(
        select(Attempt.position_id, func.max(Attempt.answered_at)).where(
            Attempt.position_id.in_(ids), Attempt.direction == INBOUND, Attempt.identified)
        .group_by(Attempt.position_id)).all())
    return sorted(positions, key=lambda p: (
        p.identification == WITHHELD, heard.get(p.id) or _EPOCH,
        -(last.get(p.id) or _EPOCH).timestamp(), -p.id))


def open_inbound_attempt(session, position, facts, now):
    """A new inbound attempt of `position`'s call round for this call, answered at `now`."""
    for _ in range(3):   # another call-back of the same position took the number meanwhile
        lowest = session.scalar(select(func.min(Attempt.number)).where(
            Attempt.position_id == position.id, Attempt.round == position.round,
            Attempt.direction == INBOUND))
        attempt = Attempt(
            token=new_token(), position_id=position.id, round=position.round,
            number=min(lowest or 0, 0) - 1, direction=INBOUND, status=IN_PROGRESS,
            # The caller's number as the dialer writes the numbers it rings (the position's,
            # which the caller's matched): a call to it waits while this one goes on.
            call_sid=facts.call_sid, from_number=position.phone, to_number=facts.to_number,
            day=now.astimezone(ZoneInfo(position.creditor.timezone)).date(),
            answered_at=now, created_at=now)
        try:
            with session.begin_nested():
                session.add(attempt)
        except IntegrityError:
            # The same request delivered twice at once: the other delivery opened it.
            opened = facts.call_sid and session.scalar(select(Attempt).where(
                and_(Attempt.call_sid == facts.call_sid, Attempt.direction == INBOUND,
                     Attempt.position_id == position.id)))
            if opened:
                return opened
            continue
        record_event(session, position.id, "call_in", f"twilio:inbound {facts.call_sid or '-'}",
                     {"number": attempt.number}, attempt_id=attempt.id, at=now)
        return attempt
    raise RuntimeError("could not number the inbound attempt")
