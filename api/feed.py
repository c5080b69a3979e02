"""The creditor's event feed: position events a creditor is told of (domain.feed), numbered
into `feed_events` in the order they are published, read by cursor (GET /api/v1/events) and
queued for the creditor's webhook.

Why a queue and a publisher rather than reading `events` by id: an event's id is taken when
it is inserted, and its transaction may commit after later ids are visible; a client that had
read past them would never see it. Events of the feed's kinds are queued in their own
transaction (db.events); `publish` numbers them one publisher at a time, so a feed id is
visible only once every smaller one is.
"""
from sqlalchemy import delete, insert, literal, or_, select, text

from db.models import (Creditor, Event, FeedEvent, FeedQueue, Position, UTCDateTime,
                       WebhookDelivery)
from domain.feed import FEED_TYPES

PUBLISH_BATCH = 1000
# What of an event's detail the creditor is told, per kind; nothing personal (no names,
# numbers or addresses), nothing internal (ids of rows, sources).
DATA_KEYS = {
    "outcome": ("outcome",),
    "status": ("from", "to", "reason", "until", "promise_date"),
    "payment": ("amount_paid", "paid_on", "amount_due"),
    "promise_broken": ("until",),
    "verify_lapsed": ("until",),
}
MESSAGE_KEYS = ("kind",)


def feed_data(kind, detail):
    """The `data` of a feed event of `kind` whose event detail is `detail`."""
    detail = detail or {}
    if kind in DATA_KEYS:
        return {k: detail[k] for k in DATA_KEYS[kind] if detail.get(k) is not None}
    channel = kind.split("_", 1)[0]
    data = {"channel": channel, **{k: detail[k] for k in MESSAGE_KEYS if k in detail}}
    if kind.endswith(("undelivered", "not_delivered")):
        data["delivery"] = "not_delivered"
    return data


def as_item(feed_id, type_, reference, at, data):
    return {"id": None if feed_id is None else str(feed_id), "type": type_,
            "reference": reference, "occurred_at": at.isoformat(), "data": data}


_ANY_QUEUED = select(FeedQueue.id).limit(1)   # asked by every tick and GET /events: built once


def publish(session, now, limit=PUBLISH_BATCH):
    """Number the queued events into the feed (and queue their webhooks); how many. The caller
    commits. One publisher at a time: PostgreSQL's advisory lock; on SQLite the savepoint
    takes the write lock before the queue is read (db's BEGIN IMMEDIATE)."""
    if session.scalar(_ANY_QUEUED) is None:
        return 0   # nothing queued: no lock taken (GET /events asks on every call)
    with session.begin_nested():
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x0feed})
        queued = session.execute(
            select(FeedQueue.id, Event.id, Event.kind, Event.detail, Event.at, Position.id,
                   Position.creditor_id)
            .join(Event, Event.id == FeedQueue.event_id)
            .join(Position, Position.id == Event.position_id)
            .order_by(FeedQueue.id).limit(limit)).all()
        hooked = set(session.scalars(select(Creditor.id).where(
            Creditor.id.in_({row[-1] for row in queued}), Creditor.webhook_url.is_not(None))))
        # One statement for the batch (executemany, in the queue's order) instead of one per event.
        session.execute(insert(FeedEvent.__table__), [
            {"event_id": event_id, "creditor_id": creditor_id, "position_id": position_id,
             "type": FEED_TYPES[kind], "at": at, "data": feed_data(kind, detail),
             "published_at": now}
            for _qid, event_id, kind, detail, at, position_id, creditor_id in queued])
        if hooked:
            session.execute(insert(WebhookDelivery).from_select(
                ["feed_event_id", "creditor_id", "status", "tries", "next_try_at", "created_at"],
                select(FeedEvent.id, FeedEvent.creditor_id, literal("queued"), literal(0),
                       literal(now, UTCDateTime), literal(now, UTCDateTime))
                .where(FeedEvent.event_id.in_(
                    [row[1] for row in queued if row[-1] in hooked]))
                .order_by(FeedEvent.id)))
        session.execute(delete(FeedQueue).where(FeedQueue.id.in_([q[0] for q in queued])))
    return len(queued)


def read_feed(session, creditor_id, after, limit):
    """(items, next cursor) of the creditor's feed after the cursor `after` (0: from the start)."""
    rows = session.execute(
        select(FeedEvent.id, FeedEvent.type, Position.reference, FeedEvent.at, FeedEvent.data)
        .join(Position, Position.id == FeedEvent.position_id)
        .where(FeedEvent.creditor_id == creditor_id, FeedEvent.id > after)
        .order_by(FeedEvent.id).limit(limit)).all()
    items = [as_item(*row) for row in rows]
    return items, str(rows[-1][0] if rows else after)


def position_events(session, position):
    """A position's feed-kind events, oldest first, with their feed id once published."""
    rows = session.execute(
        select(FeedEvent.id, Event.kind, Event.at, Event.detail)
        .outerjoin(FeedEvent, FeedEvent.event_id == Event.id)
        .where(Event.position_id == position.id, Event.kind.in_(list(FEED_TYPES)),
               # a call's progress is recorded as a `status` of its attempt (domain.feed.told)
               or_(Event.kind != "status", Event.attempt_id.is_(None)))
        .order_by(Event.at, Event.id)).all()
    return [as_item(feed_id, FEED_TYPES[kind], position.reference, at, feed_data(kind, detail))
            for feed_id, kind, at, detail in rows]
