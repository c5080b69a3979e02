"""Named statements run on every call, compiled once per dialect, executed on the driver's cursor.

SQLAlchemy's execution of a Core statement it has compiled already (the cache lookup, the
execution context, the result wrapper) costs a webhook's short indexed reads and writes several
times what the database spends on them. A `Prepared` keeps what its dialect compiled: the SQL,
the order of the parameters, the conversion of each parameter and column (UTCDateTime, JSON,
booleans: the very processors SQLAlchemy would use), and runs it on the DBAPI cursor of a
Connection (or a Session's), inside its transaction. Listeners of `before_cursor_execute`
(db.write_lock) still hear each statement; a driver error is raised as SQLAlchemy's own
(DBAPIError, its parameters hidden), a lost connection invalidated, so callers handle it as any.

Plain statements only: no expanding IN. An INSERT or UPDATE is compiled for the keys of the
parameters it is given (once per set of keys); the columns it leaves out get their Python-side
defaults (`default`, `onupdate`) as SQLAlchemy would give them. `executemany` runs one for many
rows of the same keys in one call of the driver (bulk writes: an import's thousands of rows),
compiled as SQLAlchemy compiles an executemany (no RETURNING of the new ids).
"""
from collections import namedtuple

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


class Prepared:
    """A Core statement, or `build(dialect_name)` making one per dialect, run as named SQL."""

    def __init__(self, statement=None, build=None):
        self._build = build or (lambda _dialect_name: statement)
        self._compiled = {}

    def execute(self, executor, params=None):
        """Run on `executor` (a Connection or Session, in its transaction); a Result. A
        Session's pending changes are flushed first, as its own `execute` would."""
        connection = _connection_for(executor)
        params = params or {}
        return self._compiled_for(connection.dialect, params, False).run(connection, params)

    def executemany(self, executor, rows, shared=None):
        """Run once for each of `rows` (dicts of the same keys) in one executemany of the
        driver, on `executor` as `execute`; returns nothing (no rows, no ids). `shared`: the
        parameters every row has alike (a batch's instant), converted for the driver once."""
        if not rows:
            return
        connection = _connection_for(executor)
        shared = shared or {}
        compiled = self._compiled_for(connection.dialect, {**rows[0], **shared}, True)
        compiled.run_many(connection, rows, shared)

    def _compiled_for(self, dialect, params, many):
        key = (dialect.name, tuple(params), many)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _Compiled(self._build(dialect.name), dialect,
                                                       list(params), many)
        return compiled

    def first(self, executor, params=None):
        return self.execute(executor, params).first()

    def scalar(self, executor, params=None):
        return self.execute(executor, params).scalar()


def _copy_sql(statement, dialect, names):
    """COPY … FROM STDIN for a plain INSERT of bound values on PostgreSQL (psycopg): the
    server takes a batch's rows as one stream instead of one INSERT each; None otherwise."""
    if dialect.name != "postgresql" or dialect.driver != "psycopg" or not statement.is_insert \
            or statement._returning or statement._post_values_clause is not None \
            or statement._values or statement._multi_values or statement._select_names:
        return None
    table = statement.table
    if not set(names) <= set(table.c.keys()):
        return None
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(table.c[name].name) for name in names)
    return f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"


def _copy(cursor, sql, rows):
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _converted(value, convert):
    return value if convert is None else convert(value)


def _connection_for(executor):
    if isinstance(executor, Session):
        if executor.autoflush:
            executor.flush()
        connection = _connection_of(executor)
    else:
        connection = executor
    if not connection.in_transaction():
        connection.begin()
    return connection


def _connection_of(session):
    """The Connection of `session`'s transaction, begun if need be; kept in the session for the
    rest of that transaction (asking the session each time costs more than most statements)."""
    transaction = session.get_transaction()
    kept = session.info.get(_KEPT)
    if transaction is not None and kept is not None and kept[0] is transaction \
            and not kept[1].closed:
        return kept[1]
    connection = session.connection()
    session.info[_KEPT] = (session.get_transaction(), connection)
    return connection


_KEPT = "cortesia.prepared_connection"


class Result:
    """The rows a statement returned (named tuples) and the rows it changed."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, rows, rowcount):
        self.rows, self.rowcount = rows, rowcount

    def first(self):
        return self.rows[0] if self.rows else None

    def scalar(self):
        return self.rows[0][0] if self.rows else None

    def all(self):
        return self.rows


class _Compiled:
    def __init__(self, statement, dialect, keys, many=False):
        compiled = statement.compile(dialect=dialect, column_keys=keys, for_executemany=many)
        if compiled.escaped_bind_names:
            raise ValueError("a prepared statement's parameter names must need no escaping")
        self.sql, self.dialect = compiled.string, dialect
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        if any(bind.expanding for bind in binds.values()):
            raise ValueError("a prepared statement cannot expand an IN list")
        names = compiled.positiontup if compiled.positional else list(binds)
        # Columns left out whose value Python computes: an INSERT's defaults, an UPDATE's
        # onupdate (a callable default takes the execution context, which none of ours reads).
        computed = {column.key: column.default for column in compiled.insert_prefetch}
        computed.update((column.key, column.onupdate) for column in compiled.update_prefetch)
        # (name, how its value comes: "given" by the caller, "computed" or "literal", the value
        # or default, the driver's conversion)
        self.arguments = [(name, "computed" if name in computed else
                           "given" if binds[name].required else "literal",
                           computed[name] if name in computed else binds[name].effective_value,
                           binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                          for name in names]
        self.names = [argument[0] for argument in self.arguments]
        self.positional = compiled.positional
        columns = list(statement.exported_columns) if statement.is_dml \
            else list(statement.selected_columns)
        self.returns_rows = bool(columns) and (not statement.is_dml or
                                               bool(statement._returning))
        self.row = namedtuple("Row", [column.key for column in columns], rename=True)
        self.columns = columns
        self.converters = None   # known at the first run: some depend on the driver's type code
        self.copy_sql = _copy_sql(statement, dialect, self.names) if many else None

    def _values(self, params):
        values = []
        for name, source, value, convert in self.arguments:
            if source == "given":
                value = params[name]
            elif source == "computed":
                value = value.arg(None) if value.is_callable else value.arg
            values.append(value if convert is None else convert(value))
        return values if self.positional else dict(zip(self.names, values))

    def run(self, connection, params):
        arguments = self._values(params)

        def execute(cursor):
            cursor.execute(self.sql, arguments)
            fetched = cursor.fetchall() if self.returns_rows else ()
            if self.converters is None and self.returns_rows:
                self._converters(cursor.description)
            return Result([self._row(raw) for raw in fetched], cursor.rowcount)

        return self._on_cursor(connection, arguments, False, execute)

    def run_many(self, connection, rows, shared):
        # What every row has alike (a shared parameter, a literal, a constant default) is
        # converted once, in `template`; each row converts only its `own` values.
        template, own = [], []
        for index, (name, source, value, convert) in enumerate(self.arguments):
            if name in shared:
                value, source = shared[name], "literal"
            elif source == "computed" and not value.is_callable:
                value, source = value.arg, "literal"
            if source == "literal":
                template.append(_converted(value, convert))
            else:
                template.append(None)
                own.append((index, name, source, value, convert))
        if self.copy_sql is not None:
            arguments = [self._row_values(params, template, own, True) for params in rows]
            self._on_cursor(connection, arguments, True, lambda cursor: _copy(
                cursor, self.copy_sql, arguments), self.copy_sql)
            return
        arguments = [self._row_values(params, template, own) for params in rows]
        self._on_cursor(connection, arguments, True,
                        lambda cursor: cursor.executemany(self.sql, arguments))

    def _row_values(self, params, template, own, as_list=False):
        values = template.copy()
        for index, name, source, default, convert in own:
            value = params[name] if source == "given" else default.arg(None)
            values[index] = value if convert is None else convert(value)
        return values if self.positional or as_list else dict(zip(self.names, values))

    def _on_cursor(self, connection, arguments, many, execute, sql=None):
        """`execute(cursor)` on a new cursor of `connection`, its `sql` (the statement's own by
        default) heard by its listeners first; a driver error raised as SQLAlchemy's own."""
        sql = sql or self.sql
        dispatch = connection.dispatch.before_cursor_execute
        dbapi_connection = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            for listener in dispatch:
                listener(connection, cursor, sql, arguments, None, many)
            return execute(cursor)
        except self.dialect.loaded_dbapi.Error as error:
            lost = self.dialect.is_disconnect(error, dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(sql, arguments, error,
                                      self.dialect.loaded_dbapi.Error, hide_parameters=True,
                                      connection_invalidated=lost,
                                      dialect=self.dialect) from error
        finally:
            cursor.close()

    def _converters(self, description):
        """Each column's conversion, as SQLAlchemy picks it: by its type, the dialect and the
        driver's type code of the column (PostgreSQL's numeric or float, say)."""
        self.converters = [column.type.dialect_impl(self.dialect).result_processor(
            self.dialect, described[1]) for column, described in zip(self.columns, description)]
        # Only the columns that have one: a turn's row has ninety columns, a few converted.
        self.converting = [(index, convert) for index, convert in enumerate(self.converters)
                           if convert is not None]
        self.plain = not self.converting

    def _row(self, raw):
        if self.plain:
            return self.row._make(raw)
        values = list(raw)
        for index, convert in self.converting:
            values[index] = convert(values[index])
        return self.row._make(values)
