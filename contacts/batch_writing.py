"""Writing one batch of a contact list's rows: positions created or updated with a handful of
bulk statements, their events, the rows refused (a reference repeated, a position erased), and
what a preview would do without writing. contacts.importer streams a list through them.
"""
from sqlalchemy import (Column, Integer, MetaData, String, Table, Text, bindparam, insert, select,
                        text, update)

from contacts import pg_batches
from contacts.fields import FieldError
from contacts.parse import Contact, Rejection
from contacts.privacy import revive_bars
from db.models import Event, ImportRejection, Position, UTCDateTime, utcnow
from db.prepared import Prepared

# The columns a contact list owns; attempts, outcome and history are never touched by an import.
LIST_COLUMNS = ("name", "phone", "email", "pec", "amount", "currency", "due_date", "invoice",
                "verification_code", "language")
# A batch's rows go to the driver's executemany as named SQL: the ORM's bulk statements spent
# more time preparing each row's parameters than the database spent writing it.
_POSITIONS = Position.__table__
NEW_POSITIONS = Prepared(insert(_POSITIONS))
LIST_UPDATE = Prepared(update(_POSITIONS).where(_POSITIONS.c.id == bindparam("position_id")))
# An import's events on SQLite go with their detail's JSON already written (PostgreSQL's are
# made by the server, contacts.pg_batches): every one has the same two integers, and the JSON
# type's dumps per row cost more than the rest of the event.
_EVENT_ROWS = Table("events", MetaData(), Column("position_id", Integer), Column("kind", String),
                    Column("detail", Text), Column("source", String), Column("at", UTCDateTime))
NEW_EVENTS = Prepared(insert(_EVENT_ROWS))


def note_outcomes(outcomes, contacts, existing):
    if outcomes is not None:
        outcomes.update((c.row_number, "updated" if c.reference in existing else "imported")
                        for c in contacts)


class DryRun:
    """Counts what BatchWriter would do with each batch, reading only: a preview takes no
    write lock (SQLite has one for the whole database) however long the list."""

    outcomes = None

    def __init__(self, session, creditor_id, result, codes=None):
        self.session, self.creditor_id, self.result = session, creditor_id, result
        self.codes = codes
        self.first_rows = {}  # reference: the row that would write it; bounded by IMPORT_MAX_ROWS

    def write(self, items):
        contacts, rejections = _split_repeated(items)
        rejections += [_repeated(c, self.first_rows[c.reference])
                       for c in contacts if c.reference in self.first_rows]
        contacts = [c for c in contacts if c.reference not in self.first_rows]
        existing = _existing_ids(self.session, self.creditor_id, [c.reference for c in contacts])
        contacts, refused = _without_erased(self.session, contacts, existing)
        rejections += refused
        self.first_rows.update((c.reference, c.row_number) for c in contacts)
        self.result.updated += sum(1 for c in contacts if c.reference in existing)
        self.result.imported += sum(1 for c in contacts if c.reference not in existing)
        note_outcomes(self.outcomes, contacts, existing)
        self.result.rejections.extend(sorted(rejections, key=lambda r: r.row_number))
        if self.codes is not None:
            self.codes.note(contacts, existing)
        if self.result.review is not None:
            self.result.review.note(contacts, existing)


class BatchWriter:
    """Writes one batch of parsed rows with a handful of bulk statements."""

    outcomes = None

    def __init__(self, session, creditor_id, batch_id, result, updated_columns, start=None,
                 codes=None, bar_secret=None):
        self.session = session
        self.codes = codes
        self.bar_secret = bar_secret
        self.start = start or {}
        # A column the file does not have (say, no email at all) keeps what positions have.
        self.updated_columns = updated_columns
        self.creditor_id = creditor_id
        self.batch_id = batch_id
        self.result = result
        self.source = f"import:batch:{batch_id}"
        self.on_postgresql = session.connection().dialect.name == "postgresql"
        if self.on_postgresql:
            # The per-reference probes below are costed high when statistics are missing, and
            # PostgreSQL then compiled each batch's lookups to machine code: 140 ms of JIT for a
            # 5 ms read. Until this transaction ends.
            session.execute(text("SET LOCAL jit = off"))
            self.updates = pg_batches.PositionUpdates(session, updated_columns)

    def write(self, items):
        contacts, rejections = _split_repeated(items)
        now = utcnow()
        existing, repeated, erased = self._known([c.reference for c in contacts])
        rejections += [_repeated(c, repeated[existing[c.reference]])
                       for c in contacts if existing.get(c.reference) in repeated]
        contacts = [c for c in contacts if existing.get(c.reference) not in repeated]
        contacts, refused = _without_erased(self.session, contacts, existing, erased)
        rejections += refused
        if self.bar_secret and contacts:
            revive_bars(self.session, {c.phone for c in contacts}, self.bar_secret)
        new = [c for c in contacts if c.reference not in existing]
        old = [c for c in contacts if c.reference in existing]
        self._insert(new, now)
        self._update(old, existing, now)
        rejections.sort(key=lambda r: r.row_number)
        if rejections:
            self.session.execute(insert(ImportRejection), [
                {"batch_id": self.batch_id, "row_number": r.row_number, "reason": r.reason}
                for r in rejections
            ])
        self.result.imported += len(new)
        self.result.updated += len(old)
        note_outcomes(self.outcomes, contacts, existing)
        self.result.rejections.extend(rejections)
        if self.codes is not None:
            self.codes.note(contacts, existing)
        if self.result.review is not None:
            self.result.review.note(contacts, existing)

    def _existing_ids(self, references):
        return _existing_ids(self.session, self.creditor_id, references)

    def _known(self, references):
        """{reference: position id} of the existing positions among `references`, {position
        id: file row} of those an earlier batch of this same file wrote, and the erased ones'
        ids (None: not looked for yet)."""
        # The events of this import are its memory of which rows it wrote: no set of every
        # reference in the file is kept, so memory stays flat however long the file is.
        if self.on_postgresql:
            if self.session.autoflush:
                self.session.flush()
            return pg_batches.known_positions(self.session.connection(), self.creditor_id,
                                              self.source, references)
        existing = self._existing_ids(references)
        return existing, self._rows_of_this_import(existing), None

    def _rows_of_this_import(self, existing):
        """{position id: file row} of positions an earlier batch of this same file wrote."""
        if not existing:
            return {}
        rows = self.session.execute(
            select(Event.position_id, Event.detail)
            .where(Event.source == self.source, Event.position_id.in_(list(existing.values()))))
        return {position_id: detail["row"] for position_id, detail in rows}

    def _insert(self, contacts, now):
        if not contacts:
            return
        rows = [dict(_list_values(c), reference=c.reference) for c in contacts]
        if self.on_postgresql:
            # Their ids first, written with them: one COPY (db.prepared), no look back.
            ids = pg_batches.new_position_ids(self.session, len(contacts))
            for row, position_id in zip(rows, ids):
                row["id"] = position_id
        # Every row has every key, so all go in one executemany (on psycopg one COPY).
        NEW_POSITIONS.executemany(
            self.session, rows,
            shared=dict(creditor_id=self.creditor_id, import_batch_id=self.batch_id,
                        created_at=now, updated_at=now, **self.start))
        if self.on_postgresql:
            ids = {c.reference: position_id for c, position_id in zip(contacts, ids)}
        else:
            ids = self._existing_ids([c.reference for c in contacts])
        self._events(ids, "imported", contacts, now)

    def _update(self, contacts, existing, now):
        if not contacts:
            return
        if self.on_postgresql:
            self.updates.write([dict(_list_values(c, self.updated_columns),
                                     id=existing[c.reference]) for c in contacts], now)
        else:
            # UPDATE by primary key: one executemany, no objects loaded.
            LIST_UPDATE.executemany(self.session, [
                dict(_list_values(c, self.updated_columns), position_id=existing[c.reference])
                for c in contacts
            ], shared={"updated_at": now})
        self._forget_written(existing[c.reference] for c in contacts)
        self._events(existing, "updated", contacts, now)

    def _forget_written(self, position_ids):
        """Expire what this import wrote in the positions the session holds (the ORM's bulk
        UPDATE refreshed them), so that they are read again: its sessions keep objects across
        commits. The session holds a handful of objects, the batch thousands of rows."""
        written = set(position_ids)
        columns = [*self.updated_columns, "updated_at"]
        for key, held in self.session.identity_map.items():
            if key[0] is Position and key[1][0] in written:
                self.session.expire(held, columns)

    def _events(self, ids, kind, contacts, now):
        """An event `kind` for each of `contacts`, whose position ids are `ids` by reference."""
        if self.on_postgresql:
            pg_batches.insert_events(self.session, kind, self.source, now, self.batch_id,
                                     [ids[c.reference] for c in contacts],
                                     [c.row_number for c in contacts])
            return
        NEW_EVENTS.executemany(self.session, [
            {"position_id": ids[c.reference],
             "detail": f'{{"batch_id": {self.batch_id}, "row": {c.row_number}}}'}
            for c in contacts
        ], shared={"kind": kind, "source": self.source, "at": now})


class CodeCheck:
    """Notes the rows that leave a position without a verification code, for a creditor that
    requires one (`ImportResult.without_code`). A list without the column keeps the codes the
    positions it updates had: those are read, one query a batch."""

    def __init__(self, session, result, list_has_codes):
        self.session, self.result, self.list_has_codes = session, result, list_has_codes

    def note(self, contacts, existing):
        lacking = [c for c in contacts if not c.verification_code]
        kept = set() if self.list_has_codes else self._with_code(
            [existing[c.reference] for c in lacking if c.reference in existing])
        self.result.without_code.extend(sorted(
            c.row_number for c in lacking if existing.get(c.reference) not in kept))

    def _with_code(self, position_ids):
        if not position_ids:
            return set()
        return set(self.session.scalars(select(Position.id).where(
            Position.id.in_(position_ids), Position.verification_code.is_not(None))))


def _existing_ids(session, creditor_id, references):
    """{reference: position id} of the creditor's positions among `references`."""
    if not references:
        return {}
    # Core on the session's connection (flushed first, as the session's own execute would):
    # the ORM's handling of a statement of plain columns cost more than the indexed read.
    if session.autoflush:
        session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return pg_batches.existing_ids(connection, creditor_id, references)
    return dict(connection.execute(
        select(_POSITIONS.c.reference, _POSITIONS.c.id)
        .where(_POSITIONS.c.creditor_id == creditor_id,
               _POSITIONS.c.reference.in_(references))).all())


def _without_erased(session, contacts, existing, erased=None):
    """The contacts whose position was not erased, and rejections for those whose was: an
    erasure is not undone by the next list that still names the position. `erased`: the ids
    of the erased positions, when known already."""
    ids = [existing[c.reference] for c in contacts if c.reference in existing]
    if not ids:
        return contacts, []
    if erased is None:
        erased = _erased_ids(session, ids)
    if not erased:
        return contacts, []
    return ([c for c in contacts if existing.get(c.reference) not in erased],
            [_reference_rejection(c.row_number, "erased",
                                  FieldError("reference_erased", reference=c.reference))
             for c in contacts if existing.get(c.reference) in erased])


def _erased_ids(session, position_ids):
    if session.get_bind().dialect.name == "postgresql":
        return pg_batches.erased_ids(session, position_ids)
    return set(session.scalars(select(Position.id).where(
        Position.id.in_(position_ids), Position.erased_at.is_not(None))))


def _split_repeated(items):
    """The contacts of one batch, and rejections (a reference repeated within the batch too)."""
    contacts, rejections, first_row = [], [], {}
    for item in items:
        if not isinstance(item, Contact):
            rejections.append(item)
        elif first_row.setdefault(item.reference, item.row_number) != item.row_number:
            rejections.append(_repeated(item, first_row[item.reference]))
        else:
            contacts.append(item)
    return contacts, rejections


def _repeated(contact, first_row):
    return _reference_rejection(contact.row_number, "repeated", FieldError(
        "reference_repeated", reference=contact.reference, row=first_row))


def _reference_rejection(row_number, code, error):
    """A row refused for its reference: `error` (a FieldError) and the API's word `code`."""
    return Rejection.of(row_number, error, problems=(("reference", code, str(error)),))


def _list_values(contact, columns=LIST_COLUMNS):
    return {column: getattr(contact, column) for column in columns}
