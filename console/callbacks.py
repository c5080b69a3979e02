"""The collectors' callback queue: debtors who pressed 3, oldest first.

A collector *claims* a request before calling, so two collectors never ring the same person at
once; the claim lapses after CLAIM_MINUTES if the collector goes quiet. The result of the human
call (paid, a promise to pay, a dispute, unreachable, other) closes the request. Every action
lands in the position's event log with who did it.
"""
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update

from console.filters import money
from console.forms import FormError, clean_text
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


@dataclass(frozen=True)
class QueueItem:
    request: CallbackRequest
    position: Position
    age: timedelta
    claimed_by_other: bool


def open_queue(session, now, collector, creditor_id=None, text="", mine=False, page=1,
               page_size=50):
    """(one page of the open requests, oldest first, each with its age and whether someone
    else holds it; how many there are): of one creditor, matching a searched `text`
    (console.searches.matching), or only those `mine` holds, when asked."""
    query = select(CallbackRequest, Position).join(CallbackRequest.position) \
        .where(CallbackRequest.status == "open")
    if creditor_id is not None:
        query = query.where(Position.creditor_id == creditor_id)
    if text:
        query = query.where(matching(text, Position.reference, Position.name, Position.phone))
    if mine:
        query = query.where(CallbackRequest.claimed_by == collector,
                            CallbackRequest.claimed_until >= now)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(CallbackRequest.requested_at, CallbackRequest.id)
                           .limit(page_size).offset((page - 1) * page_size)).all()
    return [QueueItem(request, position, now - request.requested_at,
                      _held_by_other(request, collector, now)) for request, position in rows], total


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
          promise_amount=None):
    """Record the result of the human call and close the request (the collector must hold it).
    A promise is held to the keypad's and the debtor's page's rules (domain.promises)."""
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
        promised_on, promised = _promise(request.position, promise_date, promise_amount, now)
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


def _promise(position, when, amount, now):
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
    if problem == "over_due":
        raise CallbackError(f"L'importo promesso supera il dovuto ({shown}).")
    if problem:
        raise CallbackError(f"Indichi l'importo promesso come 150,00 o 1.234,56: maggiore di "
                            f"zero e non oltre il dovuto ({shown}).")
    return promised_on, promised
