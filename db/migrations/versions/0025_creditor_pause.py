"""campaign controls: a creditor's campaign paused by a person (`paused_at`, `paused_by`), a
position held ("Ferma": `held_at`, `held_by`), and the creditor's own event log of its pauses

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 07:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('paused_by', sa.String(length=200), nullable=True))
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('held_by', sa.String(length=200), nullable=True))
    op.create_table(
        'creditor_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('creditor_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_creditor_events_creditor_at', 'creditor_events', ['creditor_id', 'at'])


def downgrade():
    op.drop_index('ix_creditor_events_creditor_at', table_name='creditor_events')
    op.drop_table('creditor_events')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_column('held_by')
        batch_op.drop_column('held_at')
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.drop_column('paused_by')
        batch_op.drop_column('paused_at')
