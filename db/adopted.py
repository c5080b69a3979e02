"""A row of named SQL made into the session's persistent ORM objects, without the ORM's loader.

The ORM builds its row processors anew for each query it runs (for a joined load, most of the
time a webhook spends reading its attempt, position and creditor). A row that holds every column
of each model, in table order, converted by db.prepared as the ORM would convert it, carries the
same values: each model's object is made from its share of the row, as loaded and unchanged,
and attached to the session like one it had loaded — tracked, flushed, lazy-loading the rest.
A webhook that runs as named SQL on a Connection makes the same objects in no session
(`detached`) and keeps them in a Session only for the ORM's rare part of its work (`keep_in`).
"""
import functools

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached


def columns_of(*models):
    """Every column of each model, in table order: the SELECT list `adopt` reads."""
    return [column for model in models for column in model.__table__.columns]


def adopt(session, row, *models):
    """The objects of `models` whose columns `row` holds (see `columns_of`), persistent in
    `session`; None when an object of that identity is there already (load it the usual way)."""
    objects = detached(row, *models)
    for obj in objects:
        make_transient_to_detached(obj)
        if inspect(obj).key in session.identity_map:
            return None
    return objects


@functools.cache
def _shape(model):
    """(column keys in table order, the constructor of a blank instance) of `model`."""
    return model.__table__.columns.keys(), inspect(model).class_manager.new_instance


def detached(row, *models):
    """The objects of `models` whose columns `row` holds, in no session: what named SQL on a
    Connection reads to decide with, and writes back itself (their columns only: a
    relationship not set by hand reads as nothing)."""
    objects, start = [], 0
    for model in models:
        keys, new_instance = _shape(model)
        obj = new_instance()
        obj.__dict__.update(zip(keys, row[start:start + len(keys)]))
        start += len(keys)
        objects.append(obj)
    return objects


def keep_in(session, *objects):
    """Objects made by `detached` (or once kept in a session since closed), persistent in
    `session` — a new one, holding none of their identities — with the values they read and
    were written since, as loaded: no SELECT to get them back."""
    for obj in objects:
        if inspect(obj).key is None:
            make_transient_to_detached(obj)
    attach(session, *objects)


def attach(session, *objects):
    """Make adopted objects persistent in `session` (after their relationships are set)."""
    for obj in objects:
        session.add(obj)
