"""attempt plans, creditor concurrency, report runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:17:52.896581
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], ),
    sa.ForeignKeyConstraint(['mail_id'], ['outgoing_mail.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('creditor_id', 'day', name='uq_report_runs_creditor_day')
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('call_window', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.drop_index(batch_op.f('ix_attempts_status'))
        batch_op.create_index('ix_attempts_day', ['day'], unique=False)
        batch_op.create_index('ix_attempts_status_due', ['status', 'due_at'], unique=False)

    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_concurrent_calls', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.drop_column('max_concurrent_calls')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_status_due')
        batch_op.drop_index('ix_attempts_day')
        batch_op.create_index(batch_op.f('ix_attempts_status'), ['status'], unique=False)
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('day')
        batch_op.drop_column('call_window')
        batch_op.drop_column('due_at')

    op.drop_table('report_runs')
