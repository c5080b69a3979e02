"""the courtesy phase: position statuses, playbooks, call rounds, payments

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 03:20:00

Every existing creditor is on `primo-sollecito` and every existing position is in (or past) its
one call round: round 1, step 1 done. A position that already has its outcome reached the end of
the first reminder, so it is `ended`.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('playbook', sa.String(length=40), nullable=False,
                                      server_default='primo-sollecito'))
        batch_op.add_column(sa.Column('playbook_steps', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('late_fee', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('late_interest_rate', sa.Numeric(precision=6, scale=3),
                                      nullable=True))
        batch_op.add_column(sa.Column('sms_sender', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('promise_grace_days', sa.Integer(), nullable=False,
                                      server_default='3'))
        batch_op.add_column(sa.Column('verify_days', sa.Integer(), nullable=False,
                                      server_default='7'))
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False,
                                      server_default='open'))
        batch_op.add_column(sa.Column('status_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('amount_paid', sa.Numeric(precision=14, scale=2),
                                      nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('phase_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_step_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_positions_steps', ['creditor_id', 'status', 'next_step_on'],
                              unique=False)
    op.execute("UPDATE positions SET status = 'ended' WHERE outcome IS NOT NULL")
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))
        batch_op.drop_constraint('uq_attempts_position_number', type_='unique')
        batch_op.create_unique_constraint('uq_attempts_position_round_number',
                                          ['position_id', 'round', 'number'])


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_attempts_position_round_number', type_='unique')
        batch_op.create_unique_constraint('uq_attempts_position_number', ['position_id', 'number'])
        batch_op.drop_column('round')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index('ix_positions_steps')
        for column in ('next_step_on', 'phase_start', 'step', 'round', 'amount_paid',
                       'status_until', 'status'):
            batch_op.drop_column(column)
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        for column in ('verify_days', 'promise_grace_days', 'contact_phone', 'contact_email',
                       'sms_sender', 'late_interest_rate', 'late_fee', 'playbook_steps',
                       'playbook'):
            batch_op.drop_column(column)
