"""a call-back may speak of several positions: a CallSid is unique per position, not per attempt

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 00:30:00
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# 0001 left the CallSid's unique constraint unnamed: PostgreSQL named it, SQLite did not (the
# batch copy of the table finds it by this naming convention).
_NAMING = {"uq": "%(table_name)s_%(column_0_name)s_key"}


def upgrade():
    with op.batch_alter_table('attempts', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint('attempts_call_sid_key', type_='unique')
        batch_op.create_unique_constraint('uq_attempts_call_sid_position',
                                          ['call_sid', 'position_id'])


def downgrade():
    with op.batch_alter_table('attempts', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint('uq_attempts_call_sid_position', type_='unique')
        batch_op.create_unique_constraint('attempts_call_sid_key', ['call_sid'])
