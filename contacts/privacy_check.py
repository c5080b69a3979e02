"""After an erasure: is the person still named anywhere? Every text and JSON column of every
table is searched for their values, so a table the erasure does not know of (one added later,
a file name typed by a user) is pointed out rather than silently kept."""
import json
from dataclasses import dataclass

from sqlalchemy import JSON, String, Text, cast, func, or_, select

from db.models import Base


@dataclass(frozen=True)
class Trace:
    table: str
    column: str
    rows: int

    def __str__(self):
        return f"{self.table}.{self.column} ({self.rows} rows)"


def _searchable(table):
    """(name, expression) of the table's columns that can hold a quoted value: text, and JSON
    read as text."""
    for column in table.columns:
        if isinstance(column.type, JSON):
            yield column.name, cast(column, Text)
        elif isinstance(column.type, (String, Text)):
            yield column.name, column


def _patterns(values):
    """LIKE patterns, lower-case, for each value as written and as JSON escapes it."""
    patterns = set()
    for value in values:
        for written in (value, json.dumps(value)[1:-1]):
            escaped = written.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            patterns.add(f"%{escaped.lower()}%")
    return sorted(patterns)


def traces(session, values):
    """Where any of `values` still appears (case-insensitively): a Trace per column, in table
    order; empty when nowhere."""
    patterns = _patterns(values)
    found = []
    if not patterns:
        return found
    for table in Base.metadata.sorted_tables:
        for name, column in _searchable(table):
            lowered = func.lower(column)
            rows = session.scalar(select(func.count()).select_from(table).where(
                or_(*(lowered.like(p, escape="\\") for p in patterns))))
            if rows:
                found.append(Trace(table.name, name, rows))
    return found
