"""console sessions that end at logout; login attempts reserved before the password check

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
    # NULL: the attempt is reserved and its password is being checked.
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.alter_column('succeeded', existing_type=sa.Boolean(), nullable=True)


def downgrade():
    op.execute("DELETE FROM login_attempts WHERE succeeded IS NULL")
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.alter_column('succeeded', existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
