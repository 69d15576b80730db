"""Responses and cases record when retention forgot them, so that a daily run reads only the newly old.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 17:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forgotten_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("forgotten_at")
