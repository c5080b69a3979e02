"""creditors' payment link; receipts uploaded on the debtor's page

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_link', sa.String(length=2000), nullable=True))
    op.create_table(
        'receipts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('position_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=True),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['position_id'], ['positions.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('position_id', 'sha256', name='uq_receipts_position_sha256'),
    )
    op.create_index('ix_receipts_position_id', 'receipts', ['position_id'], unique=False)


def downgrade():
    op.drop_index('ix_receipts_position_id', table_name='receipts')
    op.drop_table('receipts')
    with op.batch_alter_table('creditors', schema=None) as batch_op:
        batch_op.drop_column('payment_link')
