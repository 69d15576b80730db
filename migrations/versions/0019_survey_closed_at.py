"""When a survey was closed, so that a family who began it before then can still finish it for a while.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    # Left empty for surveys closed already: when was not kept, so nobody finishes them late.
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
