"""creditors may require identification by verification code (SPEC §1.1)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 13:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_code', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.drop_column('require_code')
