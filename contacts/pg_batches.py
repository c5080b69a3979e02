"""An import's batches said to PostgreSQL: the statements contacts.importer uses there instead
of the portable ones, each because the portable one cost far more than the rows it reads or
writes (the comment on each says how much).

contacts.importer decides what a batch does; this module only writes it. Every statement runs
in the caller's transaction.
"""
from sqlalchemy import (Boolean, Column, Integer, MetaData, Table, bindparam, column, text,
                        update)
from sqlalchemy.schema import CreateTable

from db.models import Event, Position, UTCDateTime
from db.prepared import Prepared

_POSITIONS = Position.__table__

# One probe of the unique (creditor, reference) index per reference, whatever the statistics
# say. With `creditor_id = … AND reference IN (…)`, PostgreSQL believed a creditor whose rows
# this very transaction wrote (a new creditor's first list, or any list before autovacuum has
# counted the last one) to have a few rows, and read all of them through the creditor's other
# indexes for every batch, each batch reading every row written before it (a 1,000,000-row
# list had not finished its first import after nine minutes). The LIMIT keeps the subquery a
# per-reference probe (the planner does not fold it into a join); the index is unique anyway.
_EXISTING = text(
    "SELECT r.reference, p.id FROM unnest(CAST(:references AS varchar[])) AS r(reference)"
    " CROSS JOIN LATERAL (SELECT positions.id FROM positions"
    " WHERE positions.creditor_id = :creditor_id AND positions.reference = r.reference"
    " LIMIT 1) AS p")
# The same probe, with what a re-import's batch must also know of each position it finds: whether
# it was erased, and this import's event of it (its file row), probed through
# ix_events_position_at — without statistics, `position_id IN (…)` read the whole events table
# for every batch (176 ms a batch at 2 million events, against 5 ms). One statement where there
# were three, each unnesting the batch again: a fifth of a re-import's reading.
_KNOWN = text(
    "SELECT r.reference, p.id, p.erased_at IS NOT NULL AS erased, e.detail"
    " FROM unnest(CAST(:references AS varchar[])) AS r(reference)"
    " CROSS JOIN LATERAL (SELECT positions.id, positions.erased_at FROM positions"
    " WHERE positions.creditor_id = :creditor_id AND positions.reference = r.reference"
    " LIMIT 1) AS p"
    " LEFT JOIN LATERAL (SELECT events.detail FROM events"
    " WHERE events.position_id = p.id AND events.source = :source LIMIT 1) AS e ON true"
).columns(_POSITIONS.c.reference, _POSITIONS.c.id, column("erased", Boolean),
          Event.__table__.c.detail)
# The erased among a batch's positions, one probe of the primary key each: as `id IN (…)`, a
# table never analyzed (no autovacuum yet) was read whole for every batch of a re-import.
_ERASED = text(
    "SELECT p.id FROM unnest(CAST(:position_ids AS integer[])) AS i(id)"
    " CROSS JOIN LATERAL (SELECT positions.id FROM positions"
    " WHERE positions.id = i.id AND positions.erased_at IS NOT NULL OFFSET 0) AS p"
).columns(_POSITIONS.c.id)
# Ids for a batch's new positions, taken before they are written (in COPY, with them): looking
# them up again by reference afterwards cost the server more than the COPY itself.
_NEXT_IDS = text(
    "SELECT nextval(s.sequence) FROM (SELECT CAST(pg_get_serial_sequence('positions', 'id')"
    " AS regclass) AS sequence OFFSET 0) AS s, generate_series(1, :count)")


# A batch's events, made by the server from two arrays of integers: as rows sent by COPY, the
# client spent more on formatting them than on the positions they speak of. The detail's text
# is the one json.dumps wrote. In the batch's order, as before.
_NEW_EVENTS = text(
    "INSERT INTO events (position_id, kind, detail, source, at)"
    " SELECT e.id, :kind, CAST(format('{\"batch_id\": %s, \"row\": %s}', :batch_id, e.row)"
    " AS json), :source, :at"
    " FROM unnest(CAST(:position_ids AS integer[]), CAST(:rows AS integer[]))"
    " WITH ORDINALITY AS e(id, row, n) ORDER BY e.n"
).bindparams(bindparam("at", type_=UTCDateTime))


def existing_ids(connection, creditor_id, references):
    """{reference: position id} of the creditor's positions among `references`."""
    rows = connection.execute(_EXISTING, {"creditor_id": creditor_id, "references": references})
    return dict(rows.all())


def known_positions(connection, creditor_id, source, references):
    """What a batch of the import `source` must know of the creditor's positions among
    `references`: {reference: position id} of those that exist, {position id: file row} of
    those this import wrote already, and the set of the erased ones' ids."""
    existing, written, erased = {}, {}, set()
    for reference, position_id, is_erased, detail in connection.execute(_KNOWN, {
            "creditor_id": creditor_id, "source": source, "references": references}):
        existing[reference] = position_id
        if detail is not None:
            written[position_id] = detail["row"]
        if is_erased:
            erased.add(position_id)
    return existing, written, erased


def erased_ids(session, position_ids):
    """The erased among `position_ids`."""
    return set(session.scalars(_ERASED, {"position_ids": position_ids}))


def insert_events(session, kind, source, at, batch_id, position_ids, rows):
    """An event `kind` of the import `source` for each of `position_ids`, its file row the
    same place of `rows`."""
    session.execute(_NEW_EVENTS, {"kind": kind, "source": source, "at": at,
                                  "batch_id": batch_id, "position_ids": position_ids,
                                  "rows": rows})


def new_position_ids(session, count):
    """`count` new ids of positions, ascending (the order COPY would have given them)."""
    return sorted(session.scalars(_NEXT_IDS, {"count": count}))


# A re-import's batch of updates goes to the server as one COPY into a temporary table and one
# UPDATE … FROM it: as an executemany of an UPDATE by primary key each, the server spent more
# on starting and ending two thousand statements a batch than on the rows they changed.
_UPDATES = Table("import_updates", MetaData(), Column("id", Integer),
                 *(Column(column.name, column.type) for column in _POSITIONS.c
                   if column.name in ("name", "phone", "email", "pec", "amount", "currency",
                                      "due_date", "invoice", "verification_code", "language")),
                 prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
_FILL_UPDATES = Prepared(_UPDATES.insert())
_UPDATE_FROM = {}   # the updated columns: their Prepared UPDATE … FROM import_updates


class PositionUpdates:
    """Writes a re-import's batches of list values to positions by id, in its transaction."""

    def __init__(self, session, columns):
        self.session, self.columns = session, tuple(columns)
        self.ready = False
        if self.columns not in _UPDATE_FROM:
            _UPDATE_FROM[self.columns] = Prepared(
                update(_POSITIONS).where(_POSITIONS.c.id == _UPDATES.c.id).values(
                    {**{column: _UPDATES.c[column] for column in self.columns},
                     "updated_at": bindparam("updated_at")}))
        self.update_from = _UPDATE_FROM[self.columns]

    def write(self, rows, now):
        """Set each of `rows` (dicts: the position's `id` and the columns) on its position."""
        if not self.ready:
            # Dropped at commit; another import in the same transaction finds it and empties it.
            self.session.execute(CreateTable(_UPDATES, if_not_exists=True))
            self.ready = True
        self.session.execute(text("TRUNCATE import_updates"))
        _FILL_UPDATES.executemany(self.session, rows)
        self.update_from.execute(self.session, {"updated_at": now})
