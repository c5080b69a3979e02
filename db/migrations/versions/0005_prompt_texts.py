"""creditors' own wording of prompt slots

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('prompt_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('creditor_id', 'slot', 'language', name='uq_prompt_texts_creditor_slot_language')
    )


def downgrade():
    op.drop_table('prompt_texts')
