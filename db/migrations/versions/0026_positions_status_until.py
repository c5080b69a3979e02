"""an index on positions.status_until: every tick looks for the paused positions whose pause is
over (contacts.status.resume_lapsed), which scanned the whole table

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 14:10:00
"""
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_positions_status_until', 'positions', ['status_until'])


def downgrade():
    op.drop_index('ix_positions_status_until', table_name='positions')
