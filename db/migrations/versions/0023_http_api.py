"""the HTTP API: creditors' API keys, idempotent answers, per-key rate windows, the creditor's
event feed (queued, then numbered) and the outgoing webhooks' deliveries

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditors') as batch:
        batch.add_column(sa.Column('webhook_url', sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column('webhook_secret', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('webhook_paused_at', sa.DateTime(), nullable=True))
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('creditor_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=True),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'))
    op.create_index('ix_api_keys_creditor_id', 'api_keys', ['creditor_id'])
    op.create_table(
        'api_idempotency',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('creditor_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('creditor_id', 'key', name='uq_api_idempotency_creditor_key'))
    op.create_index('ix_api_idempotency_created_at', 'api_idempotency', ['created_at'])
    op.create_table(
        'api_rate_windows',
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.Column('minute', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['key_id'], ['api_keys.id']),
        sa.PrimaryKeyConstraint('key_id', 'minute'))
    op.create_table(
        'feed_queue',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'))
    op.create_table(
        'feed_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('creditor_id', sa.Integer(), nullable=False),
        sa.Column('position_id', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id']),
        sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id']),
        sa.ForeignKeyConstraint(['position_id'], ['positions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'))
    op.create_index('ix_feed_events_creditor_id', 'feed_events', ['creditor_id', 'id'])
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_event_id', sa.Integer(), nullable=False),
        sa.Column('creditor_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_tried_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['feed_event_id'], ['feed_events.id']),
        sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('feed_event_id'))
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['status', 'next_try_at'])
    op.create_index('ix_webhook_deliveries_creditor', 'webhook_deliveries',
                    ['creditor_id', 'status'])


def downgrade():
    op.drop_table('webhook_deliveries')
    op.drop_table('feed_events')
    op.drop_table('feed_queue')
    op.drop_table('api_rate_windows')
    op.drop_table('api_idempotency')
    op.drop_table('api_keys')
    with op.batch_alter_table('creditors') as batch:
        batch.drop_column('webhook_paused_at')
        batch.drop_column('webhook_secret')
        batch.drop_column('webhook_url')
