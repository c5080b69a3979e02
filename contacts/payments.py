"""Payments a creditor reports in a file (CSV or XLSX: reference, amount paid, date paid),
each applied through contacts.status.record_payment, the one code path for payments.

The file is read with the contact list's care (encodings, separators, XLSX, caps, refusals).
A bad row is rejected with its row number and reason and never stops the good ones; a file
that cannot be read, even halfway, changes nothing (the caller rolls back on ContactListError).
"""
import logging
import os
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from contacts import fields
from contacts.fields import FieldError
from contacts.parse import Rejection, is_blank, map_headers, stray_byte_rejection
from contacts.sources import ContactListError, open_rows, stray_byte
from contacts.status import StatusError, record_payment
from db.models import Creditor, Position

log = logging.getLogger(__name__)

# Accepted headers, normalised like a contact list's (lower case, `_` and `-` as spaces); the
# second of each is the Italian name a refusal quotes. A bare "importo" is left out on purpose:
# in a creditor's export it is as likely the amount owed as the amount paid.
ALIASES = {
    "reference": ("reference", "riferimento", "pratica", "rif", "id pratica"),
    "amount_paid": ("amount paid", "importo pagato", "pagato", "importo pagamento",
                    "importo versato", "payment amount"),
    "paid_on": ("paid on", "data pagamento", "pagato il", "data del pagamento", "data versamento",
                "payment date", "date paid"),
}
REQUIRED = tuple(ALIASES)
BATCH_SIZE = 500


@dataclass(frozen=True)
class Payment:
    """One good row: a payment of `amount_paid` on `paid_on` for the position `reference`."""

    row_number: int
    reference: str
    amount_paid: Decimal
    paid_on: date


@dataclass
class PaymentResult:
    """What one payments file did."""

    applied: int = 0
    paid_in_full: int = 0
    rejections: list = field(default_factory=list)  # contacts.parse.Rejection, in file order
    encoding: str | None = None

    @property
    def partial(self):
        return self.applied - self.paid_in_full

    @property
    def rejected(self):
        return len(self.rejections)


@dataclass
class PaymentsOutcome:
    """What `pay_file` did: a result, or the refusal of the whole file (nothing changed)."""

    result: PaymentResult | None = None
    refusal: ContactListError | None = None


def read_payment(row_number, cells, columns):
    """A Payment from one row's cells, or a Rejection listing every problem of the row."""
    def cell(name):
        index = columns[name]
        return cells[index] if index < len(cells) else None

    values, problems = {}, []
    for name, read in (("reference", lambda v: fields.read_text(v, "reference", 100, True)),
                       ("amount_paid", lambda v: fields.read_amount(v, "amount paid")),
                       ("paid_on", lambda v: fields.read_date(v, "payment date"))):
        try:
            values[name] = read(cell(name))
        except FieldError as exc:
            problems.append(exc)
    if problems:
        return Rejection.of(row_number, FieldError.several(problems))
    return Payment(row_number=row_number, **values)


def read_payments(source):
    """Payments and Rejections of `source` (contacts.sources.open_rows), in file order; raises
    ContactListError when the file (or its header) cannot be read, before or while rows are."""
    rows = iter(source)
    header = next((cells for _n, cells in rows if not is_blank(cells)), None)
    if header is None:
        raise ContactListError("empty_file")
    columns = map_headers(header, ALIASES, REQUIRED)
    for number, cells in rows:
        if source.stray_bytes and (byte := stray_byte(cells)):
            yield stray_byte_rejection(number, byte, source.encoding)
        elif not is_blank(cells):
            yield read_payment(number, cells, columns)


def apply_payments(session, creditor, path, now, filename=None, limits=None):
    """Apply the payments file at `path` to `creditor`'s positions in `session` (the caller
    commits, or rolls back when ContactListError is raised); a PaymentResult."""
    source = f"payments:{filename or os.path.basename(path)}"[:200]
    first_rows = {}  # reference: its first row; bounded by IMPORT_MAX_ROWS
    with closing(open_rows(path, limits)) as rows:
        result = PaymentResult(encoding=rows.encoding)
        pending = []
        for item in read_payments(rows):
            pending.append(item)
            if len(pending) >= BATCH_SIZE:
                _apply_batch(session, creditor, pending, first_rows, source, now, result)
                pending = []
        _apply_batch(session, creditor, pending, first_rows, source, now, result)
    log.info("payments file for creditor %s: %s applied (%s in full), %s rejected",
             creditor.id, result.applied, result.paid_in_full, result.rejected)
    return result


def _apply_batch(session, creditor, items, first_rows, source, now, result):
    references = [i.reference for i in items if isinstance(i, Payment)]
    positions = {p.reference: p for p in session.scalars(
        select(Position).where(Position.creditor_id == creditor.id,
                               Position.reference.in_(references)))} if references else {}
    for item in items:
        reason = item.reason if isinstance(item, Rejection) else \
            _apply_one(session, item, positions, first_rows, source, now, result)
        if reason is not None:
            result.rejections.append(Rejection(item.row_number, reason))


def _apply_one(session, payment, positions, first_rows, source, now, result):
    """Apply one payment; the reason it was rejected, or None."""
    first = first_rows.setdefault(payment.reference, payment.row_number)
    if first != payment.row_number:
        return f"reference '{payment.reference}' already appears in row {first}"
    position = positions.get(payment.reference)
    if position is None:
        return f"no position with reference '{payment.reference}' for this creditor"
    try:
        due = record_payment(session, position, payment.amount_paid, payment.paid_on, source,
                             now)
    except StatusError as exc:
        return str(exc)
    result.applied += 1
    result.paid_in_full += due == 0
    return None


def pay_file(make_session, creditor_id, path, now, filename=None, limits=None):
    """Apply the payments file at `path` in a session of its own, committed when the file
    could be read; the one way in for the command line and the console."""
    with make_session() as session:
        try:
            creditor = session.get(Creditor, creditor_id)
            result = apply_payments(session, creditor, path, now, filename, limits)
        except ContactListError as refusal:
            session.rollback()
            log.info("payments file for creditor %s refused: %s", creditor_id, refusal.code)
            return PaymentsOutcome(refusal=refusal)
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return PaymentsOutcome(result=result)
