"""outbox: the Message-ID, lease and DATA mark of a message being sent

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('data_at', sa.DateTime(), nullable=True))
    # A claim made before this upgrade kept its lease in next_try_at, and nobody knows how far
    # its SMTP exchange got: when the lease ends it is held as unknown, not sent again.
    op.execute("UPDATE outgoing_mail SET lease_until = next_try_at, data_at = next_try_at"
               " WHERE status = 'sending'")


def downgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_column('data_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('message_id')
