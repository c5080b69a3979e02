"""recorded prompts per creditor, slot and language

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('wav', sa.LargeBinary(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('creditor_id', 'slot', 'language', name='uq_recordings_creditor_slot_language')
    )
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recordings_sha256'), ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recordings_sha256'))
    op.drop_table('recordings')
