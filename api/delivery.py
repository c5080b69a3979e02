"""Delivering the feed to the creditors' webhooks: the outbox's pattern, at least once.

A delivery goes `queued` → `sending` (claimed, with a lease on the wall clock) → `sent`; a
failure puts it back in the queue with a growing backoff (notify.fates.backoff); a claim whose
lease ran out (its worker died) goes back to the queue, and may then reach the receiver twice:
the event's stable `id` lets it drop the second. After PAUSE_AFTER failed tries of one
delivery the creditor's webhook is paused — nothing is dropped, its deliveries wait in the
queue until an admin resumes it (console) or its URL is set again.
"""
import functools
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from api.feed import as_item, publish
from api.idempotency import forget_old
from api.webhooks import WebhookError, get_poster, get_resolver, signed_request
from db import session_scope
from db.models import Creditor, FeedEvent, Position, WebhookDelivery, utcnow
from domain.webhook_urls import WebhookUrlError, checked_address
from notify.fates import backoff

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)   # far longer than WEBHOOK_TIMEOUT
PAUSE_AFTER = 8


@dataclass
class WebhookReport:
    published: int = 0
    sent: int = 0
    retried: int = 0
    paused: int = 0
    recovered: int = 0

    def __bool__(self):
        return bool(self.published or self.sent or self.retried or self.paused or self.recovered)

    def summary(self):
        text = (f"webhooks: {self.published} events published, {self.sent} delivered, "
                f"{self.retried} to retry")
        if self.paused:
            text += f", {self.paused} creditors paused after repeated failures"
        if self.recovered:
            text += f", {self.recovered} stale claims recovered"
        return text

    __str__ = summary


def publish_and_deliver(app, now, limit=None):
    """Publish the queued events into the feed, then POST every delivery due at `now` (and
    forget the API's idempotent answers older than a week)."""
    report = WebhookReport()
    with session_scope(app) as session:
        while (published := publish(session, now)):
            report.published += published
            session.commit()
        # Kept answers are stamped on the wall clock, whatever instant the tick replays.
        forget_old(session, utcnow())
    report.recovered = _recover(app)
    poster = get_poster(app)
    while limit is None or report.sent + report.retried < limit:
        claimed = _claim(app, now)
        if claimed is None:
            break
        fate = _deliver(app, poster, claimed, now)
        setattr(report, fate, getattr(report, fate) + 1)
    return report


def _recover(app):
    wall_clock = utcnow()
    expired = (WebhookDelivery.status == "sending", WebhookDelivery.lease_until <= wall_clock)
    with session_scope(app) as session:
        # Looked for first: an UPDATE that matches nothing still takes SQLite's write lock,
        # and this runs every few seconds.
        if session.scalar(_expired_lease(), {"wall_clock": wall_clock}) is None:
            return 0
        return session.execute(
            update(WebhookDelivery)
            .where(*expired)
            .values(status="queued", lease_until=None,
                    last_error="claim expired: its worker stopped; sent again")
            .execution_options(synchronize_session=False)).rowcount


def _claim(app, now):
    """(delivery id, url, secret, feed item) claimed for this worker, or None."""
    while True:
        with session_scope(app) as session:
            row = session.execute(_next_delivery(), {"now": now}).first()
            if row is None:
                return None
            claimed = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == row[0], WebhookDelivery.status == "queued")
                .values(status="sending", lease_until=utcnow() + LEASE)
                .execution_options(synchronize_session=False)).rowcount
            if claimed:
                return row[0], row[1], row[2], as_item(*row[3:])


@functools.cache
def _expired_lease():
    """A delivery whose claim's lease is over at `wall_clock` (built once: every tick asks)."""
    return select(WebhookDelivery.id).where(
        WebhookDelivery.status == "sending",
        WebhookDelivery.lease_until <= bindparam("wall_clock",
                                                 type_=WebhookDelivery.lease_until.type)).limit(1)


@functools.cache
def _next_delivery():
    """The next delivery due at `now`, with its creditor's URL and secret and its feed item
    (built once: every tick asks)."""
    return (select(WebhookDelivery.id, Creditor.webhook_url, Creditor.webhook_secret,
                   FeedEvent.id, FeedEvent.type, Position.reference, FeedEvent.at,
                   FeedEvent.data)
            .join(Creditor, Creditor.id == WebhookDelivery.creditor_id)
            .join(FeedEvent, FeedEvent.id == WebhookDelivery.feed_event_id)
            .join(Position, Position.id == FeedEvent.position_id)
            .where(WebhookDelivery.status == "queued",
                   WebhookDelivery.next_try_at <= bindparam(
                       "now", type_=WebhookDelivery.next_try_at.type),
                   Creditor.webhook_paused_at.is_(None), Creditor.webhook_url.is_not(None))
            .order_by(WebhookDelivery.next_try_at, WebhookDelivery.id)
            .limit(1).with_for_update(skip_locked=True, of=WebhookDelivery))


def _deliver(app, poster, claimed, now):
    delivery_id, url, secret, item = claimed
    config = app.config
    body, headers = signed_request(secret, item, int(time.time()))
    try:
        # Checked again at each delivery, and posted to the address checked: the host's
        # addresses may have changed since the URL was set.
        _url, address = checked_address(url, config["WEBHOOK_ALLOW_HTTP"],
                                        config["WEBHOOK_ALLOW_PRIVATE"], get_resolver(app))
        poster.post(url, address, body, headers, config["WEBHOOK_TIMEOUT"])
    except (WebhookError, WebhookUrlError) as exc:
        return _failed(app, delivery_id, str(exc), now)
    with session_scope(app) as session:
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                        .values(status="sent", sent_at=now, last_tried_at=now, lease_until=None,
                                tries=WebhookDelivery.tries + 1)
                        .execution_options(synchronize_session=False))
    log.info("webhook delivery %s sent", delivery_id)
    return "sent"


def _failed(app, delivery_id, error, now):
    with session_scope(app) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        delivery.tries += 1
        delivery.status, delivery.lease_until = "queued", None
        delivery.last_error, delivery.last_tried_at = error[:1000], now
        delivery.next_try_at = now + backoff(delivery.tries)
        paused = delivery.tries >= PAUSE_AFTER
        if paused:
            session.execute(update(Creditor).where(Creditor.id == delivery.creditor_id,
                                                   Creditor.webhook_paused_at.is_(None))
                            .values(webhook_paused_at=now)
                            .execution_options(synchronize_session=False))
    log.warning("webhook delivery %s failed (try %s): %s", delivery_id, delivery.tries, error)
    return "paused" if paused else "retried"


def resume(session, creditor, now):
    """Resume a creditor's paused webhook: its waiting deliveries are due at once; how many."""
    creditor.webhook_paused_at = None
    return session.execute(
        update(WebhookDelivery).where(WebhookDelivery.creditor_id == creditor.id,
                                      WebhookDelivery.status == "queued")
        .values(next_try_at=now, tries=0).execution_options(synchronize_session=False)).rowcount
