"""promises to pay on callback requests

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 19:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promise_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('promise_amount', sa.Numeric(precision=14, scale=2),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.drop_column('promise_amount')
        batch_op.drop_column('promise_date')
