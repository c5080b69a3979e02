"""What each webhook does to the database: record Twilio's facts, run one turn of the flow.

`facts` are a webhook's `ivr.facts.CallFacts`: each fits its column. No Flask here: the view
hands in the facts, the dialer's clock `now`, how to speak and where the call's URLs point.

Every function is idempotent: a fact already recorded (same attempt, same turn or status) is not
recorded again, and a replayed turn returns the same TwiML because the flow is pure.
"""
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from db import insert_ignoring, session_joining, write_columns
from db.adopted import adopt, attach, columns_of, detached, keep_in
from db.events import record_event
from db.prepared import Prepared
from db.models import Attempt, Creditor, Outcome, Position, VoiceMessage
from domain.calls import IN_PROGRESS, PROGRESS, TERMINAL_STATUSES
from domain.phones import can_receive_sms
from ivr import flow
from ivr.facts import is_attempt_token
from ivr.inbound import INBOUND, codes_keyed
from ivr.outcomes import apply_call_back_outcome, apply_outcome
from ivr.twiml import Voice, hangup_twiml, reply_twiml
from ivr.wording import read_wording
from notify import queue_notice_email
from prompts import personal_fields
from prompts.greetings import salutation_at

DIGITS_KEPT = 200


# Built once: every webhook runs one, and building it anew cost more than running it.
ATTEMPT_BY_TOKEN = select(Attempt).where(Attempt.token == bindparam("token"))
ATTEMPT_TO_SPEAK = ATTEMPT_BY_TOKEN.options(
    joinedload(Attempt.position).joinedload(Position.creditor))
_ATTEMPTS = Attempt.__table__
_POSITIONS = Position.__table__
_CREDITORS = Creditor.__table__
SID_HOLDER = Prepared(select(_ATTEMPTS.c.id).where(_ATTEMPTS.c.call_sid == bindparam("sid")))
_HOLDER = _ATTEMPTS.alias("holder")
# The same three objects as one row of named SQL, adopted (db.adopted): the ORM's joined load
# rebuilt its row processors on every turn, the larger part of a turn's reading. The row also
# says which attempt holds the request's CallSid already (`_call_changes`), a statement less
# for an answer whose attempt has none yet.
ATTEMPT_ROW = Prepared(
    select(*columns_of(Attempt, Position, Creditor),
           select(_HOLDER.c.id).where(_HOLDER.c.call_sid == bindparam("sid"))
           .scalar_subquery().label("sid_holder"))
    .join(_POSITIONS, _POSITIONS.c.id == _ATTEMPTS.c.position_id)
    .join(_CREDITORS, _CREDITORS.c.id == _POSITIONS.c.creditor_id)
    .where(_ATTEMPTS.c.token == bindparam("token")))
# A status callback (two thirds of all webhooks) reads and writes the attempt's row through
# Core: the ORM's identity map, flush and lazy loads cost it several times the SQL. With it,
# what a final status needs to know of the call round (`_close`), read in the same statement.
STATUS_FACTS = select(*(_ATTEMPTS.c[name] for name in (
    "id", "position_id", "status", "call_sid", "answered_by", "outcome", "round", "number",
    "direction")), _POSITIONS.c.outcome.label("round_outcome"),
    _POSITIONS.c.round.label("current_round"), _CREDITORS.c.max_attempts) \
    .join_from(_ATTEMPTS, _POSITIONS, _POSITIONS.c.id == _ATTEMPTS.c.position_id) \
    .join(_CREDITORS, _CREDITORS.c.id == _POSITIONS.c.creditor_id)
STATUS_BY_TOKEN = Prepared(STATUS_FACTS.where(_ATTEMPTS.c.token == bindparam("token")))
# A call-back's status callback comes to the caller ID's one URL: its CallSid names the attempts
# (one per position the call spoke of).
INBOUND_STATUS = Prepared(STATUS_FACTS.where(_ATTEMPTS.c.call_sid == bindparam("sid"),
                                             _ATTEMPTS.c.direction == INBOUND)
                          .order_by(_ATTEMPTS.c.id))
ATTEMPT_UPDATE = Prepared(update(_ATTEMPTS).where(_ATTEMPTS.c.id == bindparam("attempt_id")))
ROUND_OF = Prepared(
    select(_POSITIONS.c.outcome, _POSITIONS.c.round, _CREDITORS.c.max_attempts)
    .join(_CREDITORS, _CREDITORS.c.id == _POSITIONS.c.creditor_id)
    .where(_POSITIONS.c.id == bindparam("position_id")))


@dataclass(frozen=True)
class Speaking:
    """How this server speaks on its calls: the <Say> voice of each language, and where Twilio
    fetches a creditor's recording (by its sha256) and the clips rendered ahead of time."""

    voices: dict
    recording_url: Callable[[str], str]
    # (creditor's name, language, overrides, personal values) → {sentence: URL}
    clips: Callable[[str, str, dict, tuple], dict]
    # (session, creditor id, its wording_version, language, recording_url) → (overrides,
    # recordings): an ivr.wording.WordingCache; by default read on every turn.
    wording: Callable = None


def find_attempt(session, token, call_sid=None):
    """The attempt a webhook URL names, with its position and creditor (what the prompts and
    the outcomes need of it), persistent in `session`; or None. `call_sid`: the request's, whose
    holder is read with it."""
    row = _attempt_row(session, token, call_sid)
    if row is None:
        return None
    adopted = adopt(session, row, Attempt, Position, Creditor)
    if adopted is None:   # the session holds one of them already: the ORM's own load
        return session.scalar(ATTEMPT_TO_SPEAK, {"token": token})
    attempt, position, creditor = adopted
    position.__dict__["creditor"], attempt.__dict__["position"] = creditor, position
    attach(session, creditor, position, attempt)
    return attempt


def read_attempt(connection, token, call_sid=None):
    """`find_attempt` on a Connection: the attempt, its position and creditor as objects of no
    session (db.adopted.detached), which the turn's named SQL writes back; or None. A webhook
    that needs no outcome (an answer, most turns) runs without a Session's bookkeeping."""
    row = _attempt_row(connection, token, call_sid)
    if row is None:
        return None
    attempt, position, creditor = detached(row, Attempt, Position, Creditor)
    position.__dict__["creditor"], attempt.__dict__["position"] = creditor, position
    return attempt


def _attempt_row(executor, token, call_sid):
    """ATTEMPT_ROW for `token` (None for a token no attempt can have), keeping which attempt
    holds `call_sid` for `_sid_holder` in this transaction."""
    if not is_attempt_token(token):
        return None
    row = ATTEMPT_ROW.first(executor, {"token": token, "sid": call_sid})
    if row is not None and call_sid:
        executor.info[_SID_HOLDER] = (executor.get_transaction(), call_sid, row.sid_holder)
    return row


def status_facts(executor, token):
    """What a status callback needs of the attempt a URL names (a row, not an Attempt), or None;
    read on `executor`, a Session or a Connection."""
    if not is_attempt_token(token):
        return None
    return STATUS_BY_TOKEN.first(executor, {"token": token})


def inbound_status_facts(executor, call_sid):
    """What a call-back's status callback needs of the inbound attempts its CallSid made."""
    if not call_sid:
        return []
    return INBOUND_STATUS.execute(executor, {"sid": call_sid}).all()


def caller_for(position, now=None):
    """What the flow knows of the debtor: how they identify, and at `now` the creditor's today
    (for a promise's date), whether key 7 can text them the creditor's payment link and
    whether the notice can be written to them."""
    creditor = position.creditor
    return flow.Caller(identification=position.identification,
                       verification_code=position.verification_code,
                       has_invoice=bool(position.invoice),
                       today=now and now.astimezone(ZoneInfo(creditor.timezone)).date(),
                       can_text_link=bool(creditor.payment_link)
                       and can_receive_sms(position.phone),
                       can_write=bool(position.email or position.pec))


def voice_for(position, voices, recordings=None, now=None):
    """The language, voice, template fields and recordings ({slot: URL}) of a call; at `now`
    (the call's clock) the greeting fits the creditor's time of day."""
    language = position.spoken_language
    fields = personal_fields(position.name, position.amount_due, position.currency,
                             position.due_date, position.invoice, language)
    if now is not None:
        fields["salutation"] = salutation_at(language, now, ZoneInfo(position.creditor.timezone))
    return Voice(language=language, voice=voices.get(language), recordings=recordings or {},
                 fields=dict(fields, creditor=position.creditor.greeting_name))


def _speaker(session, position, speaking, now):
    """The call's voice with the creditor's wording and recordings, read in the turn's own
    transaction (once per change of them, through `speaking.wording`): nothing is read after
    the commit, which expires the position. A turn makes it before its first write, so that on
    SQLite the write lock, which other processes' webhooks wait for, is held for the writes
    alone."""
    voice = voice_for(position, speaking.voices, now=now)
    creditor = position.creditor
    if speaking.wording is None:
        overrides, recordings = read_wording(session, creditor.id, voice.language,
                                             speaking.recording_url)
    else:
        overrides, recordings = speaking.wording(session, creditor.id, creditor.wording_version,
                                                 voice.language, speaking.recording_url)
    personal = tuple(value for key, value in voice.fields.items()
                     if key not in ("creditor", "salutation")) \
        if creditor.synthesize_personal else ()
    return replace(voice, recordings=recordings, overrides=overrides), personal


def _voice(speaker, speaking):
    """The speaker's voice with the clips rendered for it."""
    voice, personal = speaker
    clips = speaking.clips(voice.fields["creditor"], voice.language, voice.overrides, personal)
    return replace(voice, clips=clips)


def answer_call(session, attempt, facts, now, speaking, action_url):
    """The callee picked up (a person or a machine): greet and ask who they are. `session`:
    a Session with `attempt` persistent in it, or a Connection with `read_attempt`'s."""
    changes = _call_changes(session, attempt, facts)
    if _moves_forward(attempt.status, IN_PROGRESS):
        changes["status"] = IN_PROGRESS
    if attempt.answered_at is None:
        changes["answered_at"] = now
    answered_by = facts.answered_by
    source = _source("answer", facts)
    reply = flow.answer(caller_for(attempt.position), answered_by)
    speaker = _speaker(session, attempt.position, speaking, now)
    _write(session, attempt, changes)
    return _answered(session, attempt, reply, answered_by, source, now, speaking, action_url,
                     speaker)


def take_keys(session, attempt, state, facts, now, speaking, action_url, text_link=None,
              next_url=None):
    """One turn of identification, menu or a promise's date: record the keys, answer with the
    next prompts. `session`: as `answer_call`'s. `text_link(session, position, now, key)`
    queues the payment link's SMS; `next_url(session, attempt)` is where a call-back goes on
    once this position is answered (None: nothing left to tell): both are given a Session."""
    if state.step != "identify" and not attempt.identified:
        return hangup_twiml()  # past identification it speaks of the debt: never without it
    changes = _call_changes(session, attempt, facts)
    digits = facts.digits or ""
    source = _source(state.step, facts)
    reply = flow.STEPS[state.step](caller_for(attempt.position, now), state, digits)
    speaker = _speaker(session, attempt.position, speaking, now)
    fresh = record_event(session, attempt.position_id, "keys", source,
                         {"step": state.step, "digits": digits or None},
                         attempt_id=attempt.id, at=now,
                         dedupe_key=f"keys:{attempt.id}:{state.step}:{state.turn}")
    if fresh and digits:
        pressed = f"{attempt.digits},{digits}" if attempt.digits else digits
        changes["digits"] = pressed[:DIGITS_KEPT]
    if not fresh:   # a replayed turn: only what the request adds (its CallSid)
        _write(session, attempt, changes)
    else:
        _record_reply(session, attempt, reply, source, now, changes)
        if reply.send_payment_link and text_link is not None:
            key = f"payment_link:{attempt.id}:{state.turn}"
            with _orm(session, attempt) as (orm_session, orm_attempt):
                mail = text_link(orm_session, orm_attempt.position, now, key)
            record_event(session, attempt.position_id, "payment_link_requested", source,
                         {"mail_id": mail.id}, attempt_id=attempt.id, at=now)
    reply, following = _going_on(session, attempt, reply, next_url)
    _commit(session)
    return reply_twiml(reply, _voice(speaker, speaking), action_url, following)


def take_recording(session, attempt, facts, now, speaking, next_url=None):
    """The debtor's spoken message about a problem with the invoice (key 6) is over: note where
    Twilio keeps it — fetched later by the worker, never on this path — and say goodbye (or,
    on a call-back, go on as `take_keys` does)."""
    if not attempt.identified:
        return hangup_twiml()
    source = _source("recorded", facts)
    if facts.recording_sid and facts.recording_url:
        kept = session.scalar(insert_ignoring(session, VoiceMessage).values(
            position_id=attempt.position_id, attempt_id=attempt.id,
            recording_sid=facts.recording_sid, url=facts.recording_url,
            duration=facts.recording_duration, status="pending", tries=0, next_try_at=now,
            created_at=now).returning(VoiceMessage.id))
        if kept is not None:   # a replayed callback finds it there already
            record_event(session, attempt.position_id, "voice_message", source,
                         {"voice_message_id": kept, "duration": facts.recording_duration},
                         attempt_id=attempt.id, at=now)
    reply, following = _going_on(session, attempt, flow.after_recording(), next_url)
    speaker = _speaker(session, attempt.position, speaking, now)
    session.commit()
    return reply_twiml(reply, _voice(speaker, speaking), None, following)


def go_on(session, attempt, facts, now, speaking, action_url):
    """A call-back goes on to `attempt`, opened for the caller's next position
    (ivr.inbound.take_next): say there is another one and ask who they are — or, when they
    keyed its customer code for the same creditor earlier on this call, say so and read its
    notice."""
    source = _source("next", facts)
    reply = flow.next_position(caller_for(attempt.position), codes_keyed(session, attempt))
    return _answered(session, attempt, reply, None, source, now, speaking, action_url)


def _answered(session, attempt, reply, answered_by, source, now, speaking, action_url,
              speaker=None):
    """Record that the call reached the attempt's position (once) with the flow's `reply`
    to it, commit, and speak the reply (with `speaker`, when the caller has it already)."""
    speaker = speaker or _speaker(session, attempt.position, speaking, now)
    if record_event(session, attempt.position_id, "answered", source, {"answered_by": answered_by},
                    attempt_id=attempt.id, at=now, dedupe_key=f"answer:{attempt.id}"):
        _record_reply(session, attempt, reply, source, now)
    _commit(session)
    return reply_twiml(reply, _voice(speaker, speaking), action_url)


def _commit(executor):
    """Commit a turn. A Connection goes back to its pool at once: nothing after the commit
    reads the database, and whoever writes next on SQLite (the simulator's processes queue on
    a lock given back with the connection, db.write_lock) waits for no TwiML."""
    executor.commit()
    if not isinstance(executor, Session):
        executor.close()


def _going_on(session, attempt, reply, next_url):
    """(reply, URL to go on to): a call-back whose debtor answered about this position goes on
    to the caller's next one when there is one (ivr.flow.goes_on); otherwise `reply` as is."""
    if attempt.direction != INBOUND or next_url is None or not flow.goes_on(reply):
        return reply, None
    with _orm(session, attempt) as (orm_session, orm_attempt):
        following = next_url(orm_session, orm_attempt)
    return (flow.then_next(reply), following) if following else (reply, None)


def record_status(executor, attempt, facts, now, source=None):
    """A status callback: move the attempt forward; a final status closes it; committed.

    `executor`: a Session, or a Connection in a transaction (`db.transaction`), as the status
    callback runs it: its statements are named SQL, and a Session's bookkeeping cost it a fifth
    of its time. `attempt` needs only its columns (`status_facts`' row will do): the attempt is
    written with one UPDATE, and loaded as an Attempt only when its call round ends as
    no_answer. `source`: who brought the facts when not the callback (a status fetched from
    the provider because the callback was lost); the same status is recorded once, whoever
    brings it."""
    status = facts.status or ""
    detail = {key: value for key, value in (
        ("status", facts.status), ("duration", facts.duration), ("answered_by", facts.answered_by),
        ("sequence", facts.sequence), ("timestamp", facts.timestamp)) if value is not None}
    source = source or _source("status", facts)
    if not record_event(executor, attempt.position_id, "status", source, detail,
                        attempt_id=attempt.id, at=now, dedupe_key=f"status:{attempt.id}:{status}"):
        return
    changes = _call_changes(executor, attempt, facts)
    if status in TERMINAL_STATUSES:
        if attempt.status not in TERMINAL_STATUSES:
            changes.update(status=status, ended_at=now)
        if facts.duration is not None:
            changes["duration"] = facts.duration
    elif _moves_forward(attempt.status, status):
        changes["status"] = status
    if changes:
        ATTEMPT_UPDATE.execute(executor, dict(changes, attempt_id=attempt.id))
    if status in TERMINAL_STATUSES:
        _close(executor, attempt, source, now)
    executor.commit()


def _close(executor, attempt, source, now):
    # A call-back that ended without an answer ends nothing: it is no attempt of the round's.
    if attempt.outcome is not None or attempt.direction == INBOUND:
        return
    if hasattr(attempt, "current_round"):   # a STATUS_FACTS row: read with the attempt
        outcome, round_, max_attempts = attempt.round_outcome, attempt.current_round, \
            attempt.max_attempts
    else:
        outcome, round_, max_attempts = ROUND_OF.first(executor,
                                                       {"position_id": attempt.position_id})
    # Twilio sends the final status after every <Gather> of the call has been answered, so an
    # attempt without an outcome by now has none; the last one allowed ends its call round.
    if outcome is None and attempt.round == round_ and attempt.number >= max_attempts:
        if isinstance(executor, Session):
            _no_answer(executor, attempt, source, now)
            return
        with session_joining(executor) as session:   # closed even when the outcome fails
            _no_answer(session, attempt, source, now)
            session.flush()


def _no_answer(session, attempt, source, now):
    apply_outcome(session, session.get(Attempt, attempt.id), Outcome.NO_ANSWER.value, source, now)


def _record_reply(session, attempt, reply, source, now, changes=None):
    """Record what the flow's `reply` decided; `changes`, the attempt's columns the turn sets
    besides, are written with its own in one UPDATE."""
    identified_now = reply.identified_now and not attempt.identified
    if identified_now:
        changes = dict(changes or {}, identified=True)
    _write(session, attempt, changes)
    if identified_now:
        record_event(session, attempt.position_id, "identified", source, attempt_id=attempt.id, at=now)
    if reply.outcome or reply.write_notice:
        with _orm(session, attempt) as (orm_session, orm_attempt):
            _apply_reply(orm_session, orm_attempt, reply, source, now)
    if reply.ended_without_outcome:
        record_event(session, attempt.position_id, "call_ended", source,
                     {"reason": reply.ended_without_outcome}, attempt_id=attempt.id, at=now)


@contextmanager
def _orm(executor, attempt):
    """(Session, attempt persistent in it) for the ORM's part of a turn: `executor` and
    `attempt` themselves, or on a Connection (`read_attempt`'s turn) a Session joined to its
    transaction, the attempt, its position and creditor kept in it as the turn read and wrote
    them (`_write` keeps them as written): nothing read again."""
    if isinstance(executor, Session):
        yield executor, attempt
        return
    with session_joining(executor) as joined:   # closed even when the work fails
        keep_in(joined, attempt.position.creditor, attempt.position, attempt)
        yield joined, attempt
        joined.flush()


def _apply_reply(session, attempt, reply, source, now):
    """The reply's outcome and the notice it writes: the ORM's work of a turn."""
    if reply.outcome:
        apply = apply_call_back_outcome if attempt.direction == "inbound" else apply_outcome
        apply(session, attempt, reply.outcome, source, now, promise_date=reply.promise_date)
    if reply.write_notice:
        # A call that may not tell the notice sends it to the position's own addresses.
        for mail in queue_notice_email(session, attempt.position, "withheld", now):
            record_event(session, attempt.position_id, "email_queued", source,
                         {"to": mail.to_address, "kind": mail.kind}, attempt_id=attempt.id, at=now)


def _write(executor, attempt, changes):
    """Write `changes` to the attempt's row in one UPDATE, and to `attempt` as written: an
    ORM object through its Session, `read_attempt`'s through named SQL."""
    if not changes:
        return
    if isinstance(executor, Session):
        write_columns(executor, attempt, **changes)
        return
    ATTEMPT_UPDATE.execute(executor, dict(changes, attempt_id=attempt.id))
    attempt.__dict__.update(changes)


def _call_changes(executor, attempt, facts):
    """{column: value} of the facts every Twilio request carries that the attempt lacks.

    A CallSid is unique: one another attempt holds already (a forged or clipped value) is
    not this call's, so it is left out rather than failing the whole webhook."""
    changes = {}
    sid = facts.call_sid
    if sid and not attempt.call_sid and _sid_holder(executor, sid) is None:
        changes["call_sid"] = sid
    if facts.answered_by and not attempt.answered_by:
        changes["answered_by"] = facts.answered_by
    return changes


def _sid_holder(executor, sid):
    """The id of the attempt holding `sid`: as `find_attempt` or `read_attempt` read it in this
    transaction, or read now."""
    kept = executor.info.pop(_SID_HOLDER, None)
    if kept is not None and kept[0] is executor.get_transaction() and kept[1] == sid:
        return kept[2]
    return SID_HOLDER.scalar(executor, {"sid": sid})


_SID_HOLDER = "cortesia.sid_holder"   # (transaction, CallSid, holder) of the last find_attempt


def _moves_forward(current, status):
    return status in PROGRESS and current not in TERMINAL_STATUSES \
        and PROGRESS[status] > PROGRESS.get(current, 0)


def _source(step, facts):
    return f"twilio:{step} {facts.call_sid or '-'}"
