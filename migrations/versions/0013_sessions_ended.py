"""Every session of an account can be ended at once, without changing its password.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 01:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sessions_ended", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("sessions_ended")
