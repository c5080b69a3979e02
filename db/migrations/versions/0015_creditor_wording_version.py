"""a creditor's wording version: bumped by every change of its own wording and recordings

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 00:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wording_version', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.drop_column('wording_version')
