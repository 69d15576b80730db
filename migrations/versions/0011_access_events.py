"""Who on the staff was shown a family's contact details, and where.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 01:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("subject_type", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=60), nullable=False),
        sa.CheckConstraint("subject_type IN ('case', 'response')", name=op.f("ck_access_event_subject_type")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_access_event_actor_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_event")),
    )
    op.create_index("ix_access_event_subject", "access_event", ["subject_type", "subject_id"])


def downgrade():
    op.drop_index("ix_access_event_subject", table_name="access_event")
    op.drop_table("access_event")
