"""Entries remember where their figure started ("up from 6%") and when they were withdrawn.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 01:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("you_said_we_did", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_from_percent", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_you_said_we_did_evidence_from_percent_range"),
            "evidence_from_percent IS NULL OR evidence_from_percent BETWEEN 0 AND 100",
        )


def downgrade():
    with op.batch_alter_table("you_said_we_did", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_you_said_we_did_evidence_from_percent_range"), type_="check")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("evidence_from_percent")
