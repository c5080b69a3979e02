"""an index of the call-backs in progress by the caller's number (the dialer's busy check)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

INBOUND = sa.text("direction = 'inbound'")


def upgrade():
    op.create_index('ix_attempts_inbound_from_number', 'attempts', ['from_number', 'status'],
                    unique=False, postgresql_where=INBOUND, sqlite_where=INBOUND)


def downgrade():
    op.drop_index('ix_attempts_inbound_from_number', table_name='attempts')
