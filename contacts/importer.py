"""Importing a contact list into a creditor's positions, streamed and written in batches.

The caller owns the transaction: it commits when `import_contacts` returns and rolls back
when it raises, so a file that breaks halfway leaves the database as it was.
"""
import logging
import os
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from contacts.batch_writing import LIST_COLUMNS, BatchWriter, CodeCheck, DryRun
from contacts.closing import close_absent
from contacts.parse import ContactListError, open_contact_list
from contacts.plausibility import Review
from contacts.sources import Limits
from contacts.status import phase_start_values
from db.models import Creditor, ImportBatch, utcnow
from domain.identification import requires_code

log = logging.getLogger(__name__)

BATCH_SIZE = 2000


@dataclass
class ImportResult:
    """What one import did."""

    batch_id: int
    imported: int = 0
    updated: int = 0
    rejections: list = field(default_factory=list)  # contacts.parse.Rejection, in file order
    encoding: str | None = None  # the one a CSV was read in, for the whole file
    closed: int | None = None  # positions absent from a complete list, paid (--close-missing)
    # Rows imported without a verification code for a creditor that requires code
    # identification: warned of, not rejected — their notice goes only in writing.
    without_code: list = field(default_factory=list)  # row numbers, in file order
    # A file's sample of accepted rows and its warnings (contacts.plausibility.Review).
    review: Review | None = None

    @property
    def rejected(self):
        return len(self.rejections)


@dataclass
class ImportOutcome:
    """What `import_file` did: a result, or the refusal of the whole file (nothing changed)."""

    result: ImportResult | None = None
    refusal: ContactListError | None = None


def import_file(make_session, creditor_id, path, filename=None, commit=True, limits=None,
                progress=None, batch_size=None, close_missing=False, bar_secret=None, now=None):
    """Import the list at `path` in a session of its own, committed when the file could be
    read; with `commit` False, only count what it would do (a preview, which writes nothing).
    With `close_missing`, the list is the creditor's complete one: what it lacks is paid.
    With `bar_secret` (contacts.privacy.privacy_secret), bars kept as hashes of erased numbers
    take back the numbers the list brings again. `now` (default: the wall clock) dates the
    review's "due in the future". The one way in for the command line and the console."""
    with make_session() as session:
        try:
            creditor = session.get(Creditor, creditor_id)
            result = import_contacts(session, creditor, path, filename, progress, batch_size,
                                     limits=limits, dry_run=not commit,
                                     close_missing=close_missing, bar_secret=bar_secret,
                                     now=now)
        except ContactListError as refusal:
            session.rollback()
            log.info("import for creditor %s refused: %s", creditor_id, refusal.code)
            return ImportOutcome(refusal=refusal)
        except BaseException:
            session.rollback()
            raise
        if commit:
            session.commit()
        else:
            session.rollback()
        return ImportOutcome(result=result)


def import_contacts(session, creditor, path, filename=None, progress=None, batch_size=None,
                    limits=None, dry_run=False, close_missing=False, bar_secret=None, now=None):
    """Import the list at `path` for `creditor`; raises ContactListError when the file cannot
    be read (the caller rolls back: nothing changes). `progress(row_number, rows)` is called
    after each written batch, `rows` being about how many the file has. `dry_run` counts what
    the import would do without writing anything (a preview). `close_missing`: the creditor's
    positions still worked whose reference the file lacks are paid (contacts.closing). A row
    for a position whose personal data was erased is rejected: the erasure stands. The result's
    `review` holds a sample of the accepted rows and the implausible values warned of."""
    limits = limits or Limits()
    today = (now or utcnow()).astimezone(ZoneInfo(creditor.timezone)).date()
    review = Review(today, creditor.country or "IT", limits.warn_amount)
    with open_contact_list(path, creditor.country or "IT", limits) as contact_list:
        result = import_items(
            session, creditor, contact_list, filename or os.path.basename(path),
            columns=[c for c in LIST_COLUMNS if c in contact_list.columns],
            progress=progress and (lambda row: progress(row, contact_list.rows)),
            batch_size=batch_size, dry_run=dry_run, close_missing=close_missing,
            bar_secret=bar_secret, review=review)
        result.encoding = contact_list.encoding
    return result


def import_items(session, creditor, items, name, columns=LIST_COLUMNS, progress=None,
                 batch_size=None, dry_run=False, close_missing=False, bar_secret=None,
                 outcomes=None, review=None):
    """Import `items` — Contacts and Rejections as contacts.parse.read_contact makes them, from a
    file's rows or the API's JSON items — as one import batch called `name`; `columns` are the
    list columns the items carry (the others keep what positions have). With `outcomes` (a
    dict), each written row's number is mapped to `imported` or `updated` there; a `review`
    (contacts.plausibility.Review) is shown every accepted row. The one writer of contact
    lists: the file importer and the API's PUT both come here."""
    present = set() if close_missing else None  # bounded by IMPORT_MAX_ROWS
    batch = None if dry_run else _new_batch(session, creditor, name)
    result = ImportResult(batch_id=batch and batch.id, review=review)
    codes = CodeCheck(session, result, "verification_code" in columns) \
        if requires_code(creditor) else None
    writer = DryRun(session, creditor.id, result, codes) if dry_run else BatchWriter(
        session, creditor.id, batch.id, result, updated_columns=columns,
        start=phase_start_values(creditor), codes=codes, bar_secret=bar_secret)
    writer.outcomes = outcomes
    batch_size = batch_size or BATCH_SIZE
    pending = []
    for item in items:
        if present is not None and item.reference:
            present.add(item.reference)
        pending.append(item)
        if len(pending) >= batch_size:
            writer.write(pending)
            pending = []
            if progress:
                progress(item.row_number)
    writer.write(pending)
    if close_missing:
        result.closed = close_absent(session, creditor.id, present,
                                     f"import:batch:{result.batch_id}", utcnow(), dry_run)
    if batch is not None:
        batch.imported, batch.updated, batch.rejected = (result.imported, result.updated,
                                                         result.rejected)
        session.flush()
    log.info("import batch %s for creditor %s: %s imported, %s updated, %s rejected",
             result.batch_id or "(preview)", creditor.id, result.imported, result.updated,
             result.rejected)
    return result


def _new_batch(session, creditor, filename):
    batch = ImportBatch(creditor_id=creditor.id, filename=filename[:400])
    session.add(batch)
    session.flush()
    return batch
