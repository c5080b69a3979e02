"""creditors may opt in to synthesizing the debtors' own values

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('synthesize_personal', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.drop_column('synthesize_personal')
