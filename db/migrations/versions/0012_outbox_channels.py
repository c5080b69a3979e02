"""outbox: channels (email, PEC, SMS), HTML bodies, delivery news and receipts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 03:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=8), nullable=False,
                                      server_default='email'))
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('provider_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('delivery', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_outgoing_mail_message_id', ['message_id'], unique=False)
        batch_op.create_index('ix_outgoing_mail_provider_id', ['provider_id'], unique=False)
    op.create_table(
        'outbox_receipts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mail_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['mail_id'], ['outgoing_mail.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('mail_id', 'kind', name='uq_outbox_receipts_mail_kind'),
    )


def downgrade():
    op.drop_table('outbox_receipts')
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_mail_provider_id')
        batch_op.drop_index('ix_outgoing_mail_message_id')
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('delivery')
        batch_op.drop_column('provider_id')
        batch_op.drop_column('html')
        batch_op.drop_column('channel')
