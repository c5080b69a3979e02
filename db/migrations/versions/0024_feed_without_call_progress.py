"""the creditors' feed without calls' progress: a call's status callbacks (`status` events of an
attempt) were queued and numbered as status changes of the position, with no data; they are
taken out of the queue, the feed and the webhooks' deliveries (domain.feed.told)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 22:20:00
"""
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

CALL_PROGRESS = "SELECT id FROM events WHERE kind = 'status' AND attempt_id IS NOT NULL"


def upgrade():
    op.execute(f"DELETE FROM feed_queue WHERE event_id IN ({CALL_PROGRESS})")
    op.execute("DELETE FROM webhook_deliveries WHERE feed_event_id IN "
               f"(SELECT id FROM feed_events WHERE event_id IN ({CALL_PROGRESS}))")
    op.execute(f"DELETE FROM feed_events WHERE event_id IN ({CALL_PROGRESS})")


def downgrade():
    pass   # what was taken out was never a fact of the position's
