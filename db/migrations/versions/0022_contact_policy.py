"""the contact policy: a creditor's preset and settings, the audit of decisions, and the
indexes its facts are gathered by (blocked numbers and sent messages by number or address)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditors') as batch:
        batch.add_column(sa.Column('policy', sa.String(length=12), nullable=False,
                                   server_default='it'))
        batch.add_column(sa.Column('policy_settings', sa.JSON(), nullable=True))
    op.create_table(
        'policy_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('creditor_id', sa.Integer(), nullable=False),
        sa.Column('position_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('allowed', sa.Boolean(), nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=True),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('next_allowed_at', sa.DateTime(), nullable=True),
        sa.Column('attempt_id', sa.Integer(), nullable=True),
        sa.Column('mail_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id']),
        sa.ForeignKeyConstraint(['position_id'], ['positions.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_policy_decisions_position_at', 'policy_decisions', ['position_id', 'at'])
    op.create_index('ix_policy_decisions_creditor_at', 'policy_decisions', ['creditor_id', 'at'])
    op.create_index('ix_blocked_numbers_phone', 'blocked_numbers', ['phone'])
    op.create_index('ix_outgoing_mail_to_address_sent', 'outgoing_mail',
                    ['to_address', 'sent_at'])


def downgrade():
    op.drop_index('ix_outgoing_mail_to_address_sent', table_name='outgoing_mail')
    op.drop_index('ix_blocked_numbers_phone', table_name='blocked_numbers')
    op.drop_index('ix_policy_decisions_creditor_at', table_name='policy_decisions')
    op.drop_index('ix_policy_decisions_position_at', table_name='policy_decisions')
    op.drop_table('policy_decisions')
    with op.batch_alter_table('creditors') as batch:
        batch.drop_column('policy_settings')
        batch.drop_column('policy')
