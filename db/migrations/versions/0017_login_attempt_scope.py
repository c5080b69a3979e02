"""the throttle's scope of a login attempt: the console's logins apart from the page's codes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=16), nullable=False,
                                      server_default='console'))
    # The debtor's page counted its codes under `page:<position id>`: they are its own now.
    op.execute("UPDATE login_attempts SET scope = 'page' WHERE username LIKE 'page:%'")


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_column('scope')
