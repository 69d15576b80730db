"""Surveys carry a revision mark, so that web processes can keep a survey's shape until it changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.String(length=16), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_column("revision")
