"""The collectors' callback queue: debtors who pressed 3, oldest first.

A collector *claims* a request before calling, so two collectors never ring the same person at
once; the claim lapses after CLAIM_MINUTES if the collector goes quiet. The result of the human
call (paid, a promise to pay, a dispute, unreachable, other) closes the request. Every action
lands in the position's event log with who did it.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, not_, or_, select, update

from console.filters import money
from console.forms import FormError, clean_text
from console.listing import calls_made
from console.searches import matching
from contacts.fields import FieldError, read_amount
from contacts.status import end_if_done
from db.events import record_event
from db.models import CallbackRequest, Position
from domain.promises import (
    MAX_PROMISE_DAYS, latest_promise_date, promise_amount_problem, promise_date_problem,
    read_promise_day,
)
from ivr.outcomes import take_answer

CLAIM_MINUTES = 30
RESULTS = {"paid": "Dichiara di aver pagato (da verificare)", "promise": "Promessa di pagamento", "dispute": "Contestazione",
           "unreachable": "Non raggiungibile", "other": "Altro"}
# A collector's result as the debtor's answer of SPEC §2 (the keypad's words).
ANSWERS = {"paid": "declared_paid", "promise": "promised", "dispute": "disputed"}


class CallbackError(ValueError):
    """An action on a callback request that cannot be done, and why (in Italian: users read it)."""


class AboveDue(CallbackError):
    """A promise of more than the amount due, not confirmed: the form asks for the confirmation
    (the debtor may mean to pay charges or interest too; a typo must not pass unseen)."""


@dataclass(frozen=True)
class QueueItem:
    request: CallbackRequest
    position: Position
    age: timedelta
    claimed_by_other: bool
    attempts: int = 0
    last_call: datetime | None = None


# Which requests a list of the queue shows: the open ones unless another state is asked for.
STATES = {"": "Aperte", "libere": "Da chiamare", "in_carico": "In carico", "chiuse": "Chiuse",
          "tutte": "Tutte"}


@dataclass(frozen=True)
class QueueFilter:
    """The requests a page (or an export) of the queue lists: of one creditor, matching a
    searched `text` (console.searches.matching), only those `mine` holds, in one of STATES,
    closed with one of RESULTS, asked for within [since, until)."""

    creditor_id: int | None = None
    text: str = ""
    mine: bool = False
    state: str = ""
    result: str = ""
    since: datetime | None = None
    until: datetime | None = None


def queue_query(now, collector, chosen=QueueFilter()):
    """(the query of (request, position, attempts, last call) that `chosen` lists, oldest
    request first; the columns a page may sort it by)."""
    calls = calls_made()
    query = select(CallbackRequest, Position, calls.c.attempts, calls.c.last_call) \
        .join(CallbackRequest.position).outerjoin(calls, calls.c.position_id == Position.id)
    held = and_(CallbackRequest.claimed_by.is_not(None), CallbackRequest.claimed_until >= now)
    query = query.where(*_state_condition(chosen.state, held))
    if chosen.result in RESULTS:
        query = query.where(CallbackRequest.result == chosen.result)
    if chosen.creditor_id is not None:
        query = query.where(Position.creditor_id == chosen.creditor_id)
    if chosen.text:
        query = query.where(matching(chosen.text, Position.reference, Position.name,
                                     Position.phone))
    if chosen.mine:
        query = query.where(CallbackRequest.claimed_by == collector, held)
    if chosen.since is not None:
        query = query.where(CallbackRequest.requested_at >= chosen.since,
                            CallbackRequest.requested_at < chosen.until)
    columns = {"attesa": CallbackRequest.requested_at, "pratica": Position.reference,
               "nome": Position.name, "importo": Position.amount,
               "tentativi": func.coalesce(calls.c.attempts, 0), "ultima": calls.c.last_call,
               "stato": case((CallbackRequest.status != "open", 2), (held, 1), else_=0)}
    return query, columns


def open_queue(session, now, collector, chosen=QueueFilter(), page=1, page_size=50,
               order=None):
    """(one page of the requests `chosen` lists, each with its age and whether someone else
    holds it, in `order` (console.listing.Order; oldest first by default); how many there
    are)."""
    query, columns = queue_query(now, collector, chosen)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    clauses = (order.clauses(columns, CallbackRequest.requested_at, CallbackRequest.id)
               if order else (CallbackRequest.requested_at, CallbackRequest.id))
    rows = session.execute(query.order_by(*clauses)
                           .limit(page_size).offset((page - 1) * page_size)).all()
    return [queue_item(row, collector, now) for row in rows], total


def queue_item(row, collector, now):
    request, position, attempts, last_call = row
    return QueueItem(request, position, (request.closed_at or now) - request.requested_at,
                     _held_by_other(request, collector, now), attempts or 0, last_call)


def _state_condition(state, held):
    if state == "tutte":
        return ()
    if state == "chiuse":
        return (CallbackRequest.status != "open",)
    if state == "libere":
        return (CallbackRequest.status == "open", not_(held))
    if state == "in_carico":
        return (CallbackRequest.status == "open", held)
    return (CallbackRequest.status == "open",)


def claim(session, request_id, collector, now):
    """Take the request for `collector` (or renew their own claim); CallbackError if another
    collector holds it or it is closed. One UPDATE decides, so two clicks cannot both win."""
    table = CallbackRequest.__table__
    free = or_(table.c.claimed_by.is_(None), table.c.claimed_until < now,
               table.c.claimed_by == collector)
    taken = session.execute(update(table).where(table.c.id == request_id,
                                                table.c.status == "open", free)
                            .values(claimed_by=collector,
                                    claimed_until=now + timedelta(minutes=CLAIM_MINUTES))).rowcount
    request = session.get(CallbackRequest, request_id)
    if request is None:
        raise CallbackError("Richiesta inesistente.")
    if not taken:
        session.refresh(request)
        if request.status != "open":
            raise CallbackError("La richiesta è già stata chiusa.")
        raise CallbackError(f"La sta già gestendo {request.claimed_by}.")
    record_event(session, request.position_id, "callback_claimed", f"console:{collector}",
                 {"until": (now + timedelta(minutes=CLAIM_MINUTES)).isoformat()}, at=now)
    return request


def release(session, request_id, collector, now):
    """Give a claimed request back to the queue."""
    request = _held(session, request_id, collector, now)
    request.claimed_by = request.claimed_until = None
    record_event(session, request.position_id, "callback_released", f"console:{collector}", at=now)
    return request


def close(session, request_id, collector, now, result, note="", promise_date=None,
          promise_amount=None, above_due=False):
    """Record the result of the human call and close the request (the collector must hold it).
    A promise is held to the keypad's and the debtor's page's rules (domain.promises), but
    for an amount above the amount due, taken when the collector confirms it (`above_due`)."""
    if result not in RESULTS:
        raise CallbackError("Scelga l'esito della telefonata.")
    try:
        note = clean_text(note, "Nota", multiline=True)
    except FormError as exc:
        raise CallbackError(f"{exc}.") from None
    if result == "other" and not note:
        raise CallbackError("Per l'esito «Altro» scriva una nota.")
    request = _held(session, request_id, collector, now)
    promised_on, promised = None, None
    if result == "promise":
        promised_on, promised = _promise(request.position, promise_date, promise_amount, now,
                                         above_due)
    request.status, request.result, request.note = "closed", result, note or None
    request.promise_date, request.promise_amount = promised_on, promised
    request.closed_at, request.claimed_until = now, None
    detail = {"result": result, "note": note or None}
    if promised is not None:
        detail.update(promise_date=promised_on.isoformat(), promise_amount=str(promised))
    record_event(session, request.position_id, "callback_handled", f"console:{collector}",
                 detail, at=now)
    # What the debtor told the collector counts as if keyed in or chosen on the debtor's page:
    # the same words (an event `answer`), the same status, through the same code path.
    answer, source = ANSWERS.get(result), f"collector:{collector}"
    if not (answer and take_answer(session, request.position, answer, source, now,
                                   promise_date=promised_on)):
        end_if_done(session, request.position, source, now)
    return request


def _held(session, request_id, collector, now):
    request = session.get(CallbackRequest, request_id, with_for_update=True)
    if request is None or request.status != "open":
        raise CallbackError("La richiesta non è più aperta.")
    if request.claimed_by != collector or request.claimed_until is None \
            or request.claimed_until < now:
        raise CallbackError("Prenda in carico la richiesta prima di registrarne l'esito.")
    return request


def _held_by_other(request, collector, now):
    return bool(request.claimed_by and request.claimed_by != collector
                and request.claimed_until and request.claimed_until >= now)


def _promise(position, when, amount, now, above_due=False):
    """(day, amount) of the promise the collector typed, on the creditor's today; CallbackError
    saying what to correct."""
    today = now.astimezone(ZoneInfo(position.creditor.timezone)).date()
    promised_on = read_promise_day(when)
    if promised_on is None:
        raise CallbackError("Indichi la data promessa (gg/mm/aaaa).")
    problem = promise_date_problem(promised_on, today)
    if problem == "past":
        raise CallbackError("La data promessa è già passata.")
    if problem == "too_far":
        raise CallbackError(f"La data promessa può essere al più tardi il "
                            f"{latest_promise_date(today):%d/%m/%Y}, entro {MAX_PROMISE_DAYS} "
                            "giorni da oggi.")
    if not (amount or "").strip():
        raise CallbackError("Indichi l'importo promesso, ad esempio 150,00.")
    due = position.amount_due
    try:
        # Read as the contact lists read amounts: no exponents, nothing the column cannot hold.
        promised = read_amount(amount)
    except FieldError:
        promised = None
    problem = "unreadable" if promised is None else promise_amount_problem(promised, due)
    shown = money(due, position.currency)
    if problem == "over_due" and not above_due:
        raise AboveDue(f"L'importo promesso supera il dovuto ({shown}): se è giusto (oneri, "
                       "interessi), lo confermi e registri di nuovo.")
    if problem and problem != "over_due":
        raise CallbackError(f"Indichi l'importo promesso come 150,00 o 1.234,56: maggiore di "
                            f"zero e non oltre il dovuto ({shown}).")
    return promised_on, promised
