"""pacing slots shared by dialers, indexes of calls by number and of claims

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pacing_slots',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('next_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_to_number_status', ['to_number', 'status'], unique=False)
        batch_op.create_index('ix_attempts_claim', ['status', 'call_window', 'due_at', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_claim')
        batch_op.drop_index('ix_attempts_to_number_status')
    op.drop_table('pacing_slots')
